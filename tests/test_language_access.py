"""The language-access letter (issue 22): asked for in any language ("quiero un intérprete"), offered after a
Spanish-speaking parent's story that touches a meeting, a notice, or something they could not read or follow, with
the rule in situations.yml (`language_offers`) beside the contract's lists, which stay as shared/situations.yml has
them. The letter itself: golden in tests/test_letters.py and tests/test_letters_es.py; here, what it says in both
languages."""
from __future__ import annotations

from datetime import date

import pytest
import yaml

from bot.cases.flow import CaseFlow
from bot.guidance.advocate import judge
from bot.guidance.conversation import Conversation, State
from bot.guidance.replies import (
    MAX_LETTERS,
    MAX_RIGHTS,
    letters_for,
    letters_offered,
    next_steps,
    rights_for,
    rights_offered,
)
from bot.guidance.report import report
from bot.knowledge import KnowledgeError
from bot.knowledge.loader import load_from
from bot.letters.bilingual import draft
from bot.letters.drafting import LetterWriter
from bot.letters.flow import LetterFlow
from tests.test_knowledge import broken  # noqa: F401  (a fixture)
from tests.test_letters import FAMILY, SCHOOL_DAYS, TODAY
from tests.test_letters_es import FAMILIA

LETTER = "language_access"
BUTTON = f'/make_letter{{"letter": "{LETTER}"}}'


def offered(knowledge, situations, text, language):
    return letters_offered(situations, text, language, knowledge)


# --- when it is offered after a story ------------------------------------------------------------------

@pytest.mark.parametrize("situations,text", [
    (["stalled_progress"], "Mi hijo no avanza en lectura y quiero pedir una reunión con la maestra."),
    (["stalled_progress"], "Mi hija no avanza, la junta del IEP es el martes."),
    (["services_not_delivered"], "La escuela me mandó un aviso pero está en inglés y no entendí nada."),
    (["services_not_delivered"], "me mandaron unos papeles y no entendi nada"),  # no accents
    (["evaluation_denied"], "El comité ARD dijo que no le van a hacer pruebas."),  # a glossary term (iep_team)
    (["evaluation_disagreement"], "No hablo inglés y en la escuela no había intérprete."),
    (["meeting_refused"], ""),  # the situation is about a meeting
    (["general_info"], "el school quiere hacer el IEP meeting el viernes"),  # Spanglish
])
def test_a_spanish_speaking_parents_story_about_a_meeting_a_notice_or_words_they_could_not_follow(
        knowledge, situations, text):
    letters = offered(knowledge, situations, text, "es")
    assert LETTER in letters[:MAX_LETTERS], (situations, text, letters)
    # The situations' own letters are all still there, in their order, the first two before ours.
    own = letters_for(situations, knowledge)
    assert [x for x in letters if x != LETTER] == own
    assert letters.index(LETTER) == min(len(own), MAX_LETTERS - 1)


@pytest.mark.parametrize("situations,text", [
    (["stalled_progress"], "Mi hijo no avanza en lectura desde septiembre."),
    (["evaluation_request"], "Quiero que evalúen a mi hija porque no reconoce las letras."),
    (["behavior_discipline"], "Lo suspendieron tres veces este mes."),
])
def test_not_offered_to_a_spanish_speaking_parent_whose_story_touches_none_of_them(knowledge, situations, text):
    assert offered(knowledge, situations, text, "es") == letters_for(situations, knowledge)


@pytest.mark.parametrize("situations,text", [
    (["stalled_progress"], "My son is stuck in reading and I want a meeting."),
    (["meeting_refused"], "They said no to the meeting I asked for."),
    (["evaluation_denied"], "The school sent a notice that says no to testing."),
])
def test_an_english_speaking_parents_story_about_a_meeting_is_not_enough(knowledge, situations, text):
    assert LETTER not in offered(knowledge, situations, text, "en")


@pytest.mark.parametrize("language,text", [
    ("en", "The school won't evaluate him. I need an interpreter at the IEP meeting."),
    ("en", "Can I get the IEP in Spanish? My husband reads only Spanish."),
    ("es", "quiero un interprete"),
])
def test_a_story_that_asks_for_it_is_offered_it_in_any_language(knowledge, language, text):
    assert LETTER in offered(knowledge, ["evaluation_denied"], text, language)[:MAX_LETTERS]


def test_the_reply_after_a_spanish_story_offers_it_as_a_button_and_names_it(knowledge):
    story = "Mi hijo Mateo no avanza en lectura. Quiero pedir una reunión pero en la última junta no entendí nada."
    turn = Conversation(knowledge).explain(["stalled_progress"], story, State(language="es"))
    steps = next(r for r in turn.replies if r.text.startswith(knowledge.message("next_step_intro", "es")))
    assert BUTTON in [b.payload for b in steps.buttons]
    assert knowledge.letters[LETTER].button.get("es") in [b.title for b in steps.buttons]
    assert knowledge.letters[LETTER].name.get("es") in steps.text
    english = Conversation(knowledge).explain(["stalled_progress"], "My son is stuck. I want a meeting.", State())
    assert BUTTON not in [b.payload for r in english.replies for b in r.buttons]


