"""What a deployment is configured by, and the check every server runs before it starts.

`VARIABLES` is the one documented list of environment variables (deploy/README.md shows it, and a
test keeps the two, `endpoints.yml`, `bot/ops/settings.py` and `scripts/defaults.sh` in step). `check`
tries each store for real, so a wrong or unreachable URL stops start-up with one line that names the
variable, instead of Rasa retrying forever or quietly falling back to memory.
"""
from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from typing import Mapping
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

CONNECT_TIMEOUT = 5  # seconds; a database that does not answer in this long is reported, not waited for


class DeploymentError(ValueError):
    """A variable has a value the assistant cannot run with; the message names the variable."""


@dataclass(frozen=True)
class Variable:
    name: str
    default: str  # what `scripts/defaults.sh` (make run) uses when it is unset
    what: str


VARIABLES: tuple[Variable, ...] = (
    Variable("TRACKER_STORE_URL", "sqlite:///var/tracker.db",
             "Conversations (Rasa's tracker store): sqlite:////path or postgresql://user:pw@host:5432/db"),
    Variable("LOCK_STORE_URL", "memory",
             "Turn order per conversation: memory (one Rasa server) or redis://[:pw@]host:6379/0 (several)"),
    Variable("DATABASE_URL", "sqlite:///var/cases.db", "Cases, letters and reminders: sqlite:/// or postgresql://"),
    Variable("ACTION_SERVER_URL", "http://127.0.0.1:5055/webhook", "Where Rasa calls the action server"),
    Variable("IEP_RASA_WORKERS", "1", "Sanic worker processes per Rasa server; more than 1 needs a Redis lock store"),
    Variable("RASA_PORT", "5005", "Rasa server port (make run-prod: the first of N)"),
    Variable("ACTION_PORT", "5055", "Action server port"),
    Variable("LINK_PORT", "5056", "Letter download server port"),
    Variable("SITE_PORT", "8080", "Demo page and /training port"),
    Variable("RASA_URL", "http://127.0.0.1:5005", "Where the reminder worker reaches a Rasa server (or the balancer)"),
    Variable("LINK_BASE_URL", "http://127.0.0.1:5056", "What parents' download links start with"),
    Variable("IEP_PUBLIC_URL", "http://127.0.0.1:5005", "Where browsers reach the assistant"),
    Variable("IEP_WEB_ORIGINS", "http://127.0.0.1:8080,http://localhost:8080", "Sites that may embed the widget"),
    Variable("IEP_WEB_MAX_CHARS", "10000", "Longest message the web channel accepts"),
    Variable("IEP_ID_SECRET", "(file IEP_SECRET_FILE)", "Secret: keys conversation tokens and hashed ids"),
    Variable("IEP_SECRET_FILE", "var/id.secret", "File holding IEP_ID_SECRET, made on first use"),
    Variable("IEP_DATA_KEYS", "(file IEP_DATA_KEY_FILE)",
             "Secret: Fernet keys, newest first, sealing letters, contact details and conversations at rest"),
    Variable("IEP_DATA_KEY_FILE", "var/data.key", "File holding IEP_DATA_KEYS, made on first use"),
    Variable("IEP_RASA_JWT_SECRET", "(file IEP_RASA_JWT_SECRET_FILE)", "Secret: signs calls to Rasa's HTTP API"),
    Variable("IEP_RASA_JWT_SECRET_FILE", "var/rasa-jwt.secret", "File holding IEP_RASA_JWT_SECRET"),
    Variable("IEP_ACTION_TOKEN", "(file IEP_ACTION_TOKEN_FILE)",
             "Secret: Rasa sends it in a header; the action server answers nothing else"),
    Variable("IEP_ACTION_TOKEN_FILE", "var/action.token", "File holding IEP_ACTION_TOKEN, made on first use"),
    Variable("IEP_API_KEYS", "(file IEP_API_KEY_FILE)", "Secret: keys for a site's server to use the web API"),
    Variable("IEP_API_KEY_FILE", "var/api.key", "File holding IEP_API_KEYS"),
    Variable("IEP_SMS_PUBLIC_URL", "(unset: SMS off)", "The SMS webhook URL exactly as configured in Twilio"),
    Variable("TWILIO_ACCOUNT_SID", "(unset)", "Twilio account"),
    Variable("TWILIO_AUTH_TOKEN", "(unset)", "Secret: Twilio auth token (checks webhook signatures)"),
    Variable("TWILIO_FROM_NUMBER", "(unset)", "The number texts come from"),
    Variable("TWILIO_API_BASE", "https://api.twilio.com", "Twilio's API (tests point it at a fake)"),
    Variable("IEP_HELP_CONTACT", "(unset)", "How to reach a person at the deploying organisation"),
    Variable("IEP_HELPLINE_NAME", "(unset: our helpline)", "Talk to a person: the organisation's helpline, by name"),
    Variable("IEP_HELPLINE_PHONE", "(unset)", "Its phone number; with no phone, email or IEP_HELP_CONTACT, "
                                               "parents are pointed to their state's parent center"),
    Variable("IEP_HELPLINE_EMAIL", "(unset)", "Its email address"),
    Variable("IEP_HELPLINE_HOURS", "(unset)", "When it is open, read inside a sentence: weekdays 9 am to 5 pm Eastern"),
    Variable("IEP_HELPLINE_CALLBACK", "(unset)", "How soon it calls back, read inside a sentence: within one business day"),
    Variable("IEP_RATE_CONVERSATION", "20/60", "Messages one conversation may send per window (messages/seconds)"),
    Variable("IEP_RATE_ADDRESS", "120/60", "Messages one network address or phone may send per window"),
    Variable("IEP_RATE_API_KEY", "600/60", "Messages a site's server may send per window, per API key"),
    Variable("SANIC_PROXIES_COUNT", "(unset)", "Behind a balancer: 1, so the per-address limit sees the client"),
    Variable("IEP_LINK_DAYS", "30", "How long a letter download link works"),
    Variable("IEP_RESPONSE_SCHOOL_DAYS", "10", "The reply time a letter asks for, in school days"),
    Variable("IEP_RETENTION_DAYS", "90", "Inactive cases and conversations are purged after this many days"),
    Variable("IEP_REMINDER_POLL_SECONDS", "5", "How often the reminder worker looks for due reminders"),
    Variable("IEP_REMINDER_LEASE_SECONDS", "120", "How long a worker's claim on a reminder lasts if the worker dies"),
    Variable("IEP_TRAINING_DATABASE_URL", "sqlite:///var/training.db", "Volunteers' practice results"),
    Variable("IEP_SCENARIOS_DIR", "data/scenarios", "The training scenario library"),
    Variable("IEP_MODEL", "models/current.tar.gz", "The trained model the CLI's triage uses"),
    Variable("IEP_DEBUG_LOGS", "(unset: off)",
             "1: DEBUG logs with parents' words, on this machine only (refused unless IEP_PUBLIC_URL is local)"),
)


