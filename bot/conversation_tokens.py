"""Conversation identity issued by the server: a parent's conversation id comes only from a token we signed.

A token is `<conversation id>.<HMAC-SHA256 of it>`. The id is random, so it cannot be guessed, and the
signature means it cannot be altered: a token that does not verify names no conversation at all, and
the channel starts a fresh one instead. SMS conversations get a keyed hash of the phone number, so
the number itself never becomes a conversation id.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from typing import Mapping

from bot.settings import Settings

WEB_PREFIX = "web-"
SMS_PREFIX = "sms-"
_ID_BYTES = 16  # 128 random bits


def _derive(root: bytes, purpose: str) -> bytes:
    # One root secret, one derived key per purpose: a token key never doubles as the case-key secret.
    return hmac.new(root, f"iep-navigator/{purpose}".encode("ascii"), hashlib.sha256).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class TokenSigner:
    key: bytes

    @classmethod
    def from_settings(cls, settings: Settings, env: Mapping[str, str] = os.environ) -> "TokenSigner":
        return cls(_derive(settings.id_secret(env), "conversation-token/v1"))

    def issue(self) -> tuple[str, str]:
        """A new conversation: (token for the client, conversation id for Rasa)."""
        conversation_id = WEB_PREFIX + _b64(secrets.token_bytes(_ID_BYTES))
        return f"{conversation_id}.{self._sign(conversation_id)}", conversation_id

    def verify(self, token: str | None) -> str | None:
        """The conversation id the token was issued for, or None for anything we did not sign."""
        if not token or len(token) > 200 or token.count(".") != 1:
            return None
        conversation_id, signature = token.split(".")
        if not conversation_id.startswith(WEB_PREFIX):
            return None
        return conversation_id if hmac.compare_digest(signature, self._sign(conversation_id)) else None

    def _sign(self, conversation_id: str) -> str:
        return _b64(hmac.new(self.key, conversation_id.encode("ascii", "replace"), hashlib.sha256).digest())


@dataclass(frozen=True)
class PhoneHasher:
    """The conversation id of an SMS sender: a keyed hash, stable for the number, useless without the key."""

    key: bytes

    @classmethod
    def from_settings(cls, settings: Settings, env: Mapping[str, str] = os.environ) -> "PhoneHasher":
        return cls(_derive(settings.id_secret(env), "sms-conversation/v1"))

    def conversation_id(self, phone: str) -> str:
        digest = hmac.new(self.key, normalise_phone(phone).encode("utf-8"), hashlib.sha256).hexdigest()
        return SMS_PREFIX + digest[:40]


def normalise_phone(phone: str) -> str:
    """'+1 (555) 010-2000' and '+15550102000' are one sender."""
    kept = "".join(ch for ch in phone.strip() if ch.isdigit() or ch == "+")
    return kept or phone.strip()
