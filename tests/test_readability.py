"""Everything a parent reads scores at reading grade 8 or lower (a hard limit, not a warning)."""
from __future__ import annotations

import re

import pytest

from bot.guidance.readability import PARENT_LIMIT, grade
from bot.knowledge import load_knowledge


def _texts():
    k = load_knowledge()
    for key, t in k.messages.items():
        prose = re.sub(r"\{\w+\}", "", t.get())
        if len(prose.split()) >= 3:  # pure templates like "{level} {reasons}" are scored where they are filled
            yield f"message {key}", t.get()
    for key, r in k.rights.items():
        yield f"right {key}", r.text.get()
    for key, s in k.situations.items():
        yield f"situation {key} reflection", s.reflection.get()
        yield f"situation {key} next step", s.next_step.get()
    for key, f in k.faq.items():
        yield f"faq {key}", f.text.get()
    for key, g in k.glossary.items():
        yield f"glossary {key}", g.text.get()
    for key, sign in k.signs.items():
        yield f"advocate sign {key}", sign.reason.get()
        if sign.question:
            yield f"advocate question {key}", sign.question.get()
    for key, t in k.situation_reasons.items():
        yield f"advocate reason {key}", t.get()


@pytest.mark.parametrize("where,text", list(_texts()), ids=lambda v: v if isinstance(v, str) and len(v) < 60 else "")
def test_reading_grade_at_most_8(where, text):
    assert grade(text) <= PARENT_LIMIT, f"{where} reads at grade {grade(text):.1f}: {text}"


def test_the_grade_works_offline_and_tells_easy_from_hard():
    assert grade("The cat sat on the mat. It was warm.") < 3
    assert grade("Notwithstanding the aforementioned procedural considerations, educational "
                 "determinations necessitate comprehensive multidisciplinary evaluation.") > 12
