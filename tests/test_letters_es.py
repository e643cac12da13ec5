"""Letters for a parent who speaks Spanish (issue 22): the English letter the school gets and the Spanish copy the
parent reads, from one request, in text, DOCX, PDF and HTML; every English template with its Spanish twin.

The golden files in tests/golden/letters/es/ are the whole text a Spanish-speaking parent gets for every case of
tests/test_letters.py, told by a Spanish-speaking family (details typed in Spanish). tests/golden/regenerate.py
writes them with the English ones; the tests never do.
"""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from pypdf import PdfReader

from bot.knowledge import Knowledge
from bot.letters.bilingual import PAGE_BREAK, LetterSet, draft
from bot.letters.drafting import TEMPLATES, LetterRequest, LetterWriter, RenderedLetter
from bot.letters.files import LetterFiles
from bot.letters.flow import LetterFlow
from tests.test_letters import (
    CASES,
    EXTRA_CASES,
    GOLDEN,
    SCHOOL_DAYS,
    TODAY,
    case_details,
    golden_path,
    html_parts,
    pdf_text,
    squash,
)
from tests.test_spanish import CITATION, ENGLISH_WORDS, TU

GOLDEN_ES = GOLDEN / "es"
NOTICE = "Traducción para usted: la carta que se envía a la escuela es la versión en inglés."
REPLY_WORDS_ES = "miércoles 9 de diciembre de 2026"

# ---------------------------------------------------------------------------------------------------------
# A Spanish-speaking family: the same story as tests/test_letters.py, typed in Spanish, with accents and ñ.
# ---------------------------------------------------------------------------------------------------------

FAMILIA = {
    "parent_name": "María José Peña",
    "child_name": "Sofía Núñez",
    "grade": "4.º grado",
    "school": "Lincoln Elementary",
    "parent_contact": "maria.pena@example.com o (555) 201-7788",
    "urgent": "no",
}
HORARIOS = "entre semana por la mañana antes de las 10, o los martes después de las 3 p. m."

DETALLES_CARTA: dict[str, dict[str, str]] = {
    "evaluation_request": {
        "recipient": "Dr. Alan Park, director de educación especial",
        "concern": "Sofía todavía lee como en 2.º grado. Adivina las palabras que no conoce y se cansa después de "
                   "una página. Su maestra dice que necesita a un adulto a su lado para terminar el trabajo escrito.",
        "suspected_areas": "lectura, escritura y atención",
    },
    "pwn_request": {
        "decision": "El equipo dijo que no a las pruebas de dislexia. Dijeron que su lectura está dentro de lo "
                    "normal para su clase.",
        "decision_date": "2026-11-10",
    },
    "iee_request": {
        "school_eval_date": "2026-10-20",
        "disagreement": "La evaluación no midió la fluidez de la lectura ni la ortografía. Los resultados tampoco "
                        "coinciden con lo que vemos en casa, donde la tarea le toma dos horas cada noche.",
        "eval_areas": "lectura, ortografía y escritura",
    },
    "records_request": {
        "records_wanted": "resultados de pruebas, informes de progreso y registros de terapia del habla",
        "meeting_date": "2026-12-15",
    },
    "follow_up": {
        "earlier_request": "Una reunión del IEP para hablar de la lectura de Sofía, porque sus notas no han subido "
                           "desde septiembre.",
        "earlier_request_date": "2026-10-27",
    },
    "section_504_request": {
        "concern": "Sofía tiene que medirse el azúcar durante el día y a veces tiene que comer en clase. El mes "
                   "pasado perdió partes de cuatro exámenes de matemáticas porque tenía el azúcar baja.",
        "diagnosis": "diabetes tipo 1",
    },
    "advocate_attendance_notice": {
        "advocate_name": "Dana Smith",
        "advocate_org": "defensora del Centro de Recursos para Familias",
        "meeting_date": "2026-12-15",
    },
    "language_access": {
        "home_language": "español",
        "meeting_date": "2026-12-15",
    },
}

