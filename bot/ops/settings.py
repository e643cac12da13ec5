"""Settings from the environment, read once at start-up. A bad value stops start-up with a clear message."""
from __future__ import annotations

import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

from bot.ops.rate_limits import Limit, LimitError


class SettingsError(ValueError):
    """An environment variable has a value we cannot use."""


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///var/cases.db"
    link_base_url: str = "http://127.0.0.1:5056"
    link_days: int = 30  # how long a download link works
    response_school_days: int = 10  # the reply date a letter asks for
    secret_file: str = "var/id.secret"  # keys the one-way hash of conversation ids
    data_key_file: str = "var/data.key"  # seals the few stored values that can reach a person
    rasa_url: str = "http://127.0.0.1:5005"  # where the reminder worker wakes conversations
    rasa_jwt_secret_file: str = "var/rasa-jwt.secret"  # signs the worker's calls to the Rasa HTTP API
    action_token_file: str = "var/action.token"  # Rasa's calls to the action server carry it in a header
    retention_days: int = 90  # cases inactive this long are purged
    reminder_poll_seconds: int = 5
    reminder_lease_seconds: int = 120  # longer than one wake-up takes; a crashed worker's claims run out after it
    public_url: str = "http://127.0.0.1:5005"  # where browsers and Twilio reach the assistant
    web_origins: tuple[str, ...] = ("http://127.0.0.1:8080", "http://localhost:8080")  # sites that may embed the widget
    api_key_file: str = "var/api.key"  # server-to-server use of the web API
    web_max_chars: int = 10000  # a longer widget message is refused with a kind reply, and kept in the box
    sms_public_url: str = ""  # the webhook URL exactly as configured in Twilio: the signature covers it
    twilio_api_base: str = "https://api.twilio.com"
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_from_number: str = ""
    training_database_url: str = "sqlite:///var/training.db"  # volunteers' practice results, apart from cases
    help_contact: str = ""  # how to reach a person at the deploying organisation, e.g. "our helpline at ..."
    # "Talk to a person" (bot/guidance/handoff.py): the organisation's helpline. Unset, the parent is pointed to
    # the state's Parent Training and Information Center instead, so the referral is never empty.
    helpline_name: str = ""  # "the Sample Family Center"
    helpline_phone: str = ""
    helpline_email: str = ""
    helpline_hours: str = ""  # "weekdays 9 am to 5 pm Eastern"
    helpline_callback: str = ""  # "within one business day"
    rate_conversation: Limit = Limit(20, 60)  # messages one conversation may send: far above any parent typing
    rate_address: Limit = Limit(120, 60)  # per network address or phone: a school or library may share one
    # Per API key: a site's server relays many parents from one address, so its calls count per key instead.
    rate_api_key: Limit = Limit(600, 60)

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> "Settings":
        return cls(
            database_url=env.get("DATABASE_URL") or cls.database_url,
            link_base_url=(env.get("LINK_BASE_URL") or cls.link_base_url).rstrip("/"),
            link_days=_whole_number(env, "IEP_LINK_DAYS", cls.link_days, 1, 365),
            response_school_days=_whole_number(env, "IEP_RESPONSE_SCHOOL_DAYS", cls.response_school_days, 1, 60),
            secret_file=env.get("IEP_SECRET_FILE") or cls.secret_file,
            data_key_file=env.get("IEP_DATA_KEY_FILE") or cls.data_key_file,
            rasa_url=(env.get("RASA_URL") or cls.rasa_url).rstrip("/"),
            rasa_jwt_secret_file=env.get("IEP_RASA_JWT_SECRET_FILE") or cls.rasa_jwt_secret_file,
            action_token_file=env.get("IEP_ACTION_TOKEN_FILE") or cls.action_token_file,
            retention_days=_whole_number(env, "IEP_RETENTION_DAYS", cls.retention_days, 1, 3650),
            reminder_poll_seconds=_whole_number(env, "IEP_REMINDER_POLL_SECONDS", cls.reminder_poll_seconds, 1, 3600),
            reminder_lease_seconds=_whole_number(env, "IEP_REMINDER_LEASE_SECONDS", cls.reminder_lease_seconds, 5, 3600),
            public_url=(env.get("IEP_PUBLIC_URL") or cls.public_url).rstrip("/"),
            web_origins=_origins(env.get("IEP_WEB_ORIGINS"), cls.web_origins),
            api_key_file=env.get("IEP_API_KEY_FILE") or cls.api_key_file,
            web_max_chars=_whole_number(env, "IEP_WEB_MAX_CHARS", cls.web_max_chars, 100, 100000),
            sms_public_url=env.get("IEP_SMS_PUBLIC_URL") or "",
            twilio_api_base=(env.get("TWILIO_API_BASE") or cls.twilio_api_base).rstrip("/"),
            twilio_account_sid=env.get("TWILIO_ACCOUNT_SID") or "",
            twilio_auth_token=env.get("TWILIO_AUTH_TOKEN") or "",
            twilio_from_number=env.get("TWILIO_FROM_NUMBER") or "",
            help_contact=(env.get("IEP_HELP_CONTACT") or "").strip(),
            helpline_name=_one_line(env, "IEP_HELPLINE_NAME"),
            helpline_phone=_one_line(env, "IEP_HELPLINE_PHONE"),
            helpline_email=_email(env, "IEP_HELPLINE_EMAIL"),
            helpline_hours=_one_line(env, "IEP_HELPLINE_HOURS"),
            helpline_callback=_one_line(env, "IEP_HELPLINE_CALLBACK"),
            rate_conversation=_limit(env, "IEP_RATE_CONVERSATION", cls.rate_conversation),
            rate_address=_limit(env, "IEP_RATE_ADDRESS", cls.rate_address),
            rate_api_key=_limit(env, "IEP_RATE_API_KEY", cls.rate_api_key),
            training_database_url=env.get("IEP_TRAINING_DATABASE_URL") or cls.training_database_url,
        )

    def api_keys(self, env: Mapping[str, str] = os.environ) -> list[str]:
        """IEP_API_KEYS (comma-separated, so a key can be rotated) if set, else one kept in `api_key_file`."""
        raw = _secret(env, "IEP_API_KEYS", self.api_key_file, lambda: secrets.token_urlsafe(32))
        return [key.strip() for key in raw.decode("utf-8").split(",") if key.strip()]

    @property
    def sms_ready(self) -> bool:
        return all((self.sms_public_url, self.twilio_account_sid, self.twilio_auth_token, self.twilio_from_number))

    def id_secret(self, env: Mapping[str, str] = os.environ) -> bytes:
        """IEP_ID_SECRET if set; otherwise a random key kept in `secret_file`, made on first use."""
        return _secret(env, "IEP_ID_SECRET", self.secret_file, lambda: secrets.token_hex(32))

    def data_keys(self, env: Mapping[str, str] = os.environ) -> list[bytes]:
        """Fernet keys, newest first: IEP_DATA_KEYS (comma-separated) if set, else one kept in `data_key_file`."""
        from cryptography.fernet import Fernet

        raw = _secret(env, "IEP_DATA_KEYS", self.data_key_file, lambda: Fernet.generate_key().decode("ascii"))
        return [key.strip().encode("ascii") for key in raw.decode("ascii").split(",") if key.strip()]

    def rasa_jwt_secret(self, env: Mapping[str, str] = os.environ) -> bytes:
        return _secret(env, "IEP_RASA_JWT_SECRET", self.rasa_jwt_secret_file, lambda: secrets.token_hex(32))

    def action_token(self, env: Mapping[str, str] = os.environ) -> str:
        """IEP_ACTION_TOKEN if set; otherwise one kept in `action_token_file`, made on first use."""
        return _secret(env, "IEP_ACTION_TOKEN", self.action_token_file, lambda: secrets.token_urlsafe(32)).decode()


