"""Rasa SDK actions for the letters: one form per letter, its validation and questions, the summary,
making the files, and recording when the letter was sent. Thin: bot.letters.flow decides what is said.

Database work and rendering block, so they run in a worker thread and the action server's event loop
keeps serving other parents.
"""
from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from datetime import datetime
from typing import Any, Dict, List, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.actions import CONVERSATION, _send, _state, say
from actions.case import CASE_SERVICE
from actions.services import (
    KNOWLEDGE,
    SERVICE,
    SETTINGS,
    address,
    case_key,
    language,
    stories,
    switched_language,
    today,
)
from bot.cases.flow import CaseFlow
from bot.guidance.replies import Reply
from bot.knowledge.dates import parse_date
from bot.letters.drafting import missing_details
from bot.letters.flow import LetterFlow
from bot.letters.service import stored_as_rendered

logger = logging.getLogger(__name__)
FLOW = LetterFlow(KNOWLEDGE)
CASE_FLOW = CaseFlow(KNOWLEDGE)
STORY_MIN_CHARS = 200  # a "sent it" this long is really a new story


def _details(tracker: Tracker) -> Dict[str, Any]:
    return {field: tracker.get_slot(field) for field in KNOWLEDGE.fields}


class ActionStartLetter(Action):
    def name(self) -> Text:
        return "action_start_letter"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        lang, situations = language(tracker), list(tracker.get_slot("situations") or [])
        text = tracker.latest_message.get("text") or ""
        if not text.startswith("/") and len(text) >= STORY_MIN_CHARS:  # a story that ends "can you write to them?"
            turn = CONVERSATION.triage(tracker.latest_message.get("triage") or {}, "", _state(tracker))
            return _send(turn, dispatcher) + [SlotSet("letter_type", None)]
        named = next(tracker.get_latest_entity_values("letter"), None)
        letter = named if named in KNOWLEDGE.letters else None
        if letter is None and (tracker.latest_message.get("intent") or {}).get("name") == "continue_letter":
            letter = tracker.get_slot("letter_type")
        if letter is None and not text.startswith("/"):
            letter = FLOW.choose(text, situations)
        if letter is None:
            say(dispatcher, [FLOW.which(situations, lang)])
            return [SlotSet("letter_type", None)]
        prefill = FLOW.prefill(letter, situations, stories(tracker), _details(tracker), lang)
        say(dispatcher, [FLOW.start(letter, lang)])
        return ([SlotSet("letter_type", letter), SlotSet("letter_failures", {}), SlotSet("requested_slot", None)]
                + [SlotSet(key, value) for key, value in prefill.items()])


class AskField(Action, ABC):
    """`action_ask_<field>`: asks for one detail, unless a retry or an explanation just asked for it."""

    @property
    @abstractmethod
    def field(self) -> str: ...

    def name(self) -> Text:
        return f"action_ask_{self.field}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        # After a miss the retry has asked already; but a message with no answer in it (a button of another
        # step, say) is never validated, and would otherwise meet silence.
        if (tracker.get_slot("letter_failures") or {}).get(self.field, 0) == 0 or not _said_this_turn(tracker):
            say(dispatcher, [FLOW.ask(self.field, language(tracker))])
        return []


