"""The same letter as HTML, DOCX and PDF, built from its rendered paragraphs so no format drifts.

PDF goes through WeasyPrint as PDF/UA (tagged, with title and language) so screen readers can read it.
Rendering a PDF takes a noticeable fraction of a second: async callers run these in a worker thread.
"""
from __future__ import annotations

import io
from pathlib import Path

from docx import Document
from docx.shared import Pt
from jinja2 import Environment, FileSystemLoader, select_autoescape

from bot.letters.drafting import TEMPLATES, RenderedLetter

FORMATS = ("text", "html", "docx", "pdf")
MEDIA_TYPES = {
    "text": "text/plain; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}
SUFFIXES = {"text": "txt", "html": "html", "docx": "docx", "pdf": "pdf"}


class LetterFiles:
    def __init__(self, templates: Path = TEMPLATES):
        self._env = Environment(loader=FileSystemLoader(str(templates / "letters")),
                                autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)

    def render(self, letter: RenderedLetter, fmt: str, author: str = "") -> bytes:
        if fmt == "text":
            return (letter.text + "\n").encode("utf-8")
        if fmt == "html":
            return self.html(letter, author).encode("utf-8")
        if fmt == "docx":
            return docx_bytes(letter, author)
        if fmt == "pdf":
            return pdf_bytes(self.html(letter, author))
        raise ValueError(f"unknown format '{fmt}' (use one of: {', '.join(FORMATS)})")

    def html(self, letter: RenderedLetter, author: str = "") -> str:
        return self._env.get_template("letter.html.j2").render(
            language=letter.language, subject=letter.subject, author=author, paragraphs=letter.paragraphs)


def docx_bytes(letter: RenderedLetter, author: str = "") -> bytes:
    document = Document()
    document.core_properties.title = letter.subject
    document.core_properties.author = author
    document.core_properties.language = letter.language
    document.styles["Normal"].font.size = Pt(11)
    for index, paragraph in enumerate(letter.paragraphs):
        out = document.add_paragraph()
        lines = paragraph.split("\n")
        for number, line in enumerate(lines):
            run = out.add_run(line)
            run.bold = index == 0  # the subject line
            if number < len(lines) - 1:
                run.add_break()
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def pdf_bytes(html: str) -> bytes:
    from weasyprint import HTML  # imported when first needed: it loads fonts and takes a moment

    return HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")
