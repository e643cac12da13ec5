"""Rasa SDK actions for "do I need an advocate?": a form that asks the rubric's open questions one at a
time (explaining after a reply it could not read, then moving on), and the verdict with its reasons."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.actions import say
from actions.services import KNOWLEDGE, language, remember, stories, switched_language
from bot.guidance.advocate import UNCLEAR, read_answer
from bot.guidance.advocate_flow import AdvocateFlow

FLOW = AdvocateFlow(KNOWLEDGE)



def _answers(tracker: Tracker) -> Dict[str, Any]:
    return dict(tracker.get_slot("advocate_answers") or {})


def _open(tracker: Tracker, answers: Dict[str, Any]) -> tuple[str, ...]:
    situations = list(tracker.get_slot("situations") or [])
    return FLOW.judgement([text for text, _ in stories(tracker)], situations, answers, language(tracker)).open_questions


class ValidateAdvocateForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_advocate_form"

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> List[Text]:
        return ["advocate_reply"] if _open(tracker, _answers(tracker)) else []

    async def validate_advocate_reply(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                      domain: DomainDict) -> Dict[Text, Any]:
        answers = _answers(tracker)
        asked = _open(tracker, answers)
        if not asked:
            return {"advocate_reply": None}
        if switched_language(tracker):  # "Español" is not the answer: the question comes again, in Spanish
            dispatcher.utter_message(text=KNOWLEDGE.message("language_switched_letter", language(tracker)))
            return {"advocate_reply": None}
        sign = asked[0]
        retried = dict(tracker.get_slot("advocate_retries") or {})
        answer = read_answer(KNOWLEDGE.signs[sign], str(value or ""), KNOWLEDGE, language(tracker))
        if answer == UNCLEAR and not retried.get(sign):
            retried[sign] = 1  # explain once, then take "not sure" and move on: never a dead end
            return {"advocate_reply": None, "advocate_retries": retried}
        answers[sign] = None if answer == UNCLEAR else answer
        return {"advocate_reply": None, "advocate_answers": answers, "advocate_retries": retried}


class ActionAskAdvocateReply(Action):
    def name(self) -> Text:
        return "action_ask_advocate_reply"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        answers = _answers(tracker)
        asked = _open(tracker, answers)
        if asked:
            retried = dict(tracker.get_slot("advocate_retries") or {})
            first = not answers and not retried
            say(dispatcher, FLOW.question(asked[0], language(tracker), retry=bool(retried.get(asked[0])), first=first))
        return []


class ActionAdvocateVerdict(Action):
    def name(self) -> Text:
        return "action_advocate_verdict"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        lang = language(tracker)
        situations = list(tracker.get_slot("situations") or [])
        if not situations:
            say(dispatcher, FLOW.no_story(lang))
            return [SlotSet("advocate_reply", None)]
        judgement = FLOW.judgement([text for text, _ in stories(tracker)], situations, _answers(tracker), lang)
        say(dispatcher, FLOW.verdict(judgement, lang))
        await remember(tracker, situations)
        return [SlotSet("advocate_reply", None)]
