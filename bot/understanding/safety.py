"""Spots messages about danger to a parent or child, which get crisis information before anything else.

The line between a crisis and a figure of speech is drawn, and explained, in bot/knowledge/safety.yml.
The whole message is read, however long: a danger sentence at the end of a pasted story still counts.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

import yaml

from bot.knowledge.loader import KNOWLEDGE_DIR

SAFETY_FILE = KNOWLEDGE_DIR / "safety.yml"
MAX_SCAN = 200_000  # far beyond any channel's limit; bounds the cost of a hostile paste
_PLACEHOLDER = re.compile(r"%(\w+)%")
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u201c": '"', "\u201d": '"'})
# A right-to-left override shows the letters after it reversed, up to a pop (or the line's end): "\u202eflesym"
# reads "myself" on screen. We read what the parent sees. Other direction marks change nothing we read.
_OVERRIDDEN = re.compile("\u202e([^\u202c\n]*)\u202c?")
_DIRECTION_MARKS = dict.fromkeys(map(ord, "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
# Digits and signs for letters ("k1ll mys3lf", "5uicide"): a word of letters and signs that stand for letters, with
# at least one of each, and not a number with its unit ("3rd", "30min", "504s", "10yo"), so ordinary stories are
# read once, not three times.
_LEET_WORD = re.compile(r"(?<![\w@$|])(?!\d+(?:st|nd|rd|th|s|x|yo|yrs?|mins?|hrs?|am|pm|k|mos?|wks?|ish)\b)"
                        r"(?=[\w@$|]*[^\W\d_])(?=[\w@$|]*[013457890@$|])(?:[^\W\d_]|[013457890@$|])+(?![\w@$|])",
                        re.I)
_LEET = {"0": "o", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g", "@": "a", "$": "s"}
_ONE = ("i", "l")  # "k1ll" and "ki11": a 1 stands for either
_DIGITS_INSIDE = re.compile(r"\b\w*[^\W\d_][0-9@$]+[^\W\d_]\w*")  # a word with digits between letters
_BANG = re.compile(r"(?<=[^\W_])!(?=[^\W_])")  # "d!e": an i, when letters stand on both sides


@dataclass(frozen=True)
class CrisisMatch:
    kind: str  # the group in safety.yml: suicide, self_harm, abuse_and_violence, danger, spanish
    text: str  # the words that matched, for tests and the CLI (never logged)


@dataclass(frozen=True)
class CrisisDetector:
    patterns: tuple[tuple[str, re.Pattern[str]], ...]  # (kind, pattern), read in lower case
    figures_of_speech: tuple[re.Pattern[str], ...]
    # Every pattern as one alternation: a text it finds nothing in matches no pattern, and nearly every story is
    # such a text. Scanning once instead of a hundred times, and in lower case instead of ignoring case, makes the
    # check of a 500-character story 0.5 ms instead of 2.7. The default finds something in any text: every pattern
    # is read.
    screen: re.Pattern[str] = field(default=re.compile(r"(?s).?"))

    @classmethod
    def from_file(cls, path: Path = SAFETY_FILE) -> "CrisisDetector":
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        words = {name: _alternation(items) for name, items in (spec.get("words") or {}).items()}
        # Patterns read the text lower-cased (`find`): the same matches as ignoring case, for less.
        compile_one = lambda p: re.compile(_lower_case(_expand(p, words)))  # noqa: E731
        groups = spec["patterns"]
        patterns = tuple((kind, compile_one(p)) for kind, items in groups.items() for p in items)
        screen = re.compile("|".join(f"(?:{p.pattern})" for _, p in patterns))
        return cls(patterns, tuple(compile_one(p) for p in spec.get("not_if") or ()), screen)

    def is_crisis(self, text: str | None) -> bool:
        return self.find(text) is not None

    def find(self, text: str | None) -> CrisisMatch | None:
        """The first danger in `text` that no figure of speech explains, or None."""
        folded = fold(text or "").lower()
        for variant in (folded, *_spelled_out(folded)):
            found = self._find(variant) if self.screen.search(variant) else None
            if found is not None:
                return found
        return None

    def _find(self, folded: str) -> CrisisMatch | None:
        harmless = [m.span() for f in self.figures_of_speech for m in f.finditer(folded)]
        for kind, pattern in self.patterns:
            for match in pattern.finditer(folded):
                # A figure of speech that overlaps the match explains it ("want to die of embarrassment").
                if not any(start < match.end() and match.start() < end for start, end in harmless):
                    return CrisisMatch(kind, match.group(0))
        return None


def as_shown(text: str) -> str:
    """The text in the order a screen shows it: right-to-left overrides undone, direction marks dropped."""
    if "\u202e" in text:
        text = _OVERRIDDEN.sub(lambda m: m.group(1)[::-1], text)
    return text.translate(_DIRECTION_MARKS)


def fold(text: str) -> str:
    """As shown, accents off, quotes straight, every run of spaces and line breaks one space: the form patterns
    read."""
    text = as_shown(text[:MAX_SCAN]).translate(_QUOTES)
    if not text.isascii():  # ASCII has no accents to take off
        text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    return " ".join(text.split())


def _spelled_out(folded: str) -> tuple[str, ...]:
    """The folded text with digits and signs inside words read as letters, once with 1 as i and once as l;
    nothing when no word mixes them."""
    banged = _BANG.sub("i", folded)
    if not _LEET_WORD.search(banged):
        return (banged,) if banged != folded else ()
    return tuple(_LEET_WORD.sub(lambda m: _letters(m.group(0), one), banged) for one in _ONE)


def _letters(word: str, one: str) -> str:
    return "".join(_LEET.get(ch, one if ch in "1|" else ch) for ch in word)


def digits_as_letters(text: str) -> str:
    """For triage: a message written with digits for letters ("my s0n n33ds h3lp") read as words, when two words
    or more have digits between letters. "3rd", "DS16" and "30min" stay: no digit stands between letters."""
    words = _DIGITS_INSIDE.findall(text)
    if len(words) < 2:
        return text
    return _DIGITS_INSIDE.sub(lambda m: _letters(m.group(0), "i"), text)


def _lower_case(pattern: str) -> str:
    """A pattern for lower-cased text. Patterns are written in lower case; one that is not would silently never
    match, so it is refused."""
    if any(ch.isupper() for ch in re.sub(r"\\.", "", pattern)):
        raise ValueError(f"safety.yml: write patterns in lower case: {pattern!r}")
    return pattern


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
