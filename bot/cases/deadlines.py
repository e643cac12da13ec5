"""Deadlines that follow from what a parent did or what the school decided, with their dates.

"I signed consent on December 15" becomes "the evaluation is due by Saturday, February 13". The
law comes from shared/idea-facts.md; each rule, its citation and every word the parent reads live
in knowledge/deadlines.yml, so a state rule or a language is a data change. Plain Python, no Rasa.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.knowledge.dates import add_calendar_days, add_school_days, format_date, is_school_day
from bot.knowledge.loader import KNOWLEDGE_DIR
from bot.knowledge.states import all_states

DEADLINES_FILE = KNOWLEDGE_DIR / "deadlines.yml"
DEFAULT_LANGUAGE = "en"
KINDS = ("evaluation", "records", "manifestation", "follow_up", "meeting_review", "evaluation_notice")
UNITS = ("calendar", "school")
VERIFIED = "verified"  # the only confidence a state rule may have (see idea-facts.md's table)
TOO_OLD_DAYS = 365  # older starts: every deadline counted from them has long passed
TEXTS = ("text", "passed")
MEETING_TEXTS = ("meeting", "passed_meeting")
SUMMER_TEXTS = ("undated",)
# Without a school's own calendar, a count whose days fall between these month-days may reach the summer
# break: spring terms end from late May, fall terms start by mid-September.
SUMMER_MAY_START = (5, 15)
SUMMER_MAY_END = (9, 15)
PROBLEMS = ("future", "too_old", "unknown_event", "no_date")
NOTES = ("state_may_differ", "approximate", "citation")
FILL_INS = {"due": "", "start": "", "meeting": "", "days": 0, "citation": ""}


class DeadlineError(ValueError):
    """deadlines.yml is missing something, or names a rule we must not use."""


@dataclass(frozen=True)
class Text:
    """One text a parent reads, by language code."""

    by_language: Mapping[str, str]

    def language(self, language: str = DEFAULT_LANGUAGE) -> str:
        """The language `language` ("es", "es-US") is shown in: itself, or English until it is written."""
        wanted = re.split(r"[-_]", language.strip().lower(), maxsplit=1)[0] if language else ""
        return wanted if wanted in self.by_language else DEFAULT_LANGUAGE

    def get(self, language: str = DEFAULT_LANGUAGE) -> str:
        """The text in `language` ("es", "es-US"); English when it is not written in that language yet."""
        return self.by_language[self.language(language)]


@dataclass(frozen=True)
class Rule:
    """One rule of deadlines.yml."""

    id: str
    kind: str
    events: tuple[str, ...]
    days: int
    unit: str
    citation: str
    legal: bool
    state: str | None
    replaces: str | None
    source: str
    state_may_differ: bool
    until_meeting: bool
    texts: Mapping[str, Text]
    skips_summer: bool = False

    @property
    def figure(self) -> str:
        """How the law words the time, "45 school days", as in idea-facts.md's table."""
        return f"{self.days} {self.unit} days"


