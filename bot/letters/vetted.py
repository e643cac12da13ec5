"""Reads a short answer as vetted groups of words (bot/knowledge/letter_terms.yml), so that a letter in the
other language can say it in its own words without translating anything.

"terapia del habla, 60 minutos a la semana" reads as [speech therapy] [,] [60 minutes] [a week] and is said
"speech therapy, 60 minutes a week" in English; "Dra. Grace Kim, psicóloga privada" reads as [Dr.] [Grace Kim]
[,] [private psychologist] where the field allows names. Groups are matched longest first, in the parent's own
order, ignoring case and accents; articles before a group are dropped. An answer with anything else in it
does not read (None), and the letter quotes it as the parent's own words instead.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable, Sequence

from bot.knowledge.model import LetterTerm, LetterTerms

NUMBER = "\x00"  # stands for {n} while variants are split into tokens
_TOKEN = re.compile(r"\x00|\d+(?::\d\d)?|[^\W\d_]+|[,;&/]|[^\w\s.'’()°-]", re.UNICODE)
_SEPARATORS = {",", ";", "/"}
_IS_NUMBER = re.compile(r"\d+(?::\d\d)?")
BOTH = "both"  # a piece that reads the same in English and Spanish (a number, a name, "Dr.", "diabetes")


@dataclass(frozen=True)
class Token:
    folded: str  # lower case, no accents
    start: int  # where it stands in the typed text
    end: int


@dataclass(frozen=True)
class Piece:
    term: LetterTerm | None  # None: a number or a name, written as typed
    typed: str  # as the parent typed it
    language: str  # "en", "es" or BOTH: which language's words matched
    numbers: tuple[str, ...] = ()  # the {n} of the term, as typed
    joins: bool = False  # a comma or a slash: no space before it

    def say(self, language: str) -> str:
        if self.term is None:
            return self.typed
        text = self.term.words.get(language)
        for number in self.numbers:
            text = text.replace("{n}", number, 1)
        return text


@dataclass(frozen=True)
class Reading:
    pieces: tuple[Piece, ...]
    capital: bool  # the answer began with a capital letter

    @property
    def language(self) -> str:
        """'en' or 'es' when the words came from one language, BOTH when from neither, 'mixed' from both."""
        found = {piece.language for piece in self.pieces} - {BOTH}
        return found.pop() if len(found) == 1 else ("mixed" if found else BOTH)

    def say(self, language: str) -> str:
        out = ""
        for piece in self.pieces:
            words = piece.say(language)
            out += words if piece.joins or not out else f" {words}"
        if self.capital:
            out = out[:1].upper() + out[1:]
        return out


def _fold(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(ch))


def tokens(text: str) -> list[Token]:
    """The words, numbers and separators of `text`, folded, with where each stands in `text`. Folding is done a
    character at a time so positions still point into what the parent typed."""
    folded, origin = [], []
    for at, ch in enumerate(text):
        for out in _fold(ch):
            folded.append(out)
            origin.append(at)
    flat = "".join(folded)
    return [Token(m.group(0), origin[m.start()], origin[m.end() - 1] + 1) for m in _TOKEN.finditer(flat)]


@dataclass(frozen=True)
class _Variant:
    words: tuple[str, ...]
    term: LetterTerm
    languages: frozenset[str]


def _variants(terms: Iterable[LetterTerm]) -> tuple[_Variant, ...]:
    found: dict[tuple[tuple[str, ...], str], set[str]] = {}
    keep: dict[tuple[tuple[str, ...], str], LetterTerm] = {}
    for term in terms:
        for language in ("en", "es"):
            for text in (term.words.get(language), *term.also.get(language, ())):
                words = tuple(t.folded for t in tokens(text.replace("{n}", NUMBER)))
                if words:
                    found.setdefault((words, term.key), set()).add(language)
                    keep[(words, term.key)] = term
    variants = [_Variant(words, keep[(words, key)], frozenset(langs)) for (words, key), langs in found.items()]
    return tuple(sorted(variants, key=lambda v: len(v.words), reverse=True))  # longest first


_TABLES: dict[tuple[int, tuple[str, ...]], tuple[LetterTerms, tuple[_Variant, ...]]] = {}


def _table(terms: LetterTerms, groups: tuple[str, ...]) -> tuple[_Variant, ...]:
    """The variants of these groups, made once per knowledge base (it is loaded once and never changes)."""
    key = (id(terms), groups)
    if key not in _TABLES or _TABLES[key][0] is not terms:
        chosen = [term for group in groups for term in terms.groups.get(group, ())]
        _TABLES[key] = (terms, _variants([*chosen, *terms.joiners]))
    return _TABLES[key][1]


def read_terms(text: str, terms: LetterTerms, groups: Sequence[str], names: bool = False) -> Reading | None:
    """`text` as vetted pieces, or None when any part of it is not a term, number, joiner or allowed name."""
    if not groups or not text.strip():
        return None
    table = _table(terms, tuple(groups))
    articles = {_fold(a) for words in terms.articles.values() for a in words}
    found = tokens(text)
    pieces: list[Piece] = []
    at = 0
    while at < len(found):
        token = found[at]
        if token.folded in _SEPARATORS:
            pieces.append(Piece(None, text[token.start:token.end], BOTH, joins=True))
            at += 1
            continue
        match = _longest(found, at, table)
        if match:
            variant, numbers = match
            end = found[at + len(variant.words) - 1].end
            language = BOTH if len(variant.languages) > 1 else next(iter(variant.languages))
            pieces.append(Piece(variant.term, text[token.start:end], language, numbers))
            at += len(variant.words)
        elif _IS_NUMBER.fullmatch(token.folded):
            pieces.append(Piece(None, text[token.start:token.end], BOTH))
            at += 1
        elif token.folded in articles and at + 1 < len(found) and _longest(found, at + 1, table):
            at += 1  # "la lectura", "the IEP team": the term says it without the article
        elif names and text[token.start].isupper():
            last = at
            while last + 1 < len(found) and text[found[last + 1].start].isupper() and not _longest(found, last + 1, table):
                last += 1
            pieces.append(Piece(None, text[token.start:found[last].end], BOTH))
            at = last + 1
        else:
            return None
    if not any(piece.term is not None for piece in pieces):
        return None  # numbers and names alone are not an answer the terms read
    return Reading(tuple(pieces), _sentence_capital(pieces[0]))


def _sentence_capital(first: Piece) -> bool:
    """Whether the answer began with a capital only because it began ("Lectura y escritura"), which the other
    letter keeps; a month, a name or an acronym ("OT") keeps its own case instead."""
    if first.term is None or not first.typed[:1].isupper() or first.typed.split()[0].isupper():
        return False
    own = first.term.words.get("es" if first.language == "es" else "en")
    return own[:1].islower()


def _longest(found: Sequence[Token], at: int, table: Sequence[_Variant]) -> tuple[_Variant, tuple[str, ...]] | None:
    for variant in table:  # longest first
        if at + len(variant.words) > len(found):
            continue
        numbers: list[str] = []
        for word, token in zip(variant.words, found[at:at + len(variant.words)]):
            if word == NUMBER and _IS_NUMBER.fullmatch(token.folded):
                numbers.append(token.folded)
            elif word != token.folded:
                break
        else:
            return variant, tuple(numbers)
    return None
