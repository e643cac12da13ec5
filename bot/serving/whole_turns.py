"""A turn, once begun, runs to its end even if the caller hangs up.

Sanic cancels a request's handler when its connection drops. Mid-turn that would leave half a turn: an
action that already wrote to the case database (a reminder marked delivered) with the tracker never
saved (the reminder never shown), or a letter made but not recorded in the conversation. So a parent's
message and a reminder's wake-up run as their own task: a cancelled caller waits, still holding the
conversation's lock, until the turn is stored, and only then gives way. Installed by `bot.serving.rasa_server`.
"""
from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable, TypeVar

from rasa.core.agent import Agent

T = TypeVar("T")
_RASA_HANDLE = Agent.handle_message
_RASA_TRIGGER = Agent.trigger_intent


async def run_whole(work: Awaitable[T]) -> T:
    task = asyncio.ensure_future(work)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        if not task.done():
            await asyncio.wait([task])  # the turn finishes and is stored; nobody is left to read the answer
        raise


def _whole(rasa: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    async def method(self: Agent, *args: Any, **kwargs: Any) -> Any:
        return await run_whole(rasa(self, *args, **kwargs))
    return method


def install() -> None:
    # handle_message takes the lock inside; for trigger_intent Rasa's route holds it around this call.
    Agent.handle_message = _whole(_RASA_HANDLE)  # type: ignore[method-assign]
    Agent.trigger_intent = _whole(_RASA_TRIGGER)  # type: ignore[method-assign]
