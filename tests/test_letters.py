"""Letters: golden text for every letter and meeting reason, the same words in text, DOCX, PDF and HTML,
citations only from the knowledge base, a real reply date, plain reading level, and whatever a parent types.

The golden files in tests/golden/letters/ are written by tests/golden/regenerate.py from the cases below.
When wording changes on purpose, run it by hand (`.venv/bin/python tests/golden/regenerate.py`), read the
changed letters, and commit them with the template change. The tests never write them.

PDF text is read through each font's /ToUnicode map (see `pdf_text`): that map is what screen readers and
copy-and-paste use. pypdf's own `extract_text()` is not used because pypdf 7 reads WeasyPrint's embedded
encoding CMap as a one-byte encoding and garbles the text (spaces between letters, "fl"/"ff" ligatures and
"ễ" come out as junk), although the PDF itself maps every glyph correctly.
"""
from __future__ import annotations

import io
import re
import shutil
from dataclasses import dataclass
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Mapping

import pytest
from docx import Document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from pypdf import PdfReader
from pypdf.generic import ContentStream, StreamObject

from bot.guidance import readability
from bot.knowledge import Knowledge, load_knowledge
from bot.knowledge.dates import format_date
from bot.letters.drafting import (
    LONG_TEXT_LIMIT,
    TEMPLATES,
    LetterError,
    LetterRequest,
    LetterWriter,
    MissingDetails,
    RenderedLetter,
    clean_value,
    letter_fields,
    missing_details,
)
from bot.letters.files import LetterFiles
from bot.letters.flow import LetterFlow

GOLDEN = Path(__file__).resolve().parent / "golden" / "letters"
TODAY = date(2026, 11, 24)  # a Tuesday, two days before Thanksgiving
SCHOOL_DAYS = 10
REPLY_DATE = date(2026, 12, 9)  # 10 school days on: Thanksgiving (Nov 26) is skipped, the Friday after is counted
REPLY_WORDS = "Wednesday, December 9, 2026"

# ---------------------------------------------------------------------------------------------------------
# The cases. One fixed, realistic family; each letter and each meeting reason adds its own details.
# "<case>-minimal" keeps only the required details (no grade, contact, recipient or optional extras), to show
# the sentences still read well without them.
# ---------------------------------------------------------------------------------------------------------

FAMILY = {
    "parent_name": "Maria Lopez",
    "child_name": "Sam Lopez",
    "grade": "4th grade",
    "school": "Lincoln Elementary",
    "parent_contact": "maria.lopez@example.com or (555) 201-7788",
    "urgent": "no",
}
AVAILABILITY = "weekday mornings before 10, or Tuesdays after 3 pm"

LETTER_DETAILS: dict[str, dict[str, str]] = {
    "evaluation_request": {
        "recipient": "Dr. Alan Park, Director of Special Education",
        "concern": "Sam still reads at a 2nd grade level. He guesses at words he does not know, and he is worn out "
                   "after one page. His teacher says he needs an adult next to him to finish written work.",
        "suspected_areas": "reading, writing and attention",
    },
    "pwn_request": {
        "decision": "The team said no to testing Sam for dyslexia. They said his reading is within the normal range for his class.",
        "decision_date": "2026-11-10",
    },
    "iee_request": {
        "school_eval_date": "2026-10-20",
        "disagreement": "The evaluation did not test reading fluency or spelling. The results also do not match "
                        "what we see at home, where homework takes Sam two hours every night.",
        "eval_areas": "reading, spelling and written language",
    },
    "records_request": {
        "records_wanted": "test scores, progress reports and speech therapy service logs",
        "meeting_date": "2026-12-15",
    },
    "follow_up": {
        "earlier_request": "An IEP meeting to talk about Sam's reading, because his scores have not gone up "
                           "since September.",
        "earlier_request_date": "2026-10-27",
    },
    "section_504_request": {
        "concern": "Sam needs to check his blood sugar during the day and sometimes has to eat in class. Last "
                   "month he missed parts of four math tests because his blood sugar was low.",
        "diagnosis": "type 1 diabetes",
    },
    "advocate_attendance_notice": {
        "advocate_name": "Dana Smith",
        "advocate_org": "parent advocate with the Family Resource Center",
        "meeting_date": "2026-12-15",
    },
    "language_access": {
        "home_language": "Spanish",
        "meeting_date": "2026-12-15",
    },
}

