"""The rasa-sdk actions: thin, and sending what bot.conversation says."""
from __future__ import annotations

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import Restarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import actions


def tracker(intent="stalled_progress", triage=None, slots=None, text="", entities=None, events=None):
    return Tracker(
        sender_id="test", slots=slots or {},
        latest_message={"intent": {"name": intent, "confidence": 0.9}, "text": text,
                        "entities": entities or [], "triage": triage or {}},
        events=events or [], paused=False, followup_action=None, active_loop={}, latest_action_name=None,
    )


async def run(action, t):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, t, {})
    return dispatcher.messages, events


async def test_triage_action_sends_reflection_rights_next_steps(knowledge):
    messages, events = await run(actions.ActionTriage(), tracker(triage={
        "applies": ["no_response"], "clarify": [], "text": "no reply for 2 weeks", "notes": [], "language": "en"}))
    texts = [m["text"] for m in messages]
    assert texts[0] == knowledge.situations["no_response"].reflection.get()
    assert knowledge.rights["meeting_in_writing"].citation in texts[1]
    assert SlotSet("situations", ["no_response"]) in events
    assert SlotSet("disclaimer_shown", True) in events


async def test_clarifying_question_carries_buttons():
    messages, _ = await run(actions.ActionTriage(), tracker(intent="evaluation_request", triage={
        "applies": [], "clarify": ["evaluation_request", "evaluation_denied"], "text": "testing", "language": "en"}))
    assert len(messages) == 1 and len(messages[0]["buttons"]) == 3


async def test_choice_uses_the_earlier_story(knowledge):
    story = {"event": "user", "text": "They said no to testing on the phone.",
             "parse_data": {"triage": {"text": "They said no to testing on the phone."}}}
    messages, _ = await run(actions.ActionChooseSituation(), tracker(
        intent="choose_situation", entities=[{"entity": "situation", "value": "evaluation_denied"}],
        events=[story, {"event": "user", "text": '/choose_situation{"situation": "evaluation_denied"}'}]))
    assert messages[0]["text"] == knowledge.situations["evaluation_denied"].reflection.get()
    assert any(knowledge.levels["recommended"].get() in m["text"] for m in messages)  # refused by phone: strong sign


async def test_faq_greet_explain_and_small_talk(knowledge):
    faq, _ = await run(actions.ActionAnswerFaq(), tracker(intent="general_info",
                                                            triage={"retrieval_key": "general_info/iep_team"}))
    assert faq[0]["text"].startswith(knowledge.faq["general_info/iep_team"].text.get())
    greet, events = await run(actions.ActionGreet(), tracker(intent="greet"))
    assert greet[0]["text"] == knowledge.message("greeting")
    explain, _ = await run(actions.ActionExplainTerm(), tracker(intent="explain_term", text="what is PWN?"))
    assert explain[0]["text"].startswith(knowledge.glossary["pwn"].name.get())
    bye, _ = await run(actions.ActionSmallTalk(), tracker(intent="goodbye"))
    assert bye[0]["text"] == knowledge.message("goodbye")


async def test_restart_crisis_bad_input_and_fallback(knowledge):
    _, events = await run(actions.ActionRestart(), tracker(intent="restart", slots={"disclaimer_shown": True}))
    assert isinstance(events[0], dict) and events[0] == Restarted()
    crisis, _ = await run(actions.ActionCrisis(), tracker(intent="crisis", triage={"language": "es"}))
    assert crisis[0]["text"] == knowledge.message("crisis", "es")
    bad, _ = await run(actions.ActionBadInput(), tracker(intent="bad_input", triage={"problem": "emoji_only"}))
    assert bad[0]["text"] == knowledge.message("emoji_only")
    fallback, _ = await run(actions.ActionFallback(), tracker(intent="nlu_fallback"))
    assert fallback[0]["text"] == knowledge.message("fallback") and fallback[0]["buttons"]


@pytest.mark.parametrize("triage", [{}, {"applies": ["not_a_situation"]}, {"applies": None, "text": None}])
async def test_odd_tracker_data_never_crashes(triage):
    messages, _ = await run(actions.ActionTriage(), tracker(intent="greet", triage=triage))
    assert messages  # a kind fallback, not an exception


async def test_a_deadline_question_whose_event_is_unclear_is_asked_again_kindly(knowledge):
    """Found by the load benchmark: "how long do they have to answer me" crashed the validator, so the
    parent got no answer at all."""
    from actions.deadlines import ValidateDeadlineForm
    from bot.deadlines import problem_text

    dispatcher = CollectingDispatcher()
    changes = await ValidateDeadlineForm().validate_deadline_event(
        "how long do they have to answer me", dispatcher, tracker(intent="ask_deadline"), {})
    assert changes["deadline_event"] is None and changes["deadline_failures"] == {"deadline_event": 1}
    assert [m["text"] for m in dispatcher.messages] == [problem_text("unknown_event", "en")]


@pytest.mark.parametrize("slot", ["deadline_event", "deadline_start", "us_state"])
async def test_a_deadline_detail_not_given_yet_is_not_called_a_mistake(slot):
    """action_start_deadline empties the three details; the validator must not answer "I couldn't read
    that" for each, which also silenced the next question (found by the load benchmark)."""
    from actions.deadlines import ValidateDeadlineForm

    dispatcher = CollectingDispatcher()
    changes = await getattr(ValidateDeadlineForm(), f"validate_{slot}")(None, dispatcher, tracker("ask_deadline"), {})
    assert changes == {} and dispatcher.messages == []
