"""Rasa SDK actions for "when is it due?": a short form (which clock, the day it started, the state),
then the deadlines in plain words, stored in the case with a reminder the day after each one."""
from __future__ import annotations

import asyncio
import logging
from datetime import date, datetime
from typing import Any, Dict, List, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.actions import say
from actions.case import CASE_SERVICE
from actions.services import CASES, KNOWLEDGE, address, case_key, language, today
from bot.dates import parse_date
from bot.deadline_flow import NO_STATE, DeadlineFlow
from bot.deadlines import deadlines_for, problem_text

logger = logging.getLogger(__name__)
FLOW = DeadlineFlow(KNOWLEDGE)


class ActionStartDeadline(Action):
    """Fills what the question already says: which clock, the date, and the state we know from before."""

    def name(self) -> Text:
        return "action_start_deadline"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        text = tracker.latest_message.get("text") or ""
        situations = list(tracker.get_slot("situations") or [])
        event = FLOW.event_for(text, situations)
        start = parse_date(text, today(), prefer="past") if event and not text.startswith("/") else None
        try:
            case = await asyncio.to_thread(CASES.get, case_key(tracker))
        except Exception:  # noqa: BLE001 - we just ask for the state again
            logger.exception("could not read the case")
            case = None
        return [SlotSet("deadline_event", event), SlotSet("deadline_start", start.isoformat() if start else None),
                SlotSet("us_state", (case.state if case and case.state else None)),
                SlotSet("deadline_failures", {}), SlotSet("requested_slot", None)]


class ValidateDeadlineForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_deadline_form"

    def _failed(self, slot: str, tracker: Tracker, dispatcher: CollectingDispatcher, message: str) -> Dict[Text, Any]:
        failures = dict(tracker.get_slot("deadline_failures") or {})
        failures[slot] = failures.get(slot, 0) + 1
        dispatcher.utter_message(text=message)
        return {slot: None, "deadline_failures": failures}

    async def validate_deadline_event(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                      domain: DomainDict) -> Dict[Text, Any]:
        if value is None:  # set empty by action_start_deadline, not an answer: nothing to check yet
            return {}
        event = FLOW.event_for(str(value or ""), [])
        if event:
            return {"deadline_event": event}
        return self._failed("deadline_event", tracker, dispatcher, problem_text("unknown_event", language(tracker)))

    async def validate_deadline_start(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                      domain: DomainDict) -> Dict[Text, Any]:
        if value is None:  # set empty by action_start_deadline, not an answer: nothing to check yet
            return {}
        lang, text = language(tracker), str(value or "")
        checked = FLOW.read_start(text, today(), lang)
        if checked.value:
            return {"deadline_start": checked.value}
        failures = dict(tracker.get_slot("deadline_failures") or {})
        if failures.get("deadline_start", 0) >= 1:  # asked twice: leave it, kindly, and never a dead end
            dispatcher.utter_message(text=KNOWLEDGE.message("deadline_gave_up", lang))
            return {"deadline_start": None, "requested_slot": None, "deadline_failures": {},
                    "deadline_event": None}
        return self._failed("deadline_start", tracker, dispatcher, checked.problem)

    async def validate_us_state(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> Dict[Text, Any]:
        if value is None:  # set empty by action_start_deadline, not an answer: nothing to check yet
            return {}
        lang = language(tracker)
        code = FLOW.read_state(str(value or ""), lang)
        if code:
            return {"us_state": code}
        failures = dict(tracker.get_slot("deadline_failures") or {})
        if failures.get("us_state", 0) >= 1:
            return {"us_state": NO_STATE}
        return self._failed("us_state", tracker, dispatcher, KNOWLEDGE.message("deadline_state_unknown", lang))


class _Ask(Action):
    slot = ""

    def name(self) -> Text:
        return f"action_ask_{self.slot}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        failures = dict(tracker.get_slot("deadline_failures") or {})
        if failures.get(self.slot):  # the validation just explained what to send
            return []
        say(dispatcher, [FLOW.ask(self.slot, tracker.get_slot("deadline_event"), language(tracker))])
        return []


class ActionAskDeadlineEvent(_Ask):
    slot = "deadline_event"


class ActionAskDeadlineStart(_Ask):
    slot = "deadline_start"


class ActionAskUsState(_Ask):
    slot = "us_state"


class ActionTellDeadlines(Action):
    def name(self) -> Text:
        return "action_tell_deadlines"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        lang = language(tracker)
        event, start = tracker.get_slot("deadline_event"), tracker.get_slot("deadline_start")
        clear = [SlotSet("deadline_start", None), SlotSet("deadline_event", None), SlotSet("deadline_failures", {})]
        if not event or not start:
            return clear
        state = tracker.get_slot("us_state")
        state = None if state in (None, NO_STATE) else state
        try:
            started = await asyncio.to_thread(CASE_SERVICE.dates_given, case_key(tracker), event,
                                              date.fromisoformat(start), state, address(tracker), datetime.now())
        except Exception:  # noqa: BLE001 - still tell the dates; only the memory failed
            logger.exception("could not store deadlines")
            started = None
        found = started.deadlines if started else tuple(deadlines_for(event, date.fromisoformat(start), state))
        say(dispatcher, FLOW.tell(found, started.deadline_reminders if started else (), today(), lang))
        return clear + [ActiveLoop(None)]
