"""Reads the details a letter needs: a parent's answer to one question, or what their story already says.

Every word that decides how an answer is read lives in letters.yml (`answers`), per language.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Iterable, Mapping

from bot.knowledge import Knowledge
from bot.knowledge.dates import parse_date
from bot.knowledge.model import AnswerWords, LetterField
from bot.letters.drafting import clean_value

MAX_NAME_CHARS = 80
MAX_NAME_WORDS = 6
# A capitalised name word ("Sam", "O'Neil", "Ruiz-Soto"); a child's name in a story is one to three of them.
_NAME_WORD = r"[A-Z][^\W\d_]+(?:[-'’][A-Z]?[^\W\d_]+)?"
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_LETTER = re.compile(r"[^\W\d_]")  # any letter, in any script
_NAME = re.compile(r"[^\W\d_](?:[^\W\d_]|[\s'’.,-])*")  # letters in any script, spaces, ' - . and commas
# Markup a parent never means as words: HTML tags ("<script>", "</b>"; not "<3") and template delimiters.
# A letter is pasted into an email to the school, and the summary shows each answer back: neither should
# carry them. The templates treat answers as data anyway; this keeps the words and drops the marks.
_MARKUP = re.compile(r"</?[A-Za-z!][^<>]*>|<\s*/?\s*(?i:script)\b|\{\{|\}\}|\{%|%\}|\{#|#\}")


@dataclass(frozen=True)
class Answer:
    """`value` is what goes in the letter ("" for a skipped optional field); None means ask again."""

    value: str | None
    problem: str | None = None  # "needed" (a required field was skipped) or "unreadable"


def read_answer(field: LetterField, text: str, knowledge: Knowledge, language: str, today: date) -> Answer:
    words = knowledge.answer_words(language)
    text = unmarked(text)
    plain = _plain(text)
    if not plain:
        return Answer(None, "unreadable")
    if field.kind == "yes_no":
        return _yes_no(plain, words, field.optional)
    if _said(plain, words.skip + words.unknown) and not (field.kind == "short_text" and _said(plain, words.all)):
        return Answer("") if field.optional else Answer(None, "needed")
    reader = {"name": _name, "contact": _contact, "date_past": _date_past, "date_future": _date_future,
              "choice": _choice, "long_text": _long_text}.get(field.kind, _short_text)
    return reader(text, words, knowledge, language, today)


def unmarked(text: str) -> str:
    """The answer without markup or template syntax (see _MARKUP), spaces tidied where marks were."""
    kept = _MARKUP.sub(" ", text or "")
    while kept != text:  # "{{{%%}}}" leaves marks behind after one pass
        text, kept = kept, _MARKUP.sub(" ", kept)
    return re.sub(r"[ \t]{2,}", " ", kept).strip(" \t")


def _plain(text: str) -> str:
    """Lower case, no edge punctuation or doubled spaces: for comparing with the word lists."""
    return " ".join(re.sub(r"[.!?,;:]+$", "", (text or "").strip().lower()).replace("’", "'").split())


def _said(plain: str, phrases: Iterable[str]) -> bool:
    return plain in phrases


def _yes_no(plain: str, words: AnswerWords, optional: bool) -> Answer:
    first = plain.split()[0] if plain else ""
    if plain in words.yes or first in words.yes:
        return Answer("yes")
    if plain in words.no or first in words.no or plain in words.skip:
        return Answer("no")
    return Answer(None, "unreadable")


def _name(text: str, words: AnswerWords, *_: object) -> Answer:
    name = clean_value(text)
    lowered = name.lower().replace("’", "'")
    for prefix in sorted(words.name_prefixes, key=len, reverse=True):
        if lowered.startswith(prefix + " "):
            name = name[len(prefix):].strip()
            break
    name = name.strip(" .,!;:")
    if (not _NAME.fullmatch(name) or len(name) > MAX_NAME_CHARS
            or len(name.split()) > MAX_NAME_WORDS):
        return Answer(None, "unreadable")
    return Answer(name.title() if name == name.lower() else name)


def _short_text(text: str, words: AnswerWords, *_: object) -> Answer:
    value = clean_value(text).strip()
    if _plain(value) in words.all:
        return Answer("")  # "all" records is what the letter asks for when nothing is named
    return Answer(value) if _LETTER.search(value) or any(ch.isdigit() for ch in value) else Answer(None, "unreadable")


def _long_text(text: str, *_: object) -> Answer:
    value = clean_value(text, long_text=True)
    return Answer(value) if len(_LETTER.findall(value)) >= 3 else Answer(None, "unreadable")


def _contact(text: str, *_: object) -> Answer:
    value = clean_value(text)
    if _EMAIL.search(value) or sum(ch.isdigit() for ch in value) >= 7:
        return Answer(value)
    return Answer(None, "unreadable")


def _date_past(text: str, words: AnswerWords, knowledge: Knowledge, language: str, today: date) -> Answer:
    found = parse_date(text, today, prefer="past")
    return Answer(found.isoformat()) if found and found <= today else Answer(None, "unreadable")


def _date_future(text: str, words: AnswerWords, knowledge: Knowledge, language: str, today: date) -> Answer:
    found = parse_date(text, today, prefer="future")
    return Answer(found.isoformat()) if found and found >= today else Answer(None, "unreadable")


def _choice(text: str, words: AnswerWords, knowledge: Knowledge, language: str, today: date) -> Answer:
    """A meeting reason, from its button label, its id, or its number in the list."""
    plain = _plain(text)
    reasons = list(knowledge.reasons.values())
    for number, reason in enumerate(reasons, start=1):
        if plain in (reason.id, reason.id.replace("_", " "), _plain(reason.label.get(language)), str(number)):
            return Answer(reason.id)
    return Answer(None, "unreadable")


def details_from_story(text: str, entities: Iterable[Mapping[str, object]], knowledge: Knowledge,
                       language: str = "en") -> dict[str, str]:
    """Details a parent's story already gives (child's name, grade, school, service), so we don't ask twice."""
    words = knowledge.answer_words(language)
    found: dict[str, str] = {}
    child = re.search(rf"\b(?i:my)\s+(?i:{_alternatives(words.child_words)})\s*,?\s+"
                      rf"({_NAME_WORD}(?:\s+{_NAME_WORD}){{0,2}})"
                      r"(?=\s*(?:,|\.|\s+(?:is|has|was|who|and|in|at|just|got|started)\b|'s\b|’s\b))", text)
    if child:
        found["child_name"] = child.group(1)
    school = re.search(rf"\b((?:[A-Z][\w'’.-]*\s+){{1,4}}(?:{_alternatives(words.school_words, title=True)})"
                       r"(?:\s+School)?)\b", text)
    if school:
        found["school"] = school.group(1).strip()
    entity_list = [e for e in entities if isinstance(e.get("start"), int)]
    grade = next((e for e in entity_list if e.get("entity") == "grade"), None)
    if grade:
        found["grade"] = str(grade["value"])
    service = next((e for e in entity_list if e.get("entity") == "service"), None)
    if service:
        found["service"] = _service_phrase(text, service, entity_list)
    return {key: unmarked(value) for key, value in found.items() if unmarked(value)}


def _alternatives(phrases: Iterable[str], title: bool = False) -> str:
    return "|".join(re.escape(p.title() if title else p) for p in sorted(phrases, key=len, reverse=True))


def _service_phrase(text: str, service: Mapping[str, object], entities: list[Mapping[str, object]]) -> str:
    """The service with its minutes and how often, when the story says them close by ("speech, 60 min a week")."""
    start, end = int(service["start"]), int(service["end"])
    for entity in entities:
        if entity.get("entity") in ("minutes", "frequency") and 0 <= int(entity["start"]) - end <= 40:
            end = max(end, int(entity["end"]))
    for entity in entities:
        if entity.get("entity") == "minutes" and 0 <= start - int(entity["end"]) <= 12:
            start = min(start, int(entity["start"]))
    return clean_value(text[start:end])
