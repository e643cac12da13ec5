"""A turn, once begun, finishes even if the caller hangs up (Sanic cancels a dropped request's handler)."""
from __future__ import annotations

import asyncio

import pytest

from bot.serving.whole_turns import run_whole


async def test_a_cancelled_caller_waits_for_the_turn_and_keeps_the_lock_till_it_ends():
    lock, steps = asyncio.Lock(), []

    async def turn() -> str:
        steps.append("began")
        await asyncio.sleep(0.05)  # the action has written to the case database; the tracker is not saved yet
        steps.append("stored")
        return "replies"

    async def request() -> str:
        async with lock:  # as Rasa holds the conversation's lock around a turn
            return await run_whole(turn())

    async def next_message() -> None:
        async with lock:
            steps.append("next message")

    caller = asyncio.ensure_future(request())
    await asyncio.sleep(0.01)
    waiting = asyncio.ensure_future(next_message())
    caller.cancel()  # the connection dropped
    with pytest.raises(asyncio.CancelledError):
        await caller
    await waiting
    assert steps == ["began", "stored", "next message"]


async def test_an_uncancelled_turn_returns_its_answer_and_its_errors():
    async def fine() -> int:
        return 7

    async def broken() -> int:
        raise ValueError("the store is away")

    assert await run_whole(fine()) == 7
    with pytest.raises(ValueError):
        await run_whole(broken())
