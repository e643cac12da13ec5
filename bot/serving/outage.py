"""When the action server cannot be reached, the parent hears so, and the conversation keeps its place.

Rasa 3.6 logs a failed custom action and drops its events, so the parent gets no answer at all (or,
inside a form, the same dead question again and again until Rasa's prediction limit). Here a failed
call says "I can't do that right now" once per turn, stored like any reply so every channel and a
reloaded page show it, and changes nothing else: no slot, no form step. The next message, once the
action server is back, runs the same action on the same state. A refusal by the action server itself
(a form rejecting an answer) is not a failure and passes through. Installed by `bot.serving.rasa_server`.
"""
from __future__ import annotations

import logging
from typing import Any, List

from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.shared.core.events import BotUttered, Event, SlotSet, UserUttered
from rasa.shared.exceptions import RasaException

from bot.knowledge import load_knowledge

logger = logging.getLogger(__name__)
_RASA_RUN = RemoteAction.run
MARK = {"iep_navigator": "action_unavailable"}  # metadata that finds this turn's apology again


async def _run(self: RemoteAction, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> List[Event]:
    try:
        return await _RASA_RUN(self, output_channel, nlg, tracker, domain)
    except ActionExecutionRejection:
        raise
    except RasaException:
        # Rasa has logged the cause (no text of the parent's in it); we add only which action it was.
        logger.error("the action server could not run %s; the parent was told to try again", self.name())
        # A form's answer that could not be checked is not kept: the form asks for it again next time.
        undo = _slots_as_before_this_turn(tracker) if self.name().startswith("validate_") else []
        if _said_this_turn(tracker):
            return undo
        language = tracker.get_slot("language") or "en"
        text = load_knowledge().message("action_unavailable", language)
        return [BotUttered(text, metadata=dict(MARK)), *undo]


def _slots_as_before_this_turn(tracker: Any) -> List[Event]:
    """Puts back every slot set since the parent's latest message (Rasa fills a form's slot before the
    action server checks it)."""
    events = list(tracker.events)
    last_user = next((i for i in range(len(events) - 1, -1, -1) if isinstance(events[i], UserUttered)), None)
    if last_user is None:
        return []
    changed = {e.key for e in events[last_user + 1:] if isinstance(e, SlotSet)}
    before = tracker.travel_back_in_time(events[last_user].timestamp - 1e-6)
    return [SlotSet(name, before.get_slot(name)) for name in sorted(changed)]


def _said_this_turn(tracker: Any) -> bool:
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, BotUttered) and (event.metadata or {}).get("iep_navigator") == MARK["iep_navigator"]:
            return True
    return False


def install() -> None:
    RemoteAction.run = _run  # type: ignore[method-assign]
