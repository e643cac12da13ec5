"""Everything a parent reads scores at reading grade 8 or lower (a hard limit, not a warning); in Spanish,
the same replies read fairly easy on the median (Fernández-Huerta 70 or more, INFLESZ 65 or more)."""
from __future__ import annotations

import re
import statistics
from datetime import date

import pytest

from bot.cases.deadlines import deadlines_for, describe, problem_text
from bot.guidance.readability import PARENT_LIMIT, fernandez_huerta, grade, inflesz
from bot.guidance.spanish_syllables import syllables
from bot.knowledge import load_knowledge
from tests.test_deadlines import DESCRIBED_CASES


def _entries():
    """(where, Texts) of every reply of the knowledge base the grade is checked on, in all its languages."""
    k = load_knowledge()
    for key, t in k.messages.items():
        yield f"message {key}", t
    for key, r in k.rights.items():
        yield f"right {key}", r.text
    for key, s in k.situations.items():
        yield f"situation {key} reflection", s.reflection
        yield f"situation {key} next step", s.next_step
    for key, f in k.faq.items():
        yield f"faq {key}", f.text
    for key, g in k.glossary.items():
        yield f"glossary {key}", g.text
    for key, sign in k.signs.items():
        yield f"advocate sign {key}", sign.reason
        if sign.question:
            yield f"advocate question {key}", sign.question
    for key, t in k.situation_reasons.items():
        yield f"advocate reason {key}", t


# Said in the other language on purpose ("Responda 2 para español" to an English-speaking parent): not scored.
OTHER_LANGUAGE = {"message sms_offer_other_language", "message sms_offer_other_language_word"}


def _scored(where: str, text: str) -> bool:
    # pure templates like "{level} {reasons}" are scored where they are filled
    if where in OTHER_LANGUAGE:
        return False
    return not where.startswith("message ") or len(re.sub(r"\{\w+\}", "", text).split()) >= 3


def _texts():
    for where, t in _entries():
        if _scored(where, t.get()):
            yield where, t.get()


@pytest.mark.parametrize("where,text", list(_texts()), ids=lambda v: v if isinstance(v, str) and len(v) < 60 else "")
def test_reading_grade_at_most_8(where, text):
    assert grade(text) <= PARENT_LIMIT, f"{where} reads at grade {grade(text):.1f}: {text}"


def test_the_grade_works_offline_and_tells_easy_from_hard():
    assert grade("The cat sat on the mat. It was warm.") < 3
    assert grade("Notwithstanding the aforementioned procedural considerations, educational "
                 "determinations necessitate comprehensive multidisciplinary evaluation.") > 12


# --- Spanish -------------------------------------------------------------------------------------------

SPANISH_FERNANDEZ_HUERTA = 70.0  # median over every Spanish reply: "fairly easy" and up
SPANISH_INFLESZ = 65.0  # median: "fairly easy" and up on the INFLESZ scale


def _deadline_texts(language: str):
    """(where, text) of the deadline texts tests/test_deadlines.py grades in English: the descriptions of
    the same cases (its DESCRIBED_CASES), and the problem texts."""
    for event, state, meeting in DESCRIBED_CASES:
        for d in deadlines_for(event, date(2026, 3, 2), state=state, meeting=meeting):
            for today in (date(2026, 3, 2), date(2027, 1, 1)):
                yield f"deadline {d.rule} {'passed' if d.passed(today) else 'open'}", describe(d, today, language)
    for problem in ("future", "too_old", "unknown_event", "no_date"):
        yield f"deadline problem {problem}", problem_text(problem, language)


def _spanish_texts() -> list[tuple[str, str]]:
    """Every reply the grade test scores, in Spanish; a text not written in Spanish yet is left out here
    (test_every_reply_has_its_spanish names it)."""
    found = [(where, t.get("es")) for where, t in _entries() if "es" in t.by_language and _scored(where, t.get("es"))]
    english = dict(_deadline_texts("en"))
    found += [(where, text) for where, text in _deadline_texts("es") if text != english[where]]
    return found


def test_every_reply_has_its_spanish():
    # The advocate's texts are checked by tests/test_advocate.py (test_every_advocate_text_has_spanish_in_usted)
    # and the deadline problem texts by tests/test_deadlines.py (test_problem_texts); the rest here.
    english = dict(_deadline_texts("en"))
    missing = [where for where, t in _entries() if not where.startswith("advocate ") and "es" not in t.by_language]
    missing += [where for where, text in _deadline_texts("es")
                if not where.startswith("deadline problem ") and text == english[where]]
    assert not missing, f"{len(missing)} replies have no Spanish (a Spanish reader gets English): {', '.join(missing)}"


