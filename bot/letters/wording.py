"""How each of a parent's answers reads in a letter of a given language, for a parent who speaks Spanish.

Nothing is machine-translated. An answer goes into the English letter (and the Spanish copy) in one of three ways:
- as typed: names, contacts, dates, yes/no, the meeting reason, a school's name, and anything typed in the
  letter's own language;
- through vetted words (bot/letters/vetted.py): "4.º grado" is "4th grade", "terapia ocupacional, 30 minutos al
  mes" is "occupational therapy, 30 minutes a month";
- quoted as the parent's own words, exactly as typed: the concern, the incidents and every other answer the
  vetted words cannot read. The English letter says these are the parent's own words in Spanish; the copy
  quotes the same parts, and also what the parent chose to write in English.

A parent who speaks English gets every answer as typed, exactly as before.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Mapping

from bot.knowledge import Knowledge
from bot.knowledge.model import LetterField
from bot.letters.vetted import BOTH, read_terms
from bot.understanding.glosses import Glosser
from bot.understanding.language import fold

# Letters go to the school in English. A letter drafted in any other language is the parent's copy of it.
SCHOOL_LANGUAGE = "en"
AS_TYPED_KINDS = ("name", "contact", "date_past", "date_future", "yes_no", "choice")
OPEN = "“"
CLOSE = "”"
_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class Worded:
    values: Mapping[str, str]  # each answer as this letter says it (quoted ones inside “ ”)
    quoted: frozenset[str]  # the fields quoted as the parent's own words
    written_in: Mapping[str, str]  # the language of each quoted field's words

    def quotes(self, language: str) -> bool:
        """Whether this letter quotes the parent's own words in `language`."""
        return any(self.written_in[field] == language for field in self.quoted)


def worded(details: Mapping[str, str], knowledge: Knowledge, language: str, parent_language: str) -> Worded:
    """`details` (already cleaned) as the letter in `language` says them, for a parent who speaks
    `parent_language`."""
    if parent_language == SCHOOL_LANGUAGE:
        return Worded(dict(details), frozenset(), {})
    values: dict[str, str] = {}
    quoted: set[str] = set()
    written: dict[str, str] = {}
    for key, value in details.items():
        spec = knowledge.fields.get(key)
        said, own = _said(value, spec, knowledge, language, parent_language) if spec and value else (value, None)
        if own is not None and (own != SCHOOL_LANGUAGE or own != language):
            # Spanish words are quoted in both letters (the copy mirrors the English one); words the parent
            # chose to write in English are quoted in their Spanish copy only.
            values[key] = f"{OPEN}{said}{CLOSE}"
            quoted.add(key)
            written[key] = own
        else:
            values[key] = said
    return Worded(values, frozenset(quoted), written)


def _said(value: str, spec: LetterField, knowledge: Knowledge, language: str,
          parent_language: str) -> tuple[str, str | None]:
    """(the words for the letter, the language of the parent's own words when they are quoted as such)."""
    if spec.kind == "contact":
        return _joined(value, knowledge, language), None
    if spec.kind in AS_TYPED_KINDS or (spec.as_typed and not spec.terms):
        return value, None
    if spec.kind != "long_text":
        reading = read_terms(value, knowledge.letter_terms, spec.terms, spec.names)
        if reading is not None:
            return (value if reading.language in (language, BOTH) else reading.say(language)), None
        if spec.as_typed:
            return value, None
    return value, written_in(value, parent_language)


def _joined(contact: str, knowledge: Knowledge, language: str) -> str:
    """A contact as typed, with the vetted joiners between its parts in the letter's language: "ana@mail.com o
    555-201-7788" is "ana@mail.com or 555-201-7788" in the English letter. Only a joiner standing alone between
    spaces changes, never a letter inside an address."""
    for joiner in knowledge.letter_terms.joiners:
        said = joiner.words.get(language)
        if not said:
            continue
        others = {w.strip() for lang, w in joiner.words.by_language.items() if lang != language}
        others |= {w.strip() for lang, words in joiner.also.items() if lang != language for w in words}
        for other in others - {said.strip(), ""}:
            contact = re.sub(rf"(?<=\s){re.escape(other)}(?=\s)", said.strip(), contact)
    return contact


def written_in(text: str, default: str) -> str:
    """'en' or 'es': the language most of the words of `text` belong to, else `default` (the parent's).

    Words are counted from the Spanish words of bot/understanding/data/glosses.yml and the English words
    that gloss them; a word both languages write (no, son, final) counts for neither, and neither do names
    (capitalised words with accents still count as Spanish only when the word itself is Spanish)."""
    spanish, english = _vocabulary()
    counts = {"es": 0, "en": 0}
    for word in _WORD.findall(text):
        plain = fold(word).strip()
        if plain in spanish and plain not in english:
            counts["es"] += 1
        elif plain in english and plain not in spanish:
            counts["en"] += 1
        elif word[:1].islower() and plain != word.lower():
            counts["es"] += 1  # an accent or ñ on an everyday word
    if counts["es"] == counts["en"]:
        return default
    return "es" if counts["es"] > counts["en"] else "en"


@lru_cache(maxsize=1)
def _vocabulary() -> tuple[frozenset[str], frozenset[str]]:
    table = Glosser.from_file().table
    spanish = frozenset(table)
    english = frozenset(word for gloss in table.values() for word in gloss.split())
    return spanish, english