REASON_DETAILS: dict[str, dict[str, str]] = {
    "lack_of_progress": {
        "goal_area": "reading fluency",
        "progress_reports": "September and November",
        "concern": "Sam read 42 words a minute in September and 43 in November. His IEP goal is 70 words a "
                   "minute by June.",
    },
    "services_not_delivered": {
        "service": "speech therapy, 60 minutes a week",
        "missed_service": "No speech sessions since October 1, because the speech therapist left",
        "concern": "Sam told me he has not seen a speech therapist in weeks. His teacher says the same.",
    },
    "services_too_thin": {
        "service": "occupational therapy, 30 minutes a month",
        "concern": "Sam still cannot hold a pencil for more than a few minutes. He asks me to write his "
                   "homework for him.",
    },
    "outside_evaluation": {
        "evaluator": "Dr. Grace Kim, a private psychologist",
        "eval_areas": "reading and attention",
        "report_date": "2026-11-02",
        "concern": "Dr. Kim found that Sam has dyslexia and ADHD. She suggests daily reading help in a small "
                   "group.",
    },
    "parent_data": {
        "parent_information": "Reading logs from home since September and notes from Sam's tutor",
        "concern": "At home, Sam reads the same short book every night and still gets stuck on the same "
                   "words.",
    },
    "change_in_functioning": {
        "change_started": "after fall break",
        "concern": "Sam cries before school most mornings. He used to like school, and now he says he is "
                   "stupid.",
    },
    "placement": {
        "concern": "His teacher said the school may move Sam to a different classroom for most of the day. No "
                   "one has asked me about it.",
    },
    "behavior": {
        "incidents": "Sam was sent home early three times in November and suspended for one day on November 12",
        "concern": "Most of the calls come after lunch, when the class does writing. Sam says the work is too "
                   "hard and he gets upset.",
    },
    "transition": {
        "transition_event": "starting middle school next fall",
        "concern": "Sam does best with one teacher and a set routine. In middle school he will have six "
                   "teachers and a new building.",
    },
    "informal_handling": {
        "concern": "I have talked with his teacher in the hallway many times about his reading. Each time she "
                   "says she will try something new, but nothing is written down.",
    },
    "general_concern": {
        "recipient": "Ms. Dana Reyes, case manager",
        "concern": "Sam's grades in math and reading have dropped this fall, and he says he feels lost in "
                   "class.",
    },
}

# Cases beyond one per letter and one per reason: urgent letters (subject line and cc to the principal).
EXTRA_CASES: dict[str, tuple[str, dict[str, str]]] = {
    "meeting_request-behavior-urgent": (
        "meeting_request", {**FAMILY, "meeting_reason": "behavior", "availability": AVAILABILITY,
                            **REASON_DETAILS["behavior"], "urgent": "yes"}),
    "section_504_request-urgent": (
        "section_504_request", {**FAMILY, **LETTER_DETAILS["section_504_request"], "urgent": "yes"}),
}
URGENT_CASES = tuple(EXTRA_CASES)


def case_names(knowledge: Knowledge) -> list[str]:
    """Every case the knowledge base calls for: each letter (each meeting reason for meeting_request), in
    full and minimal, plus the extra cases. A new letter or reason adds names here, so it needs details
    above and a golden file, or its tests fail."""
    names: list[str] = []
    for letter in knowledge.letters:
        bases = [f"meeting_request-{r}" for r in knowledge.reasons] if letter == "meeting_request" else [letter]
        for base in bases:
            names += [base, f"{base}-minimal"]
    return names + list(EXTRA_CASES)


def case_details(name: str, knowledge: Knowledge) -> tuple[str, dict[str, str]]:
    if name in EXTRA_CASES:
        letter, details = EXTRA_CASES[name]
        return letter, dict(details)
    base = name.removesuffix("-minimal")
    if base.startswith("meeting_request-"):
        letter, reason = "meeting_request", base.split("-", 1)[1]
        if reason not in REASON_DETAILS:
            raise KeyError(f"no details for meeting reason '{reason}': add them to REASON_DETAILS in "
                           f"tests/test_letters.py and run tests/golden/regenerate.py")
        details = {**FAMILY, "meeting_reason": reason, "availability": AVAILABILITY, **REASON_DETAILS[reason]}
    else:
        letter = base
        if letter not in LETTER_DETAILS:
            raise KeyError(f"no details for letter '{letter}': add them to LETTER_DETAILS in tests/test_letters.py "
                           f"and run tests/golden/regenerate.py")
        details = {**FAMILY, **LETTER_DETAILS[letter]}
    if name.endswith("-minimal"):
        details = {key: value for key, value in details.items()
                   if key == "meeting_reason" or not knowledge.fields[key].optional}
    return letter, details


def case_request(name: str, knowledge: Knowledge) -> LetterRequest:
    letter, details = case_details(name, knowledge)
    return LetterFlow(knowledge).request(letter, details, "en", TODAY, SCHOOL_DAYS)


def render_case(name: str, knowledge: Knowledge) -> tuple[LetterRequest, RenderedLetter]:
    request = case_request(name, knowledge)
    return request, LetterWriter(knowledge).render(request)


def golden_path(name: str) -> Path:
    return GOLDEN / f"{name}.txt"


# ---------------------------------------------------------------------------------------------------------
# Reading the formats back
# ---------------------------------------------------------------------------------------------------------

def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def docx_text(data: bytes) -> str:
    return "\n\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)


@dataclass(frozen=True)
class PdfText:
    text: str  # every glyph's text through /ToUnicode, in content-stream order (no layout spaces)
    pages: int
    undrawable: frozenset[str]  # characters drawn with the font's missing-glyph box (CID 0, .notdef)


def _hex_int(token: str) -> int:
    return int(token, 16)


