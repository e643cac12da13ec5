"""What a Spanish-speaking parent types, in the English letter (issue 22): vetted words for short answers (grades,
services, areas, times, months, diagnoses, records, roles), the parent's own words quoted as written and said to
be theirs in Spanish, English offered instead, and nothing translated by a machine."""
from __future__ import annotations

import re

import pytest

from bot.letters.bilingual import draft
from bot.letters.drafting import LetterWriter
from bot.letters.flow import LetterFlow
from bot.letters.vetted import BOTH, read_terms, tokens
from bot.letters.wording import worded, written_in
from tests.test_letters import SCHOOL_DAYS, TODAY
from tests.test_letters_es import CASES, DETALLES_CARTA, FAMILIA, HORARIOS, render_es

SPANISH_NOTE = ("My first language is Spanish. The parts of this letter in quotation marks are my own words in "
                "Spanish, exactly as I wrote them.")
QUOTED = re.compile(r"“[^”]*”", re.S)


def read(knowledge, field, text):
    spec = knowledge.fields[field]
    return read_terms(text, knowledge.letter_terms, spec.terms, spec.names)


# ---------------------------------------------------------------------------------------------------------
# 1. Vetted words, both ways
# ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("field, spanish, english", [
    ("grade", "4.º grado", "4th grade"),
    ("grade", "4to grado", "4th grade"),
    ("grade", "primer grado", "1st grade"),
    ("grade", "jardín de niños", "kindergarten"),
    ("service", "terapia del habla, 60 minutos a la semana", "speech therapy, 60 minutes a week"),
    ("service", "terapia ocupacional, 30 minutos al mes", "occupational therapy, 30 minutes a month"),
    ("service", "terapia física dos veces por semana", "physical therapy twice a week"),
    ("suspected_areas", "lectura, escritura y atención", "reading, writing and attention"),
    ("suspected_areas", "matematicas y conducta", "math and behavior"),
    ("availability", "los martes después de las 3 p. m.", "Tuesdays after 3 pm"),
    ("availability", "entre semana por la mañana antes de las 10", "on weekdays in the morning before 10"),
    ("progress_reports", "septiembre y noviembre", "September and November"),
    ("progress_reports", "el 12 de noviembre", "November 12"),
    ("diagnosis", "TDAH", "ADHD"),
    ("diagnosis", "diabetes tipo 1", "type 1 diabetes"),
    ("records_wanted", "resultados de pruebas y registros de asistencia", "test scores and attendance records"),
    ("recipient", "Sra. Dana Reyes, coordinadora del caso", "Ms. Dana Reyes, case manager"),
    ("recipient", "Dr. Alan Park, director de educación especial", "Dr. Alan Park, Director of Special Education"),
    ("evaluator", "Dra. Grace Kim, psicóloga privada", "Dr. Grace Kim, private psychologist"),
])
def test_a_short_spanish_answer_reads_as_vetted_english(knowledge, field, spanish, english):
    reading = read(knowledge, field, spanish)
    assert reading is not None and reading.language == "es"
    assert reading.say("en") == english
    assert reading.say("es").lower().replace("(a)", "").replace("(", "").replace(")", "") != ""


@pytest.mark.parametrize("field, english, spanish", [
    ("grade", "4th grade", "4.º grado"),
    ("service", "speech therapy, 60 minutes a week", "terapia del habla y del lenguaje, 60 minutos a la semana"),
    ("availability", "weekday mornings before 10, or Tuesdays after 3 pm",
     "entre semana por la mañana antes de las 10, o los martes después de las 3 p. m."),
    ("progress_reports", "September and November", "septiembre y noviembre"),
    ("suspected_areas", "Reading and math", "Lectura y matemáticas"),
])
def test_a_short_english_answer_reads_as_vetted_spanish_for_the_copy(knowledge, field, english, spanish):
    reading = read(knowledge, field, english)
    assert reading is not None and reading.language == "en" and reading.say("es") == spanish


