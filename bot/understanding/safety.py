"""Spots messages about danger to a parent or child, which get crisis information before anything else.

The line between a crisis and a figure of speech is drawn, and explained, in bot/knowledge/safety.yml.
The whole message is read, however long: a danger sentence at the end of a pasted story still counts.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

import yaml

from bot.knowledge.loader import KNOWLEDGE_DIR

SAFETY_FILE = KNOWLEDGE_DIR / "safety.yml"
MAX_SCAN = 200_000  # far beyond any channel's limit; bounds the cost of a hostile paste
_PLACEHOLDER = re.compile(r"%(\w+)%")
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u201c": '"', "\u201d": '"'})


@dataclass(frozen=True)
class CrisisMatch:
    kind: str  # the group in safety.yml: suicide, self_harm, abuse_and_violence, danger, spanish
    text: str  # the words that matched, for tests and the CLI (never logged)


@dataclass(frozen=True)
class CrisisDetector:
    patterns: tuple[tuple[str, re.Pattern[str]], ...]  # (kind, pattern)
    figures_of_speech: tuple[re.Pattern[str], ...]

    @classmethod
    def from_file(cls, path: Path = SAFETY_FILE) -> "CrisisDetector":
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        words = {name: _alternation(items) for name, items in (spec.get("words") or {}).items()}
        compile_one = lambda p: re.compile(_expand(p, words), re.I)  # noqa: E731
        groups = spec["patterns"]
        patterns = tuple((kind, compile_one(p)) for kind, items in groups.items() for p in items)
        return cls(patterns, tuple(compile_one(p) for p in spec.get("not_if") or ()))

    def is_crisis(self, text: str | None) -> bool:
        return self.find(text) is not None

    def find(self, text: str | None) -> CrisisMatch | None:
        """The first danger in `text` that no figure of speech explains, or None."""
        folded = fold(text or "")
        if not folded:
            return None
        harmless = [m.span() for f in self.figures_of_speech for m in f.finditer(folded)]
        for kind, pattern in self.patterns:
            for match in pattern.finditer(folded):
                # A figure of speech that overlaps the match explains it ("want to die of embarrassment").
                if not any(start < match.end() and match.start() < end for start, end in harmless):
                    return CrisisMatch(kind, match.group(0))
        return None


def fold(text: str) -> str:
    """Accents off, quotes straight, every run of spaces and line breaks one space: the form patterns read."""
    text = unicodedata.normalize("NFKD", text[:MAX_SCAN].translate(_QUOTES))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.split())


def _alternation(items: Sequence[str] | str) -> str:
    if isinstance(items, str):
        return items
    if not all(isinstance(item, str) for item in items):  # YAML reads a bare off or no as a boolean
        raise ValueError(f"safety.yml: quote every word in {items!r}")
    return "|".join(items)


def _expand(pattern: str, words: Mapping[str, str], depth: int = 0) -> str:
    """Replaces %name% with its word list (which may name other lists) as a group."""
    if depth > 5:
        raise ValueError(f"safety.yml: word lists nest too deep in {pattern!r}")
    if not _PLACEHOLDER.search(pattern):
        return pattern

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in words:
            raise ValueError(f"safety.yml: no word list named '{name}'")
        return f"(?:{words[name]})"

    return _expand(_PLACEHOLDER.sub(one, pattern), words, depth + 1)