def _secret(env: Mapping[str, str], variable: str, file: str, make: Callable[[], str]) -> bytes:
    """The value of `variable` if set; otherwise one kept in `file`, created owner-only on first use."""
    if env.get(variable):
        return env[variable].encode("utf-8")
    path = Path(file)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:  # created owner-only in one step; if two processes race, the first one's key wins
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            out.write(make())
    for _ in range(50):  # the winner of a race may not have written yet
        secret = path.read_text(encoding="utf-8").strip()
        if secret:
            return secret.encode("utf-8")
        time.sleep(0.01)
    raise SettingsError(f"{path} is empty: delete it to make a new key, or set {variable}")


def _origins(raw: str | None, default: tuple[str, ...]) -> tuple[str, ...]:
    if raw is None or not raw.strip():
        return default
    origins = tuple(origin.strip().rstrip("/") for origin in raw.split(",") if origin.strip())
    for origin in origins:
        if not re.fullmatch(r"https?://[A-Za-z0-9.\-]+(:\d{1,5})?", origin):
            raise SettingsError(f"IEP_WEB_ORIGINS: '{origin}' is not an origin like https://www.example.org")
    return origins


def _limit(env: Mapping[str, str], name: str, default: Limit) -> Limit:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return Limit.parse(raw)
    except LimitError:
        raise SettingsError(f"{name} must be messages/seconds, like 20/60, not '{raw}'") from None


def _one_line(env: Mapping[str, str], name: str, limit: int = 200) -> str:
    """A short piece of text a parent will read inside a sentence."""
    value = " ".join((env.get(name) or "").split())
    if len(value) > limit:
        raise SettingsError(f"{name} must be at most {limit} characters; it is read inside one sentence")
    return value


def _email(env: Mapping[str, str], name: str) -> str:
    value = _one_line(env, name)
    if value and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}", value):
        raise SettingsError(f"{name} must be an email address like help@example.org, not '{value}'")
    return value


def _whole_number(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number from {low} to {high}, not '{raw}'") from None
    if not low <= value <= high:
        raise SettingsError(f"{name} must be from {low} to {high}, not {value}")
    return value