@pytest.mark.parametrize("field, text", [
    ("availability", "cuando salga del trabajo"),  # a free sentence
    ("change_started", "después de las vacaciones de otoño"),
    ("transition_event", "empezar la secundaria"),  # a field with no terms at all
    ("suspected_areas", "lectura y cosas de la casa"),  # one word the terms do not know spoils the answer
    ("service", "12"),  # a number alone is no term
    ("service", "Maestra Gómez"),  # names only where the field allows them
    ("suspected_areas", "lectura <3"),  # a sign the terms do not know
])
def test_an_answer_the_terms_cannot_wholly_read_does_not_read(knowledge, field, text):
    assert read(knowledge, field, text) is None


def test_every_term_reads_back_as_itself_in_both_languages(knowledge):
    terms = knowledge.letter_terms
    for group, entries in terms.groups.items():
        for term in entries:
            for language in ("en", "es"):
                text = term.words.get(language).replace("{n}", "7")
                reading = read_terms(text, terms, [group], names=False)
                assert reading is not None, f"{group}.{term.key} ({language}) does not read: {text!r}"
                assert reading.say(language).lower() == text.lower(), f"{group}.{term.key} ({language})"
                for other in ("en", "es"):
                    assert reading.say(other).lower() == term.words.get(other).replace("{n}", "7").lower()


def test_spanish_spellings_without_accents_read_the_same(knowledge):
    assert read(knowledge, "suspected_areas", "atencion y matematicas").say("en") == "attention and math"
    assert read(knowledge, "service", "TERAPIA FISICA").say("en") == "physical therapy"
    assert [t.folded for t in tokens("Núñez 4.º")] == ["nunez", "4", "o"]


def test_numbers_and_names_are_written_as_typed(knowledge):
    reading = read(knowledge, "recipient", "Sra. Begoña Ibáñez, coordinadora del caso")
    assert reading.say("en") == "Ms. Begoña Ibáñez, case manager"
    assert read(knowledge, "service", "terapia del habla, 45 minutos a la semana").say("en").startswith(
        "speech therapy, 45 minutes")
    assert read(knowledge, "availability", "los jueves a las 3:30").say("en") == "Thursdays at 3:30"
    assert read(knowledge, "diagnosis", "diabetes").language == BOTH


# ---------------------------------------------------------------------------------------------------------
# 2. Whose words, in which language
# ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, default, expected", [
    ("Sofía todavía lee como en 2.º grado y se cansa después de una página.", "en", "es"),
    ("She still reads at a 2nd grade level and is worn out after one page.", "es", "en"),
    ("mi hijo needs speech", "es", "es"),  # Spanglish is Spanish
    ("after fall break", "es", "en"),
    ("Dr. José Núñez", "es", "es"),  # only names: the parent's language
    ("Dr. José Núñez", "en", "en"),
])
def test_the_language_of_a_parents_own_words(text, default, expected):
    assert written_in(text, default) == expected


def test_an_english_speaking_parent_gets_every_answer_as_typed(knowledge):
    details = {"grade": "4.º grado", "concern": "Sofía todavía lee como en 2.º grado.", "school": "Lincoln"}
    said = worded(details, knowledge, "en", "en")
    assert said.values == details and not said.quoted


# ---------------------------------------------------------------------------------------------------------
# 3. The free-text rule in the letters
# ---------------------------------------------------------------------------------------------------------

def _body(text: str) -> str:
    return text[text.index("\n\nDear "):text.index("\n\nSincerely,")]


@pytest.mark.parametrize("name", CASES)
def test_the_english_letter_quotes_spanish_words_and_says_they_are_the_parents(name, knowledge):
    request, letters = render_es(name, knowledge)
    school = letters.school.text
    long_fields = [f for f, v in request.details.items() if v and knowledge.fields[f].kind == "long_text"]
    for field in long_fields:
        assert f"“{request.details[field]}”" in school, f"{name}: {field} is not quoted as written"
    if long_fields:
        assert SPANISH_NOTE in school
    # Outside the quotes the body is English: no Spanish word of the parent's own words is left there.
    outside = QUOTED.sub(" ", _body(school))
    spanish_words = {w for f in long_fields for w in re.findall(r"[^\W\d_]{4,}", request.details[f])
                     if w.islower() and written_in(w, "en") == "es"}  # names (capitalised) are the same in both
    left = sorted(w for w in spanish_words if re.search(rf"\b{re.escape(w)}\b", outside.lower()))
    assert not left, f"{name}: Spanish words outside the quotes: {left}"
    assert written_in(outside, "es") == "en"