@dataclass(frozen=True)
class LockStoreUrl:
    kind: str  # "memory" or "redis"
    host: str = ""
    port: int = 6379
    db: int = 0
    username: str | None = None
    password: str | None = None
    tls: bool = False
    key_prefix: str | None = None
    socket_timeout: float = 10.0


def parse_lock_store_url(raw: str) -> LockStoreUrl:
    value = raw.strip()
    if value in ("", "memory", "in_memory"):
        return LockStoreUrl("memory")
    parts = urlsplit(value)
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        raise DeploymentError(f"LOCK_STORE_URL must be 'memory' or redis://host:6379/0, not '{_masked(value)}'")
    try:
        port = parts.port or 6379
        db = int(parts.path.strip("/") or 0)
    except ValueError:
        raise DeploymentError(f"LOCK_STORE_URL has a bad port or database number: '{_masked(value)}'") from None
    prefix = (parse_qs(parts.query).get("key_prefix") or [None])[0]
    if prefix is not None and not prefix.isalnum():
        raise DeploymentError("LOCK_STORE_URL: key_prefix must be letters and digits only")
    return LockStoreUrl("redis", parts.hostname, port, db, parts.username or None, parts.password or None,
                        parts.scheme == "rediss", prefix)


def database_url(variable: str, raw: str | None) -> URL:
    """A SQLAlchemy URL for SQLite or PostgreSQL, or an error naming `variable`."""
    if not raw:
        raise DeploymentError(f"{variable} is not set (see deploy/README.md)")
    try:
        url = make_url(raw)
    except ArgumentError:
        raise DeploymentError(f"{variable} is not a database URL: '{_masked(raw)}'") from None
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise DeploymentError(f"{variable}: only sqlite:/// and postgresql:// are supported, not '{url.drivername}'")
    return url


