"""What the assistant says, from the plain-Python conversation core (no Rasa needed)."""
from __future__ import annotations

import re

import pytest

from bot.guidance.conversation import Conversation, State

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


# What the crisis reply must hold, in each language: 988 by call or text, help in Spanish, 911, and the
# child abuse hotline (Childhelp, which helps a caller reach their state's line to report).
CRISIS_FACTS = {
    "en": ["call or text 988", "press 2", "text AYUDA to 988", "call 911", "Child Abuse Hotline", "1-800-422-4453",
           "call or text the Childhelp", "state's child abuse hotline"],
    "es": ["llame o envíe un mensaje de texto al 988", "marque 2", "envíe AYUDA al 988", "llame al 911",
           "Línea Nacional de Abuso Infantil", "1-800-422-4453", "línea de abuso infantil de su estado"],
}


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_crisis_reply_names_every_resource(conversation, language):
    text = conversation.crisis(State(), language).replies[0].text
    missing = [fact for fact in CRISIS_FACTS[language] if fact not in text]
    assert not missing, missing


def test_the_crisis_reply_invents_no_state_number(conversation):
    for language in ("en", "es"):
        text = conversation.crisis(State(), language).replies[0].text
        assert set(re.findall(r"\b\d[\d-]*\d\b", text)) == {"911", "988", "1-800-422-4453"}


@pytest.mark.parametrize("interrupted,payload", [
    (None, "/carry_on"), ("pwn_request_form", "/continue_letter"), ("meeting_request_form", "/continue_letter"),
    ("advocate_form", "/advocate_check"), ("deadline_form", "/ask_deadline"), ("unknown_form", "/carry_on")])
def test_after_the_crisis_reply_it_offers_to_carry_on_or_talk_to_a_person(conversation, knowledge, interrupted,
                                                                            payload):
    turn = conversation.crisis(State(), "en", interrupted)
    offer = turn.replies[-1]
    assert offer.text == knowledge.message("crisis_continue")
    assert [b.payload for b in offer.buttons] == [payload, "/human_handoff"]
    spanish = conversation.crisis(State(), "es", interrupted).replies[-1]
    assert [b.title for b in spanish.buttons] == [knowledge.message("button_carry_on", "es"),
                                                  knowledge.message("button_talk_to_person", "es")]


def test_carrying_on_answers_the_story_that_came_with_the_danger(conversation, knowledge):
    story = found(["services_not_delivered"], "no speech since october. he said he wants to die")
    turn = conversation.carry_on(story, State())
    assert turn.replies[0].text == knowledge.situations["services_not_delivered"].reflection.get()
    assert conversation.carry_on(None, State()).replies[0].text == knowledge.message("ask_more")
    assert conversation.carry_on(found([]), State()).replies[0].text == knowledge.message("ask_more")


def _referral(turn):
    return turn.replies[0].text


def test_talk_to_a_person_with_no_helpline_set_still_points_somewhere(conversation, knowledge):
    turn = conversation.handoff(State())
    text = _referral(turn)
    assert text.startswith(knowledge.message("handoff_intro"))
    assert knowledge.message("handoff_no_helpline") in text
    assert "Parent Training and Information Center" in text and "parentcenterhub.org/find-your-center" in text
    assert [b.payload for b in turn.replies[-1].buttons] == ["/carry_on"]


def test_talk_to_a_person_gives_the_configured_helpline_hours_and_call_back(knowledge):
    from bot.guidance.conversation import Conversation
    from bot.guidance.handoff import Helpline

    helpline = Helpline(name="the Sample Family Center", phone="555-0100", email="help@example.org",
                        hours="weekdays 9 am to 5 pm Eastern", callback="within one business day")
    text = _referral(Conversation(knowledge, helpline).handoff(State(), state_code="CA"))
    assert "You can reach the Sample Family Center: call 555-0100 or email help@example.org." in text
    assert "They are open weekdays 9 am to 5 pm Eastern." in text
    assert "expect a call back within one business day." in text
    assert "Find the one for California at parentcenterhub.org/find-your-center" in text
    assert knowledge.message("handoff_no_helpline") not in text


def test_talk_to_a_person_with_only_the_older_one_line_contact(knowledge):
    from bot.guidance.conversation import Conversation
    from bot.guidance.handoff import Helpline

    text = _referral(Conversation(knowledge, Helpline(contact="our helpline at 555-0100")).handoff(State()))
    assert "You can reach our helpline at 555-0100." in text and "parentcenterhub.org" in text
    phone_only = _referral(Conversation(knowledge, Helpline(phone="555-0100", hours="weekdays")).handoff(State()))
    assert "You can reach our helpline: call 555-0100." in phone_only and "They are open weekdays." in phone_only


def test_talk_to_a_person_in_spanish_and_back_to_the_paused_questions(conversation, knowledge):
    turn = conversation.handoff(State(), "es", "TX", "deadline_form")
    assert _referral(turn).startswith(knowledge.message("handoff_intro", "es"))
    assert "Busque el de Texas en parentcenterhub.org/find-your-center" in _referral(turn)
    assert [b.payload for b in turn.replies[-1].buttons] == ["/ask_deadline"]