DETALLES_MOTIVO: dict[str, dict[str, str]] = {
    "lack_of_progress": {
        "goal_area": "fluidez en la lectura",
        "progress_reports": "septiembre y noviembre",
        "concern": "Sofía leía 42 palabras por minuto en septiembre y 43 en noviembre. La meta de su IEP es 70 "
                   "palabras por minuto para junio.",
    },
    "services_not_delivered": {
        "service": "terapia del habla, 60 minutos a la semana",
        "missed_service": "No ha tenido sesiones de habla desde el 1 de octubre, porque la terapeuta se fue",
        "concern": "Sofía me dijo que no ha visto a la terapeuta del habla en semanas. Su maestra dice lo mismo.",
    },
    "services_too_thin": {
        "service": "terapia ocupacional, 30 minutos al mes",
        "concern": "Sofía todavía no puede sostener el lápiz más de unos minutos. Me pide que le escriba la tarea.",
    },
    "outside_evaluation": {
        "evaluator": "Dra. Grace Kim, psicóloga privada",
        "eval_areas": "lectura y atención",
        "report_date": "2026-11-02",
        "concern": "La Dra. Kim encontró que Sofía tiene dislexia y TDAH. Recomienda ayuda diaria con la lectura "
                   "en un grupo pequeño.",
    },
    "parent_data": {
        "parent_information": "Registros de lectura en casa desde septiembre y notas de la tutora de Sofía",
        "concern": "En casa, Sofía lee el mismo libro corto cada noche y todavía se traba en las mismas palabras.",
    },
    "change_in_functioning": {
        "change_started": "después de las vacaciones de otoño",
        "concern": "Sofía llora antes de ir a la escuela casi todas las mañanas. Antes le gustaba la escuela, y "
                   "ahora dice que es tonta.",
    },
    "placement": {
        "concern": "Su maestra dijo que la escuela podría pasar a Sofía a otro salón la mayor parte del día. "
                   "Nadie me ha preguntado nada.",
    },
    "behavior": {
        "incidents": "La mandaron a la casa temprano tres veces en noviembre y la suspendieron un día el 12 de "
                     "noviembre",
        "concern": "Casi todas las llamadas son después del almuerzo, cuando la clase hace escritura. Sofía dice "
                   "que el trabajo es muy difícil y se pone mal.",
    },
    "transition": {
        "transition_event": "empezar la secundaria el próximo otoño",
        "concern": "A Sofía le va mejor con una sola maestra y una rutina fija. En la secundaria tendrá seis "
                   "maestros y un edificio nuevo.",
    },
    "informal_handling": {
        "concern": "He hablado muchas veces con su maestra en el pasillo sobre su lectura. Cada vez dice que va a "
                   "probar algo nuevo, pero nada queda por escrito.",
    },
    "general_concern": {
        "recipient": "Sra. Dana Reyes, coordinadora del caso",
        "concern": "Las notas de Sofía en matemáticas y lectura han bajado este otoño, y dice que se siente perdida "
                   "en clase.",
    },
}


def caso(name: str, knowledge: Knowledge) -> tuple[str, dict[str, str]]:
    """The Spanish-speaking family's details for a case of tests/test_letters.py."""
    if name in EXTRA_CASES:
        letter, english = EXTRA_CASES[name]
        base, urgent = name.removesuffix("-urgent"), english.get("urgent")
        letter, details = caso(base, knowledge)
        return letter, {**details, "urgent": urgent}
    base = name.removesuffix("-minimal")
    if base.startswith("meeting_request-"):
        letter, reason = "meeting_request", base.split("-", 1)[1]
        details = {**FAMILIA, "meeting_reason": reason, "availability": HORARIOS, **DETALLES_MOTIVO[reason]}
    else:
        letter = base
        details = {**FAMILIA, **DETALLES_CARTA[letter]}
    if name.endswith("-minimal"):
        details = {key: value for key, value in details.items()
                   if key == "meeting_reason" or not knowledge.fields[key].optional}
    return letter, details


