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


# Spanish and Spanish-English: the same labels, with and without accents. Phrases are not accent-folded, so both
# spellings are listed in terms.yml.
def test_spanish_services_minutes_and_frequency(finder):
    found = labels(finder, "Le dan terapia del habla 30 minutos dos veces por semana y terapia ocupacional una vez al mes.")
    assert ("service", "terapia del habla") in found and ("service", "terapia ocupacional") in found
    assert ("minutes", "30 minutos") in found
    assert ("frequency", "dos veces por semana") in found and ("frequency", "una vez al mes") in found
    found = labels(finder, "recibe el speech media hora diario, la consejeria 2 veces a la semana y la aide no vino")
    assert {("service", "speech"), ("minutes", "media hora"), ("frequency", "diario"), ("service", "consejeria"),
            ("frequency", "2 veces a la semana"), ("service", "aide")} <= found
    found = labels(finder, "Necesita tecnología de asistencia, un asistente o una paraprofesional, y la T1 de Puerto Rico.")
    assert {("service", "tecnología de asistencia"), ("service", "asistente"), ("service", "paraprofesional"),
            ("service", "t1")} <= found


def test_spanish_grades(finder):
    found = labels(finder, "Está en tercer grado, su hermano en 3er grado y su prima en 5to. grado.")
    assert {("grade", "tercer grado"), ("grade", "3er grado"), ("grade", "5to. grado")} <= found
    found = labels(finder, "Va al kinder, el otro al kínder y el mayor pasa a la secundaria; la niña está en tercero de primaria.")
    assert {("grade", "kinder"), ("grade", "kínder"), ("grade", "secundaria"), ("grade", "tercero de primaria")} <= found
    assert not any(label == "grade" for label, _ in labels(finder, "La reunión es el 3ro de marzo."))  # a date


def test_spanish_school_roles(finder):
    found = labels(finder, "La maestra, el maestro, la directora y la consejera dicen que sí; la psicologa no vino.")
    assert {("school_role", "maestra"), ("school_role", "maestro"), ("school_role", "directora"),
            ("school_role", "consejera"), ("school_role", "psicologa")} <= found
    found = labels(finder, "Hablé con el case manager y con la coordinadora del caso y la psicóloga escolar.")
    assert {("school_role", "case manager"), ("school_role", "coordinadora del caso"),
            ("school_role", "psicóloga escolar")} <= found


def test_spanish_time_spans(finder):
    found = labels(finder, "No ha avanzado en dos semanas, en un mes, en 2 reportes de progreso, desde septiembre.")
    assert {("time_span", "dos semanas"), ("time_span", "un mes"), ("time_span", "2 reportes de progreso"),
            ("time_span", "desde septiembre")} <= found


def test_the_spanish_word_para_is_not_a_paraprofessional(finder):
    assert not any(label == "service" for label, _ in labels(finder, "Necesito ayuda para mi hijo, es para mañana."))
    found = labels(finder, "His para is out again and para support was cut.")
    assert ("service", "his para") in found and ("service", "para support") in found


def test_the_ruler_without_regex_patterns_finds_the_same_terms(finder):
    # A story no regex pattern can start in is read by PLAIN_RULER; every text must get what all patterns give.
    from bot.understanding.terms import PLAIN_RULER, RULER

    texts = ["Her aide quit and the IEP team says one hour and a half of speech is plenty.",
             "le dan una hora y media de speech y 1 hora y media de OT", "he gets 30min 2x a week in 3rd grade",
             "mi hijo esta en 3ro grado y la maestra dice que 2do de primaria fue peor", "grade k, grado 3, 45mins",
             "SPEECH 3X PER WK", "My 12th grader lost his para after 3 report cards"]
    for text in texts:
        every = finder._nlp(text, disable=["sentencizer", PLAIN_RULER])
        assert labels(finder, text) == {(e.label_, e.text.lower()) for e in every.ents}, text
    assert ("minutes", "una hora y media") in labels(finder, texts[1])
    assert ("minutes", "1 hora y media") in labels(finder, texts[1])
    assert finder._nlp.get_pipe(RULER).patterns != finder._nlp.get_pipe(PLAIN_RULER).patterns


def test_one_reading_gives_the_terms_and_the_sentences(finder):
    # The extractor splits a message once for both (TermFinder.read); line breaks anywhere split it as before.
    texts = ["My DS is in 3rd grade.\nHis OT was cut to 30 min a month!\n\nWhat now?",
             "hola\nmi hija no recibe su speech 2 veces por semana\n...\n- la maestra dice que no hay personal",
             "no punctuation at all\nanother line\n\n\n  \n", "He said no.\n\"Why?\" I asked\n) odd line", ""]
    for text in texts:
        reading = finder.read(text)
        assert reading.text == text
        assert list(reading.terms) == finder.terms(text)
        assert list(reading.sentences) == finder.sentences(text)
        pieces = [s for line in text.split("\n") if line.strip() for s in finder.sentences(line)]
        assert list(reading.sentences) == pieces, text  # a line's sentences, line by line
