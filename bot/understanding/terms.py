"""Sentences and IEP terms in a parent's message, with a blank spaCy pipeline (no pretrained weights).

Long stories are split into sentences so that a message mixing two problems can yield both.
Parents often write without punctuation, so very long sentences are also cut at clause breaks.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import spacy
import yaml
from spacy.language import Language
from spacy.tokens import Doc

from bot.knowledge.loader import KNOWLEDGE_DIR

TERMS_FILE = KNOWLEDGE_DIR / "terms.yml"
LONG_SENTENCE = 220  # characters; longer runs are cut at clause breaks
RULER = "entity_ruler"  # every pattern
# The same patterns but those whose first token is a regular expression ("3rd", "30min", "2x"): spaCy's matcher
# calls Python for such a token test on every word of a story, a third of the terms' time, and most stories hold
# no word a digit starts (`TermFinder.read` picks it when no such pattern can match: the same terms).
PLAIN_RULER = "entity_ruler_plain"
CLAUSE_BREAK = re.compile(r"\s*(?:;|\s-\s|,?\s+but\s+|,?\s+and then\s+|,?\s+also\s+|,?\s+plus\s+|,?\s+now\s+)\s*", re.I)


@dataclass(frozen=True)
class Term:
    label: str
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Reading:
    """A text's terms and sentences, from one pass of the pipeline (`TermFinder.read`)."""
    text: str
    terms: tuple[Term, ...]
    sentences: tuple[str, ...]


def build_pipeline(terms_file: Path = TERMS_FILE) -> Language:
    """A blank English pipeline with the sentencizer and our EntityRuler patterns (twice: RULER, PLAIN_RULER)."""
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    spec = yaml.safe_load(terms_file.read_text(encoding="utf-8"))
    patterns = [{"label": label, "pattern": phrase}
                for label, phrases in spec["phrases"].items() for phrase in phrases]
    patterns += [{"label": p["label"], "pattern": one}
                 for p in spec["patterns"] for one in _plain_first(p["pattern"])]
    for name, kept in ((RULER, patterns), (PLAIN_RULER, [p for p in patterns if _first_regex(p) is None])):
        ruler = nlp.add_pipe("entity_ruler", name=name, config={"phrase_matcher_attr": "LOWER", "validate": True})
        ruler.add_patterns(kept)
    return nlp


def _plain_first(pattern: list[dict]) -> list[list[dict]]:
    """A token pattern as patterns with the same matches whose first token is a plain word where it can be. The
    matcher tries every pattern's first token on every token of a story; a plain word is compared in spaCy's own
    code, while a list of words, or an optional token, is a Python call each time. A first token that is one of a
    list of words becomes one pattern per word; an optional first token, a pattern without it and one with it
    (spaCy reports both matches, and the ruler keeps the longest)."""
    first = pattern[0]
    if first.get("OP") == "?" and len(pattern) > 1:
        required = {key: value for key, value in first.items() if key != "OP"}
        return _plain_first(pattern[1:]) + _plain_first([required, *pattern[1:]])
    words = first.get("LOWER") if set(first) == {"LOWER"} else None
    if isinstance(words, dict) and set(words) == {"IN"}:
        return [[{"LOWER": word}, *pattern[1:]] for word in words["IN"]]
    return [pattern]


def _first_regex(pattern: dict) -> str | None:
    """The regular expression a token pattern's first token must match in lower case, if that is all it asks."""
    if isinstance(pattern["pattern"], str):
        return None
    first = pattern["pattern"][0]
    test = first.get("LOWER") if set(first) == {"LOWER"} else None
    return test["REGEX"] if isinstance(test, dict) and set(test) == {"REGEX"} else None


def _somewhere(regex: str) -> str:
    """A pattern found in a text wherever `regex` matches one of its lower-case words (anchors taken off)."""
    body = regex[1:] if regex.startswith("^") else regex
    return body[:-1] if body.endswith("$") and not body.endswith("\\$") else body


class TermFinder:
    """Splits text into sentences and finds IEP terms; build once, reuse for every message."""

    def __init__(self, nlp: Language | None = None) -> None:
        self._nlp = nlp or build_pipeline()
        regexes = {_first_regex(p) for p in self._nlp.get_pipe(RULER).patterns} - {None}
        # A text this finds nothing in holds no word the regex patterns could start at: PLAIN_RULER reads it.
        self._may_need_regex = re.compile("|".join(f"(?:{_somewhere(r)})" for r in sorted(regexes))) if regexes \
            else None
        # Sentences alone need no terms.
        self._not_for_sentences = [RULER, PLAIN_RULER]

    def sentences(self, text: str) -> list[str]:
        return list(self._sentences(self._nlp(text, disable=self._not_for_sentences)))

    def terms(self, text: str) -> list[Term]:
        return list(self.read(text).terms)

    def read(self, text: str) -> Reading:
        """The terms and the sentences of `text`, its words split once for both."""
        every = self._may_need_regex is not None and self._may_need_regex.search(text.lower()) is not None
        # RULER is left out when no regex pattern can match the text: PLAIN_RULER finds the same terms, for less.
        doc = self._nlp(text, disable=[PLAIN_RULER if every else RULER])
        return Reading(text, self._terms(doc), self._sentences(doc))

    @staticmethod
    def _terms(doc: Doc) -> tuple[Term, ...]:
        return tuple(Term(ent.label_, ent.text, ent.start_char, ent.end_char) for ent in doc.ents)

    @staticmethod
    def _sentences(doc: Doc) -> tuple[str, ...]:
        """Each line's sentences, long ones cut at clause breaks: the document's sentences split at line breaks.
        Read line by line, the sentencizer finds the same ones (a test checks): a line break ends a sentence here,
        and after a full stop the line break itself starts the next one, as a line's start does."""
        pieces: list[str] = []
        for sent in doc.sents:
            for line in re.split(r"\n+", sent.text):
                if line.strip():
                    pieces.extend(_cut_long(line.strip()))
        return tuple(p for p in pieces if re.search(r"\w", p))


def _cut_long(sentence: str) -> list[str]:
    if len(sentence) <= LONG_SENTENCE:
        return [sentence]
    parts = [p.strip() for p in CLAUSE_BREAK.split(sentence) if p and p.strip()]
    # Keep clauses together until they reach a useful size, so fragments stay meaningful.
    merged: list[str] = []
    for part in parts:
        if merged and len(merged[-1]) < 60:
            merged[-1] = f"{merged[-1]} {part}"
        else:
            merged.append(part)
    return merged
