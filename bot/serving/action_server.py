"""The action server: rasa-sdk's own app, on loopback by default, answering only callers that hold the token.

Every request except `GET /health` must carry `Authorization: Bearer <token>`, the shared secret in
IEP_ACTION_TOKEN (or the file IEP_ACTION_TOKEN_FILE, made on first use). Rasa sends it from
`endpoints.yml` (`action_endpoint.headers`); a header, never the query string, so it stays out of URLs
and access logs. Compared in constant time. No CORS: a browser has no business here.

    python -m bot.serving.action_server --actions actions --port 5055            # 127.0.0.1
    python -m bot.serving.action_server --actions actions --port 5055 --host 0.0.0.0   # a cluster: token still required
"""
from __future__ import annotations

import argparse
import hmac
import logging
import os

from rasa_sdk.endpoint import create_app as create_sdk_app
from rasa_sdk.plugin import plugin_manager
from rasa_sdk.utils import number_of_sanic_workers, update_sanic_log_level
from sanic import Sanic, response
from sanic.exceptions import PayloadTooLarge
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.ops.log_privacy import LogPolicy, install
from bot.ops.settings import Settings

logger = logging.getLogger("bot.serving.action_server")
REQUEST_MAX_BYTES = 8 * 1024 * 1024  # Rasa sends the whole tracker: a long conversation, never 100 MB (Sanic's default)
OPEN_PATHS = ("/health",)  # what an orchestrator's health check needs, and nothing about anyone


def create_app(actions: str, token: str) -> Sanic:
    if not token:
        raise ValueError("the action server needs a token: set IEP_ACTION_TOKEN or IEP_ACTION_TOKEN_FILE")
    app = create_sdk_app(actions, cors_origins=None)
    app.config.REQUEST_MAX_SIZE = REQUEST_MAX_BYTES

    @app.exception(PayloadTooLarge)  # rasa-sdk answers every exception with a 500; too large is the caller's
    async def too_large(_: Request, __: Exception) -> HTTPResponse:
        return response.json({"error": "the request body is too large"}, status=413)

    @app.middleware("request")
    async def require_token(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS or token_matches(request.headers.get("Authorization"), token):
            return None
        return response.json({"error": "a valid Authorization: Bearer token is required"}, status=401)

    return app


def token_matches(header: str | None, token: str) -> bool:
    scheme, _, given = (header or "").strip().partition(" ")
    # compare_digest on bytes takes the same time wherever the first wrong character is.
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode("utf-8"), token.encode("utf-8"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.serving.action_server", description=__doc__.splitlines()[0])
    parser.add_argument("--actions", default="actions", help="the package holding the actions")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: loopback only)")
    parser.add_argument("--port", type=int, default=5055)
    args = parser.parse_args(argv)
    install(LogPolicy.from_env(), env=os.environ)
    update_sanic_log_level()  # Sanic's own loggers, at the LOG_LEVEL_LIBRARIES install has allowed
    app = create_app(args.actions, Settings.from_env().action_token())
    plugin_manager().hook.attach_sanic_app_extensions(app=app)
    logger.info("action server on http://%s:%s (calls need the action token)", args.host, args.port)
    app.run(args.host, args.port, workers=number_of_sanic_workers(), access_log=False)


if __name__ == "__main__":
    main()