# Careful speech, as divided in bot/guidance/spanish_syllables.py.
@pytest.mark.parametrize("word,count", [
    # from the -uar verbs: the u stays apart
    ("evaluación", 5), ("evaluar", 4), ("evaluaciones", 6), ("reevaluación", 6), ("evaluado", 5), ("evaluó", 4),
    ("evalúa", 4), ("situación", 4), ("situado", 4), ("actuación", 4), ("graduación", 4), ("continuar", 4),
    ("continuación", 5), ("puntuación", 4), ("tatuaje", 4),
    # the same letters elsewhere: a diphthong
    ("actual", 2), ("gradual", 2), ("habitual", 3), ("continuo", 3), ("continúa", 4), ("continuamente", 5),
    ("individual", 4), ("individualizado", 7),
    # diphthongs and triphthongs
    ("cuando", 2), ("puede", 2), ("bueno", 2), ("escuela", 3), ("agua", 2), ("ciudad", 2), ("cuidado", 3),
    ("educación", 4), ("información", 4), ("servicios", 3), ("aire", 2), ("aula", 2), ("Europa", 3),
    ("cuál", 1), ("fue", 1), ("fui", 1), ("huir", 1), ("construí", 2), ("estudiáis", 3), ("Uruguay", 3),
    ("buey", 1), ("dieciséis", 3),
    # hiatuses
    ("día", 2), ("país", 2), ("maíz", 2), ("leía", 3), ("creía", 3), ("oír", 2), ("ahí", 2), ("reúne", 3),
    ("leer", 2), ("paseo", 3), ("poeta", 3), ("maestra", 3), ("aéreo", 4), ("idea", 3), ("ahora", 3),
    ("reunión", 3), ("reutilizar", 5), ("reintegrar", 4), ("reina", 2), ("reino", 2),
    # silent u, ü, y, h
    ("que", 1), ("guía", 2), ("guerra", 2), ("seguir", 2), ("quórum", 2), ("pregunta", 3), ("averiguar", 4),
    ("averigüé", 4), ("bilingüe", 3), ("pingüino", 3), ("y", 1), ("hoy", 1), ("muy", 1), ("ley", 1),
    ("leyes", 2), ("ayuda", 3), ("hijo", 2), ("prohibido", 4),
    # plain words
    ("discapacidad", 5), ("programa", 3), ("niño", 2), ("necesidades", 5), ("especial", 3), ("también", 2),
    # acronyms, words in capitals, numbers
    ("IEP", 3), ("IEPs", 3), ("FAPE", 4), ("PWN", 3), ("AYUDA", 3), ("504", 3), ("10", 2), ("3er", 2),
])
def test_spanish_syllables(word, count):
    assert syllables(word) == count


def test_the_spanish_scores_on_a_hand_counted_text():
    # El(1) ni-ño(2) va(1) a(1) la(1) es-cue-la(3). Su(1) ma-má(2) lo(1) lle-va(2).
    # 15 syllables, 10 words, 2 sentences: P = 150 syllables per 100 words, F = 5 words a sentence.
    text = "El niño va a la escuela. Su mamá lo lleva."
    assert fernandez_huerta(text) == pytest.approx(206.84 - 0.60 * 150 - 1.02 * 5)  # 111.74
    assert inflesz(text) == pytest.approx(206.835 - 62.3 * 15 / 10 - 10 / 2)  # 108.385
    # Left out: the bullet, the citation and the web address. "¡Sí!" and "Vea ." are too short to be
    # sentences (as for the grade); the ¿ and ¡ open new ones.
    # Su(1) hi-jo(2) tie-ne(2) un(1) I-E-P(3) | Sí(1) | La(1) es-cue-la(3) de-be(2) dar-le(2) los(1)
    # ser-vi-cios(3) | Ve-a(2): 24 syllables, 13 words, 2 sentences.
    text = ("¿Su hijo tiene un IEP? ¡Sí! • La escuela debe darle los servicios (34 CFR 300.101). "
            "Vea parentcenterhub.org/find-your-center.")
    assert fernandez_huerta(text) == pytest.approx(206.84 - 0.60 * 2400 / 13 - 1.02 * 13 / 2)  # 89.45
    assert inflesz(text) == pytest.approx(206.835 - 62.3 * 24 / 13 - 13 / 2)  # 85.32


def test_the_spanish_scores_tell_easy_from_hard():
    easy = "Usted puede pedir una reunión con la escuela. Lleve sus preguntas por escrito y pida una copia del plan."
    hard = ("No obstante las consideraciones procedimentales anteriormente mencionadas, las determinaciones "
            "educativas requieren una evaluación multidisciplinaria exhaustiva e individualizada.")
    assert fernandez_huerta(easy) > 80 and inflesz(easy) > 75
    assert fernandez_huerta(hard) < 30 and inflesz(hard) < 30


def test_spanish_replies_read_fairly_easy_on_the_median():
    scored = [(inflesz(text), fernandez_huerta(text), where) for where, text in _spanish_texts()]
    assert len(scored) > 300, f"only {len(scored)} Spanish replies found"
    huerta = statistics.median(s[1] for s in scored)
    szigriszt = statistics.median(s[0] for s in scored)
    print(f"\n{len(scored)} Spanish replies: median Fernández-Huerta {huerta:.1f} (bar {SPANISH_FERNANDEZ_HUERTA:g}), "
          f"median INFLESZ {szigriszt:.1f} (bar {SPANISH_INFLESZ:g})\nThe ten hardest (INFLESZ, Fernández-Huerta):")
    for szi, hue, where in sorted(scored)[:10]:
        print(f"  {szi:6.1f} {hue:6.1f}  {where}")
    assert huerta >= SPANISH_FERNANDEZ_HUERTA, f"median Fernández-Huerta {huerta:.1f} < {SPANISH_FERNANDEZ_HUERTA:g}"
    assert szigriszt >= SPANISH_INFLESZ, f"median INFLESZ {szigriszt:.1f} < {SPANISH_INFLESZ:g}"