def check(env: Mapping[str, str] = os.environ) -> list[str]:
    """Every problem with the configuration, one line each naming its variable; empty when all is well."""
    problems: list[str] = []
    for variable in ("TRACKER_STORE_URL", "DATABASE_URL"):
        try:
            reach_database(variable, database_url(variable, env.get(variable)))
        except DeploymentError as err:
            problems.append(str(err))
    try:
        lock = parse_lock_store_url(env.get("LOCK_STORE_URL") or "memory")
        if lock.kind == "redis":
            reach_redis(lock)
        workers = rasa_workers(env)
        if workers > 1 and lock.kind == "memory":
            problems.append(f"IEP_RASA_WORKERS is {workers}, but several workers need LOCK_STORE_URL=redis://...")
    except DeploymentError as err:
        problems.append(str(err))
    action = urlsplit(env.get("ACTION_SERVER_URL") or "")
    if action.scheme not in ("http", "https") or not action.hostname:
        problems.append("ACTION_SERVER_URL must be the action server's webhook, e.g. http://127.0.0.1:5055/webhook")
    return problems


def create_databases(env: Mapping[str, str]) -> list[str]:
    """Creates the PostgreSQL databases named by the store URLs if they do not exist yet; their names."""
    created = []
    for variable in ("TRACKER_STORE_URL", "DATABASE_URL", "IEP_TRAINING_DATABASE_URL"):
        raw = env.get(variable)
        if not raw or not raw.startswith("postgresql"):
            continue
        url = database_url(variable, raw)
        engine = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT",
                               connect_args={"connect_timeout": CONNECT_TIMEOUT}, hide_parameters=True)
        try:
            with engine.connect() as connection:
                if connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                      {"n": url.database}).first() is None:
                    connection.execute(text(f'CREATE DATABASE "{url.database}"'))
                    created.append(url.database)
        except SQLAlchemyError as err:
            raise DeploymentError(f"{variable}: cannot create {describe(url)} ({_first_line(err)})") from None
        finally:
            engine.dispose()
    return created


def rasa_workers(env: Mapping[str, str]) -> int:
    raw = env.get("IEP_RASA_WORKERS") or "1"
    if not raw.isdigit() or not 1 <= int(raw) <= 32:
        raise DeploymentError(f"IEP_RASA_WORKERS must be a whole number from 1 to 32, not '{raw}'")
    return int(raw)


def reach_database(variable: str, url: URL) -> None:
    if url.get_backend_name() == "sqlite":
        _check_sqlite_folder(variable, url)
    options = {"connect_timeout": CONNECT_TIMEOUT} if url.get_backend_name() == "postgresql" else {}
    engine = create_engine(url, connect_args=options, hide_parameters=True)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as err:
        raise DeploymentError(f"{variable}: cannot connect to {describe(url)} ({_first_line(err)})") from None
    finally:
        engine.dispose()


def reach_redis(lock: LockStoreUrl) -> None:
    import redis

    client = redis.Redis(host=lock.host, port=lock.port, db=lock.db, username=lock.username, password=lock.password,
                         ssl=lock.tls, socket_connect_timeout=CONNECT_TIMEOUT, socket_timeout=CONNECT_TIMEOUT)
    try:
        client.ping()
    except (redis.RedisError, socket.error) as err:
        where = f"redis://{lock.host}:{lock.port}/{lock.db}"
        raise DeploymentError(f"LOCK_STORE_URL: cannot reach {where} ({_first_line(err)})") from None
    finally:
        client.close()


def describe(url: URL) -> str:
    """The URL without its password, for log lines and messages."""
    return url.render_as_string(hide_password=True)


def _check_sqlite_folder(variable: str, url: URL) -> None:
    database = url.database or ""
    if database in ("", ":memory:"):
        raise DeploymentError(f"{variable}: an in-memory SQLite database would lose every conversation; give a file")
    folder = os.path.dirname(os.path.abspath(database))
    os.makedirs(folder, exist_ok=True)
    if not os.access(folder, os.W_OK):
        raise DeploymentError(f"{variable}: cannot write to the folder {folder}")


def _masked(raw: str) -> str:
    parts = urlsplit(raw)
    if parts.password:
        return raw.replace(f":{parts.password}@", ":***@")
    return raw


def _first_line(err: Exception) -> str:
    cause = getattr(err, "orig", None) or err
    return (str(cause).strip().splitlines() or [type(cause).__name__])[0]