@dataclass(frozen=True)
class DeadlineBook:
    """deadlines.yml, parsed."""

    rules: tuple[Rule, ...]
    event_words: Mapping[str, str]  # folded phrase, any language -> event ("" for a phrase meaning none)
    event_pattern: re.Pattern[str]  # every phrase of every language, read at once
    dated_by: Mapping[str, re.Pattern[str]]  # event -> phrases without which a message's date is not its start
    confirmed: frozenset[str]  # events taken only after the parent confirms them
    letter_events: Mapping[str, str]
    default_letter_event: str
    notes: Mapping[str, Text]
    problems: Mapping[str, Text]

    @property
    def events(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(e for r in self.rules for e in r.events))

    def rule(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(f"no deadline rule '{rule_id}'")


@dataclass(frozen=True)
class Deadline:
    rule: str  # rule id in deadlines.yml
    kind: str  # one of KINDS
    start: date
    due: date
    citation: str  # "" for the follow-up (practical advice, not law)
    state: str | None  # USPS code when a verified state row was used
    approximate: bool  # counts school days without the school's own calendar
    state_may_differ: bool  # a federal rule where the state may set its own timeline
    legal: bool  # False for the one-week follow-up
    meeting: date | None = field(default=None)  # set when a meeting date made `due` earlier

    def passed(self, today: date) -> bool:
        """True once the whole due day is over."""
        return today > self.due


# --- loading ---------------------------------------------------------------------------------------

def _fold(text: str) -> str:
    """How event words are compared: no accents, case-folded, single spaces."""
    plain = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", plain.casefold()).split())


def _text(value: Any, where: str) -> Text:
    if not isinstance(value, dict) or not all(isinstance(v, str) and v.strip() for v in value.values()):
        raise DeadlineError(f"{where}: expected a non-empty text for each language")
    if DEFAULT_LANGUAGE not in value:
        raise DeadlineError(f"{where}: the '{DEFAULT_LANGUAGE}' text is missing")
    for language, text in value.items():
        try:
            text.format(**FILL_INS)
        except (KeyError, IndexError, ValueError) as err:
            raise DeadlineError(f"{where}.{language}: uses an unknown fill-in ({err}); "
                                f"allowed: {', '.join('{' + k + '}' for k in FILL_INS)}") from err
    return Text({str(k): v.strip() for k, v in value.items()})


def _texts(entry: Mapping[str, Any], names: tuple[str, ...], where: str) -> dict[str, Text]:
    missing = [n for n in names if n not in entry]
    if missing:
        raise DeadlineError(f"{where}: text '{missing[0]}' is missing")
    return {n: _text(entry[n], f"{where}.{n}") for n in names}


def _rule(rule_id: str, entry: Any, events: Collection[str], states: Collection[str], where: str) -> Rule:
    if not isinstance(entry, dict):
        raise DeadlineError(f"{where}: expected a mapping")
    kind = entry.get("kind")
    if kind not in KINDS:
        raise DeadlineError(f"{where}: unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    rule_events = entry.get("events")
    if not isinstance(rule_events, list) or not rule_events:
        raise DeadlineError(f"{where}: 'events' must list the events that start it")
    for event in rule_events:
        if event not in events:
            raise DeadlineError(f"{where}: unknown event {event!r}; expected one of {', '.join(events)}")
    days, unit = entry.get("days"), entry.get("unit")
    if not isinstance(days, int) or isinstance(days, bool) or days <= 0:
        raise DeadlineError(f"{where}: 'days' must be a whole number above 0")
    if unit not in UNITS:
        raise DeadlineError(f"{where}: unknown unit {unit!r}; expected one of {', '.join(UNITS)}")

    legal = entry.get("legal", True)
    citation = entry.get("citation")
    if not isinstance(legal, bool) or not isinstance(citation, str):
        raise DeadlineError(f"{where}: needs 'citation' (a text) and, if given, 'legal' (true or false)")
    if legal != bool(citation.strip()):
        raise DeadlineError(f"{where}: a legal rule needs a citation, and advice (legal: false) must not have one")

    state = entry.get("state")
    confidence = entry.get("confidence")
    source = entry.get("source", "")
    if state is not None or confidence is not None:
        # The law we tell parents must be read at its source: idea-facts.md marks it VERIFIED.
        if confidence != VERIFIED:
            raise DeadlineError(f"{where}: confidence is {confidence!r}; only '{VERIFIED}' rules may be used")
        if not isinstance(source, str) or not source.strip():
            raise DeadlineError(f"{where}: a state rule needs the 'source' it was verified at")
    if state is not None and state not in states:
        raise DeadlineError(f"{where}: unknown state {state!r}")

    replaces = entry.get("replaces")
    if replaces is not None and state is None:
        raise DeadlineError(f"{where}: only a state rule can replace another rule")
    until_meeting = entry.get("until_meeting", False)
    may_differ = entry.get("state_may_differ", False)
    skips_summer = entry.get("skips_summer", False)
    if not all(isinstance(v, bool) for v in (until_meeting, may_differ, skips_summer)):
        raise DeadlineError(f"{where}: 'until_meeting', 'state_may_differ' and 'skips_summer' must be true or false")
    if skips_summer and unit != "calendar":
        raise DeadlineError(f"{where}: only a count of calendar days can skip the summer break")
    if may_differ and state is not None:
        raise DeadlineError(f"{where}: a state's own rule cannot say the state may differ")

    names = TEXTS + (MEETING_TEXTS if until_meeting else ()) + (SUMMER_TEXTS if skips_summer else ())
    return Rule(id=rule_id, kind=kind, events=tuple(rule_events), days=days, unit=unit,
                citation=citation.strip(), legal=legal, state=state, replaces=replaces,
                source=source.strip() if isinstance(source, str) else "", state_may_differ=may_differ,
                until_meeting=until_meeting, texts=_texts(entry, names, where), skips_summer=skips_summer)


def _mapping(data: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict) or not value:
        raise DeadlineError(f"{where}: '{key}' is missing or empty")
    return value


def _event_words(events: Mapping[str, Any], ignored: Mapping[str, Any], where: str) -> dict[str, str]:
    """Each folded phrase with its event ("" for a phrase that means none). All languages are read at
    once (parents mix them), so a phrase must mean the same in every language that lists it."""
    found: dict[str, str] = {}

    def add(words: Any, event: str, at: str) -> None:
        if not isinstance(words, list) or not all(isinstance(w, str) and _fold(w) for w in words):
            raise DeadlineError(f"{at}: expected a list of words")
        for w in words:
            if found.setdefault(_fold(w), event) != event:
                raise DeadlineError(f"{at}: '{w}' already means something else")

    for event, entry in events.items():
        words = entry.get("words") if isinstance(entry, dict) else None
        if not isinstance(words, dict):
            raise DeadlineError(f"{where}: event '{event}': expected 'words' by language")
        for language, phrases in words.items():
            add(phrases, str(event), f"{where}: event '{event}'.words.{language}")
    if not isinstance(ignored, dict):
        raise DeadlineError(f"{where}: not_events: expected phrases by language")
    for language, phrases in ignored.items():
        add(phrases, "", f"{where}: not_events.{language}")
    return found


def _dated_by(events: Mapping[str, Any], where: str) -> dict[str, re.Pattern[str]]:
    found = {}
    for event, entry in events.items():
        phrases = entry.get("dated_by")
        if phrases is None:
            continue
        if not isinstance(phrases, dict) or not all(
                isinstance(ws, list) and all(isinstance(w, str) and _fold(w) for w in ws) for ws in phrases.values()):
            raise DeadlineError(f"{where}: event '{event}'.dated_by: expected lists of phrases by language")
        found[str(event)] = _event_regex({_fold(w) for ws in phrases.values() for w in ws})
    return found


def _confirmed(events: Mapping[str, Any], where: str) -> frozenset[str]:
    flags = {str(e): entry.get("confirm", False) for e, entry in events.items()}
    if not all(isinstance(v, bool) for v in flags.values()):
        raise DeadlineError(f"{where}: an event's 'confirm' must be true or false")
    return frozenset(e for e, v in flags.items() if v)


def _event_regex(words: Collection[str]) -> re.Pattern[str]:
    phrases = sorted(words, key=lambda p: (-len(p), p))
    body = "|".join(r"\s+".join(re.escape(w) for w in p.split()) for p in phrases) or "(?!)"
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)")  # longest first: "file a" wins over "file"


@lru_cache(maxsize=8)
def _load(path: Path) -> DeadlineBook:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise DeadlineError(f"{path}: cannot be read: {err}") from err
    except yaml.YAMLError as err:
        raise DeadlineError(f"{path}: not valid YAML: {err}") from err
    if not isinstance(data, dict):
        raise DeadlineError(f"{path}: expected a mapping at the top level")

    events = _mapping(data, "events", str(path))
    states = {s.code for s in all_states()}
    rules = tuple(_rule(str(rid), entry, events, states, f"{path}: rule '{rid}'")
                  for rid, entry in _mapping(data, "rules", str(path)).items())
    ids = {r.id for r in rules}
    for r in rules:
        if r.replaces is not None and r.replaces not in ids:
            raise DeadlineError(f"{path}: rule '{r.id}': replaces unknown rule '{r.replaces}'")
    unused = [e for e in events if e not in {x for r in rules for x in r.events}]
    if unused:
        raise DeadlineError(f"{path}: event '{unused[0]}' starts no rule")

    letters = data.get("letters") or {}
    default_event = data.get("default_letter_event")
    if not isinstance(letters, dict) or default_event not in events:
        raise DeadlineError(f"{path}: 'letters' must map letter ids to events, with a known 'default_letter_event'")
    for letter, event in letters.items():
        if event not in events:
            raise DeadlineError(f"{path}: letter '{letter}': unknown event {event!r}")

    notes = _mapping(data, "notes", str(path))
    problems = _mapping(data, "problems", str(path))
    words = _event_words(events, data.get("not_events") or {}, str(path))
    return DeadlineBook(
        rules=rules,
        event_words=words,
        event_pattern=_event_regex(words),
        dated_by=_dated_by(events, str(path)),
        confirmed=_confirmed(events, str(path)),
        letter_events={str(k): str(v) for k, v in letters.items()},
        default_letter_event=str(default_event),
        notes=_texts(notes, NOTES, f"{path}: notes"),
        problems=_texts(problems, PROBLEMS, f"{path}: problems"),
    )


def load_deadlines(path: Path | None = None) -> DeadlineBook:
    """deadlines.yml as typed values; a DeadlineError (a ValueError) names the file and rule at fault."""
    return _load(Path(path or DEADLINES_FILE).resolve())


# --- counting --------------------------------------------------------------------------------------

def _school_day_before(day: date, closed: Collection[date]) -> date:
    current = day - timedelta(days=1)
    while not is_school_day(current, closed):
        current -= timedelta(days=1)
    return current


def _summer_days(start: date, end: date, summer: tuple[date, date]) -> int:
    """How many days after `start` up to `end` fall inside the summer break: the days strictly between
    the last day of the spring term and the first day of the fall term."""
    last_spring, first_fall = summer
    first, last = max(start + timedelta(days=1), last_spring + timedelta(days=1)), min(end, first_fall - timedelta(days=1))
    return max((last - first).days + 1, 0)


def _skipping_summer(start: date, days: int, summer: tuple[date, date]) -> date:
    """`start` plus `days` calendar days, not counting the summer break."""
    due = add_calendar_days(start, days)
    counted = _summer_days(start, due, summer)
    while counted:  # each summer day skipped pushes the date on; the new days may be summer days too
        later = add_calendar_days(due, counted)
        counted, due = _summer_days(due, later, summer), later
    return due


def may_reach_summer(start: date, days: int) -> bool:
    """Whether a count of `days` calendar days from `start` may run into a summer break we don't know."""
    end = add_calendar_days(start, days)
    for year in range(start.year, end.year + 1):
        window = (date(year, *SUMMER_MAY_START), date(year, *SUMMER_MAY_END))
        if start < window[1] and end >= window[0]:
            return True
    return False


def _deadline(rule: Rule, start: date, meeting: date | None, closed: Collection[date],
              summer: tuple[date, date] | None = None) -> Deadline:
    blocked = frozenset(closed)
    if rule.unit == "school":
        due = add_school_days(start, rule.days, blocked)
    elif rule.skips_summer and summer is not None:
        due = _skipping_summer(start, rule.days, summer)
    else:
        due = add_calendar_days(start, rule.days)
    approximate = rule.unit == "school" and not blocked

    used_meeting = None
    if rule.until_meeting and meeting is not None and meeting > start:
        # 34 CFR 300.613: records before any IEP meeting, so by the last school day before it.
        before = max(start, _school_day_before(meeting, blocked))
        if before < due:
            due, used_meeting, approximate = before, meeting, not blocked
    return Deadline(rule=rule.id, kind=rule.kind, start=start, due=due, citation=rule.citation,
                    state=rule.state, approximate=approximate, state_may_differ=rule.state_may_differ,
                    legal=rule.legal, meeting=used_meeting)


def _rules_for(event: str, state: str | None) -> list[Rule]:
    book = load_deadlines()
    if event not in book.events:
        raise ValueError(f"unknown event {event!r}; expected one of {', '.join(book.events)}")
    code = state.strip().upper() if state else None
    if code is not None and code not in {s.code for s in all_states()}:
        raise ValueError(f"unknown state {state!r}; expected a USPS code such as 'CA'")
    chosen = [r for r in book.rules if event in r.events and r.state in (None, code)]
    replaced = {r.replaces for r in chosen if r.replaces}
    return [r for r in chosen if r.id not in replaced]


def _undated(rule: Rule, start: date, summer: tuple[date, date] | None) -> bool:
    return rule.skips_summer and summer is None and may_reach_summer(start, rule.days)


def deadlines_for(event: str, start: date, state: str | None = None, meeting: date | None = None,
                  closed: Collection[date] = (), summer: tuple[date, date] | None = None) -> list[Deadline]:
    """The deadlines `event` on `start` sets: legal ones first (soonest first), the follow-up last.

    `state` (a USPS code) adds or swaps in that state's verified rules; `meeting` (a set meeting date)
    can bring the records deadline forward; `closed` (the school's own closed dates) makes
    school-day counts exact; `summer` (the last day of the spring term, the first of the fall term)
    lets a rule that skips the summer break give its date. A rule whose date cannot be known without
    it is left out here and named by `undated_for`.
    """
    found = [_deadline(r, start, meeting, closed, summer) for r in _rules_for(event, state)
             if not _undated(r, start, summer)]
    order = {r.id: i for i, r in enumerate(load_deadlines().rules)}
    return sorted(found, key=lambda d: (not d.legal, d.due, order[d.rule]))


def undated_for(event: str, start: date, state: str | None = None,
                summer: tuple[date, date] | None = None) -> list[Rule]:
    """The rules `event` on `start` starts whose date cannot be counted without the summer break."""
    return [r for r in _rules_for(event, state) if _undated(r, start, summer)]


def event_for_letter(letter: str) -> str:
    """The event sending `letter` (a letters.yml id) starts; letter_sent for the ones without their own."""
    book = load_deadlines()
    return book.letter_events.get(letter, book.default_letter_event)


def events_in(text: str) -> set[str]:
    """Every event whose words are in `text`."""
    if not isinstance(text, str) or not text.strip():
        return set()
    book = load_deadlines()
    found = {book.event_words[" ".join(m.group().split())] for m in book.event_pattern.finditer(_fold(text))}
    found.discard("")
    return found


def event_from_text(text: str) -> str | None:
    """The event a parent's words point to ("I signed the testing form" -> consent_signed).

    None when no event word is there, or words of two different events are ("the meeting about
    his records"), so the assistant asks instead of guessing.
    """
    found = events_in(text)
    return found.pop() if len(found) == 1 else None


def needs_confirmation(event: str) -> bool:
    """Whether `event` may be taken only once the parent confirms it (deadlines.yml `confirm`)."""
    return event in load_deadlines().confirmed


def start_stated(event: str, text: str) -> bool:
    """Whether a date in `text` may be taken as the start of `event`'s clock: always, unless the event
    lists `dated_by` phrases and none is in the text ("I asked for testing on May 4" dates a request,
    not the school's receipt of consent)."""
    pattern = load_deadlines().dated_by.get(event)
    return pattern is None or bool(isinstance(text, str) and pattern.search(_fold(text)))


def check_start(start: date, today: date) -> str | None:
    """A problem id ("future", "too_old") when nothing useful can be counted from `start`, else None."""
    if start > today:
        return "future"
    if (today - start).days > TOO_OLD_DAYS:
        return "too_old"
    return None


# --- words -----------------------------------------------------------------------------------------

def describe(deadline: Deadline, today: date, language: str = DEFAULT_LANGUAGE) -> str:
    """What the parent reads about `deadline`: its text with the date written out, then the notes
    that apply, then the citation in parentheses for a legal rule."""
    book = load_deadlines()
    rule = book.rule(deadline.rule)
    name = "meeting" if deadline.meeting is not None else "text"
    if deadline.passed(today):
        name = "passed" if name == "text" else "passed_meeting"
    text = rule.texts[name]
    language = text.language(language)  # dates in the language of the sentence around them
    fill = {"due": format_date(deadline.due, language), "start": format_date(deadline.start, language),
            "meeting": format_date(deadline.meeting, language) if deadline.meeting else "",
            "days": rule.days, "citation": deadline.citation}
    parts = [text.get(language).format(**fill)]
    if deadline.state_may_differ:
        parts.append(book.notes["state_may_differ"].get(language))
    if deadline.approximate:
        parts.append(book.notes["approximate"].get(language))
    if deadline.legal and deadline.citation:
        parts.append(book.notes["citation"].get(language).format(**fill))
    return " ".join(parts)


def describe_undated(rule: Rule, language: str = DEFAULT_LANGUAGE) -> str:
    """What the parent reads for a rule whose date needs the summer break: why there is no date, and the
    rule's citation."""
    text = rule.texts["undated"]
    language = text.language(language)
    fill = dict(FILL_INS, citation=rule.citation)
    return " ".join((text.get(language), load_deadlines().notes["citation"].get(language).format(**fill)))


def problem_text(problem: str, language: str = DEFAULT_LANGUAGE) -> str:
    """What the parent reads for a problem id: "future", "too_old", "unknown_event" or "no_date"."""
    problems = load_deadlines().problems
    if problem not in problems:
        raise KeyError(f"no problem text '{problem}'; expected one of {', '.join(PROBLEMS)}")
    return problems[problem].get(language)
