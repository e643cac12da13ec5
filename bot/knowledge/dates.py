"""Dates in a parent's words, school days and US federal holidays.

Parents tell us when they sent a request or when a meeting is ("last tuesday", "el 3 de marzo",
"3/4") and we count deadlines from it ("within 10 school days"). Plain Python, no Rasa: every
word read or written comes from knowledge/calendar.yml, so adding a language is a data change.
"""
from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import MAXYEAR, MINYEAR, date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

CALENDAR_FILE = Path(__file__).resolve().parent / "calendar.yml"
DEFAULT_LANGUAGE = "en"
PAST, FUTURE = "past", "future"
UNITS = ("days", "weeks", "months", "years")
RELATIONS = ("ago", "ahead", "next_weekday", "last_weekday", "this_weekday")
YEAR_SEARCH = 8  # years either side of today tried for a date without a year (Feb 29 needs 4+)
TWO_DIGIT_YEAR_WINDOW = 50  # "3/4/26" is 2026; a two-digit year more than this ahead is last century
JUNETEENTH_FIRST_YEAR = 2021  # made a federal holiday in June 2021


class CalendarError(ValueError):
    """calendar.yml is missing something the date parser needs."""


@dataclass(frozen=True)
class Placement:
    """Relation words, by where they sit around what they qualify ("hace 3 días" / "3 days ago")."""

    before: tuple[str, ...]
    after: tuple[str, ...]


@dataclass(frozen=True)
class LanguageWords:
    """One language's calendar words, lowercased, except the written names and the format."""

    date_format: str
    month_names: tuple[str, ...]  # written names, January first
    weekday_names: tuple[str, ...]  # written names, Monday first
    months: tuple[tuple[str, ...], ...]  # every spelling read, January first
    weekdays: tuple[tuple[str, ...], ...]  # every spelling read, Monday first
    needs_lead: frozenset[str]
    weekday_lead: tuple[str, ...]
    ordinal_suffixes: tuple[str, ...]
    connectors: tuple[str, ...]
    days: tuple[tuple[int, tuple[str, ...]], ...]  # (offset from today, phrases)
    not_after: tuple[str, ...]
    numbers: tuple[tuple[str, int], ...]
    units: tuple[tuple[str, tuple[str, ...]], ...]  # (one of UNITS, words)
    ago: Placement
    ahead: Placement
    next_weekday: Placement
    last_weekday: Placement
    this_weekday: Placement


@dataclass(frozen=True)
class CalendarWords:
    """calendar.yml, parsed: (language code, words) pairs, in file order."""

    languages: tuple[tuple[str, LanguageWords], ...]

    def language(self, code: str) -> LanguageWords:
        """The words of `code` ("es", "es-US"); English when we have no such language."""
        wanted = re.split(r"[-_]", code.strip().lower(), maxsplit=1)[0] if code else ""
        found = dict(self.languages)
        return found.get(wanted) or found[DEFAULT_LANGUAGE]


# --- loading ---------------------------------------------------------------------------------

