"""Refuses Rasa's silent fallback to memory.

Rasa wraps every tracker store in a fail-safe that, on a database error, hands back an empty tracker
and saves the turn in memory: the parent's conversation restarts without a word and the turn is lost
at the next restart. Once the agent is loaded we take that wrapper off, so a database error reaches
our channels, which tell the parent the message was not saved (and keep it in the widget's box).
A tracker store that is not ours means Rasa fell back to memory at start-up: the server stops.
"""
from __future__ import annotations

import logging
import os

from rasa.core.agent import Agent
from rasa.core.tracker_store import AwaitableTrackerStore, FailSafeTrackerStore, TrackerStore
from sanic import Sanic

from bot.serving.tracker_store import ErasableSQLTrackerStore

logger = logging.getLogger(__name__)


class StoreGuardError(RuntimeError):
    """The conversations would not be kept: Rasa is not using our SQL tracker store."""


def persistent_store(agent: Agent) -> ErasableSQLTrackerStore:
    """Points the agent and its processor at our store itself, without the fail-safe wrapper."""
    store: TrackerStore = agent.tracker_store
    while isinstance(store, (FailSafeTrackerStore, AwaitableTrackerStore)):
        store = store._tracker_store
    if not isinstance(store, ErasableSQLTrackerStore):
        raise StoreGuardError(f"the tracker store is {type(store).__name__}, not ErasableSQLTrackerStore: check "
                              "tracker_store in endpoints.yml and TRACKER_STORE_URL")
    agent.tracker_store = store
    if agent.processor is not None:
        agent.processor.tracker_store = store
    return store


async def guard(app: Sanic, _loop: object) -> None:
    """A Sanic `after_server_start` listener (Rasa loads the agent before the server starts)."""
    agent = getattr(app.ctx, "agent", None)
    if agent is None or getattr(app.ctx, "store_guarded", False):
        return
    app.ctx.store_guarded = True  # both our channels register this listener; once is enough
    try:
        persistent_store(agent)
    except StoreGuardError as err:
        logger.critical("IEP Navigator cannot start: %s", err)
        logging.shutdown()
        # No turn has been served yet, and a server that would forget conversations must not serve one.
        os._exit(2)
