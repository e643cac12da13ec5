"""Settings from the environment, read once at start-up. A bad value stops start-up with a clear message."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping


class SettingsError(ValueError):
    """An environment variable has a value we cannot use."""


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///var/cases.db"
    link_base_url: str = "http://127.0.0.1:5056"
    link_days: int = 30  # how long a download link works
    response_school_days: int = 10  # the reply date a letter asks for
    secret_file: str = "var/id.secret"  # keys the one-way hash of conversation ids

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> "Settings":
        return cls(
            database_url=env.get("DATABASE_URL") or cls.database_url,
            link_base_url=(env.get("LINK_BASE_URL") or cls.link_base_url).rstrip("/"),
            link_days=_whole_number(env, "IEP_LINK_DAYS", cls.link_days, 1, 365),
            response_school_days=_whole_number(env, "IEP_RESPONSE_SCHOOL_DAYS", cls.response_school_days, 1, 60),
            secret_file=env.get("IEP_SECRET_FILE") or cls.secret_file,
        )

    def id_secret(self, env: Mapping[str, str] = os.environ) -> bytes:
        """IEP_ID_SECRET if set; otherwise a random key kept in `secret_file`, made on first use."""
        if env.get("IEP_ID_SECRET"):
            return env["IEP_ID_SECRET"].encode("utf-8")
        path = Path(self.secret_file)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:  # created owner-only in one step; if two processes race, the first one's key wins
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(descriptor, "w", encoding="utf-8") as out:
                out.write(secrets.token_hex(32))
        secret = path.read_text(encoding="utf-8").strip()
        if not secret:
            raise SettingsError(f"{path} is empty: delete it to make a new key, or set IEP_ID_SECRET")
        return secret.encode("utf-8")


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
