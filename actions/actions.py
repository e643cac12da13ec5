"""Rasa SDK actions. Kept thin: read the tracker, ask bot.conversation, send the replies.

The knowledge is read once when the action server imports this module; no action does blocking I/O.
"""
from __future__ import annotations

from typing import Any, Dict, List, Sequence, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, Restarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.services import remember
from bot.conversation import SMALL_TALK, Conversation, State, Turn
from bot.knowledge import load_knowledge
from bot.replies import Reply

CONVERSATION = Conversation(load_knowledge())


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
    return _slots(turn.state)


def _slots(state: State) -> List[EventType]:
    return [SlotSet("language", state.language), SlotSet("disclaimer_shown", state.disclaimer_shown),
            SlotSet("last_term", state.last_term), SlotSet("situations", list(state.situations))]


def _triage(tracker: Tracker) -> Dict[Text, Any]:
    return tracker.latest_message.get("triage") or {}


def _intent(tracker: Tracker) -> Text:
    return (tracker.latest_message.get("intent") or {}).get("name") or ""


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
        turn = CONVERSATION.triage(_triage(tracker), _intent(tracker), _state(tracker))
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
        turn = CONVERSATION.small_talk(intent, state) if intent in SMALL_TALK else CONVERSATION.fallback(state)
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
        events = _send(CONVERSATION.crisis(_state(tracker), _triage(tracker).get("language") or "en"), dispatcher)
        # A letter in progress can wait: stop asking its questions, keep the answers.
        return events + [ActiveLoop(None), SlotSet("requested_slot", None)]


class ActionBadInput(Action):
    def name(self) -> Text:
        return "action_bad_input"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        found = _triage(tracker)
        turn = CONVERSATION.bad_input(found.get("problem") or "empty_message", _state(tracker), found.get("language") or "en")
        return _send(turn, dispatcher)


class ActionFallback(Action):
    def name(self) -> Text:
        return "action_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        key = "out_of_scope" if _intent(tracker) == "out_of_scope" else "fallback"
        return _send(CONVERSATION.fallback(_state(tracker), key), dispatcher)
