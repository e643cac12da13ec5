"""Triage through the trained model (the conversation's own NLU path) and on small real models."""
from __future__ import annotations

import pytest

from bot.understanding.classifier import IntentModel
from bot.understanding.triage import Triage

MIXED = ("My daughter is 11 and has dyslexia and ADHD, and she has had an IEP since 2nd grade. "
         "Her reading goal has been the same for two years and the last two progress reports just say "
         "'making progress' with no numbers. On top of that she was suspended twice this month for walking "
         "out of class, and they keep calling me to come pick her up early.")


def triage(nlu, text):
    return nlu.parse(text)["triage"]


def test_a_story_that_mixes_two_problems_yields_both(nlu):
    found = triage(nlu, MIXED)
    assert {"stalled_progress", "behavior_discipline"} <= set(found["applies"])
    assert found["clarify"] == []


def test_background_first_then_the_problem_gives_the_problem_as_intent(nlu):
    parse = nlu.parse("Hi, I'm raising my grandson. He is 7, autistic, and in 2nd grade. "
                      "The school won't test him for special education and says to wait for RTI.")
    assert parse["intent"]["name"] == "evaluation_denied"


def test_every_situation_is_ranked_with_a_confidence(nlu, knowledge):
    found = triage(nlu, "the school keeps saying they're monitoring his reading and nothing changes")
    assert [s["id"] for s in found["situations"]][0] == "stalled_progress"
    assert {s["id"] for s in found["situations"]} == set(knowledge.situations)
    scores = [s["confidence"] for s in found["situations"]]
    assert scores == sorted(scores, reverse=True)


def test_faq_questions_get_their_retrieval_key(nlu):
    parse = nlu.parse("does an IEP cost anything?")
    assert parse["intent"]["name"] == "general_info"
    assert parse["triage"]["retrieval_key"] == "general_info/cost"


def test_iep_terms_become_entities(nlu):
    entities = {(e["entity"], e["value"]) for e in nlu.parse("he gets 30 minutes of OT 2x a week")["entities"]}
    assert {("minutes", "30 minutes"), ("service", "OT"), ("frequency", "2x a week")} <= entities


def test_danger_comes_before_anything_else(nlu):
    parse = nlu.parse("his IEP meeting is friday but he told me last night he wants to kill himself")
    assert parse["intent"]["name"] == "crisis"


@pytest.mark.parametrize("text,problem", [("", "empty_message"), ("   \n\t ", "empty_message"),
                                          ("🙂🙂😡", "emoji_only"),
                                          ("Bonjour, je voudrais savoir comment inscrire mon fils au club de football.", "non_english")])
def test_bad_input_is_named_not_crashed(nlu, text, problem):
    parse = nlu.parse(text)
    assert parse["intent"]["name"] == "bad_input"
    assert parse["triage"]["problem"] == problem


def test_a_20000_character_paste_is_read_in_part_with_a_note(nlu):
    parse = nlu.parse(("His speech therapy sessions have been cancelled again. " * 400)[:20000])
    assert "too_long" in parse["triage"]["notes"]
    assert parse["triage"]["applies"][0] == "services_not_delivered"


def test_spanish_english_mix_is_still_triaged(nlu):
    parse = nlu.parse("mi hijo has an IEP pero the school no le da his speech therapy, they skip it every week")
    assert "services_not_delivered" in parse["triage"]["applies"]


def _small_triage():
    # A small real model where one phrase sits exactly between two intents.
    texts = ["my son testing", "they refused to evaluate", "no evaluation they said",
             "my son testing", "please evaluate my child", "how do I ask for an evaluation",
             "hello there", "hi", "good morning"]
    labels = ["evaluation_denied"] * 3 + ["evaluation_request"] * 3 + ["greet"] * 3
    return Triage(IntentModel.train(texts, labels), ["evaluation_denied", "evaluation_request"])


def test_close_scores_from_the_same_words_ask_which_is_closer():
    found = _small_triage().understand("my son testing")
    assert set(found.clarify) == {"evaluation_denied", "evaluation_request"}
    assert found.applies == () or len(found.applies) == 2


def test_a_weak_top_situation_asks_which_is_closer():
    found = _small_triage().understand("zebra umbrella quartz")
    assert found.situations[0].confidence < 0.30
    assert found.applies == ()
    assert set(found.clarify) == {"evaluation_denied", "evaluation_request"}


# --- the question a story ends with (issue 19) -------------------------------------------------------

ASKS_COST = ("My son is in 5th grade and has had an IEP for reading since 2nd grade. This year the school cut his "
             "reading minutes and the case manager keeps saying they are short staffed. A friend says I should bring "
             "someone to the next meeting. How much does an advocate usually cost?")


def test_a_story_that_ends_in_a_general_question_carries_its_faq_answer(nlu):
    found = triage(nlu, ASKS_COST)
    assert found["question_key"] == "advocate_question/cost"


def test_a_story_that_ends_in_a_question_about_itself_carries_no_faq_answer(nlu):
    assert triage(nlu, MIXED)["question_key"] is None  # no question at all
    story = ("They moved my daughter to a different classroom last week and nobody asked me. She cries every "
             "morning now. Can they really do that without a meeting?")
    assert triage(nlu, story)["question_key"] is None


def test_one_sentence_is_not_a_story_with_a_question():
    found = _small_triage().understand("how do I ask for an evaluation?")
    assert found.question_key is None


def test_a_story_that_ends_asking_when_something_is_due_goes_to_the_deadline_questions(nlu):
    """The deadline conversation asks the date the clock started (legal review 1): a story must reach it."""
    story = ("My son is in 2nd grade and still can't read simple words. I asked the school to evaluate him on "
             "November 2. When does the evaluation have to be done?")
    assert nlu.parse(story)["intent"]["name"] == "ask_deadline"
