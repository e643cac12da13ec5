"""Rasa SDK actions for the remembered case: a returning parent's recall, the school's answer,
reminders (delivered once, stopped on request), and deleting everything. Thin: bot.cases.service
and bot.cases.flow decide; every database call runs in a worker thread."""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.actions import say
from actions.services import CASES, KNOWLEDGE, QUEUE, SERVICE, address, case_key, language, today
from bot.cases.flow import CaseFlow
from bot.cases.service import REMIND_AT, CaseService
from bot.cases.store import ERASE_SLOT
from bot.guidance.replies import Reply

logger = logging.getLogger(__name__)
FLOW = CaseFlow(KNOWLEDGE)
CASE_SERVICE = CaseService(KNOWLEDGE, CASES, SERVICE.store)
CONFIRMING = ("action_ask_delete", "action_delete_data")  # actions whose last words asked "delete it all?"
FOLLOW_UP_DAYS = 7  # seed 001: no word within a week, follow up in writing


def _previous_action(tracker: Tracker) -> Text | None:
    """The last action before the parent's latest message (what they are answering)."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            seen_user = True
        elif seen_user and event.get("event") == "action" and event.get("name") != "action_listen":
            return event.get("name")
    return None


class ActionSessionStart(Action):
    """Rasa's session start, plus one or two lines for a returning parent about the request still open."""

    def name(self) -> Text:
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        carried = [SlotSet(name, value) for name, value in tracker.slots.items()
                   if value is not None and name not in ("requested_slot", ERASE_SLOT)]
        try:
            letter = await asyncio.to_thread(CASES.open_request, case_key(tracker))
        except Exception:  # noqa: BLE001 - a returning parent still gets an answer
            logger.exception("could not read the case at session start")
            letter = None
        if letter is not None:
            say(dispatcher, [FLOW.recall(letter, language(tracker))])
        elif ((tracker.latest_message or {}).get("intent") or {}).get("name") == "session_start":
            # The client's own "/session_start", with nothing to recall: a greeting, never silence.
            say(dispatcher, [Reply(KNOWLEDGE.message("greeting", language(tracker)))])
        return [SessionStarted(), *carried, ActionExecuted("action_listen")]


class ActionSchoolAnswered(Action):
    def name(self) -> Text:
        return "action_school_answered"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        await _mark_answered(tracker)
        say(dispatcher, [FLOW.answered(language(tracker))])
        return []


class ActionSchoolNoAnswer(Action):
    def name(self) -> Text:
        return "action_school_no_answer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        say(dispatcher, [FLOW.no_answer(language(tracker))])
        return []


class ActionMeetingPrep(Action):
    def name(self) -> Text:
        return "action_meeting_prep"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        await _mark_answered(tracker)
        say(dispatcher, FLOW.meeting_prep(language(tracker)))
        return []


async def _mark_answered(tracker: Tracker) -> None:
    key = case_key(tracker)
    try:
        letter = await asyncio.to_thread(CASES.open_request, key)
        if letter is not None:
            await asyncio.to_thread(CASES.mark_answered, key, letter.id, today())
    except Exception:  # noqa: BLE001 - the reply still helps; the note can be made next time
        logger.exception("could not record the school's answer")


class ActionStopReminders(Action):
    def name(self) -> Text:
        return "action_stop_reminders"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        lang = language(tracker)
        try:
            await asyncio.to_thread(CASES.touch, case_key(tracker), datetime.now(), language=lang)
            cancelled = await asyncio.to_thread(CASES.stop_reminders, case_key(tracker), datetime.now())
        except Exception:  # noqa: BLE001
            logger.exception("could not stop reminders")
            say(dispatcher, [FLOW.say("case_unavailable", lang)])
            return []
        # Reminders are off either way; with none set, "I won't send any more" would claim what never was.
        say(dispatcher, [FLOW.say("reminders_stopped" if cancelled else "reminders_none", lang)])
        return []


class ActionRemindMe(Action):
    def name(self) -> Text:
        return "action_remind_me"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        lang, key, now = language(tracker), case_key(tracker), datetime.now()
        try:
            letter = await asyncio.to_thread(CASES.open_request, key)
            if letter is None:
                say(dispatcher, [FLOW.say("remind_no_letter", lang)])
                return []
            await asyncio.to_thread(CASES.allow_reminders, key, now)
            on = max(letter.sent_on + timedelta(days=FOLLOW_UP_DAYS), now.date() + timedelta(days=1))
            await asyncio.to_thread(CASES.schedule, key, kind="follow_up", subject=f"letter:{letter.id}",
                                    due_at=datetime.combine(on, REMIND_AT), address=address(tracker), now=now)
        except Exception:  # noqa: BLE001
            logger.exception("could not set a reminder")
            say(dispatcher, [FLOW.say("case_unavailable", lang)])
            return []
        say(dispatcher, [FLOW.remind_set(on, letter, lang)])
        return []


class ActionDeliverReminder(Action):
    """Woken by the reminder worker. Speaks only if this call is the one that marks the reminder delivered."""

    def name(self) -> Text:
        return "action_deliver_reminder"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        raw = next(tracker.get_latest_entity_values("reminder_id"), None)
        if raw is None or not str(raw).isdigit():
            return []
        replies = await asyncio.to_thread(CASE_SERVICE.deliver_reminder, QUEUE, int(raw), case_key(tracker),
                                          language(tracker), datetime.now())
        if replies is None:  # already delivered, cancelled or deleted: stay silent
            return []
        say(dispatcher, replies)  # by SMS the worker texts them from the outbox the mark filled
        return []


class ActionAskDelete(Action):
    def name(self) -> Text:
        return "action_ask_delete"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        if _previous_action(tracker) in CONFIRMING:  # asked twice in a row: the second ask is the confirmation
            return await ActionDeleteData().run(dispatcher, tracker, domain)
        say(dispatcher, [FLOW.delete_confirm(language(tracker))])
        return []


class ActionDeleteData(Action):
    """Deletes the case, letters, links and reminders, then has the tracker store forget the conversation."""

    def name(self) -> Text:
        return "action_delete_data"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        lang = language(tracker)
        if _previous_action(tracker) not in CONFIRMING:  # always exactly one confirmation first
            say(dispatcher, [FLOW.delete_confirm(lang)])
            return []
        try:
            await asyncio.to_thread(CASES.delete, case_key(tracker))
        except Exception:  # noqa: BLE001
            logger.exception("could not delete a case")
            say(dispatcher, [FLOW.say("delete_failed", lang)])
            return []
        say(dispatcher, [FLOW.say("delete_done", lang)])
        return [SlotSet(ERASE_SLOT, True)]


class ActionKeepData(Action):
    def name(self) -> Text:
        return "action_keep_data"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        say(dispatcher, [FLOW.say("delete_kept", language(tracker))])
        return []