def _utf16(token: str) -> str:
    return bytes.fromhex(token).decode("utf-16-be")


def _cmap_data(obj) -> str:
    return obj.get_object().get_data().decode("latin-1")


class _Font:
    """A composite (Type0) font's codes: their Unicode text (/ToUnicode) and their CIDs (/Encoding CMap)."""

    def __init__(self, font) -> None:
        font = font.get_object()
        assert font.get("/Subtype") == "/Type0", f"expected WeasyPrint's Type0 fonts, got {font.get('/Subtype')}"
        unicode = _cmap_data(font["/ToUnicode"])
        space = re.search(r"begincodespacerange\s*<([0-9a-fA-F]+)>", unicode)
        self.width = len(space.group(1)) // 2 if space else 2
        self.text: dict[int, str] = {}
        for block in re.findall(r"beginbfchar(.*?)endbfchar", unicode, re.S):
            for src, dst in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>", block):
                self.text[_hex_int(src)] = _utf16(dst)
        for block in re.findall(r"beginbfrange(.*?)endbfrange", unicode, re.S):
            for low, high, dst in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*(<[0-9a-fA-F]+>|\[[^\]]*\])",
                                             block):
                if dst.startswith("["):
                    for offset, item in enumerate(re.findall(r"<([0-9a-fA-F]*)>", dst)):
                        self.text[_hex_int(low) + offset] = _utf16(item)
                else:
                    start = bytes.fromhex(dst[1:-1])
                    for offset in range(_hex_int(high) - _hex_int(low) + 1):
                        last = int.from_bytes(start[-2:], "big") + offset
                        self.text[_hex_int(low) + offset] = (start[:-2] + last.to_bytes(2, "big")).decode("utf-16-be")
        self.cid: dict[int, int] = {}
        encoding = font.get("/Encoding")
        if encoding is not None and isinstance(encoding.get_object(), StreamObject):
            cmap = _cmap_data(encoding)
            for block in re.findall(r"begincidchar(.*?)endcidchar", cmap, re.S):
                for src, cid in re.findall(r"<([0-9a-fA-F]+)>\s*(\d+)", block):
                    self.cid[_hex_int(src)] = int(cid)
            for block in re.findall(r"begincidrange(.*?)endcidrange", cmap, re.S):
                for low, high, cid in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*(\d+)", block):
                    for offset in range(_hex_int(high) - _hex_int(low) + 1):
                        self.cid[_hex_int(low) + offset] = int(cid) + offset

    def decode(self, raw: bytes, undrawable: set[str]) -> str:
        out = []
        for at in range(0, len(raw), self.width):
            code = int.from_bytes(raw[at:at + self.width], "big")
            char = self.text.get(code, "\ufffd")
            if self.cid.get(code, code) == 0:
                undrawable.add(char)
            out.append(char)
        return "".join(out)


def _raw(string) -> bytes:
    return bytes(getattr(string, "original_bytes", None) or string)


def _walk(contents, resources, reader, out: list[str], undrawable: set[str]) -> None:
    resources = resources.get_object() if resources is not None else {}
    fonts = resources.get("/Font", {})
    xobjects = resources.get("/XObject", {})
    font: _Font | None = None
    for operands, operator in ContentStream(contents, reader).operations:
        if operator == b"Tf":
            font = _Font(fonts[operands[0]])
        elif operator in (b"Tj", b"'"):
            out.append(font.decode(_raw(operands[0]), undrawable))
        elif operator == b'"':
            out.append(font.decode(_raw(operands[2]), undrawable))
        elif operator == b"TJ":
            out.extend(font.decode(_raw(item), undrawable) for item in operands[0]
                       if not isinstance(item, (int, float)) and hasattr(item, "__len__"))
        elif operator == b"Do":
            xobject = xobjects[operands[0]].get_object()
            if xobject.get("/Subtype") == "/Form":
                _walk(xobject, xobject.get("/Resources", resources), reader, out, undrawable)


def pdf_text(data: bytes) -> PdfText:
    reader = PdfReader(io.BytesIO(data))
    out: list[str] = []
    undrawable: set[str] = set()
    for page in reader.pages:
        _walk(page.get_contents(), page.get("/Resources"), reader, out, undrawable)
    return PdfText("".join(out), len(reader.pages), frozenset(undrawable))