def _norm(text: str) -> str:
    """How words are compared: composed accents, case-folded, single spaces, no trailing period."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split()).rstrip(".")


def _words(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and _norm(v) for v in value):
        raise CalendarError(f"{where}: expected a list of words")
    return tuple(value)


def _named_lists(value: Any, count: int, where: str) -> tuple[tuple[str, ...], ...]:
    if not isinstance(value, list) or len(value) != count:
        raise CalendarError(f"{where}: expected {count} lists of spellings")
    lists = tuple(_words(v, f"{where}[{i}]") for i, v in enumerate(value))
    if not all(lists):
        raise CalendarError(f"{where}: every entry needs at least its written name")
    return lists


def _placement(value: Any, where: str) -> Placement:
    if not isinstance(value, dict) or set(value) != {"before", "after"}:
        raise CalendarError(f"{where}: expected 'before' and 'after' lists")
    before = tuple(_norm(w) for w in _words(value["before"], f"{where}.before"))
    after = tuple(_norm(w) for w in _words(value["after"], f"{where}.after"))
    return Placement(before, after)


def _language(data: Any, where: str) -> LanguageWords:
    if not isinstance(data, dict):
        raise CalendarError(f"{where}: expected a mapping of calendar words")
    required = ("date_format", "months", "weekdays", "needs_lead", "weekday_lead", "ordinal_suffixes",
                "connectors", "days", "not_after", "numbers", "units", *RELATIONS)
    for key in required:
        if key not in data:
            raise CalendarError(f"{where}.{key}: missing")

    fmt = data["date_format"]
    sample = {"weekday": "", "month": "", "day": 1, "year": 1}
    try:
        if not isinstance(fmt, str):
            raise TypeError
        fmt.format(**sample)
    except (KeyError, IndexError, TypeError, ValueError) as err:
        raise CalendarError(f"{where}.date_format: needs a text using only "
                            "{weekday}, {month}, {day} and {year}") from err

    months = _named_lists(data["months"], 12, f"{where}.months")
    weekdays = _named_lists(data["weekdays"], 7, f"{where}.weekdays")

    days = data["days"]
    if not isinstance(days, dict) or not days or not all(isinstance(k, int) for k in days):
        raise CalendarError(f"{where}.days: expected day offsets (-1, 0, 1, ...) with their words")
    numbers = data["numbers"]
    if not isinstance(numbers, dict) or not all(
            isinstance(k, str) and _norm(k) and isinstance(v, int) and v > 0 for k, v in numbers.items()):
        raise CalendarError(f"{where}.numbers: expected words with positive whole numbers")
    units = data["units"]
    if not isinstance(units, dict) or set(units) != set(UNITS):
        raise CalendarError(f"{where}.units: expected exactly {', '.join(UNITS)}")

    return LanguageWords(
        date_format=fmt,
        month_names=tuple(m[0].strip() for m in months),
        weekday_names=tuple(w[0].strip() for w in weekdays),
        months=tuple(tuple(_norm(s) for s in m) for m in months),
        weekdays=tuple(tuple(_norm(s) for s in w) for w in weekdays),
        needs_lead=frozenset(_norm(w) for w in _words(data["needs_lead"], f"{where}.needs_lead")),
        weekday_lead=tuple(_norm(w) for w in _words(data["weekday_lead"], f"{where}.weekday_lead")),
        ordinal_suffixes=tuple(_norm(w) for w in _words(data["ordinal_suffixes"], f"{where}.ordinal_suffixes")),
        connectors=tuple(_norm(w) for w in _words(data["connectors"], f"{where}.connectors")),
        days=tuple((k, tuple(_norm(w) for w in _words(v, f"{where}.days.{k}"))) for k, v in sorted(days.items())),
        not_after=tuple(_norm(w) for w in _words(data["not_after"], f"{where}.not_after")),
        numbers=tuple((_norm(k), v) for k, v in numbers.items()),
        units=tuple((u, tuple(_norm(w) for w in _words(units[u], f"{where}.units.{u}"))) for u in UNITS),
        **{r: _placement(data[r], f"{where}.{r}") for r in RELATIONS},
    )


def _check_consistent(path: Path, languages: Iterable[tuple[str, LanguageWords]]) -> None:
    """The parser reads every language at once, so one spelling must not mean two things."""
    seen: dict[tuple[str, str], tuple[str, object]] = {}

    def claim(kind: str, word: str, meaning: object, lang: str) -> None:
        earlier = seen.setdefault((kind, word), (lang, meaning))
        if earlier[1] != meaning:
            raise CalendarError(f"{path}: {lang}: '{word}' means something else in {earlier[0]} ({kind})")

    for lang, w in languages:
        for i, spellings in enumerate(w.months):
            for s in spellings:
                claim("months", s, i, lang)
        for i, spellings in enumerate(w.weekdays):
            for s in spellings:
                claim("weekdays", s, i, lang)
        for offset, phrases in w.days:
            for p in phrases:
                claim("days", p, offset, lang)
        for word, value in w.numbers:
            claim("numbers", word, value, lang)
        for unit, unit_words in w.units:
            for u in unit_words:
                claim("units", u, unit, lang)
        for relation in RELATIONS:
            placement: Placement = getattr(w, relation)
            for side in ("before", "after"):
                for word in getattr(placement, side):
                    claim(f"{side} a weekday or count", word, relation, lang)


@lru_cache(maxsize=8)
def _load(path: Path) -> CalendarWords:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise CalendarError(f"{path}: cannot be read: {err}") from err
    except yaml.YAMLError as err:
        raise CalendarError(f"{path}: not valid YAML: {err}") from err
    if not isinstance(data, dict):
        raise CalendarError(f"{path}: expected languages at the top level")
    if DEFAULT_LANGUAGE not in data:
        raise CalendarError(f"{path}: '{DEFAULT_LANGUAGE}' is missing (the fallback language)")
    languages = tuple((str(lang), _language(words, f"{path}: {lang}")) for lang, words in data.items())
    _check_consistent(path, languages)
    return CalendarWords(languages)


def load_calendar(path: Path | None = None) -> CalendarWords:
    """calendar.yml as typed values; a CalendarError (a ValueError) names the file and key at fault."""
    return _load(Path(path or CALENDAR_FILE).resolve())


# --- the grammar the parser matches, built from the words --------------------------------------

def _alt(phrases: Iterable[str]) -> str:
    """A regex alternative of phrases, longest first so "this past" wins over "this"."""
    unique = sorted(set(phrases), key=lambda p: (-len(p), p))
    if not unique:
        return "(?!)"  # matches nothing: a language may have no words for a slot
    return "(?:" + "|".join(r"\s+".join(re.escape(part) for part in p.split()) for p in unique) + ")"


def _word(pattern: str) -> str:
    return rf"(?<!\w){pattern}(?!\w)"


@dataclass(frozen=True)
class _Grammar:
    iso: re.Pattern[str]
    numeric: re.Pattern[str]
    month_day: re.Pattern[str]
    day_month: re.Pattern[str]
    count_before: re.Pattern[str]
    count_after: re.Pattern[str]
    weekday_before: re.Pattern[str]
    weekday_after: re.Pattern[str]
    day_word: re.Pattern[str]
    bare_weekday: re.Pattern[str]
    month_of: Mapping[str, int]
    weekday_of: Mapping[str, int]
    offset_of: Mapping[str, int]
    number_of: Mapping[str, int]
    unit_of: Mapping[str, str]
    relation_of: Mapping[tuple[str, str], str]  # (side, word) -> relation
    needs_lead: frozenset[str]
    not_after: frozenset[str]


@lru_cache(maxsize=8)
def _grammar(words: CalendarWords) -> _Grammar:
    langs = [w for _, w in words.languages]
    month_of = {s: i + 1 for w in langs for i, spellings in enumerate(w.months) for s in spellings}
    weekday_of = {s: i for w in langs for i, spellings in enumerate(w.weekdays) for s in spellings}
    offset_of = {p: offset for w in langs for offset, phrases in w.days for p in phrases}
    number_of = {k: v for w in langs for k, v in w.numbers}
    unit_of = {u: unit for w in langs for unit, unit_words in w.units for u in unit_words}
    relation_of = {(side, word): r for w in langs for r in RELATIONS
                   for side in ("before", "after") for word in getattr(getattr(w, r), side)}

    def words_of(relations: Iterable[str], side: str) -> str:
        return _alt(word for (s, word), r in relation_of.items() if s == side and r in relations)

    suffix = _alt(s for w in langs for s in w.ordinal_suffixes)
    connector = _alt(c for w in langs for c in w.connectors)
    month = rf"(?<!\w)(?P<month>{_alt(month_of)})(?!\w)\.?"
    day = rf"(?<![\w/:.-])(?P<day>[0-9]{{1,2}})(?:{suffix})?(?!\w)"
    year = rf"(?:\s*,?\s*(?:{connector}\s+)?(?P<year>[0-9]{{4}})(?![0-9]))?"
    weekday = rf"(?<!\w)(?P<weekday>{_alt(weekday_of)})(?!\w)\.?"
    count = rf"(?<!\w)(?P<count>[0-9]{{1,4}}|{_alt(number_of)})(?!\w)\s+(?P<unit>{_alt(unit_of)})(?!\w)"
    weekday_relations = ("next_weekday", "last_weekday", "this_weekday")
    lead = _alt(ld for w in langs for ld in w.weekday_lead)

    return _Grammar(
        # 2026-03-04 (also 2026/03/04)
        iso=re.compile(r"(?<![0-9])(?P<year>[0-9]{4})(?P<sep>[-/.])(?P<month>[0-9]{1,2})(?P=sep)"
                       r"(?P<day>[0-9]{1,2})(?![0-9])"),
        # 3/4, 3/4/26, 03/04/2026, 3-4-2026: month first, as written in the US
        numeric=re.compile(r"(?<![0-9/.-])(?P<month>[0-9]{1,2})(?P<sep>[/-])(?P<day>[0-9]{1,2})"
                           r"(?:(?P=sep)(?P<year>[0-9]{4}|[0-9]{2}))?(?![0-9/-])"),
        month_day=re.compile(rf"{month}\s+{day}{year}"),
        day_month=re.compile(rf"{day}\s+(?:{connector}\s+)?{month}{year}"),
        count_before=re.compile(rf"(?<!\w)(?:(?P<ago>{words_of(['ago'], 'before')})"
                                rf"|(?P<ahead>{words_of(['ahead'], 'before')}))\s+{count}"),
        count_after=re.compile(rf"{count}\s+(?:(?P<ago>{words_of(['ago'], 'after')})"
                               rf"|(?P<ahead>{words_of(['ahead'], 'after')}))(?!\w)"),
        weekday_before=re.compile(rf"(?<!\w)(?P<relation>{words_of(weekday_relations, 'before')})\s+{weekday}"),
        weekday_after=re.compile(rf"{weekday}\s+(?P<relation>{words_of(weekday_relations, 'after')})(?!\w)"),
        day_word=re.compile(_word(rf"(?P<phrase>{_alt(offset_of)})")),
        bare_weekday=re.compile(rf"(?<!\w)(?:(?P<lead>{lead})\s+)?{weekday}"),
        month_of=month_of,
        weekday_of=weekday_of,
        offset_of=offset_of,
        number_of=number_of,
        unit_of=unit_of,
        relation_of=relation_of,
        needs_lead=frozenset(s for w in langs for s in w.needs_lead),
        not_after=frozenset(s for w in langs for s in w.not_after),
    )


# --- resolving a match to a date ----------------------------------------------------------------

@dataclass(frozen=True)
class _Context:
    text: str  # normalized message
    today: date
    prefer: str
    grammar: _Grammar


def _valid(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _infer_year(month: int, day: int, ctx: _Context) -> date | None:
    """The nearest valid date on the preferred side of today (today itself counts on both sides)."""
    years = range(max(MINYEAR, ctx.today.year - YEAR_SEARCH), min(MAXYEAR, ctx.today.year + YEAR_SEARCH) + 1)
    candidates = [d for y in years if (d := _valid(y, month, day)) is not None]
    if ctx.prefer == PAST:
        return max((d for d in candidates if d <= ctx.today), default=None)
    return min((d for d in candidates if d >= ctx.today), default=None)


def _full_year(text: str, today: date) -> int:
    if len(text) == 4:
        return int(text)
    year = today.year // 100 * 100 + int(text)
    return year - 100 if year > today.year + TWO_DIGIT_YEAR_WINDOW else year


def _calendar_date(month: int, day: int, year_text: str | None, ctx: _Context) -> date | None:
    if year_text is None:
        return _infer_year(month, day, ctx)
    return _valid(_full_year(year_text, ctx.today), month, day)


def _iso(m: re.Match[str], ctx: _Context) -> date | None:
    return _valid(int(m["year"]), int(m["month"]), int(m["day"]))


def _numeric(m: re.Match[str], ctx: _Context) -> date | None:
    if m["sep"] == "-" and m["year"] is None:
        return None  # "3-4 times a week" is a range, not a date
    return _calendar_date(int(m["month"]), int(m["day"]), m["year"], ctx)


def _named_month(m: re.Match[str], ctx: _Context) -> date | None:
    return _calendar_date(ctx.grammar.month_of[_norm(m["month"])], int(m["day"]), m["year"], ctx)


def _add_months(day: date, months: int) -> date:
    """Calendar months, keeping the day when it exists (Jan 31 + 1 month = Feb 28/29)."""
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _count(m: re.Match[str], ctx: _Context) -> date | None:
    g = ctx.grammar
    raw = _norm(m["count"])
    n = int(raw) if raw.isdigit() else g.number_of[raw]
    if m["ago"] is not None:
        n = -n
    unit = g.unit_of[_norm(m["unit"])]
    if unit == "days":
        return ctx.today + timedelta(days=n)
    if unit == "weeks":
        return ctx.today + timedelta(weeks=n)
    return _add_months(ctx.today, n * (12 if unit == "years" else 1))


def _qualified_weekday(m: re.Match[str], ctx: _Context) -> date | None:
    g = ctx.grammar
    target = g.weekday_of[_norm(m["weekday"])]
    side = "before" if m.re is g.weekday_before else "after"
    relation = g.relation_of[(side, _norm(m["relation"]))]
    now = ctx.today.weekday()
    if relation == "next_weekday":
        # The soonest such day strictly after today: on a Sunday, "next tuesday" is in two days.
        return ctx.today + timedelta(days=(target - now - 1) % 7 + 1)
    if relation == "last_weekday":
        # The most recent such day strictly before today.
        return ctx.today - timedelta(days=(now - target - 1) % 7 + 1)
    # "this friday": that day in the current Monday-to-Sunday week, past or future.
    return ctx.today + timedelta(days=target - now)


def _day_word(m: re.Match[str], ctx: _Context) -> date | None:
    before = ctx.text[:m.start()].split()
    if before and before[-1] in ctx.grammar.not_after:
        return None  # "por la mañana" is "in the morning", not tomorrow
    return ctx.today + timedelta(days=ctx.grammar.offset_of[_norm(m["phrase"])])


def _bare_weekday(m: re.Match[str], ctx: _Context) -> date | None:
    spelling = _norm(m["weekday"])
    if m["lead"] is None and spelling in ctx.grammar.needs_lead:
        return None  # "I sat down" is not Saturday
    target = ctx.grammar.weekday_of[spelling]
    if ctx.prefer == PAST:
        return ctx.today - timedelta(days=(ctx.today.weekday() - target) % 7)
    return ctx.today + timedelta(days=(target - ctx.today.weekday()) % 7)


_Resolver = Callable[[re.Match[str], _Context], "date | None"]


def _tiers(g: _Grammar) -> tuple[tuple[tuple[re.Pattern[str], _Resolver], ...], ...]:
    """Forms from most to least exact: a written date beats "3 days ago", which beats "monday"."""
    return (
        ((g.iso, _iso), (g.numeric, _numeric), (g.month_day, _named_month), (g.day_month, _named_month)),
        ((g.count_before, _count), (g.count_after, _count)),
        ((g.weekday_before, _qualified_weekday), (g.weekday_after, _qualified_weekday)),
        ((g.day_word, _day_word),),
        ((g.bare_weekday, _bare_weekday),),
    )


def parse_date(text: str, today: date, prefer: str = PAST,
               words: CalendarWords | None = None) -> date | None:
    """The date a parent means, in English or Spanish, or None when there is none or it is invalid.

    `prefer` ("past" or "future") settles what the words leave open: the year of "March 4" (the
    nearest such date on that side of today) and a bare "monday" (the latest on or before today,
    or the soonest on or after it). Within the most exact form found, the leftmost valid date wins.
    """
    if prefer not in (PAST, FUTURE):
        raise ValueError(f"prefer must be '{PAST}' or '{FUTURE}', not {prefer!r}")
    if not isinstance(text, str) or not text.strip():
        return None
    grammar = _grammar(words or load_calendar())
    ctx = _Context(_norm(text), today, prefer, grammar)
    for tier in _tiers(grammar):
        found = sorted(((m, resolve) for pattern, resolve in tier for m in pattern.finditer(ctx.text)),
                       key=lambda pair: pair[0].start())
        for match, resolve in found:
            try:
                result = resolve(match, ctx)
            except (OverflowError, ValueError):
                result = None  # beyond what datetime.date holds (year 1 to 9999): no usable date
            if result is not None:
                return result
    return None


# --- holidays and school days -------------------------------------------------------------------

def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def _last_weekday(year: int, month: int, weekday: int) -> date:
    last = date(year, month, calendar.monthrange(year, month)[1])
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _observed(day: date) -> date:
    """Federal rule: a holiday on Saturday is observed the Friday before, on Sunday the Monday after."""
    shift = {calendar.SATURDAY: -1, calendar.SUNDAY: 1}.get(day.weekday(), 0)
    return day + timedelta(days=shift)


def _holidays_as_dated(year: int) -> list[date]:
    """The year's federal holidays on their nominal dates, before the weekend rule."""
    days = [
        date(year, 1, 1),  # New Year's Day
        _nth_weekday(year, 1, calendar.MONDAY, 3),  # Birthday of Martin Luther King, Jr.
        _nth_weekday(year, 2, calendar.MONDAY, 3),  # Washington's Birthday (Presidents' Day)
        _last_weekday(year, 5, calendar.MONDAY),  # Memorial Day
        date(year, 7, 4),  # Independence Day
        _nth_weekday(year, 9, calendar.MONDAY, 1),  # Labor Day
        _nth_weekday(year, 10, calendar.MONDAY, 2),  # Columbus Day / Indigenous Peoples' Day
        date(year, 11, 11),  # Veterans Day
        _nth_weekday(year, 11, calendar.THURSDAY, 4),  # Thanksgiving Day
        date(year, 12, 25),  # Christmas Day
    ]
    if year >= JUNETEENTH_FIRST_YEAR:
        days.append(date(year, 6, 19))  # Juneteenth National Independence Day
    return days


