"""Per-conversation and per-address limits: a sliding window, said once per window, bounded memory."""
from __future__ import annotations

import pytest

from bot.ops.rate_limits import Limit, LimitError, RateLimiter, Verdict
from bot.ops.settings import Settings, SettingsError


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_limit_reads_as_messages_per_seconds():
    assert Limit.parse("20/60") == Limit(20, 60)
    assert Limit.parse(" 3 / 10 ") == Limit(3, 10)
    assert str(Limit(5, 30)) == "5/30"
    for bad in ("", "20", "20/0", "0/60", "a/b", "20/60/1", "-1/60"):
        with pytest.raises(LimitError):
            Limit.parse(bad)


def test_settings_name_the_variable_of_a_bad_limit():
    assert Settings.from_env({"IEP_RATE_CONVERSATION": "5/10"}).rate_conversation == Limit(5, 10)
    assert Settings.from_env({}).rate_address == Settings.rate_address
    with pytest.raises(SettingsError, match="IEP_RATE_ADDRESS"):
        Settings.from_env({"IEP_RATE_ADDRESS": "lots"})


def test_the_window_slides_and_refusal_is_said_once_per_window():
    clock = Clock()
    limiter = RateLimiter(Limit(3, 60), clock)
    for _ in range(3):  # one message every 10 seconds
        assert limiter.check("a") is Verdict.ALLOWED
        clock.now += 10
    assert limiter.check("a") is Verdict.REFUSED
    assert limiter.check("a") is Verdict.REFUSED_AGAIN
    assert limiter.check("b") is Verdict.ALLOWED  # another sender is not held back
    assert limiter.retry_after("a") == 30
    clock.now += 15
    assert limiter.retry_after("a") == 15
    assert limiter.check("a") is Verdict.REFUSED_AGAIN
    clock.now += 15.5  # the first message has left the window: one more fits
    assert limiter.retry_after("a") == 0
    assert limiter.check("a") is Verdict.ALLOWED
    assert limiter.check("a") is Verdict.REFUSED  # a new window of refusal is said again


def test_refused_messages_do_not_count_against_the_sender():
    clock = Clock()
    limiter = RateLimiter(Limit(2, 10), clock)
    limiter.check("a"), limiter.check("a")
    for _ in range(50):
        limiter.check("a")
    clock.now += 10.01
    assert limiter.check("a") is Verdict.ALLOWED


def test_quiet_senders_are_forgotten_so_memory_stays_bounded():
    clock = Clock()
    limiter = RateLimiter(Limit(5, 60), clock, sweep_every=100)
    for n in range(10_000):
        limiter.check(f"sender-{n}")
        clock.now += 0.1  # 10 a second: about 600 senders are inside any 60-second window
    assert len(limiter) < 800
