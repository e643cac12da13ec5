"""Rasa SDK actions. Kept thin: read the tracker, ask bot.guidance.conversation, send the replies.

The knowledge is read once when the action server imports this module; no action does blocking I/O.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, List, Optional, Sequence, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, Restarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.services import CASES, SETTINGS, case_key, remember
from bot.guidance.conversation import SMALL_TALK, Conversation, State, Turn
from bot.guidance.handoff import MISSES_SLOT, Helpline, misses_before
from bot.guidance.replies import Reply
from bot.knowledge import load_knowledge

logger = logging.getLogger(__name__)
CONVERSATION = Conversation(load_knowledge(), Helpline.from_settings(SETTINGS))


def _state(tracker: Tracker) -> State:
    return State(
        language=tracker.get_slot("language") or "en",
        disclaimer_shown=bool(tracker.get_slot("disclaimer_shown")),
        last_term=tracker.get_slot("last_term"),
        situations=tuple(tracker.get_slot("situations") or ()),
    )


def say(dispatcher: CollectingDispatcher, replies: Sequence[Reply]) -> None:
    """Sends replies: text with quick-reply buttons, or structured content (a whole letter) as custom JSON."""
    for reply in replies:
        if reply.custom is not None:
            dispatcher.utter_message(json_message=dict(reply.custom))
            continue
        buttons = [{"title": b.title, "payload": b.payload} for b in reply.buttons]
        dispatcher.utter_message(text=reply.text, buttons=buttons or None)


def _send(turn: Turn, dispatcher: CollectingDispatcher) -> List[EventType]:
    say(dispatcher, turn.replies)
    if turn.restart:
        return [Restarted(), ActiveLoop(None)] + _slots(turn.state)
    # A turn not understood says so in its own events; the next turn counts the streak from them.
    missed = [SlotSet(MISSES_SLOT, turn.misses)] if turn.misses else []
    return _slots(turn.state) + missed


def _slots(state: State) -> List[EventType]:
    return [SlotSet("language", state.language), SlotSet("disclaimer_shown", state.disclaimer_shown),
            SlotSet("last_term", state.last_term), SlotSet("situations", list(state.situations))]


def _triage(tracker: Tracker) -> Dict[Text, Any]:
    return tracker.latest_message.get("triage") or {}


def _intent(tracker: Tracker) -> Text:
    return (tracker.latest_message.get("intent") or {}).get("name") or ""


def _misses(tracker: Tracker) -> int:
    """What this turn would be in a row of turns not understood, if it is one."""
    return misses_before(tracker.events) + 1


def _previous_turn_triage(tracker: Tracker, intent: Text) -> Optional[Dict[Text, Any]]:
    """The triage of the parent's message before this one, if it had `intent`."""
    said = [e for e in tracker.events if e.get("event") == "user"]
    if len(said) < 2:
        return None
    parse = said[-2].get("parse_data") or {}
    return parse.get("triage") if (parse.get("intent") or {}).get("name") == intent else None


async def _state_code(tracker: Tracker) -> Optional[Text]:
    """The parent's state, if the conversation or the case knows it (for the parent center link)."""
    if tracker.get_slot("us_state"):
        return tracker.get_slot("us_state")
    try:
        case = await asyncio.to_thread(CASES.get, case_key(tracker))
    except Exception:  # noqa: BLE001 - the referral works without the state
        logger.exception("could not read the case")
        return None
    return case.state if case else None


def _story_text(tracker: Tracker) -> Text:
    """The parent's last story, for a quick-reply choice that follows a clarifying question."""
    for event in reversed(tracker.events):
        if event.get("event") == "user" and not (event.get("text") or "").startswith("/"):
            return ((event.get("parse_data") or {}).get("triage") or {}).get("text") or event.get("text") or ""
    return ""


class ActionGreet(Action):
    def name(self) -> Text:
        return "action_greet"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        return _send(CONVERSATION.greet(_state(tracker)), dispatcher)


class ActionTriage(Action):
    def name(self) -> Text:
        return "action_triage"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        turn = CONVERSATION.triage(_triage(tracker), _intent(tracker), _state(tracker), _misses(tracker))
        await remember(tracker, turn.state.situations)
        return _send(turn, dispatcher)


