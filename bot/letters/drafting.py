"""Drafts a written request from the parent's details: one Jinja2 template per letter, one shared layout.

The rendered plain text is the single source: its paragraphs become the DOCX and PDF paragraphs
(bot/letters/files.py), so the three formats always carry the same words.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Mapping, Sequence

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound, pass_context
from jinja2.runtime import Context

from bot.knowledge import Knowledge
from bot.knowledge.dates import format_date
from bot.letters.wording import SCHOOL_LANGUAGE, worded

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
LONG_TEXT_LIMIT = 6000  # a long story still fits; anything longer ends at its last whole paragraph or sentence
SHORT_TEXT_LIMIT = 300
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")  # not allowed in DOCX XML
# Emoji (pictographs beyond the basic plane, their joiners, variation selectors and skin tones) are
# left out of letters: the PDF fonts cannot draw them, and every format must carry the same words.
_EMOJI = re.compile("[\U0001F000-\U0001FAFF\u2300-\u23ff\u2600-\u27bf\u2b00-\u2bff\u3030\u303d\u3297\u3299"
                    "\u200d\u20e3\ufe0e\ufe0f\U000E0020-\U000E007F]")


class LetterError(ValueError):
    """The letter cannot be drafted as asked; the message says what to fix."""


class MissingDetails(LetterError):
    def __init__(self, letter: str, missing: Sequence[str]):
        self.letter, self.missing = letter, tuple(missing)
        super().__init__(f"{letter} needs: {', '.join(missing)}")


@dataclass(frozen=True)
class LetterRequest:
    """Everything a letter is made from. Dates in `details` are ISO strings (YYYY-MM-DD)."""

    letter: str
    details: Mapping[str, str]
    letter_date: date
    respond_by: date
    language: str = "en"


@dataclass(frozen=True)
class RenderedLetter:
    letter: str
    language: str
    subject: str
    paragraphs: tuple[str, ...]  # paragraphs[lead] is the subject line; lines inside a paragraph are kept
    text: str = field(repr=False)  # what the parent pastes into an email
    lead: int = 0  # paragraphs before the subject line: a parent's copy opens with its translation notice

    @classmethod
    def from_text(cls, letter: str, language: str, text: str) -> "RenderedLetter":
        """Paragraphs and subject back from the text (the layout puts "Subject: ..." first, after the notice
        that opens a parent's copy)."""
        paragraphs = tuple(text.split("\n\n"))
        lead = lead_paragraphs(language)
        return cls(letter, language, paragraphs[lead].split(":", 1)[-1].strip(), paragraphs, text, lead)


def lead_paragraphs(language: str) -> int:
    """How many paragraphs come before the subject line in a letter in `language`."""
    return 0 if language == SCHOOL_LANGUAGE else 1


def clean_value(value: object, long_text: bool = False) -> str:
    """A parent's answer made safe for every format: no control characters, tidy spaces, a sane length."""
    text = _EMOJI.sub("", _CONTROL.sub("", str(value or ""))).replace("\r\n", "\n").replace("\r", "\n")
    if not long_text:
        return _shorten(" ".join(text.split()), SHORT_TEXT_LIMIT, (" ",))
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text)]
    return _shorten("\n\n".join(p for p in paragraphs if p), LONG_TEXT_LIMIT, ("\n\n", ". ", " "))


def _shorten(text: str, limit: int, breaks: Sequence[str]) -> str:
    """`text` if it fits; otherwise cut at the last paragraph, sentence or word break that fits."""
    if len(text) <= limit:
        return text
    for mark in breaks:
        cut = text.rfind(mark, 0, limit)
        if cut > limit // 2:
            return text[: cut + (1 if mark == ". " else 0)].rstrip()
    return text[:limit].rstrip()


def letter_fields(letter: str, reason: str | None, knowledge: Knowledge) -> list[str]:
    """The fields a letter asks for, in order; a meeting reason adds its own after the concern."""
    if letter not in knowledge.letters:
        raise LetterError(f"unknown letter '{letter}'")
    fields = list(knowledge.letters[letter].fields)
    if reason and reason in knowledge.reasons and "concern" in fields:
        at = fields.index("concern")
        fields[at:at] = [f for f in knowledge.reasons[reason].fields if f not in fields]
    return fields


