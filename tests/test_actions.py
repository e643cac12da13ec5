"""The rasa-sdk actions: thin, and sending what bot.guidance.conversation says."""
from __future__ import annotations

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, Restarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import actions


def tracker(intent="stalled_progress", triage=None, slots=None, text="", entities=None, events=None, active_loop=None):
    return Tracker(
        sender_id="test", slots=slots or {},
        latest_message={"intent": {"name": intent, "confidence": 0.9}, "text": text,
                        "entities": entities or [], "triage": triage or {}},
        events=events or [], paused=False, followup_action=None,
        active_loop={"name": active_loop} if active_loop else {}, latest_action_name=None,
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
    from bot.cases.deadlines import problem_text

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


def _user(intent, text="x", triage=None):
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}, "triage": triage or {}}}


@pytest.mark.parametrize("loop,payload", [("advocate_form", "/advocate_check"), ("deadline_form", "/ask_deadline"),
                                          ("records_request_form", "/continue_letter"), (None, "/carry_on")])
async def test_crisis_inside_any_form_pauses_it_and_offers_the_way_back(knowledge, loop, payload):
    messages, events = await run(actions.ActionCrisis(), tracker(intent="crisis", triage={"language": "en"},
                                                                 active_loop=loop))
    assert messages[0]["text"] == knowledge.message("crisis")
    assert [b["payload"] for b in messages[-1]["buttons"]] == [payload, "/human_handoff"]
    assert ActiveLoop(None) in events and SlotSet("requested_slot", None) in events


async def test_carry_on_answers_the_story_sent_with_the_danger(knowledge):
    story = {"applies": ["no_response"], "clarify": [], "text": "no reply in 3 weeks. i want to die", "language": "en"}
    events = [_user("crisis", triage=story), _user("carry_on", "/carry_on")]
    messages, _ = await run(actions.ActionCarryOn(), tracker(intent="carry_on", events=events))
    assert messages[0]["text"] == knowledge.situations["no_response"].reflection.get()
    plain, _ = await run(actions.ActionCarryOn(), tracker(intent="carry_on", events=[_user("greet"), _user("carry_on")]))
    assert plain[0]["text"] == knowledge.message("ask_more")


async def test_talk_to_a_person_uses_the_state_the_conversation_knows(knowledge):
    messages, events = await run(actions.ActionHumanHandoff(), tracker(
        intent="human_handoff", slots={"us_state": "OR"}, active_loop="advocate_form"))
    assert messages[0]["text"].startswith(knowledge.message("handoff_intro"))
    assert "Find the one for Oregon at parentcenterhub.org/find-your-center" in messages[0]["text"]
    assert [b["payload"] for b in messages[-1]["buttons"]] == ["/advocate_check"]
    assert ActiveLoop(None) in events
    spanish, _ = await run(actions.ActionHumanHandoff(), tracker(intent="human_handoff", triage={"language": "es"}))
    assert spanish[0]["text"].startswith(knowledge.message("handoff_intro", "es"))


async def test_the_second_turn_in_a_row_not_understood_brings_a_person(knowledge):
    from bot.guidance.handoff import MISSES_SLOT

    first, events = await run(actions.ActionFallback(), tracker(intent="nlu_fallback", events=[_user("nlu_fallback")]))
    assert first[0]["text"] == knowledge.message("fallback") and SlotSet(MISSES_SLOT, 1) in events
    history = [_user("nlu_fallback"), {"event": "slot", "name": MISSES_SLOT, "value": 1}, _user("out_of_scope")]
    second, events = await run(actions.ActionFallback(), tracker(intent="out_of_scope", events=history))
    assert second[0]["text"].startswith(knowledge.message("handoff_after_misses"))
    assert second[-1]["text"] == knowledge.message("out_of_scope") and SlotSet(MISSES_SLOT, 2) in events
    # An understood turn in between starts the count again.
    history = [_user("nlu_fallback"), {"event": "slot", "name": MISSES_SLOT, "value": 1}, _user("greet"),
               _user("nlu_fallback")]
    again, _ = await run(actions.ActionFallback(), tracker(intent="nlu_fallback", events=history))
    assert again[0]["text"] == knowledge.message("fallback")


async def test_a_story_that_cannot_be_placed_counts_toward_the_referral(knowledge):
    from bot.guidance.handoff import MISSES_SLOT

    history = [_user("nlu_fallback"), {"event": "slot", "name": MISSES_SLOT, "value": 1}, _user("stalled_progress")]
    messages, events = await run(actions.ActionTriage(), tracker(intent="greet", triage={"applies": [], "text": "hmm"},
                                                                 events=history))
    assert messages[0]["text"].startswith(knowledge.message("handoff_after_misses"))
    understood, events = await run(actions.ActionTriage(), tracker(
        triage={"applies": ["transition"], "text": "he turns 16"}, events=history))
    assert not any(e.get("name") == MISSES_SLOT for e in events)