class ActionChooseSituation(Action):
    def name(self) -> Text:
        return "action_choose_situation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        chosen = next(tracker.get_latest_entity_values("situation"), None) or ""
        turn = CONVERSATION.choose(chosen, _story_text(tracker), _state(tracker))
        await remember(tracker, turn.state.situations)
        return _send(turn, dispatcher)


class ActionAnswerFaq(Action):
    def name(self) -> Text:
        return "action_answer_faq"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        return _send(CONVERSATION.faq(_triage(tracker).get("retrieval_key"), _state(tracker)), dispatcher)


class ActionExplainTerm(Action):
    def name(self) -> Text:
        return "action_explain_term"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        text = tracker.latest_message.get("text") or ""
        return _send(CONVERSATION.explain_term(text, _state(tracker)), dispatcher)


class ActionSmallTalk(Action):
    def name(self) -> Text:
        return "action_small_talk"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        intent = _intent(tracker)
        state = _state(tracker)
        turn = (CONVERSATION.small_talk(intent, state) if intent in SMALL_TALK
                else CONVERSATION.fallback(state, misses=_misses(tracker)))
        return _send(turn, dispatcher)


class ActionRestart(Action):
    """Overrides Rasa's default restart so the parent hears that we start fresh."""

    def name(self) -> Text:
        return "action_restart"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        return _send(CONVERSATION.restart(_state(tracker)), dispatcher)


class ActionCrisis(Action):
    def name(self) -> Text:
        return "action_crisis"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        turn = CONVERSATION.crisis(_state(tracker), _triage(tracker).get("language") or "en", tracker.active_loop_name)
        # A letter or questions in progress can wait: stop asking, keep the answers; a button picks them up.
        return _send(turn, dispatcher) + [ActiveLoop(None), SlotSet("requested_slot", None)]


class ActionCarryOn(Action):
    """"Keep going" after the crisis reply: the school story that came with it gets its answer."""

    def name(self) -> Text:
        return "action_carry_on"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        turn = CONVERSATION.carry_on(_previous_turn_triage(tracker, "crisis"), _state(tracker))
        await remember(tracker, turn.state.situations)
        return _send(turn, dispatcher)


class ActionHumanHandoff(Action):
    """Talk to a person: the helpline from the settings, and the state's parent center."""

    def name(self) -> Text:
        return "action_human_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        turn = CONVERSATION.handoff(_state(tracker), _triage(tracker).get("language") or "en",
                                    await _state_code(tracker), tracker.active_loop_name)
        # Questions in progress wait, answers kept, as after a crisis reply; the button picks them up.
        return _send(turn, dispatcher) + [ActiveLoop(None), SlotSet("requested_slot", None)]


class ActionSwitchLanguage(Action):
    """"Español" / "English" (typed, or the widget's button): the slot is already set from the message."""

    def name(self) -> Text:
        return "action_switch_language"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        return _send(CONVERSATION.switch_language(_state(tracker), tracker.get_slot("language") or "en"), dispatcher)


class ActionBadInput(Action):
    def name(self) -> Text:
        return "action_bad_input"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        found = _triage(tracker)
        turn = CONVERSATION.bad_input(found.get("problem") or "empty_message", _state(tracker),
                                      found.get("language") or "en", _misses(tracker), _choices_shown(tracker))
        return _send(turn, dispatcher)


def _choices_shown(tracker: Tracker) -> bool:
    """Whether our replies to the parent's message before this one offered quick replies."""
    users = 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            users += 1
            if users == 2:  # back at the message before this one: none of our replies since offered any
                return False
        elif event.get("event") == "bot" and users == 1 and (event.get("data") or {}).get("buttons"):
            return True
    return False


class ActionFallback(Action):
    def name(self) -> Text:
        return "action_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        key = "out_of_scope" if _intent(tracker) == "out_of_scope" else "fallback"
        return _send(CONVERSATION.fallback(_state(tracker), key, _misses(tracker)), dispatcher)