def reason_for(situations: Sequence[str], knowledge: Knowledge) -> str | None:
    """The meeting reason of the first situation that has one."""
    for situation in situations:
        for reason in knowledge.reasons.values():
            if situation in reason.situations:
                return reason.id
    return None


def missing_details(letter: str, details: Mapping[str, str], knowledge: Knowledge) -> list[str]:
    """Required fields with nothing left once cleaned (an emoji-only name is no name)."""
    reason = details.get("meeting_reason") or None
    return [f for f in letter_fields(letter, reason, knowledge) if not knowledge.fields[f].optional
            and not clean_value(details.get(f), knowledge.fields[f].kind == "long_text").strip()]


class LetterWriter:
    """Renders letters from the templates in `templates/letters/<language>/`: English for the school, and for a
    parent who speaks another language, their copy (bot/letters/bilingual.py puts the two together)."""

    def __init__(self, knowledge: Knowledge, templates: Path = TEMPLATES):
        self.knowledge = knowledge
        # Plain text: nothing is escaped, and nothing a parent types is ever treated as template code,
        # because values are only passed in as data.
        self._env = Environment(loader=FileSystemLoader(str(templates / "letters")), undefined=StrictUndefined,
                                trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False, autoescape=False)
        self._env.filters["date"] = _date_filter

    def render(self, request: LetterRequest, language: str | None = None) -> RenderedLetter:
        """The letter in `language` (by default the parent's, `request.language`)."""
        k = self.knowledge
        missing = missing_details(request.letter, request.details, k)
        if missing:
            raise MissingDetails(request.letter, missing)
        reason = request.details.get("meeting_reason") or ""
        if request.letter == "meeting_request" and reason not in k.reasons:
            raise LetterError(f"unknown meeting reason '{reason}'")
        lang = language or request.language
        template = self._template(request.letter, lang)
        context = self._context(request, reason, lang)
        return RenderedLetter.from_text(request.letter, lang, _tidy(template.render(context)))

    def _template(self, letter: str, language: str):
        try:
            return self._env.get_template(f"{language}/{letter}.txt.j2")
        except TemplateNotFound:
            raise LetterError(f"no {language} template for letter '{letter}'") from None

    def _context(self, request: LetterRequest, reason: str, lang: str) -> dict[str, object]:
        k = self.knowledge
        letter = k.letters[request.letter]
        kinds = {key: f.kind for key, f in k.fields.items()}
        typed = {key: clean_value(request.details.get(key), kinds[key] == "long_text") for key in k.fields}
        words = worded(typed, k, lang, request.language)
        details = dict(words.values)
        allowed = set(letter.basis) | (set(k.reasons[reason].basis) if reason in k.reasons else set())

        def cite(right: str) -> str:
            # A template may only cite what the knowledge base says this letter rests on.
            if right not in allowed:
                raise LetterError(f"template for {request.letter} cites '{right}', which letters.yml does not list")
            return k.rights[right].citation

        recipient = details["recipient"] or letter.recipient.get(lang)
        return {
            "d": details, "child": details["child_name"].split()[0], "reason": reason, "language": lang, "cite": cite, "urgent": _is_yes(details.get("urgent")),
            "recipient": recipient, "salutation": recipient.split(",")[0].strip(),
            # The parent's own words quoted in this letter: which fields are in Spanish, and whether any are.
            "in_spanish": {f for f in words.quoted if words.written_in[f] == "es"},
            "spanish_words": words.quotes("es"), "english_words": words.quotes("en"),
            "letter_date": format_date(request.letter_date, lang), "respond_by": format_date(request.respond_by, lang),
        }


@pass_context
def _date_filter(context: Context, value: str) -> str:
    """`{{ d.some_date | date }}`: an ISO date written out in the letter's language."""
    return format_date(date.fromisoformat(value), context["language"])


def _is_yes(value: str | None) -> bool:
    return value == "yes"  # the form stores yes_no answers as "yes" or "no"


def _tidy(text: str) -> str:
    """Trailing spaces off, at most one blank line between paragraphs, no blank edges."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