def render_es(name: str, knowledge: Knowledge) -> tuple[LetterRequest, LetterSet]:
    letter, details = caso(name, knowledge)
    request = LetterFlow(knowledge).request(letter, details, "es", TODAY, SCHOOL_DAYS)
    return request, draft(LetterWriter(knowledge), request)


def golden_es(name: str) -> Path:
    return GOLDEN_ES / f"{name}.txt"


_PDFS: dict[str, bytes] = {}


def pdf_es(name: str, knowledge: Knowledge) -> tuple[LetterSet, bytes]:
    request, letters = render_es(name, knowledge)
    if name not in _PDFS:
        _PDFS[name] = LetterFiles().render(letters, "pdf", request.details["parent_name"])
    return letters, _PDFS[name]


# ---------------------------------------------------------------------------------------------------------
# 1. Every English template has its Spanish twin, with the same fields, citations and parts
# ---------------------------------------------------------------------------------------------------------

ENGLISH_TEMPLATES = sorted(p.relative_to(TEMPLATES / "letters" / "en") for p in (TEMPLATES / "letters" / "en").rglob("*.j2"))


def _uses(text: str) -> dict[str, set[str]]:
    """What a template draws on: details (d.x), citations, blocks, includes (without the language folder)."""
    return {
        "details": set(re.findall(r"\bd\.(\w+)", text)),
        "citations": set(re.findall(r"cite\(\"(\w+)\"\)", text)),
        "blocks": set(re.findall(r"\{% block (\w+)", text)),
        "includes": {re.sub(r"^(en|es)/", "", i) for i in re.findall(r"\{% include \"([^\"]+)\"", text)},
        "values": set(re.findall(r"\{\{ (child|recipient|salutation|letter_date|respond_by|reason) \}\}", text)),
    }


def test_the_english_templates_are_found():
    assert len(ENGLISH_TEMPLATES) >= 20 and Path("reasons/behavior.txt.j2") in ENGLISH_TEMPLATES


@pytest.mark.parametrize("relative", ENGLISH_TEMPLATES, ids=[str(p) for p in ENGLISH_TEMPLATES])
def test_every_english_template_has_a_spanish_twin_with_the_same_fields(relative):
    spanish = TEMPLATES / "letters" / "es" / relative
    assert spanish.exists(), f"templates/letters/es/{relative} is missing"
    english = _uses((TEMPLATES / "letters" / "en" / relative).read_text(encoding="utf-8"))
    twin = _uses(spanish.read_text(encoding="utf-8"))
    for what in english:
        if what == "values" and relative.name == "_layout.txt.j2":
            continue  # the copy's greeting reads the salutation in its own words
        assert english[what] == twin[what], f"{relative}: {what} differ: {english[what] ^ twin[what]}"


def test_no_spanish_template_without_an_english_one():
    spanish = {p.relative_to(TEMPLATES / "letters" / "es") for p in (TEMPLATES / "letters" / "es").rglob("*.j2")}
    assert spanish == set(ENGLISH_TEMPLATES)