def test_a_block_of_spanish_words_is_introduced_by_a_sentence_saying_so(knowledge):
    _, letters = render_es("evaluation_request", knowledge)
    assert ("Here is why I am asking. These are my own words in Spanish:\n“Sofía todavía lee como en 2.º grado."
            in letters.school.text)
    assert ("Le explico por qué lo pido. Estas son mis propias palabras en español:\n“Sofía todavía lee"
            in letters.copy.text)
    _, pwn = render_es("pwn_request", knowledge)
    assert ("On Tuesday, November 10, 2026, I was told about this decision. These are my own words in Spanish:\n"
            "“El equipo dijo que no" in pwn.school.text)


def test_words_written_in_english_instead_go_in_as_written_and_the_copy_says_so(knowledge):
    concern = ("Sofia still reads at a 2nd grade level. She guesses at words she does not know, and she is worn "
               "out after one page.")
    details = {**FAMILIA, **DETALLES_CARTA["evaluation_request"], "concern": concern}
    request = LetterFlow(knowledge).request("evaluation_request", details, "es", TODAY, SCHOOL_DAYS)
    letters = draft(LetterWriter(knowledge), request)
    assert f"Here is why I am asking:\n{concern}\n" in letters.school.text
    assert SPANISH_NOTE not in letters.school.text and "“" not in letters.school.text
    assert f"Le explico por qué lo pido:\n“{concern}”" in letters.copy.text
    assert letters.copy.paragraphs[0] == ("Traducción para usted: la carta que se envía a la escuela es la versión "
                                          "en inglés.\nLo que usted escribió en inglés va entre comillas, tal como "
                                          "lo escribió.")
    assert letters.copy.subject.startswith("Solicitud de una evaluación")


def test_a_short_answer_the_terms_cannot_read_is_quoted_not_translated(knowledge):
    details = {**FAMILIA, "meeting_reason": "general_concern", "availability": "cuando salga del trabajo",
               "concern": "Sus notas bajaron."}
    request = LetterFlow(knowledge).request("meeting_request", details, "es", TODAY, SCHOOL_DAYS)
    letters = draft(LetterWriter(knowledge), request)
    assert "I can meet at these times: “cuando salga del trabajo”." in letters.school.text
    assert "Puedo reunirme en estos días y horas: “cuando salga del trabajo”." in letters.copy.text
    assert SPANISH_NOTE in letters.school.text


def test_vetted_answers_are_said_in_each_letters_words_without_quotes(knowledge):
    _, letters = render_es("meeting_request-services_not_delivered", knowledge)
    school, copy = letters.school.text, letters.copy.text
    assert "includes this service: speech therapy, 60 minutes a week." in school
    assert "incluye este servicio: terapia del habla, 60 minutos a la semana." in copy
    assert "a student in 4th grade at Lincoln Elementary" in school and "estudiante de 4.º grado" in copy
    assert "on weekdays in the morning before 10, or Tuesdays after 3 pm." in school
    assert "entre semana por la mañana antes de las 10, o los martes después de las 3 p. m." in copy


def test_the_addressee_is_said_in_the_letters_words_and_never_quoted(knowledge):
    _, letters = render_es("meeting_request-general_concern", knowledge)
    assert "To: Ms. Dana Reyes, case manager\n" in letters.school.text and "Dear Ms. Dana Reyes," in letters.school.text
    assert "Para: Sra. Dana Reyes, coordinadora del caso\n" in letters.copy.text
    assert "Estimado(a) Sra. Dana Reyes:" in letters.copy.text
    details = {**FAMILIA, **DETALLES_CARTA["follow_up"], "recipient": "la maestra de Sofía"}
    request = LetterFlow(knowledge).request("follow_up", details, "es", TODAY, SCHOOL_DAYS)
    unread = draft(LetterWriter(knowledge), request)
    assert "To: la maestra de Sofía\n" in unread.school.text  # an address, as the parent wrote it


def test_the_same_parts_are_quoted_in_both_letters(knowledge):
    for name in CASES:
        _, letters = render_es(name, knowledge)
        assert QUOTED.findall(letters.school.text) == QUOTED.findall(letters.copy.text), name


def test_horarios_fixture_is_read_by_the_terms(knowledge):
    assert read(knowledge, "availability", HORARIOS) is not None
