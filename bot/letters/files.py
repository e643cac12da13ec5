"""The same letter as HTML, DOCX and PDF, built from its rendered paragraphs so no format drifts.

A parent who speaks Spanish gets one file: the English letter the school needs first, then their Spanish copy
on a new page, each part marked with its language so screen readers and spell checkers read it right.
PDF goes through WeasyPrint as PDF/UA (tagged, with title and language) so screen readers can read it.
Rendering a PDF takes a noticeable fraction of a second: async callers run these in a worker thread.
"""
from __future__ import annotations

import io
from pathlib import Path

from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt
from jinja2 import Environment, FileSystemLoader, select_autoescape

from bot.letters.bilingual import LetterSet
from bot.letters.drafting import TEMPLATES, RenderedLetter

FORMATS = ("text", "html", "docx", "pdf")
MEDIA_TYPES = {
    "text": "text/plain; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}
SUFFIXES = {"text": "txt", "html": "html", "docx": "docx", "pdf": "pdf"}
DOCX_LANGUAGES = {"en": "en-US", "es": "es-US"}  # Word's language tags for the proofing tools


def as_set(letter: LetterSet | RenderedLetter) -> LetterSet:
    return letter if isinstance(letter, LetterSet) else LetterSet(letter)


class LetterFiles:
    def __init__(self, templates: Path = TEMPLATES):
        self._env = Environment(loader=FileSystemLoader(str(templates / "letters")),
                                autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)

    def render(self, letter: LetterSet | RenderedLetter, fmt: str, author: str = "") -> bytes:
        letters = as_set(letter)
        if fmt == "text":
            return (letters.text + "\n").encode("utf-8")
        if fmt == "html":
            return self.html(letters, author).encode("utf-8")
        if fmt == "docx":
            return docx_bytes(letters, author)
        if fmt == "pdf":
            return pdf_bytes(self.html(letters, author))
        raise ValueError(f"unknown format '{fmt}' (use one of: {', '.join(FORMATS)})")

    def html(self, letter: LetterSet | RenderedLetter, author: str = "") -> str:
        letters = as_set(letter)
        return self._env.get_template("letter.html.j2").render(
            language=letters.school.language, subject=letters.subject, author=author, letters=letters.letters)


def docx_bytes(letter: LetterSet | RenderedLetter, author: str = "") -> bytes:
    letters = as_set(letter)
    document = Document()
    document.core_properties.title = letters.subject
    document.core_properties.author = author
    document.core_properties.language = letters.school.language
    document.styles["Normal"].font.size = Pt(11)
    for number, part in enumerate(letters.letters):
        for index, paragraph in enumerate(part.paragraphs):
            out = document.add_paragraph()
            if number and index == 0:
                out.paragraph_format.page_break_before = True  # the copy starts on a page of its own
            lines = paragraph.split("\n")
            for at, line in enumerate(lines):
                run = out.add_run(line)
                run.bold = index <= part.lead  # the copy's notice and the subject line
                _mark_language(run, part.language)
                if at < len(lines) - 1:
                    run.add_break()
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _mark_language(run, language: str) -> None:
    """<w:lang w:val="es-US"/> on the run: Word reads and spell-checks it in that language."""
    tag = OxmlElement("w:lang")
    tag.set(qn("w:val"), DOCX_LANGUAGES.get(language, language))
    run._r.get_or_add_rPr().append(tag)


def pdf_bytes(html: str) -> bytes:
    from weasyprint import HTML  # imported when first needed: it loads fonts and takes a moment

    return HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")
