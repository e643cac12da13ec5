"""How many messages one conversation, or one address, may send in a window of time.

Counts live in the process that answers, so with N Rasa servers behind a round-robin balancer a sender
can reach N times a limit; the sample balancer (deploy/nginx.conf) also caps each address for the whole
site. A parent typing never comes near either limit: they stop scripts and floods, which would
otherwise slow every other family's answers. Behind a balancer the address is the client's only when
Sanic is told to trust X-Forwarded-For (SANIC_PROXIES_COUNT=1); otherwise every parent shares the
balancer's address, and the per-address limit must be raised or left to the balancer.
"""
from __future__ import annotations

import re
import time
from collections import deque
from dataclasses import dataclass, field
from enum import Enum
from typing import Callable

_LIMIT = re.compile(r"^\s*(\d{1,6})\s*/\s*(\d{1,6})\s*$")


class LimitError(ValueError):
    """A limit written other than as "messages/seconds"."""


@dataclass(frozen=True)
class Limit:
    count: int
    seconds: int

    @classmethod
    def parse(cls, raw: str) -> "Limit":
        """ "20/60": 20 messages in any 60 seconds."""
        match = _LIMIT.match(raw or "")
        if not match or int(match.group(1)) < 1 or int(match.group(2)) < 1:
            raise LimitError(f"{raw!r} is not a limit like 20/60 (messages/seconds)")
        return cls(int(match.group(1)), int(match.group(2)))

    def __str__(self) -> str:
        return f"{self.count}/{self.seconds}"


class Verdict(Enum):
    ALLOWED = "allowed"
    REFUSED = "refused"  # the first refusal in this window: say why, once
    REFUSED_AGAIN = "refused_again"  # said already: an SMS sender is not texted about it again


@dataclass
class _Window:
    stamps: deque = field(default_factory=deque)
    told_until: float = 0.0


class RateLimiter:
    """A sliding window per key. Keys that went quiet are dropped, so memory stays bounded by recent senders."""

    def __init__(self, limit: Limit, clock: Callable[[], float] = time.monotonic, sweep_every: int = 1000) -> None:
        self.limit = limit
        self._clock = clock
        self._windows: dict[str, _Window] = {}
        self._sweep_every = sweep_every
        self._since_sweep = 0

    def check(self, key: str) -> Verdict:
        now = self._clock()
        self._sweep(now)
        window = self._windows.setdefault(key, _Window())
        while window.stamps and window.stamps[0] <= now - self.limit.seconds:
            window.stamps.popleft()
        if len(window.stamps) < self.limit.count:
            window.stamps.append(now)
            return Verdict.ALLOWED
        if now < window.told_until:
            return Verdict.REFUSED_AGAIN
        window.told_until = window.stamps[0] + self.limit.seconds
        return Verdict.REFUSED

    def retry_after(self, key: str) -> int:
        """Whole seconds until `key` may send again (0 if it may now)."""
        window = self._windows.get(key)
        now = self._clock()
        recent = [stamp for stamp in window.stamps if stamp > now - self.limit.seconds] if window else []
        if len(recent) < self.limit.count:
            return 0
        return max(1, int(recent[0] + self.limit.seconds - now + 0.999))

    def __len__(self) -> int:
        return len(self._windows)

    def _sweep(self, now: float) -> None:
        self._since_sweep += 1
        if self._since_sweep < self._sweep_every:
            return
        self._since_sweep = 0
        quiet = [key for key, window in self._windows.items()
                 if (not window.stamps or window.stamps[-1] <= now - self.limit.seconds) and now >= window.told_until]
        for key in quiet:
            del self._windows[key]
