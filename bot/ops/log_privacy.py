"""What our processes may write to their logs: by default no parent's words, names or phone numbers.

Rasa, rasa-sdk and Sanic write what a parent said, slot values and request URLs at DEBUG (and access
lines at INFO), so every process (Rasa server, action server, link server, reminder worker) calls
`install` first thing. It turns DEBUG off for every logger in the process, whatever a library or a
`--debug` flag sets later, and masks phone numbers, email addresses, bearer tokens and URL query strings
in every line that is still written, exception traces included. Names cannot be recognised in a log
line, so they are kept out by the levels and by our own code never logging a message or a slot.

`IEP_DEBUG_LOGS=1` allows DEBUG, with the parent's words in it, for work on one's own machine only: it
is refused, loudly, unless the assistant's public address (IEP_PUBLIC_URL) is on this machine.
"""
from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from typing import Callable, Mapping, MutableMapping
from urllib.parse import urlsplit

DEBUG_VARIABLE = "IEP_DEBUG_LOGS"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
LIBRARY_FLOOR = "WARNING"  # Sanic's access lines are INFO and carry each request's URL

_MASKS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"), r"\1 [redacted]"),
    (re.compile(r"\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"), "[redacted token]"),
    (re.compile(r"(https?://[^\s?#'\"<>]+)\?[^\s'\"<>]*"), r"\1?[redacted]"),
    (re.compile(r"(?i)\b(token|access_token|api_key|key|signature)=[^\s&'\"]+"), r"\1=[redacted]"),
    (re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+"), "[redacted email]"),
    # North American numbers in the usual spellings, and international ones written with a +.
    (re.compile(r"(?<![\w.])(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}(?![\w.])"), "[redacted phone]"),
    (re.compile(r"(?<![\w.])\+\d[\d\s().-]{7,}\d(?![\w.])"), "[redacted phone]"),
)


@dataclass(frozen=True)
class LogPolicy:
    debug: bool  # DEBUG lines, with the parent's words in them, may be written
    notice: str = ""  # said once at start-up: why debug logs are on, or why they were refused

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> "LogPolicy":
        if (env.get(DEBUG_VARIABLE) or "").strip().lower() not in ("1", "true", "yes", "on"):
            return cls(False)
        public = env.get("IEP_PUBLIC_URL") or "http://127.0.0.1:5005"
        if urlsplit(public).hostname not in LOOPBACK_HOSTS:
            return cls(False, f"{DEBUG_VARIABLE} is REFUSED: IEP_PUBLIC_URL ({public}) is not on this machine, and "
                              "debug logs would hold parents' words, names and phone numbers. Logs stay private.")
        return cls(True, f"{DEBUG_VARIABLE} is on: these logs hold parents' words, names and phone numbers. "
                         "For work on this machine only; never in production.")


def redact(text: str) -> str:
    """The text with phone numbers, email addresses, tokens and URL query strings masked."""
    for pattern, replacement in _MASKS:
        text = pattern.sub(replacement, text)
    return text


def install(policy: LogPolicy, level: int = logging.INFO, env: MutableMapping[str, str] | None = None) -> None:
    """Sets up this process's logging: root at `level` (or DEBUG when allowed) with every line masked.

    `env` (the process environment, normally) gets Rasa's LOG_LEVEL and LOG_LEVEL_LIBRARIES raised to what
    the policy allows, since Rasa and rasa-sdk read them after this runs."""
    logging.basicConfig(level=logging.DEBUG if policy.debug else level,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.captureWarnings(True)  # library warnings can quote values; through logging they are masked too
    if not getattr(logging.getLogRecordFactory(), "masks", False):  # once per process
        logging.setLogRecordFactory(_masking_factory(logging.getLogRecordFactory()))
    if not policy.debug:
        # Process-wide and above every logger's own level: no library or flag can bring DEBUG back.
        logging.disable(logging.DEBUG)
        if env is not None:
            _raise_level(env, "LOG_LEVEL", "INFO")
            _raise_level(env, "LOG_LEVEL_LIBRARIES", LIBRARY_FLOOR)
    if policy.notice:
        logging.getLogger("bot.ops.log_privacy").warning(policy.notice)


def _raise_level(env: MutableMapping[str, str], variable: str, floor: str) -> None:
    current = logging.getLevelName((env.get(variable) or floor).upper())
    if not isinstance(current, int) or current < logging.getLevelName(floor):
        env[variable] = floor


def _masking_factory(make: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    """Masks each record as it is made, so every handler sees the masked line, even handlers that a library
    adds later (Rasa installs its own). Records below a logger's level are never made, so this costs
    nothing for them."""
    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = make(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed call must still log something, masked
            message = f"{record.msg} {record.args}"
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:  # handlers format exc_text as given
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return record
    factory.masks = True  # type: ignore[attr-defined]
    return factory
