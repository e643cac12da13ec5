"""The advocate rubric: each sign, the situation defaults, and their combinations."""
from __future__ import annotations

import pytest

from bot.advocate import judge


@pytest.mark.parametrize("situation,text,sign", [
    ("stalled_progress", "His reading score was the same on the last two progress reports.", "flat_progress"),
    ("stalled_progress", "three quarters in a row of 'making progress' and no numbers", "flat_progress"),
    ("evaluation_denied", "The principal told me on the phone they won't test her.", "evaluation_denied_unwritten"),
    ("evaluation_denied", "They said no and there was nothing in writing.", "evaluation_denied_unwritten"),
    ("services_not_delivered", "I emailed the case manager in October and speech is still being skipped.",
     "services_repeatedly_missed"),
    ("behavior_discipline", "He has been suspended three times since January.", "repeated_suspensions"),
    ("behavior_discipline", "They want to send him to an alternative school for 45 days.", "repeated_suspensions"),
    ("placement_change", "They moved her to a self-contained class without asking me.", "placement_without_parent"),
])
def test_a_strong_sign_makes_an_advocate_recommended(knowledge, situation, text, sign):
    result = judge(text, [situation], knowledge)
    assert sign in result.signs
    assert result.level == "recommended"
    assert knowledge.signs[sign].reason.get() in result.reasons


@pytest.mark.parametrize("situation,sign", [
    ("thin_services", "services_below_data"), ("meeting_refused", "meeting_refused"),
])
def test_situations_that_are_strong_signs_by_themselves(knowledge, situation, sign):
    result = judge("They said no.", [situation], knowledge)
    assert result.signs == (sign,) and result.level == "recommended"


@pytest.mark.parametrize("situation,sign", [
    ("transition", "upcoming_transition"), ("evaluation_disagreement", "evaluation_disagreement"),
    ("eligibility_denied", "evaluation_disagreement"), ("no_response", "no_response"),
])
def test_consider_signs_make_an_advocate_worth_considering(knowledge, situation, sign):
    result = judge("Some text.", [situation], knowledge)
    assert sign in result.signs and result.level == "worth_considering"


def test_without_its_sign_a_situation_keeps_its_default_and_leaves_the_question_open(knowledge):
    result = judge("His reading is not improving.", ["stalled_progress"], knowledge)
    assert result.level == "worth_considering"
    assert result.signs == ()
    assert result.reasons == (knowledge.situation_reasons["stalled_progress"].get(),)
    assert result.open_questions == ("flat_progress",)


def test_a_sign_needs_its_situation(knowledge):
    result = judge("He was suspended three times.", ["evaluation_request"], knowledge)
    assert result.level == "not_needed_yet" and result.signs == ()


def test_not_needed_yet_when_nothing_points_to_one(knowledge):
    assert judge("I'd like a meeting.", ["meeting_request"], knowledge).level == "not_needed_yet"


def test_the_strongest_level_wins_and_every_reason_is_given(knowledge):
    text = "She moves up to middle school next year. Her aide has been missing for weeks even after I emailed twice."
    result = judge(text, ["transition", "services_not_delivered"], knowledge)
    assert result.level == "recommended"
    assert result.signs[0] == "services_repeatedly_missed"  # strong first
    assert "upcoming_transition" in result.signs
    assert len(result.reasons) == 2


def test_a_raised_issue_that_is_not_repeating_is_not_a_strong_sign(knowledge):
    result = judge("Speech was missed last Tuesday.", ["services_not_delivered"], knowledge)
    assert result.level == "not_needed_yet"
    assert "services_repeatedly_missed" in result.open_questions


def test_someone_else_asking_is_not_the_parent_raising_it(knowledge):
    text = "They want to move her and nobody asked me. Her counseling minutes haven't happened since October."
    result = judge(text, ["placement_change", "services_not_delivered"], knowledge)
    assert "services_repeatedly_missed" not in result.signs
    assert "placement_without_parent" in result.signs