def test_the_rights_reply_names_the_right_behind_the_letter_with_its_citation(knowledge):
    right = knowledge.rights[LETTER]
    story = "Quiero pedir una reunión del IEP porque mi hija no avanza, y en la última junta no entendí nada."
    turn = Conversation(knowledge).explain(["meeting_request"], story, State(language="es"))
    said = next(r.text for r in turn.replies if r.text.startswith(knowledge.message("rights_intro", "es")))
    assert right.name.get("es") in said and right.citation in said
    assert said.count(right.citation) == 1
    english = Conversation(knowledge).explain(["meeting_request"], "I want an IEP meeting, she is stuck.", State())
    said = next(r.text for r in english.replies if r.text.startswith(knowledge.message("rights_intro", "en")))
    assert right.citation not in said


def test_the_right_behind_the_letter_takes_the_last_place_never_a_fifth(knowledge):
    right = knowledge.language_offers[LETTER].right
    story = "No avanza en lectura y quiero una reunión."
    for situations in (["stalled_progress", "meeting_request"], ["placement_change", "behavior_discipline",
                                                                 "meeting_request"]):
        english = rights_for(situations, knowledge)
        spanish = rights_offered(situations, letters_offered(situations, story, "es", knowledge), knowledge)
        assert len(spanish) <= MAX_RIGHTS and spanish[-1] == right
        assert spanish[:-1] == english[:len(spanish) - 1]  # the situations' own, most important first


def test_next_steps_keep_three_buttons_and_the_situations_first_letters(knowledge):
    situations = ["evaluation_denied"]  # three letters of its own
    advocate = judge("", situations, knowledge, "es")
    reply = next_steps(situations, advocate, knowledge, "es",
                       letters_offered(situations, "Me mandaron un aviso en inglés.", "es", knowledge))
    letters = [b.payload for b in reply.buttons if b.payload.startswith("/make_letter")]
    own = letters_for(situations, knowledge)
    assert letters == [f'/make_letter{{"letter": "{x}"}}' for x in own[:2]] + [BUTTON]


def test_the_triage_report_lists_it_for_a_spanish_story_only(knowledge):
    def parse(text, language):
        return {"text": text, "triage": {"situations": [{"id": "meeting_request", "confidence": 0.9}],
                                          "applies": ["meeting_request"], "language": language, "text": text}}

    spanish = report("m1", parse("Quiero una reunión antes de la revisión anual.", "es"), knowledge)
    english = report("m2", parse("I want a meeting before the annual review.", "en"), knowledge)
    assert spanish["letters"] == ["meeting_request", LETTER]
    assert english["letters"] == ["meeting_request"]
    right = knowledge.language_offers[LETTER].right
    assert spanish["rights"][-1] == right and right not in english["rights"]


def test_a_coming_meeting_offers_it_to_a_spanish_speaking_parent(knowledge):
    flow = CaseFlow(knowledge)
    spanish = [b.payload for r in flow.meeting_prep("es") for b in r.buttons]
    english = [b.payload for r in flow.meeting_prep("en") for b in r.buttons]
    assert BUTTON in spanish and BUTTON not in english
    assert [p for p in spanish if p != BUTTON] == english
    right = knowledge.rights[knowledge.language_offers[LETTER].right]
    assert right.citation in "\n".join(r.text for r in flow.meeting_prep("es"))  # the letter's right, said with it
    assert right.citation not in "\n".join(r.text for r in flow.meeting_prep("en"))


# --- asked for by name --------------------------------------------------------------------------------

@pytest.mark.parametrize("text,letter", [
    ("quiero un intérprete", LETTER),
    ("Quiero un interprete", LETTER),
    ("necesito un intérprete para la junta del IEP", LETTER),  # the meeting is named too: the interpreter wins
    ("necesito los papeles en español", LETTER),
    ("I need an interpreter at the IEP meeting", LETTER),
    ("can I get the documents in Spanish", LETTER),
    ("quiero pedir una reunión", "meeting_request"),
    ("write the meeting request", "meeting_request"),
    ("una carta para decirles que va mi defensora a la reunión", "advocate_attendance_notice"),
])
def test_a_parent_names_the_letter(knowledge, text, letter):
    assert LetterFlow(knowledge).choose(text) == letter


def test_the_list_of_letters_puts_it_with_the_suggested_ones_for_a_spanish_speaking_parent(knowledge):
    flow = LetterFlow(knowledge)
    spanish = [b.payload for b in flow.which(["meeting_refused"], "es").buttons]
    english = [b.payload for b in flow.which(["meeting_refused"], "en").buttons]
    assert len(spanish) == len(english) == len(knowledge.letters)
    assert spanish.index(BUTTON) < english.index(BUTTON)


# --- the details the conversation already knows -----------------------------------------------------------

