"""Which US state a parent lives in, from their own words ("we live in texas", "Austin, TX", "Calif.").

Some deadlines depend on the state, so the assistant asks. Plain Python, no Rasa: every name and
abbreviation comes from knowledge/states.yml, so a Spanish name is a data change.
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

STATES_FILE = Path(__file__).resolve().parent / "states.yml"
DEFAULT_LANGUAGE = "en"
FUZZY_CUTOFF = 0.83  # catches "Alaksa" and "new yrok"; "Canada" (0.67 to Nevada) stays out
FUZZY_MIN_LENGTH = 5  # shorter answers ("main", "ohoi") are too easy to mistake for a state
FUZZY_MAX_WORDS = 3  # "district of colombia"; a longer answer is a sentence, not a misspelled name
_CODE = re.compile(r"[A-Z]{2}")
_ZIP_AFTER = re.compile(r"\s*\d{5}(?!\d)")
_COMMA_BEFORE = re.compile(r",\s*$")
_WORDS = re.compile(r"[^\W\d_]+(?: [^\W\d_]+)*")  # letters only: "12345" or "3rd grade" is no state
_SHORT_FORM = re.compile(r"[A-Za-z][A-Za-z.\s]*")  # what a code or abbreviation can look like


class StatesError(ValueError):
    """states.yml is missing something or spells two states the same way."""


@dataclass(frozen=True)
class UsState:
    code: str  # USPS code, "CA"
    name: str  # English name, "California"


@dataclass(frozen=True)
class StateBook:
    """states.yml, parsed."""

    states: tuple[UsState, ...]
    names: Mapping[str, str]  # folded name in any language -> code
    short: Mapping[str, str]  # code or abbreviation without dots, lowercase -> code
    name_pattern: re.Pattern[str]  # every name, read in folded text
    short_pattern: re.Pattern[str]  # every code and abbreviation as written, any case
    common: frozenset[str]
    replies: frozenset[str]
    not_states: frozenset[str]


# --- text handling ---------------------------------------------------------------------------------

def _fold(text: str) -> str:
    """Lowercase, accents off, everything but letters and digits a space, and the same length as
    `text`, so a match in the folded text points at the same characters in the original."""
    out = []
    for ch in text:
        base = unicodedata.normalize("NFD", ch)[0]
        low = base.lower()
        low = low if len(low) == 1 else base
        out.append(low if low.isalnum() else " ")
    return "".join(out)


def _squash(text: str) -> str:
    return " ".join(_fold(text).split())


def _key(form: str) -> str:
    """A code or abbreviation as compared: no dots or spaces, lowercase ("W. Va." -> "wva")."""
    return re.sub(r"[.\s]", "", form).casefold()


def _form_pattern(form: str) -> str:
    """Regex for an abbreviation with its dots ("N.Y.", "W. Va.") or without them ("Calif")."""
    parts = [p.strip() for p in form.strip().rstrip(".").split(".")]
    dotted = r"\.\s?".join(re.escape(p) for p in parts) + r"\."
    bare = "".join(parts)
    return f"{dotted}|{re.escape(bare)}" if len(bare) > 2 or "." not in form else dotted


def _alternation(patterns: Iterable[str]) -> str:
    """Longest first, so "West Virginia" wins over "Virginia" at the same spot."""
    unique = sorted(set(patterns), key=lambda p: (-len(p), p))
    return "(?:" + "|".join(unique) + ")" if unique else "(?!)"


# --- loading ---------------------------------------------------------------------------------------

def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise StatesError(f"{where}: expected a list of spellings")
    return tuple(value)


def _claim(seen: dict[str, str], key: str, code: str, where: str) -> None:
    """One spelling, one state: "la" cannot be Louisiana and somewhere else."""
    if seen.setdefault(key, code) != code:
        raise StatesError(f"{where}: '{key}' already means {seen[key]}")


@lru_cache(maxsize=8)
def _load(path: Path) -> StateBook:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise StatesError(f"{path}: cannot be read: {err}") from err
    except yaml.YAMLError as err:
        raise StatesError(f"{path}: not valid YAML: {err}") from err
    if not isinstance(data, dict) or not isinstance(data.get("states"), dict) or not data["states"]:
        raise StatesError(f"{path}: expected a 'states' mapping")

    states: list[UsState] = []
    names: dict[str, str] = {}
    short: dict[str, str] = {}
    patterns: list[str] = []
    for code, entry in data["states"].items():
        where = f"{path}: state '{code}'"
        if not isinstance(code, str) or not _CODE.fullmatch(code):
            raise StatesError(f"{where}: the key must be a two-letter USPS code in capitals")
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), dict):
            raise StatesError(f"{where}: expected a 'name' by language")
        written = entry["name"]
        if not all(isinstance(v, str) and v.strip() for v in written.values()):
            raise StatesError(f"{where}: every name must be a non-empty text")
        if not isinstance(written.get(DEFAULT_LANGUAGE), str):
            raise StatesError(f"{where}: the '{DEFAULT_LANGUAGE}' name is missing")
        states.append(UsState(code, written[DEFAULT_LANGUAGE].strip()))
        for name in (*written.values(), *_strings(entry.get("also"), f"{where}.also")):
            _claim(names, _squash(name), code, where)
        _claim(short, code.casefold(), code, where)
        patterns.append(code)
        for form in _strings(entry.get("abbreviations"), f"{where}.abbreviations"):
            _claim(short, _key(form), code, where)
            patterns.append(_form_pattern(form))

    name_words = (r"\s+".join(re.escape(w) for w in name.split()) for name in names)
    return StateBook(
        states=tuple(states),
        names=names,
        short=short,
        name_pattern=re.compile(rf"(?<!\w){_alternation(name_words)}(?!\w)"),
        short_pattern=re.compile(rf"(?<![\w.]){_alternation(patterns)}(?!\w)", re.IGNORECASE),
        common=frozenset(_key(w) for w in _strings(data.get("common_words"), f"{path}: common_words")),
        replies=frozenset(_key(w) for w in _strings(data.get("replies"), f"{path}: replies")),
        not_states=frozenset(_squash(w) for w in _strings(data.get("not_states"), f"{path}: not_states")),
    )


def load_states(path: Path | None = None) -> StateBook:
    """states.yml as typed values; a StatesError (a ValueError) names the file and state at fault."""
    return _load(Path(path or STATES_FILE).resolve())


def all_states(path: Path | None = None) -> tuple[UsState, ...]:
    """Every state, DC and Puerto Rico, in file order."""
    return load_states(path).states


# --- finding ---------------------------------------------------------------------------------------

def _written_like_place(form: str) -> bool:
    """"TX", "Calif.", "Mass": a code in capitals, an abbreviation with a capital first letter."""
    if "." not in form and len(_key(form)) == 2:
        return form.isupper()
    return form.lstrip()[:1].isupper()


def _whole_answer(answer: str, book: StateBook) -> str | None:
    """The code when the whole answer is a code or an abbreviation ("tx", "N.Y.", "calif", "OK")."""
    if not _SHORT_FORM.fullmatch(answer):
        return None
    key = _key(answer)
    code = book.short.get(key)
    if code is None or (key in book.replies and not _written_like_place(answer)):
        return None
    return code


def _in_text(text: str, book: StateBook) -> set[str]:
    """Codes of every state named inside `text`; names win where a short form overlaps them."""
    codes: set[str] = set()
    taken: list[range] = []
    for m in book.name_pattern.finditer(_fold(text)):
        codes.add(book.names[" ".join(m.group().split())])
        taken.append(range(m.start(), m.end()))

    for m in book.short_pattern.finditer(text):
        form, key = m.group(), _key(m.group())
        if any(m.start() in span or m.end() - 1 in span for span in taken):
            continue  # the "del" of "Carolina del Norte" is not Delaware
        if not _written_like_place(form):
            continue  # "in", "or", "me" inside a sentence are words
        if key in book.common and not (_COMMA_BEFORE.search(text[:m.start()]) or _ZIP_AFTER.match(text[m.end():])):
            continue  # "It's OK" is not Oklahoma; "Tulsa, OK" is
        codes.add(book.short[key])
    return codes


def _misspelled(answer: str, book: StateBook) -> str | None:
    """The state a whole answer misspells ("Pensylvania"), when one name is close enough."""
    folded = _squash(answer)
    if (len(folded) < FUZZY_MIN_LENGTH or len(folded.split()) > FUZZY_MAX_WORDS
            or folded in book.not_states or not _WORDS.fullmatch(folded)):
        return None
    close = difflib.get_close_matches(folded, list(book.names), n=1, cutoff=FUZZY_CUTOFF)
    return book.names[close[0]] if close else None


def find_state(text: str, path: Path | None = None) -> UsState | None:
    """The state a parent names, or None when there is none or they name two different ones.

    Full names (English or Spanish) are found anywhere in any case; codes and abbreviations only
    when written like a place (see states.yml); a misspelling only when it is the whole answer.
    """
    if not isinstance(text, str) or not text.strip():
        return None
    book = load_states(path)
    by_code = {s.code: s for s in book.states}
    answer = text.strip().strip("!?,;:\"'()").strip()

    code = _whole_answer(answer, book)
    if code is None:
        found = _in_text(text, book)
        if len(found) > 1:
            return None  # "we moved from Ohio to Texas": unclear which one counts, so ask again
        code = next(iter(found), None) or _misspelled(answer, book)
    return by_code[code] if code else None
