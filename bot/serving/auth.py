"""Rasa's HTTP API answers 401, not 500, to any JWT it cannot accept. Installed by `bot.serving.rasa_server`.

Rasa checks its API's JWT with sanic-jwt, which turns a bad signature or an expired token into a 401
but lets PyJWT's other refusals through as a server error: a token with `"alg": "none"` or another
algorithm, a missing required claim, an unusable key (found by tests/test_security.py). The caller
was refused either way; this makes the refusal the plain 401 it is, and the log holds no trace of it.
"""
from __future__ import annotations

from typing import Any

import jwt
from sanic_jwt.authentication import Authentication

_DECODE = Authentication._decode
# What sanic-jwt already answers with a 401 itself (its `_verify`): these pass through unchanged.
_HANDLED = (jwt.exceptions.DecodeError, jwt.exceptions.ExpiredSignatureError, jwt.exceptions.InvalidIssuerError,
            jwt.exceptions.ImmatureSignatureError, jwt.exceptions.InvalidIssuedAtError,
            jwt.exceptions.InvalidAudienceError)


async def _decode(self: Authentication, token: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return await _DECODE(self, token, *args, **kwargs)
    except jwt.exceptions.InvalidTokenError as refused:
        if isinstance(refused, _HANDLED):
            raise
        raise jwt.exceptions.DecodeError("the token is not acceptable") from None


def install() -> None:
    Authentication._decode = _decode  # type: ignore[method-assign]
