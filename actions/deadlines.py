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
from actions.services import CASES, KNOWLEDGE, address, case_key, language, switched_language, today
from bot.cases.deadline_flow import NO_STATE, REMOVAL, DeadlineFlow
from bot.cases.deadlines import deadlines_for, problem_text, undated_for
from bot.guidance.replies import Reply

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
        start = FLOW.start_in(text, event, today())
        try:
            case = await asyncio.to_thread(CASES.get, case_key(tracker))
        except Exception:  # noqa: BLE001 - we just ask for the state again
            logger.exception("could not read the case")
            case = None
        return [SlotSet("deadline_event", None if event == REMOVAL else event), SlotSet("deadline_start", start),
                SlotSet("deadline_removal", event == REMOVAL),
                SlotSet("us_state", (case.state if case and case.state else None)),
                SlotSet("deadline_failures", {}), SlotSet("requested_slot", None)]


class ValidateDeadlineForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_deadline_form"

    def _failed(self, slot: str, tracker: Tracker, dispatcher: CollectingDispatcher,
                message: str | Reply) -> Dict[Text, Any]:
        """Counts a miss and says `message` (a Reply keeps its buttons); the form asks nothing more this turn."""
        failures = dict(tracker.get_slot("deadline_failures") or {})
        failures[slot] = failures.get(slot, 0) + 1
        if isinstance(message, Reply):
            say(dispatcher, [message])
        else:
            dispatcher.utter_message(text=message)
        return {slot: None, "deadline_failures": failures}

    @staticmethod
    def _answered(dispatcher: CollectingDispatcher, message: str) -> Dict[Text, Any]:
        """Ends the form with an answer instead of a date (a short suspension, no consent yet)."""
        dispatcher.utter_message(text=message)
        return {"deadline_event": None, "deadline_start": None, "deadline_removal": None, "requested_slot": None,
                "deadline_failures": {}}

    async def validate_deadline_event(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                      domain: DomainDict) -> Dict[Text, Any]:
        if value is None:  # set empty by action_start_deadline, not an answer: nothing to check yet
            return {}
        if switched_language(tracker):  # "Español" is not the answer: the question comes again, in Spanish
            dispatcher.utter_message(text=KNOWLEDGE.message("language_switched_letter", language(tracker)))
            return {"deadline_event": None}
        lang, text = language(tracker), str(value or "")
        if FLOW.is_short_removal(text):
            return self._answered(dispatcher, KNOWLEDGE.message("deadline_short_removal", lang))
        event = FLOW.event_for(text, [])
        if event == REMOVAL:  # a discipline decision: ask which kind before any clock
            return {"deadline_event": None, "deadline_removal": True}
        if event:
            return {"deadline_event": event, "deadline_removal": None}
        if tracker.get_slot("deadline_removal"):  # the choices again, with their buttons
            return self._failed("deadline_event", tracker, dispatcher, FLOW.ask("deadline_event", None, lang, removal=True))
        return self._failed("deadline_event", tracker, dispatcher, problem_text("unknown_event", lang))

    async def validate_deadline_start(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                      domain: DomainDict) -> Dict[Text, Any]:
        if value is None:  # set empty by action_start_deadline, not an answer: nothing to check yet
            return {}
        if switched_language(tracker):  # "Español" is not the answer: the question comes again, in Spanish
            dispatcher.utter_message(text=KNOWLEDGE.message("language_switched_letter", language(tracker)))
            return {"deadline_start": None}
        lang, text = language(tracker), str(value or "")
        if FLOW.no_consent_yet(text, tracker.get_slot("deadline_event"), lang):
            return self._answered(dispatcher, KNOWLEDGE.message("deadline_no_consent_yet", lang))
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
        if switched_language(tracker):  # "Español" is not the answer: the question comes again, in Spanish
            dispatcher.utter_message(text=KNOWLEDGE.message("language_switched_letter", language(tracker)))
            return {"us_state": None}
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
        say(dispatcher, [FLOW.ask(self.slot, tracker.get_slot("deadline_event"), language(tracker),
                                  removal=bool(tracker.get_slot("deadline_removal")))])
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
        clear = [SlotSet("deadline_start", None), SlotSet("deadline_event", None), SlotSet("deadline_failures", {}),
                 SlotSet("deadline_removal", None)]
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
        begun = date.fromisoformat(start)
        found = started.deadlines if started else tuple(deadlines_for(event, begun, state))
        say(dispatcher, FLOW.tell(found, started.deadline_reminders if started else (), today(), lang,
                                  undated_for(event, begun, state)))
        return clear + [ActiveLoop(None)]