def test_a_bot_question_offers_a_person(conversation, knowledge):
    reply = conversation.small_talk("bot_challenge", State()).replies[0]
    assert reply.text == knowledge.message("bot_challenge")
    assert [b.payload for b in reply.buttons] == ["/human_handoff"]
    assert not conversation.small_talk("goodbye", State()).replies[0].buttons


def test_two_misunderstood_turns_in_a_row_bring_the_referral(conversation, knowledge):
    first = conversation.fallback(State(), misses=1)
    assert first.misses == 1 and len(first.replies) == 1
    second = conversation.fallback(State(), misses=2)
    assert second.misses == 2
    assert second.replies[0].text.startswith(knowledge.message("handoff_after_misses"))
    assert "parentcenterhub.org/find-your-center" in second.replies[0].text
    assert second.replies[-1].buttons  # the topics are still there
    third = conversation.fallback(State(), "out_of_scope", misses=3)
    assert third.replies[0].text == knowledge.message("out_of_scope")
    assert third.replies[-1].buttons[-1].payload == "/human_handoff"  # every later miss offers a person
    assert conversation.fallback(State(), misses=4).replies[0].text.startswith(knowledge.message("handoff_after_misses"))


def test_a_story_it_cannot_place_counts_as_a_miss_and_one_it_can_does_not(conversation):
    assert conversation.triage(found([]), "nlu_fallback", State(), misses=2).misses == 2
    assert conversation.triage(found(["transition"]), "transition", State(), misses=2).misses == 0
    assert conversation.triage(found([], clarify=["evaluation_request", "evaluation_denied"]), "evaluation_request",
                               State(), misses=2).misses == 0  # a clarifying question is not a miss
    assert conversation.bad_input("non_english", State(language="es"), "pt", misses=2).replies[0].text.startswith(
        conversation.knowledge.message("handoff_after_misses", "es"))
    assert conversation.bad_input("emoji_only", State(), misses=2).misses == 0


def test_the_streak_is_read_from_the_previous_turn_only():
    from bot.guidance.handoff import MISSES_SLOT, misses_before

    user = {"event": "user", "text": "x"}
    missed = lambda n: {"event": "slot", "name": MISSES_SLOT, "value": n}  # noqa: E731
    assert misses_before([]) == 0 and misses_before([user]) == 0
    assert misses_before([user, missed(1), {"event": "action"}, user]) == 1
    assert misses_before([user, missed(1), user, missed(2), user]) == 2
    assert misses_before([user, missed(1), user, {"event": "slot", "name": "language", "value": "en"}, user]) == 0
    assert misses_before([user, missed(1), user]) == 1 and misses_before([user, missed("x"), user]) == 0


@pytest.mark.parametrize("problem", ["empty_message", "emoji_only"])
def test_bad_input_gets_a_kind_reply(conversation, knowledge, problem):
    assert conversation.bad_input(problem, State()).replies[0].text == knowledge.message(problem)


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_third_language_is_answered_in_english_and_spanish_with_where_help_is(conversation, knowledge, language):
    """Portuguese or Haitian Creole: both of our languages say kindly where help is; the conversation keeps all."""
    state = State(language=language, situations=("transition",))
    turn = conversation.bad_input("non_english", state, "pt")
    english, spanish = (r.text for r in turn.replies)
    assert english.startswith(knowledge.message("non_english", "en"))
    assert spanish.startswith(knowledge.message("non_english", "es"))
    assert all("parentcenterhub.org/find-your-center" in text for text in (english, spanish))
    assert turn.state == state


def test_a_long_message_is_answered_with_a_note(conversation, knowledge):
    turn = conversation.triage(found(["transition"], notes=["too_long"]), "transition", State())
    assert turn.replies[0].text == knowledge.message("too_long")


def test_a_faq_answer_or_term_from_guidance_says_so(conversation, knowledge):
    """Legal review 9: the MTSS/RTI answer stated OSEP guidance (SECONDARY in idea-facts.md) as certain."""
    note = knowledge.message("secondary_note")
    faq = conversation.faq("general_info/mtss_rti", State()).replies[0].text
    assert faq.endswith(f"({knowledge.rights['rti_no_delay'].citation}) {note}")
    term = conversation.explain_term("what is RTI?", State()).replies[0].text
    assert term.endswith(note)
    plain = conversation.faq("general_info/iep_team", State()).replies[0].text
    assert note not in plain  # a verified rule carries no such note


def test_a_story_ending_in_a_question_gets_the_answer_besides_the_situation(conversation, knowledge):
    """Issue 19: "how much do advocates cost?" at the end of a story is answered, not only reflected."""
    found = {"applies": ["thin_services"], "text": "story", "question_key": "advocate_question/cost", "language": "en"}
    texts = [r.text for r in conversation.triage(found, "thin_services", State()).replies]
    assert texts[0] == knowledge.situations["thin_services"].reflection.get()
    assert texts[1].startswith("About your question: " + knowledge.faq["advocate_question/cost"].text.get())
    without = [r.text for r in conversation.triage(dict(found, question_key=None), "thin_services", State()).replies]
    assert len(texts) == len(without) + 1
