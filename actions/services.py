"""What the actions share, made once when the action server imports them: the knowledge, the settings,
the case database and the sealer. Every database call from an action goes through `asyncio.to_thread`."""
from __future__ import annotations

import asyncio
import logging
from datetime import date, datetime
from typing import List, Sequence, Tuple

from rasa_sdk import Tracker

from bot.cases.reminders import ReminderQueue
from bot.cases.store import CaseStore
from bot.knowledge import load_knowledge
from bot.letters.service import LetterService
from bot.ops.settings import Settings
from bot.storage.sealing import Sealer

logger = logging.getLogger(__name__)
KNOWLEDGE = load_knowledge()
SETTINGS = Settings.from_env()
SERVICE = LetterService(KNOWLEDGE, SETTINGS)
CASES = CaseStore(SERVICE.store.engine)
QUEUE = ReminderQueue(SERVICE.store.engine)
SEALER = Sealer(SETTINGS.data_keys())


def language(tracker: Tracker) -> str:
    return tracker.get_slot("language") or "en"


def switched_language(tracker: Tracker) -> bool:
    """Whether the parent's latest message only asked for English or Spanish: an open question keeps waiting for
    its answer (asked again in the new language), and "Español" is never taken as the answer."""
    return (tracker.latest_message.get("intent") or {}).get("name") == "switch_language"


def case_key(tracker: Tracker) -> str:
    return SERVICE.key(tracker.sender_id)


def channel(tracker: Tracker) -> str:
    return tracker.get_latest_input_channel() or ""


def today() -> date:
    return date.today()


def stories(tracker: Tracker) -> List[Tuple[str, list]]:
    """What the parent has told us so far, with the terms the NLU found, oldest first."""
    return [(e.get("text") or "", (e.get("parse_data") or {}).get("entities") or [])
            for e in tracker.events if e.get("event") == "user" and not (e.get("text") or "").startswith("/")]


def address(tracker: Tracker) -> str:
    """Where a reminder must go, sealed: the only place a conversation id is kept."""
    return SEALER.seal({"conversation_id": tracker.sender_id, "channel": channel(tracker)})


async def remember(tracker: Tracker, situations: Sequence[str] = ()) -> None:
    """Keeps the case active and adds the situations found. A database fault never breaks the reply."""
    try:
        await asyncio.to_thread(CASES.touch, case_key(tracker), datetime.now(), language=language(tracker),
                                channel=channel(tracker) or None, situations=situations)
    except Exception:  # noqa: BLE001 - the conversation goes on; the log says what failed, never what was said
        logger.exception("could not update the case")