def _said_this_turn(tracker: Tracker) -> bool:
    """Whether anything was said since the parent's latest message."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "bot":
            return True
    return False


class LetterFormValidation(FormValidationAction, ABC):
    """`validate_<letter>_form`: reads the answer to the open question; other details pass through."""

    @property
    @abstractmethod
    def letter(self) -> str: ...

    def name(self) -> Text:
        return f"validate_{self.letter}_form"

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: Dict[Text, Any]) -> List[Text]:
        return FLOW.fields(self.letter, {"meeting_reason": tracker.get_slot("meeting_reason")})

    async def get_extraction_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: Dict[Text, Any]) -> List[EventType]:
        return []  # every detail is the text of the answer (from_text in the domain): nothing custom to extract

    async def get_validation_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: Dict[Text, Any]) -> List[EventType]:
        requested = tracker.get_slot("requested_slot")
        failures = dict(tracker.get_slot("letter_failures") or {})
        events: List[EventType] = []
        switched = switched_language(tracker)
        lang = language(tracker)
        if switched:  # the answers so far are kept; the open question is asked again, in the new language
            say(dispatcher, [FLOW.language_switched(lang)])
        elif requested in KNOWLEDGE.fields:
            # An answer is words for the letter, not a choice of language: a Spanish-speaking parent who writes
            # their concern in English (as the question offers) keeps their Spanish questions and Spanish copy.
            before = _language_before_latest(tracker)
            if before and before != lang:
                lang = before
                events.append(SlotSet("language", before))
        for slot, value in tracker.slots_to_validate().items():
            if slot == "language":
                continue  # kept as decided above (the NLU's reading of the answer is not passed on)
            if switched and slot == requested:
                events.append(SlotSet(slot, None))
                continue
            if slot != requested or slot not in KNOWLEDGE.fields:
                events.append(SlotSet(slot, value))  # filled from the story or a summary change: already read
                continue
            checked = FLOW.check(slot, str(value or ""), failures.get(slot, 0), lang, today())
            say(dispatcher, checked.replies)
            failures[slot] = checked.failures
            events.append(SlotSet(slot, checked.value))
        return events + [SlotSet("letter_failures", failures)]


def _language_before_latest(tracker: Tracker) -> str | None:
    """The conversation's language before the parent's latest message (None: never set)."""
    latest = max((i for i, e in enumerate(tracker.events) if e.get("event") == "user"), default=None)
    if latest is None:
        return None
    for event in reversed(tracker.events[:latest]):
        if event.get("event") == "slot" and event.get("name") == "language":
            return event.get("value")
    return None


class ActionLetterSummary(Action):
    def name(self) -> Text:
        return "action_letter_summary"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        letter = tracker.get_slot("letter_type")
        if letter in KNOWLEDGE.letters:
            say(dispatcher, [FLOW.summary(letter, _details(tracker), language(tracker))])
        return [SlotSet("letter_failures", {})]


class ActionChangeField(Action):
    """Clears one detail so the form asks it again, then the summary comes back."""

    def name(self) -> Text:
        return "action_change_field"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        letter = tracker.get_slot("letter_type")
        if letter not in KNOWLEDGE.letters:
            say(dispatcher, [Reply(KNOWLEDGE.message("letter_not_started", language(tracker)))])
            return []
        field = next(tracker.get_latest_entity_values("field"), None)
        if field not in FLOW.fields(letter, _details(tracker)):
            return []  # the form finds nothing to ask and the summary shows again
        return [SlotSet(field, None), SlotSet("letter_failures", {})]


class ActionContinueLetter(Action):
    def name(self) -> Text:
        return "action_continue_letter"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        return [SlotSet("letter_failures", {})]


class ActionStopLetter(Action):
    def name(self) -> Text:
        return "action_stop_letter"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        lang = language(tracker)
        if not tracker.active_loop_name:
            say(dispatcher, [Reply(KNOWLEDGE.message("letter_not_started", lang))])
            return [ActiveLoop(None)]
        say(dispatcher, [Reply(KNOWLEDGE.message("letter_stopped", lang))])
        return [ActiveLoop(None), SlotSet("requested_slot", None), SlotSet("letter_failures", {})]


class ActionMakeLetter(Action):
    def name(self) -> Text:
        return "action_make_letter"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        lang, letter = language(tracker), tracker.get_slot("letter_type")
        request = (FLOW.request(letter, _details(tracker), lang, today(), SETTINGS.response_school_days)
                   if letter in KNOWLEDGE.letters else None)
        if request is None or missing_details(letter, request.details, KNOWLEDGE):
            say(dispatcher, [Reply(KNOWLEDGE.message("letter_no_draft", lang))])
            return []
        try:
            made = await asyncio.to_thread(SERVICE.make, request, tracker.sender_id, datetime.now())
        except Exception:  # noqa: BLE001 - the parent gets a kind message; the log names the letter type only
            logger.exception("could not make a %s letter", letter)
            say(dispatcher, [Reply(KNOWLEDGE.message("letter_failed", lang))])
            return []
        channel = tracker.get_latest_input_channel() or ""
        say(dispatcher, FLOW.delivery(made.rendered, made.links, channel, lang) + FLOW.after(letter, request.respond_by, lang))
        return [SlotSet("letter_id", made.stored.id)]


class ActionLetterInParts(Action):
    def name(self) -> Text:
        return "action_letter_in_parts"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        lang, letter_id = language(tracker), tracker.get_slot("letter_id")
        stored = await asyncio.to_thread(SERVICE.store.get, int(letter_id)) if letter_id else None
        if stored is None:
            say(dispatcher, [Reply(KNOWLEDGE.message("letter_no_draft", lang))])
            return []
        say(dispatcher, FLOW.parts(stored_as_rendered(stored), lang))
        return []


class ActionLetterSent(Action):
    def name(self) -> Text:
        return "action_letter_sent"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        lang, letter_id = language(tracker), tracker.get_slot("letter_id")
        text = tracker.latest_message.get("text") or ""
        typed = not text.startswith("/")
        # A long message, or "I sent ..." with no letter made here, is a story: triage it.
        if typed and (len(text) >= STORY_MIN_CHARS or not letter_id):
            return _send(CONVERSATION.triage(tracker.latest_message.get("triage") or {}, "", _state(tracker)), dispatcher)
        if not letter_id:
            say(dispatcher, [Reply(KNOWLEDGE.message("sent_no_letter", lang))])
            return []
        on_day = today()
        sent_on = on_day if text.startswith("/") else parse_date(text, on_day, prefer="past") or on_day
        if sent_on > on_day:
            say(dispatcher, [Reply(KNOWLEDGE.message("sent_unclear_date", lang))])
            return []
        stored = await asyncio.to_thread(SERVICE.store.mark_sent, int(letter_id), sent_on)
        if stored is None:
            say(dispatcher, [Reply(KNOWLEDGE.message("sent_no_letter", lang))])
            return []
        replies = [FLOW.sent(sent_on, stored.respond_by, lang)]
        try:  # the clocks this letter started, and a check-in a week later
            started = await asyncio.to_thread(CASE_SERVICE.letter_sent, case_key(tracker), stored,
                                              address(tracker), datetime.now())
        except Exception:  # noqa: BLE001 - the letter is marked sent; only the reminder is missing
            logger.exception("could not set the follow-up for a %s letter", stored.letter)
            started = None
        replies += CASE_FLOW.after_sent(started, on_day, lang)
        say(dispatcher, replies)
        return []


class ActionLetterNotSent(Action):
    def name(self) -> Text:
        return "action_letter_not_sent"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        say(dispatcher, [Reply(KNOWLEDGE.message("not_sent_yet", language(tracker)))])
        return []


# One question action per field and one validation action per letter form, named as Rasa expects.
for _field in KNOWLEDGE.fields:
    globals()[f"AskField_{_field}"] = type(f"AskField_{_field}", (AskField,), {"field": _field})
for _letter in KNOWLEDGE.letters:
    globals()[f"Validate_{_letter}"] = type(f"Validate_{_letter}", (LetterFormValidation,), {"letter": _letter})