def _prose(text: str) -> str:
    """The words a template writes itself: no Jinja code, no comments."""
    return re.sub(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", " ", text, flags=re.S)


@pytest.mark.parametrize("relative", ENGLISH_TEMPLATES, ids=[str(p) for p in ENGLISH_TEMPLATES])
def test_the_spanish_templates_say_usted_and_hold_no_english_sentence(relative):
    prose = _prose((TEMPLATES / "letters" / "es" / relative).read_text(encoding="utf-8"))
    english = sorted({w for w in re.findall(r"[a-z]+", prose.lower()) if w in ENGLISH_WORDS})
    assert not english, f"{relative}: English words in the Spanish copy: {english}"
    assert not TU.search(prose), f"{relative}: tú in the Spanish copy: {TU.search(prose).group(0)}"


def test_every_spanish_copy_opens_with_the_notice_that_the_english_letter_is_sent():
    layout = (TEMPLATES / "letters" / "es" / "_layout.txt.j2").read_text(encoding="utf-8")
    assert _prose(layout).strip().startswith(NOTICE)
    for path in (TEMPLATES / "letters" / "es").glob("*.txt.j2"):
        if not path.name.startswith("_"):
            assert path.read_text(encoding="utf-8").startswith('{% extends "es/_layout.txt.j2" %}'), path.name


# ---------------------------------------------------------------------------------------------------------
# 2. Golden letters, in every format
# ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", CASES)
def test_golden_text_in_spanish(name, knowledge):
    path = golden_es(name)
    assert path.exists(), f"no golden file es/{path.name}: run tests/golden/regenerate.py and read the new letter"
    request, letters = render_es(name, knowledge)
    assert request.respond_by.isoformat() == "2026-12-09"
    body = LetterFiles().render(letters, "text")
    assert body == path.read_bytes(), (
        f"{name} no longer matches es/{path.name}. If the wording changed on purpose, run "
        f"tests/golden/regenerate.py and read the letter before committing it.")
    school, copy = letters.letters
    assert body.decode("utf-8") == f"{school.text}\n{PAGE_BREAK}\n{copy.text}\n"
    assert school.language == "en" and school.paragraphs[0] == f"Subject: {school.subject}"
    assert copy.language == "es" and copy.paragraphs[0] == NOTICE and copy.paragraphs[1] == f"Asunto: {copy.subject}"
    assert LetterSet.from_text(name.split("-")[0], "es", letters.text) == letters


def test_every_golden_spanish_file_belongs_to_a_case():
    orphans = sorted(p.stem for p in GOLDEN_ES.glob("*.txt") if p.stem not in CASES)
    assert not orphans, f"golden files without a case (delete them or run tests/golden/regenerate.py): {orphans}"


@pytest.mark.parametrize("name", CASES)
def test_the_english_part_is_the_english_letter_for_the_same_details(name, knowledge):
    letter, details = case_details(name, knowledge)
    request = LetterFlow(knowledge).request(letter, details, "es", TODAY, SCHOOL_DAYS)
    letters = draft(LetterWriter(knowledge), request)
    assert letters.school.text == golden_path(name).read_text(encoding="utf-8").removesuffix("\n")
    assert letters.copy is not None and letters.copy.language == "es"


@pytest.mark.parametrize("name", CASES)
def test_both_letters_cite_the_same_rules_and_name_the_same_dates(name, knowledge):
    request, letters = render_es(name, knowledge)
    school, copy = letters.letters
    assert CITATION.findall(school.text) == CITATION.findall(copy.text), name
    assert "Wednesday, December 9, 2026" in school.text and REPLY_WORDS_ES in copy.text
    assert "Tuesday, November 24, 2026" in school.text and "martes 24 de noviembre de 2026" in copy.text
    for field in ("parent_name", "child_name"):
        assert school.text.count(request.details[field]) == copy.text.count(request.details[field]) > 0


@pytest.mark.parametrize("name", CASES)
def test_golden_docx_in_spanish(name, knowledge):
    request, letters = render_es(name, knowledge)
    data = LetterFiles().render(letters, "docx", request.details["parent_name"])
    document = Document(io.BytesIO(data))
    paragraphs = document.paragraphs
    school, copy = letters.letters
    assert [p.text for p in paragraphs] == list(school.paragraphs) + list(copy.paragraphs)
    first_of_copy = paragraphs[len(school.paragraphs)]
    assert first_of_copy.paragraph_format.page_break_before and first_of_copy.text == NOTICE
    assert not any(p.paragraph_format.page_break_before for p in paragraphs if p is not first_of_copy)
    bold = [p.text for p in paragraphs if p.runs and all(r.bold for r in p.runs)]
    assert bold == [school.paragraphs[0], NOTICE, copy.paragraphs[1]]
    languages = [{r._r.rPr.find(qn("w:lang")).get(qn("w:val")) for r in p.runs} for p in paragraphs]
    assert all(found == {"en-US"} for found in languages[:len(school.paragraphs)])
    assert all(found == {"es-US"} for found in languages[len(school.paragraphs):])
    assert document.core_properties.title == school.subject
    assert document.core_properties.author == request.details["parent_name"]


@pytest.mark.parametrize("name", CASES)
def test_golden_pdf_in_spanish(name, knowledge):
    letters, data = pdf_es(name, knowledge)
    reader = PdfReader(io.BytesIO(data))
    assert reader.trailer["/Root"]["/Lang"] == "en" and reader.metadata.title == letters.subject
    assert squash(pdf_text(data).text) == squash(golden_es(name).read_text(encoding="utf-8"))
    assert not pdf_text(data).undrawable
    # The copy starts on a page of its own: the page with the notice holds nothing of the English letter.
    pages = [squash(pdf_text(_page(data, n)).text) for n in range(len(reader.pages))]
    starts = [n for n, text in enumerate(pages) if text.startswith(squash(NOTICE))]
    assert len(starts) == 1 and starts[0] >= 1
    assert squash(letters.school.paragraphs[-1]) in "".join(pages[:starts[0]])


def _page(data: bytes, number: int) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_page(PdfReader(io.BytesIO(data)).pages[number])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize("name", ["evaluation_request", "meeting_request-behavior-urgent", "pwn_request-minimal"])
def test_golden_html_in_spanish(name, knowledge):
    request, letters = render_es(name, knowledge)
    page = LetterFiles().render(letters, "html", request.details["parent_name"]).decode("utf-8")
    assert '<html lang="en">' in page and '<article lang="en">' in page and '<article lang="es">' in page
    parts = html_parts(page)
    assert parts.title == letters.subject
    assert parts.paragraphs == list(letters.school.paragraphs) + list(letters.copy.paragraphs)
    assert parts.tags.count("h1") == 2 and parts.tags.count("article") == 2


# ---------------------------------------------------------------------------------------------------------
# 3. Names, and a letter made before copies existed
# ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("letter", ["evaluation_request", "language_access"])
@pytest.mark.parametrize("names", [("María José Peña", "Sofía Núñez"), ("Begoña Ibáñez", "Íñigo Muñoz-Aguirre")])
def test_names_with_accents_and_n_tilde_come_through_in_every_format(knowledge, names, letter):
    parent, child = names
    details = {**FAMILIA, **DETALLES_CARTA[letter], "parent_name": parent, "child_name": child}
    request = LetterFlow(knowledge).request(letter, details, "es", TODAY, SCHOOL_DAYS)
    letters = draft(LetterWriter(knowledge), request)
    files = LetterFiles()
    text = files.render(letters, "text").decode("utf-8")
    docx = "\n\n".join(p.text for p in Document(io.BytesIO(files.render(letters, "docx", parent))).paragraphs)
    pdf = pdf_text(files.render(letters, "pdf", parent))
    for name in names:
        assert letters.school.text.count(name) >= 2 and letters.copy.text.count(name) >= 2
        assert text.count(name) == docx.count(name) == squash(pdf.text).count(squash(name))
    assert not pdf.undrawable


def test_a_stored_letter_from_before_the_copies_reads_as_english(knowledge):
    _, letters = render_es("follow_up", knowledge)
    old = LetterSet.from_text("follow_up", "es", letters.school.text)
    assert old.copy is None and old.school == letters.school


def test_the_spanish_copy_alone_keeps_its_notice_apart_from_its_subject(knowledge):
    request, letters = render_es("section_504_request", knowledge)
    alone = LetterWriter(knowledge).render(request)
    assert isinstance(alone, RenderedLetter) and alone == letters.copy
    assert alone.lead == 1 and alone.subject.startswith("Solicitud de evaluación y de plan de la Sección 504")