class _Paragraphs(HTMLParser):
    """The text of <title>, <h1> and each <p>, with <br> as a line break: what a browser shows."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.paragraphs: list[str] = []
        self.tags: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag in ("title", "h1", "p"):
            self._in = tag
            if tag != "title":
                self.paragraphs.append("")
        elif tag == "br" and self._in in ("h1", "p"):
            self.paragraphs[-1] += "\n"

    def handle_endtag(self, tag):
        if tag == self._in:
            self._in = None

    def handle_data(self, data):
        if self._in == "title":
            self.title += data
        elif self._in in ("h1", "p"):
            self.paragraphs[-1] += data


def html_parts(html_text: str) -> _Paragraphs:
    parser = _Paragraphs()
    parser.feed(html_text)
    parser.close()
    return parser


@dataclass(frozen=True)
class Formats:
    letter: RenderedLetter
    text: bytes
    html: str
    docx: bytes
    pdf: bytes


def all_formats(letter: RenderedLetter, author: str) -> Formats:
    files = LetterFiles()
    return Formats(letter, files.render(letter, "text", author), files.render(letter, "html", author).decode("utf-8"),
                   files.render(letter, "docx", author), files.render(letter, "pdf", author))


_PDF_CACHE: dict[str, bytes] = {}


def case_pdf(name: str, knowledge: Knowledge) -> tuple[RenderedLetter, bytes]:
    request, letter = render_case(name, knowledge)
    if name not in _PDF_CACHE:
        _PDF_CACHE[name] = LetterFiles().render(letter, "pdf", request.details["parent_name"])
    return letter, _PDF_CACHE[name]


def letter_body(letter: RenderedLetter) -> list[str]:
    """The paragraphs between "Dear ...," and "Sincerely,": what the school actually reads as prose."""
    paragraphs = list(letter.paragraphs)
    start = next(i for i, p in enumerate(paragraphs) if p.startswith("Dear ")) + 1
    end = paragraphs.index("Sincerely,")
    return paragraphs[start:end]


def render_details(knowledge: Knowledge, letter: str, details: Mapping[str, str]) -> Formats:
    request = LetterRequest(letter, dict(details), TODAY, REPLY_DATE)
    rendered = LetterWriter(knowledge).render(request)
    # The author (DOCX and PDF metadata) is the parent's name as the chat or the CLI stores it: already read
    # by read_answer, so already cleaned. These tests type straight into the request, so they clean it too.
    return all_formats(rendered, clean_value(details.get("parent_name", "")))


# Collection needs the case names before any fixture exists; the tests themselves use the `knowledge` fixture.
CASES = case_names(load_knowledge())
MEETING_CASES = [name for name in CASES if name.startswith("meeting_request-")]


# ---------------------------------------------------------------------------------------------------------
# 1. Golden letters, in every format
# ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", CASES)
def test_golden_text(name, knowledge):
    path = golden_path(name)
    assert path.exists(), f"no golden file {path.name}: run tests/golden/regenerate.py and read the new letter"
    request, letter = render_case(name, knowledge)
    assert request.respond_by == REPLY_DATE
    assert LetterFiles().render(letter, "text") == path.read_bytes(), (
        f"{name} no longer matches {path.name}. If the wording changed on purpose, run tests/golden/regenerate.py "
        f"and read the letter before committing it.")
    assert letter.text == path.read_text(encoding="utf-8").removesuffix("\n")
    assert letter.paragraphs[0] == f"Subject: {letter.subject}"


def test_every_golden_file_belongs_to_a_case():
    orphans = sorted(p.stem for p in GOLDEN.glob("*.txt") if p.stem not in CASES)
    assert not orphans, f"golden files without a case (delete them or run tests/golden/regenerate.py): {orphans}"


def test_the_cases_cover_every_letter_and_reason(knowledge):
    letters = {case_details(n, knowledge)[0] for n in CASES}
    reasons = {case_details(n, knowledge)[1].get("meeting_reason") for n in MEETING_CASES}
    assert letters == set(knowledge.letters)
    assert reasons == set(knowledge.reasons)


@pytest.mark.parametrize("name", URGENT_CASES)
def test_urgent_letters_say_so_and_copy_the_principal(name, knowledge):
    _, details = case_details(name, knowledge)
    _, letter = render_case(name, knowledge)
    assert letter.subject.startswith("Urgent: ")
    assert letter.paragraphs[-1] == f"cc: Principal, {details['school']}"
    assert "This is urgent" in letter.text
    _, plain = render_case(name.removesuffix("-urgent"), knowledge)  # the same letter, not urgent
    assert not plain.subject.startswith("Urgent") and "cc:" not in plain.text and "urgent" not in plain.text.lower()


@pytest.mark.parametrize("name", [n for n in CASES if n.endswith("-minimal")])
def test_minimal_letters_leave_out_what_was_not_given(name, knowledge):
    request, letter = render_case(name, knowledge)
    assert "grade" not in request.details or not request.details["grade"]
    assert "4th grade" not in letter.text and FAMILY["parent_contact"] not in letter.text
    assert f"{FAMILY['child_name']}, a student at {FAMILY['school']}" in letter.text
    # The signature block ends with the parent's line when no contact is given.
    assert letter.paragraphs[-1] == f"/s/ {FAMILY['parent_name']}\n{FAMILY['parent_name']}, parent of {FAMILY['child_name']}"
    # No sentence is left with a dangling comma, double space or empty slot.
    for bad in (" ,", "  ", " .", ",.", "..", ": .", "()", "including .", "dated ,"):
        assert bad not in letter.text, f"{bad!r} in {name}"


@pytest.mark.parametrize("name", CASES)
def test_golden_docx(name, knowledge):
    request, letter = render_case(name, knowledge)
    data = LetterFiles().render(letter, "docx", request.details["parent_name"])
    document = Document(io.BytesIO(data))
    assert "\n\n".join(p.text for p in document.paragraphs) == golden_path(name).read_text(encoding="utf-8").rstrip("\n")
    first, *rest = document.paragraphs
    assert first.runs and all(run.bold for run in first.runs)
    assert not any(run.bold for p in rest for run in p.runs)
    assert document.core_properties.title == letter.subject
    assert document.core_properties.author == request.details["parent_name"]
    assert document.core_properties.language == "en"


@pytest.mark.parametrize("name", CASES)
def test_golden_pdf(name, knowledge):
    letter, data = case_pdf(name, knowledge)
    assert data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    catalog = reader.trailer["/Root"]
    # PDF/UA-ish: tagged (marked content and a structure tree), a language, the title shown as the window title.
    assert catalog["/MarkInfo"]["/Marked"] == True  # noqa: E712  (a pypdf BooleanObject)
    assert "/StructTreeRoot" in catalog
    assert catalog["/Lang"] == "en"
    assert catalog["/ViewerPreferences"]["/DisplayDocTitle"] == True  # noqa: E712
    assert reader.metadata.title == letter.subject
    xmp = catalog["/Metadata"].get_object().get_data()
    assert b"pdfuaid" in xmp
    text = pdf_text(data)
    assert squash(text.text) == squash(golden_path(name).read_text(encoding="utf-8"))
    assert not text.undrawable, f"drawn as missing-glyph boxes: {sorted(text.undrawable)}"


@pytest.mark.parametrize("name", CASES)
def test_golden_html(name, knowledge):
    request, letter = render_case(name, knowledge)
    page = LetterFiles().render(letter, "html", request.details["parent_name"]).decode("utf-8")
    assert '<html lang="en">' in page
    assert f"<title>{escape(letter.subject)}</title>" in page
    for paragraph in letter.paragraphs:
        for line in paragraph.split("\n"):
            assert str(escape(line)) in page
    parts = html_parts(page)
    assert parts.title == letter.subject
    assert parts.paragraphs == list(letter.paragraphs)
    assert parts.tags.count("h1") == 1 and "script" not in parts.tags


# ---------------------------------------------------------------------------------------------------------
# 2. Citations, reply dates, availability
# ---------------------------------------------------------------------------------------------------------

def _allowed_rights(letter: str, details: Mapping[str, str], knowledge: Knowledge) -> set[str]:
    allowed = set(knowledge.letters[letter].basis)
    reason = details.get("meeting_reason")
    if letter == "meeting_request" and reason:
        allowed |= set(knowledge.reasons[reason].basis)
    return allowed


@pytest.mark.parametrize("name", CASES)
def test_every_citation_is_a_right_the_letter_rests_on(name, knowledge):
    letter_id, details = case_details(name, knowledge)
    _, letter = render_case(name, knowledge)
    allowed = _allowed_rights(letter_id, details, knowledge)
    assert all(right in knowledge.rights for right in allowed), f"letters.yml names unknown rights: {allowed}"
    every = sorted({r.citation for r in knowledge.rights.values()}, key=len, reverse=True)
    text, cited = letter.text, set()
    for citation in every:
        if f"({citation})" in text:
            cited.add(citation)
            text = text.replace(f"({citation})", "")
    assert not re.search(r"CFR|OSEP|U\.S\.C|§|\d{3}\.\d{2,}", text), f"a citation not from rights.yml:\n{text}"
    assert cited <= {knowledge.rights[r].citation for r in allowed}


def _copy_templates(tmp_path: Path) -> Path:
    copy = tmp_path / "templates"
    shutil.copytree(TEMPLATES, copy)
    return copy


def test_a_template_cannot_cite_a_right_its_letter_does_not_list(knowledge, tmp_path):
    templates = _copy_templates(tmp_path)
    request = case_request("follow_up", knowledge)
    LetterWriter(knowledge, templates).render(request)  # the untouched copy renders
    template = templates / "letters" / "en" / "follow_up.txt.j2"
    assert not knowledge.letters["follow_up"].basis
    template.write_text(template.read_text(encoding="utf-8").replace(
        "I have not yet received an answer.",
        'I have not yet received an answer ({{ cite("prior_written_notice") }}).'), encoding="utf-8")
    with pytest.raises(LetterError, match="prior_written_notice"):
        LetterWriter(knowledge, templates).render(request)


def test_a_reason_template_cannot_cite_a_right_its_reason_does_not_list(knowledge, tmp_path):
    templates = _copy_templates(tmp_path)
    reason = templates / "letters" / "en" / "reasons" / "transition.txt.j2"
    assert not knowledge.reasons["transition"].basis
    reason.write_text(reason.read_text(encoding="utf-8") + ' ({{ cite("iep_review_revision") }})', encoding="utf-8")
    with pytest.raises(LetterError, match="iep_review_revision"):
        LetterWriter(knowledge, templates).render(case_request("meeting_request-transition", knowledge))
    # A right another letter may cite is still refused; so is a right that does not exist.
    letter = templates / "letters" / "en" / "records_request.txt.j2"
    letter.write_text(letter.read_text(encoding="utf-8").replace('cite("records_access")', 'cite("no_such_right")'),
                      encoding="utf-8")
    with pytest.raises(LetterError, match="no_such_right"):
        LetterWriter(knowledge, templates).render(case_request("records_request", knowledge))


_DATE_WORDS = re.compile(r"(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (January|February|March|April|"
                         r"May|June|July|August|September|October|November|December) \d{1,2}, \d{4}")
_VAGUE = ("promptly", "as soon as possible", "asap", "at your earliest convenience", "in a timely manner",
          "right away", "soon as you can")


@pytest.mark.parametrize("name", CASES)
def test_every_letter_asks_for_a_reply_by_a_written_out_date(name, knowledge):
    request, letter = render_case(name, knowledge)
    assert format_date(request.respond_by) == REPLY_WORDS
    reply = [p for p in letter_body(letter) if REPLY_WORDS in p]
    assert reply, f"{name} never names the reply date"
    assert re.search(rf"\bby {REPLY_WORDS}", letter.text)
    for sentence in re.split(r"(?<=[.!?])\s+", letter.text):
        if any(v in sentence.lower() for v in _VAGUE):
            assert _DATE_WORDS.search(sentence), f"vague timing without a date in {name}: {sentence!r}"


@pytest.mark.parametrize("name", CASES)
def test_body_paragraphs_break_lines_only_after_a_lead_in(name, knowledge):
    # Inside the body a line break is only for a lead-in such as "Here is what I have seen:" followed by the
    # parent's own words. Any other line break means a template lost a paragraph break (a blank line), and
    # DOCX, PDF and HTML then show two paragraphs run together with a hard break.
    _, letter = render_case(name, knowledge)
    for paragraph in letter_body(letter):
        lines = paragraph.split("\n")
        for before, after in zip(lines, lines[1:]):
            assert before.endswith(":"), f"{name}: a paragraph break is missing between\n{before!r}\nand\n{after!r}"


@pytest.mark.parametrize("name", MEETING_CASES)
def test_a_meeting_request_always_gives_the_parents_times(name, knowledge):
    request, letter = render_case(name, knowledge)
    assert request.details["availability"] == AVAILABILITY
    assert f"I can meet at these times: {AVAILABILITY}." in letter.text


def test_the_reply_date_comes_before_a_sooner_meeting(knowledge):
    _, details = case_details("records_request", knowledge)
    request = LetterFlow(knowledge).request("records_request", {**details, "meeting_date": "2026-12-04"}, "en",
                                            TODAY, SCHOOL_DAYS)
    assert request.respond_by == date(2026, 12, 3)
    assert "by Thursday, December 3, 2026" in LetterWriter(knowledge).render(request).text


# ---------------------------------------------------------------------------------------------------------
# 3. Reading level
# ---------------------------------------------------------------------------------------------------------

# What is measured: the paragraphs after "Dear ...," and before "Sincerely,". The subject, date, address and
# signature are not sentences (Flesch-Kincaid would read the address block as one long run-on sentence), and
# grade() already leaves citations out. The parent's own words are part of the body the school reads; the
# fixtures are written the way parents write, so they are measured too.
@pytest.mark.parametrize("name", CASES)
def test_the_letter_body_reads_at_grade_10_or_lower(name, knowledge):
    _, letter = render_case(name, knowledge)
    body = "\n\n".join(letter_body(letter))
    assert len(body.split()) > 40
    score = readability.grade(body)
    assert score <= readability.LETTER_LIMIT, f"{name} reads at grade {score:.1f}:\n{body}"


# ---------------------------------------------------------------------------------------------------------
# 4. Whatever a parent types
# ---------------------------------------------------------------------------------------------------------

BASE = {**FAMILY, **LETTER_DETAILS["evaluation_request"]}


def _assert_same_words_everywhere(formats: Formats) -> None:
    letter = formats.letter
    assert formats.text.decode("utf-8") == letter.text + "\n"
    assert docx_text(formats.docx) == letter.text
    pdf = pdf_text(formats.pdf)
    assert squash(pdf.text) == squash(letter.text)
    assert not pdf.undrawable, f"drawn as missing-glyph boxes: {sorted(pdf.undrawable)}"
    assert html_parts(formats.html).paragraphs == list(letter.paragraphs)


@pytest.mark.parametrize("field", ["parent_name", "child_name"])
@pytest.mark.parametrize("name", ["Aoife O'Brien", "José Ramírez", "Linh Nguyễn-Smith"])
def test_names_with_apostrophes_accents_and_hyphens_come_through_exactly(knowledge, field, name):
    formats = render_details(knowledge, "evaluation_request", {**BASE, field: name})
    text = formats.letter.text
    assert text.count(name) >= 2  # in the body and in the signature line
    assert docx_text(formats.docx).count(name) == text.count(name)
    assert squash(pdf_text(formats.pdf).text).count(squash(name)) == text.count(name)
    assert html_parts(formats.html).title == formats.letter.subject
    assert str(escape(name)) in formats.html
    _assert_same_words_everywhere(formats)


@pytest.mark.parametrize("emoji", ["🌟", "👍🏽", "👨‍👩‍👧", "🇺🇸", "❤️", "⭐", "⏰"])
def test_emoji_are_left_out_and_the_rest_of_the_name_stays(knowledge, emoji):
    details = {**BASE, "child_name": f"Sam {emoji}", "parent_name": f"Maria {emoji} Lopez",
               "concern": BASE["concern"] + f" He drew a {emoji} on his worksheet."}
    formats = render_details(knowledge, "evaluation_request", details)
    letter = formats.letter
    pdf = pdf_text(formats.pdf)
    assert not pdf.undrawable, f"{emoji!r} is drawn as a missing-glyph box in the PDF: {sorted(pdf.undrawable)}"
    emoji_chars = set(emoji)
    for where, text in [("text", formats.text.decode("utf-8")), ("docx", docx_text(formats.docx)),
                        ("pdf", pdf.text), ("html", formats.html)]:
        assert not emoji_chars & set(text), f"{emoji!r} left in the {where} letter"
    assert letter.subject == "Request for a special education evaluation for Sam"
    assert "my child, Sam, a student in 4th grade" in letter.text
    assert "/s/ Maria Lopez\nMaria Lopez, parent of Sam" in letter.text
    assert "He drew a on his worksheet." in letter.text  # the parent's sentence stays, less the picture
    _assert_same_words_everywhere(formats)


PAYLOAD = "<script>alert(1)</script> {{ 7*7 }} {% raw %}"


def test_markup_and_template_code_are_plain_text_in_every_format(knowledge):
    details = {**FAMILY, "meeting_reason": "general_concern", "availability": f"mornings {PAYLOAD}",
               "school": f"Lincoln {PAYLOAD}", "grade": f"4th {PAYLOAD}",
               "concern": f"He typed this into the class chat: {PAYLOAD} and nobody noticed.",
               "parent_contact": "maria@example.com {{ 7*7 }}"}
    request = LetterFlow(knowledge).request("meeting_request", details, "en", TODAY, SCHOOL_DAYS)
    formats = all_formats(LetterWriter(knowledge).render(request), "Maria {{ 7*7 }} Lopez")
    text = formats.letter.text
    assert text.count(PAYLOAD) >= 5  # concern, availability, grade, school in the address and the body
    assert docx_text(formats.docx) == text
    assert squash(pdf_text(formats.pdf).text) == squash(text)
    assert "<script" not in formats.html.lower()
    assert str(escape(PAYLOAD)) in formats.html and "&lt;script&gt;alert(1)&lt;/script&gt;" in formats.html
    assert html_parts(formats.html).paragraphs == list(formats.letter.paragraphs)
    for where, out in [("text", text), ("docx", docx_text(formats.docx)), ("pdf", pdf_text(formats.pdf).text),
                       ("html", formats.html)]:
        assert "49" not in out, f"template code ran in the {where} letter"
        assert "{{7*7}}" in squash(out) and "{%raw%}" in squash(out)
    metadata = PdfReader(io.BytesIO(formats.pdf)).metadata
    assert "49" not in (metadata.author or "") and "{{ 7*7 }}" in (metadata.author or "")
    assert Document(io.BytesIO(formats.docx)).core_properties.author == "Maria {{ 7*7 }} Lopez"


def _long_concern() -> str:
    sentences = [
        "On {day}, Sam came home upset because the reading group moved on to a new chapter before he finished.",
        "His homework folder had a note from the interventionist about characteristically inconsistent decoding.",
        "We read together for twenty minutes, and he could sound out short words but not multisyllabic ones.",
        "The teacher wrote that he needed reassurance and individualized accommodations during the spelling test.",
        "He said the worksheets were overwhelming and that he did not want to go back to school tomorrow.",
        "I keep our notes in a shared folder at https://example.org/family-notes/sam-lopez/2026/reading-logs-weekly.",
    ]
    days = ["September 8", "September 15", "September 22", "September 29", "October 6", "October 13",
            "October 20", "October 27", "November 3", "November 10", "November 17"]
    paragraphs, text = [], ""
    for number, day in enumerate(days):
        paragraph = " ".join(s.format(day=day) for s in sentences[number % 2:] + sentences[:number % 2])
        paragraphs.append(paragraph)
        text = "\n\n".join(paragraphs)
        if len(text) >= 5000:
            break
    return text


def test_a_five_thousand_character_concern_is_kept_whole_in_every_format(knowledge):
    concern = _long_concern()
    assert 5000 <= len(concern) < LONG_TEXT_LIMIT
    assert clean_value(concern, long_text=True) == concern
    formats = render_details(knowledge, "evaluation_request", {**BASE, "concern": concern})
    text = formats.letter.text
    assert concern in text
    assert docx_text(formats.docx) == text
    pdf = pdf_text(formats.pdf)
    assert pdf.pages > 1
    assert squash(concern) in squash(pdf.text)
    assert squash(pdf.text) == squash(text)  # nothing cut, from the subject to the signature
    assert html_parts(formats.html).paragraphs == list(formats.letter.paragraphs)


def test_a_concern_over_the_limit_is_cut_at_a_paragraph_not_mid_sentence():
    # letters.py: "anything longer is cut at a paragraph, never silently".
    paragraph = ("Sam read the same page three times tonight and still could not tell me what it was about. " * 8).strip()
    paragraphs = [f"Week {n}: {paragraph}" for n in range(1, 12)]
    story = "\n\n".join(paragraphs)
    assert len(story) > LONG_TEXT_LIMIT
    kept = clean_value(story, long_text=True)
    assert 0 < len(kept) <= LONG_TEXT_LIMIT
    kept_paragraphs = kept.split("\n\n")
    assert kept_paragraphs == paragraphs[:len(kept_paragraphs)], (
        f"cut mid-paragraph: ...{kept[-80:]!r}")


def test_control_characters_are_stripped_and_the_docx_still_saves(knowledge):
    details = {**BASE, "child_name": "Sam\x00 Lopez\x0b", "school": "Lincoln\x0c Elementary\x1f",
               "concern": "Sam reads slowly.\x0b He is tired after one page.\x00 His teacher agrees.\x7f\ufffe",
               "suspected_areas": "reading\x08 and attention"}
    formats = render_details(knowledge, "evaluation_request", details)
    text = formats.letter.text
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]", text)
    assert "my child, Sam Lopez, a student in 4th grade at Lincoln Elementary" in text
    assert "Sam reads slowly. He is tired after one page. His teacher agrees." in text
    assert "including reading and attention." in text
    _assert_same_words_everywhere(formats)


_LETTERS = st.characters(categories=("L",))


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(min_size=1, max_size=40).filter(lambda v: re.search(r"[^\W\d_]", clean_value(v))),
       concern=st.text(min_size=1, max_size=400), school=st.text(_LETTERS, min_size=1, max_size=30))
def test_any_typed_text_gives_a_docx_with_exactly_the_letter_text(knowledge, name, concern, school):
    details = {**BASE, "child_name": name, "parent_name": name, "concern": f"He says: {concern}", "school": school}
    request = LetterRequest("evaluation_request", details, TODAY, REPLY_DATE)
    letter = LetterWriter(knowledge).render(request)
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]", letter.text)
    assert clean_value(name) in letter.text and clean_value(school) in letter.text
    assert docx_text(LetterFiles().render(letter, "docx", clean_value(name))) == letter.text


# ---------------------------------------------------------------------------------------------------------
# 5. Missing details and unknown letters
# ---------------------------------------------------------------------------------------------------------

def test_missing_details_names_every_missing_required_field_in_order(knowledge):
    details = {"parent_name": "Maria Lopez", "child_name": "Sam Lopez", "school": "  ", "grade": ""}
    with pytest.raises(MissingDetails) as caught:
        LetterWriter(knowledge).render(LetterRequest("evaluation_request", details, TODAY, REPLY_DATE))
    assert caught.value.letter == "evaluation_request"
    assert caught.value.missing == ("school", "concern")
    assert str(caught.value) == "evaluation_request needs: school, concern"
    assert isinstance(caught.value, LetterError)


def test_a_meeting_reason_adds_its_required_fields(knowledge):
    assert letter_fields("meeting_request", "services_not_delivered", knowledge).index("service") < \
        letter_fields("meeting_request", "services_not_delivered", knowledge).index("concern")
    _, details = case_details("meeting_request-services_not_delivered", knowledge)
    del details["service"]
    assert missing_details("meeting_request", details, knowledge) == ["service"]
    with pytest.raises(MissingDetails, match="service"):
        LetterWriter(knowledge).render(LetterRequest("meeting_request", details, TODAY, REPLY_DATE))
    with pytest.raises(MissingDetails) as caught:
        LetterWriter(knowledge).render(LetterRequest("meeting_request", {}, TODAY, REPLY_DATE))
    assert {"meeting_reason", "parent_name", "child_name", "school", "concern", "availability"} == set(caught.value.missing)


def test_a_required_detail_that_cleans_to_nothing_is_missing(knowledge):
    # An emoji-only or control-character-only name passes the blank check but is wiped by clean_value, which
    # would leave "Request for ... for " with no name. It should be reported as missing instead.
    details = {**BASE, "child_name": "🌟\x00"}
    with pytest.raises(MissingDetails) as caught:
        LetterWriter(knowledge).render(LetterRequest("evaluation_request", details, TODAY, REPLY_DATE))
    assert caught.value.missing == ("child_name",)


def test_an_unknown_letter_or_reason_is_a_letter_error(knowledge):
    with pytest.raises(LetterError, match="unknown letter 'nosuch'"):
        LetterWriter(knowledge).render(LetterRequest("nosuch", dict(BASE), TODAY, REPLY_DATE))
    with pytest.raises(LetterError, match="unknown letter"):
        letter_fields("nosuch", None, knowledge)
    _, details = case_details("meeting_request-placement", knowledge)
    with pytest.raises(LetterError, match="unknown meeting reason 'vacation'"):
        LetterWriter(knowledge).render(LetterRequest("meeting_request", {**details, "meeting_reason": "vacation"},
                                                     TODAY, REPLY_DATE))
