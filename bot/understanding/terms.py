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

from bot.knowledge.loader import KNOWLEDGE_DIR

TERMS_FILE = KNOWLEDGE_DIR / "terms.yml"
LONG_SENTENCE = 220  # characters; longer runs are cut at clause breaks
_NOT_FOR_SENTENCES = ["entity_ruler"]  # sentences need the sentencizer only: the terms are found once, elsewhere
_NOT_FOR_TERMS = ["sentencizer"]  # and terms need no sentences
CLAUSE_BREAK = re.compile(r"\s*(?:;|\s-\s|,?\s+but\s+|,?\s+and then\s+|,?\s+also\s+|,?\s+plus\s+|,?\s+now\s+)\s*", re.I)


@dataclass(frozen=True)
class Term:
    label: str
    text: str
    start: int
    end: int


def build_pipeline(terms_file: Path = TERMS_FILE) -> Language:
    """A blank English pipeline with the sentencizer and our EntityRuler patterns."""
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER", "validate": True})
    spec = yaml.safe_load(terms_file.read_text(encoding="utf-8"))
    patterns = [{"label": label, "pattern": phrase}
                for label, phrases in spec["phrases"].items() for phrase in phrases]
    patterns += [{"label": p["label"], "pattern": one}
                 for p in spec["patterns"] for one in _first_word_apart(p["pattern"])]
    ruler.add_patterns(patterns)
    return nlp


def _first_word_apart(pattern: list[dict]) -> list[list[dict]]:
    """A token pattern whose first token is one of a list of words, as one pattern per word: the same matches.
    The matcher tries every pattern's first token on every token of a story; a plain word is compared in spaCy's
    own code, while a list of words is a Python call each time (a third of the terms' time)."""
    first = pattern[0]
    words = first.get("LOWER") if set(first) == {"LOWER"} else None
    if isinstance(words, dict) and set(words) == {"IN"}:
        return [[{"LOWER": word}, *pattern[1:]] for word in words["IN"]]
    return [pattern]


class TermFinder:
    """Splits text into sentences and finds IEP terms; build once, reuse for every message."""

    def __init__(self, nlp: Language | None = None) -> None:
        self._nlp = nlp or build_pipeline()

    def sentences(self, text: str) -> list[str]:
        pieces: list[str] = []
        for line in re.split(r"\n+", text):
            if not line.strip():
                continue
            for sent in self._nlp(line, disable=_NOT_FOR_SENTENCES).sents:
                pieces.extend(_cut_long(sent.text.strip()))
        return [p for p in pieces if re.search(r"\w", p)]

    def terms(self, text: str) -> list[Term]:
        doc = self._nlp(text, disable=_NOT_FOR_TERMS)
        return [Term(ent.label_, ent.text, ent.start_char, ent.end_char) for ent in doc.ents]


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
