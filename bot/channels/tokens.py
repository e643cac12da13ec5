"""Conversation identity issued by the server: a parent's conversation id comes only from a token we signed.

A token (format 2) is `<conversation id>~<issued>.<HMAC-SHA256 of what comes before the dot>`, with the
issue time in base-36 Unix seconds. The id is random, so it cannot be guessed, and the signature means
neither the id nor the time can be altered: a token that does not verify names no conversation at all,
and the channel starts a fresh one instead.

Replay. A token is a bearer credential for its own conversation, so two uses are refused:
- A token older than the retention period (IEP_RETENTION_DAYS). The channel renews the token in an answer
  (at most daily), so only a token unused for that long ages out, and by then the conversation itself is
  due for the purge. Format-1 tokens (no issue time) are refused for the same reason: their age is unknown.
- A token of a conversation the parent asked us to delete. The web channel keeps a revocation record,
  named by `revocation_id` (a keyed hash, so the record holds nothing of the old id), and gives the
  parent a token for a new, empty conversation. The record lives where conversations live (the tracker
  store every Rasa server shares) and goes with the retention purge, after which the old tokens are
  refused for their age anyway.

SMS conversations get a keyed hash of the phone number, so the number itself never becomes a conversation id.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
import time
from dataclasses import dataclass
from typing import Mapping

from bot.ops.settings import Settings

WEB_PREFIX = "web-"
SMS_PREFIX = "sms-"
REVOKED_PREFIX = "revoked-"
_ID_BYTES = 16  # 128 random bits
_MAX_TOKEN = 200
_RENEW_AFTER = 24 * 3600  # a token is renewed at most daily: the same token all day, fewer writes in the widget
_FUTURE_SLACK = 24 * 3600  # servers' clocks may differ a little; a token from far in the future is refused
_TOKEN = re.compile(r"(web-[A-Za-z0-9_-]{22})~([0-9a-z]{1,12})\.([A-Za-z0-9_-]{43})")


def _derive(root: bytes, purpose: str) -> bytes:
    # One root secret, one derived key per purpose: a token key never doubles as the case-key secret.
    return hmac.new(root, f"iep-navigator/{purpose}".encode("ascii"), hashlib.sha256).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if number == 0:
            return out


@dataclass(frozen=True)
class TokenSigner:
    key: bytes
    max_age_seconds: int = 90 * 24 * 3600

    @classmethod
    def from_settings(cls, settings: Settings, env: Mapping[str, str] = os.environ) -> "TokenSigner":
        # "/v2": a format-1 signature can never verify as format 2, whatever its text.
        return cls(_derive(settings.id_secret(env), "conversation-token/v2"), settings.retention_days * 24 * 3600)

    def issue(self, now: float | None = None) -> tuple[str, str]:
        """A new conversation: (token for the client, conversation id for Rasa)."""
        conversation_id = WEB_PREFIX + _b64(secrets.token_bytes(_ID_BYTES))
        return self.renew(conversation_id, now), conversation_id

    def renew(self, conversation_id: str, now: float | None = None) -> str:
        """A token for a conversation already verified, issued now: its age counts from the last use."""
        body = f"{conversation_id}~{_base36(int(time.time() if now is None else now))}"
        return f"{body}.{self._sign(body)}"

    def renewed(self, token: str, conversation_id: str, now: float | None = None) -> str:
        """After a turn: this verified token if it was issued today, else a renewed one for the same conversation."""
        match = _TOKEN.fullmatch(token)
        clock = time.time() if now is None else now
        if match and match.group(1) == conversation_id and clock - int(match.group(2), 36) < _RENEW_AFTER:
            return token
        return self.renew(conversation_id, clock)

    def verify(self, token: str | None, now: float | None = None) -> str | None:
        """The conversation id the token was issued for, or None for anything we did not sign or that is too old."""
        if not token or len(token) > _MAX_TOKEN:
            return None
        match = _TOKEN.fullmatch(token)
        if match is None:  # also every non-ASCII or oversize token, and format 1
            return None
        conversation_id, issued, signature = match.groups()
        if not hmac.compare_digest(signature, self._sign(f"{conversation_id}~{issued}")):
            return None
        age = (time.time() if now is None else now) - int(issued, 36)
        return conversation_id if -_FUTURE_SLACK <= age <= self.max_age_seconds else None

    def revocation_id(self, conversation_id: str) -> str:
        """Where the record that this conversation was deleted is kept: a keyed hash, not the id itself."""
        digest = hmac.new(_derive(self.key, "revoked"), conversation_id.encode("ascii"), hashlib.sha256).hexdigest()
        return REVOKED_PREFIX + digest[:40]

    def _sign(self, body: str) -> str:
        return _b64(hmac.new(self.key, body.encode("ascii"), hashlib.sha256).digest())


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