def test_a_spanish_conversation_names_the_parents_language_and_never_overwrites_an_answer(knowledge):
    flow = LetterFlow(knowledge)
    assert flow.prefill(LETTER, [], [], {}, "es") == {"home_language": "español"}
    assert flow.prefill(LETTER, [], [], {"home_language": "mam"}, "es") == {}
    assert "home_language" not in flow.prefill(LETTER, [], [], {}, "en")
    assert "home_language" not in flow.prefill("records_request", [], [], {}, "es")
    assert flow.ask("home_language", "es").buttons  # optional: it can be skipped


# --- the letter, in both languages ----------------------------------------------------------------------

def _letters(knowledge, details, language, meeting="2026-12-15"):
    base = {**details, "meeting_date": meeting} if meeting else dict(details)
    request = LetterFlow(knowledge).request(LETTER, base, language, TODAY, SCHOOL_DAYS)
    return request, draft(LetterWriter(knowledge), request)


def test_the_english_letter_asks_for_the_interpreter_and_the_papers_and_cites_the_rule(knowledge):
    _, letters = _letters(knowledge, {**FAMILY, "home_language": "Vietnamese"}, "en")
    assert letters.copy is None
    text = letters.school.text
    assert letters.subject == "Request for an interpreter and for papers in Vietnamese for Sam Lopez"
    assert "My native language is Vietnamese." in text
    assert "a qualified interpreter for Vietnamese at the next IEP meeting, on Tuesday, December 15, 2026" in text
    assert ("the IEP, evaluation reports, Prior Written Notice and other notices about Sam, and the procedural "
            "safeguards notice") in text
    assert text.count("(34 CFR 300.322(e), 300.503(c), 300.504(d), 300.9(a))") == 1
    assert "unless that is clearly not feasible" in text


def test_the_spanish_copy_says_the_same_in_spanish(knowledge):
    _, letters = _letters(knowledge, {**FAMILIA, "home_language": "español"}, "es")
    school, copy = letters.school.text, letters.copy.text
    assert "My native language is Spanish." in school and "Mi idioma materno es el español." in copy
    assert "interpreter for Spanish" in school and "intérprete calificado de español" in copy
    assert "el martes 15 de diciembre de 2026" in copy
    assert "el aviso de garantías procesales" in copy and "la notificación previa por escrito" in copy
    citation = "(34 CFR 300.322(e), 300.503(c), 300.504(d), 300.9(a))"
    assert school.count(citation) == copy.count(citation) == 1
    for name in ("María José Peña", "Sofía Núñez"):
        assert school.count(name) == copy.count(name) >= 2
    assert "“" not in school  # every detail went in through vetted words or as typed: nothing quoted


def test_a_language_the_vetted_words_do_not_know_is_quoted_as_the_parents_own_words(knowledge):
    _, letters = _letters(knowledge, {**FAMILIA, "home_language": "el idioma de mi pueblo"}, "es")
    assert "My native language is “el idioma de mi pueblo”." in letters.school.text
    assert "My first language is Spanish." in letters.school.text  # the layout says the quotes are hers


def test_the_reply_date_comes_before_a_sooner_meeting(knowledge):
    request, letters = _letters(knowledge, FAMILY, "en", meeting="2026-12-04")
    assert request.respond_by == date(2026, 12, 3)
    assert "by Thursday, December 3, 2026" in letters.school.text


# --- the rule is data, checked when it loads -------------------------------------------------------------

def test_a_language_offer_naming_an_unknown_term_fails_with_its_name(broken):  # noqa: F811
    folder = broken("situations.yml", lambda d: d["language_offers"][LETTER].update(terms=["no_such_term"]))
    with pytest.raises(KnowledgeError, match="language_offers 'language_access'.*no_such_term"):
        load_from(folder)


def test_a_language_offer_for_a_letter_a_situation_already_lists_fails(broken):  # noqa: F811
    folder = broken("situations.yml", lambda d: d["situations"]["meeting_request"]["letters"].append(LETTER))
    with pytest.raises(KnowledgeError, match="already offers 'language_access'"):
        load_from(folder)


def test_a_language_offer_without_a_language_fails(broken):  # noqa: F811
    folder = broken("situations.yml", lambda d: d["language_offers"][LETTER].update(languages=[]))
    with pytest.raises(KnowledgeError, match="names no language"):
        load_from(folder)


def test_a_language_offer_naming_an_unknown_right_fails_with_its_name(broken):  # noqa: F811
    folder = broken("situations.yml", lambda d: d["language_offers"][LETTER].update(right="no_such_right"))
    with pytest.raises(KnowledgeError, match="language_offers 'language_access'.*no_such_right"):
        load_from(folder)


def test_the_contracts_lists_are_untouched(knowledge):
    from tests.conftest import SHARED

    contract = yaml.safe_load((SHARED / "situations.yml").read_text())
    assert LETTER not in contract["letters"]
    assert all(LETTER not in s.letters for s in knowledge.situations.values())
