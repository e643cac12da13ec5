"""spaCy (blank English, no weights): sentences and IEP terms."""
from __future__ import annotations

import pytest

from bot.understanding.terms import TermFinder


@pytest.fixture(scope="module")
def finder() -> TermFinder:
    return TermFinder()


def labels(finder, text):
    return {(t.label, t.text.lower()) for t in finder.terms(text)}


def test_a_story_splits_into_its_sentences(finder):
    text = ("My son is 9 and has autism. He is in 3rd grade! His speech therapy keeps getting cancelled. "
            "Also the school wants to move him to another room?")
    assert len(finder.sentences(text)) == 4


def test_line_breaks_and_run_on_texts_are_split_too(finder):
    text = ("hi my daughter is in 5th grade with adhd\nshe got suspended twice this month and the principal says "
            "she is a behavior problem and they never even did an fba but now they also say her reading goals "
            "were not met on the last two report cards and nobody called me about it at all")
    parts = finder.sentences(text)
    assert len(parts) >= 3
    assert parts[0].startswith("hi my daughter")


def test_services_roles_and_grades(finder):
    found = labels(finder, "The case manager said OT and speech therapy stop in 6th grade at middle school.")
    assert ("school_role", "case manager") in found
    assert ("service", "ot") in found and ("service", "speech therapy") in found
    assert ("grade", "6th grade") in found and ("grade", "middle school") in found


def test_minutes_frequency_and_time_spans(finder):
    found = labels(finder, "He should get 30 minutes 2x a week but nothing changed in two report cards.")
    assert ("minutes", "30 minutes") in found
    assert ("frequency", "2x a week") in found
    assert ("time_span", "two report cards") in found


def test_empty_and_odd_text_does_not_crash(finder):
    assert finder.sentences("") == []
    assert finder.terms("🙂🙂🙂") == []