@lru_cache(maxsize=64)
def us_federal_holidays(year: int) -> frozenset[date]:
    """The days federal offices close in `year`, as observed (5 U.S.C. 6103 and the weekend rule).

    Grouped by the date they are observed on: when next New Year's Day is a Saturday, its observed
    Friday, December 31, is in this year's set, and this year's January 1 then is not in any set.
    """
    if not MINYEAR <= year <= MAXYEAR:
        raise ValueError(f"year must be between {MINYEAR} and {MAXYEAR}, not {year}")
    observed = {_observed(d) for y in range(max(MINYEAR, year - 1), min(MAXYEAR, year + 1) + 1)
                for d in _holidays_as_dated(y)}
    return frozenset(d for d in observed if d.year == year)


def is_school_day(day: date, closed: Collection[date] = ()) -> bool:
    """A weekday that is neither a federal holiday nor one of the school's own `closed` dates."""
    return day.weekday() < calendar.SATURDAY and day not in us_federal_holidays(day.year) and day not in closed


def add_school_days(start: date, days: int, closed: Collection[date] = ()) -> date:
    """The date `days` school days after `start` (start itself not counted; 0 gives `start`).

    An approximation for deadlines such as "within 10 school days": it skips weekends, federal
    holidays and `closed`, but real school calendars add breaks and local holidays we may not know,
    so say "about" to the parent unless `closed` comes from their school's calendar.
    """
    if days < 0:
        raise ValueError(f"days must be 0 or more, not {days}")
    blocked = frozenset(closed)
    current = start
    while days:
        current += timedelta(days=1)
        if is_school_day(current, blocked):
            days -= 1
    return current


def add_calendar_days(start: date, days: int) -> date:
    """`start` moved by `days` calendar days (negative goes back)."""
    return start + timedelta(days=days)


def format_date(day: date, language: str = DEFAULT_LANGUAGE, words: CalendarWords | None = None) -> str:
    """A date written out for a parent: "Tuesday, December 8, 2026" / "martes 8 de diciembre de 2026"."""
    lang = (words or load_calendar()).language(language)
    return lang.date_format.format(weekday=lang.weekday_names[day.weekday()],
                                   month=lang.month_names[day.month - 1], day=day.day, year=day.year)
