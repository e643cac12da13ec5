"""What the assistant says, from the plain-Python conversation core (no Rasa needed)."""
from __future__ import annotations

import re

import pytest

from bot.conversation import Conversation, State

CITATION = re.compile(r"\(34 CFR [^)]+\)|\(OSEP Memo [^)]+\)")


@pytest.fixture(scope="module")
def conversation(knowledge):
    return Conversation(knowledge)


def found(applies, text="", clarify=(), notes=()):
    return {"applies": list(applies), "clarify": list(clarify), "text": text, "notes": list(notes), "language": "en"}


def test_greeting_says_what_it_does_and_that_it_is_not_legal_advice(conversation):
    turn = conversation.greet(State())
    assert len(turn.replies) == 2
    assert "not legal advice" in turn.replies[1].text
    assert turn.state.disclaimer_shown


def test_a_story_gets_reflection_rights_with_citations_next_steps_and_anything_else(conversation, knowledge):
    turn = conversation.triage(found(["stalled_progress"], "the same scores on two report cards"),
                               "stalled_progress", State())
    texts = [r.text for r in turn.replies]
    assert texts[0] == knowledge.situations["stalled_progress"].reflection.get()
    rights = [line for line in texts[1].splitlines() if line.startswith("•")]
    assert 2 <= len(rights) <= 4 and all(CITATION.search(line) for line in rights)
    assert "a written request for an IEP meeting" in texts[2]
    assert "recommended" in texts[2]  # two flat report cards: a strong sign
    assert "not legal advice" in " ".join(texts)  # said once, since the greeting was skipped
    assert texts[-1] == knowledge.message("anything_else")
    assert turn.state.situations == ("stalled_progress",)


def test_the_disclaimer_is_said_once_per_conversation(conversation):
    turn = conversation.triage(found(["meeting_request"]), "meeting_request", State(disclaimer_shown=True))
    assert not any("legal advice" in r.text for r in turn.replies)


def test_two_situations_are_both_reflected_and_their_rights_combined(conversation, knowledge):
    turn = conversation.triage(found(["services_not_delivered", "behavior_discipline"]), "services_not_delivered", State())
    reflection = turn.replies[0].text
    assert knowledge.situations["services_not_delivered"].reflection.get() in reflection
    assert knowledge.situations["behavior_discipline"].reflection.get() in reflection
    rights = turn.replies[1].text
    assert knowledge.rights["iep_implementation"].citation in rights
    assert knowledge.rights["discipline_10_days"].citation in rights
    assert len([ln for ln in rights.splitlines() if ln.startswith("•")]) <= 4


def test_unsure_triage_asks_which_is_closer_with_quick_replies(conversation, knowledge):
    turn = conversation.triage(found([], clarify=["evaluation_request", "evaluation_denied"]), "evaluation_request", State())
    assert len(turn.replies) == 1
    reply = turn.replies[0]
    assert reply.text == knowledge.message("clarify_question")
    assert [b.payload for b in reply.buttons][:2] == [
        '/choose_situation{"situation": "evaluation_request"}', '/choose_situation{"situation": "evaluation_denied"}']
    assert reply.buttons[-1].title == knowledge.message("clarify_other")


def test_choosing_a_situation_explains_it_and_other_asks_for_more(conversation, knowledge):
    assert "Prior Written Notice" in " ".join(r.text for r in conversation.choose("evaluation_denied", "", State()).replies)
    other = conversation.choose("other", "", State())
    assert other.replies[0].text == knowledge.message("ask_more")


def test_what_does_that_mean_defines_the_last_term_used(conversation, knowledge):
    turn = conversation.triage(found(["evaluation_denied"]), "evaluation_denied", State())
    assert turn.state.last_term is not None
    explained = conversation.explain_term("what does that mean?", turn.state)
    term = knowledge.glossary[turn.state.last_term]
    assert explained.replies[0].text.startswith(term.name.get())


def test_a_named_term_is_defined_even_without_context(conversation, knowledge):
    turn = conversation.explain_term("what is an IEE?", State())
    assert turn.replies[0].text.startswith(knowledge.glossary["iee"].name.get())
    assert conversation.explain_term("what does that mean", State()).replies[0].text == knowledge.message("explain_which")


def test_faq_answer_with_citation(conversation, knowledge):
    turn = conversation.faq("general_info/cost", State())
    assert turn.replies[0].text.startswith(knowledge.faq["general_info/cost"].text.get())
    assert conversation.faq("general_info/nothing", State()).replies[0].text == knowledge.message("faq_unknown")


def test_start_over_restarts_and_greets_again(conversation, knowledge):
    turn = conversation.restart(State(disclaimer_shown=True, situations=("transition",)))
    assert turn.restart and turn.state.situations == ()
    assert turn.replies[0].text == knowledge.message("restart")


def test_out_of_scope_and_fallback_offer_topics(conversation, knowledge):
    turn = conversation.triage(found(["out_of_scope"]), "out_of_scope", State())
    assert turn.replies[0].text == knowledge.message("out_of_scope") and turn.replies[0].buttons
    assert conversation.triage(found([]), "nlu_fallback", State()).replies[0].buttons


def test_crisis_in_english_and_spanish(conversation, knowledge):
    english = conversation.crisis(State(), "en").replies[0].text
    assert "988" in english and "911" in english
    assert conversation.crisis(State(), "es").replies[0].text == knowledge.message("crisis", "es")


@pytest.mark.parametrize("problem", ["empty_message", "emoji_only", "non_english"])
def test_bad_input_gets_a_kind_reply(conversation, knowledge, problem):
    assert conversation.bad_input(problem, State()).replies[0].text == knowledge.message(problem)


def test_a_long_message_is_answered_with_a_note(conversation, knowledge):
    turn = conversation.triage(found(["transition"], notes=["too_long"]), "transition", State())
    assert turn.replies[0].text == knowledge.message("too_long")
