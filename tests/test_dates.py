"""Dates in a parent's words (English and Spanish), federal holidays and school-day counting."""
from __future__ import annotations

import ast
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.knowledge.dates import (
    CALENDAR_FILE,
    CalendarWords,
    add_calendar_days,
    add_school_days,
    format_date,
    is_school_day,
    load_calendar,
    parse_date,
    us_federal_holidays,
)

ROOT = Path(__file__).resolve().parents[1]
TODAY = date(2026, 11, 24)  # a Tuesday, two days before Thanksgiving
NEW_YEAR = date(2027, 1, 2)  # a Saturday, just after a year boundary


def test_today_is_the_tuesday_the_tests_assume():
    assert TODAY.weekday() == 1 and NEW_YEAR.weekday() == 5


# --- parsing: written dates -----------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("2026-03-04", date(2026, 3, 4)),
    ("the meeting was 2026-03-04 at 3pm", date(2026, 3, 4)),
    ("3/4", date(2026, 3, 4)),
    ("3/4/26", date(2026, 3, 4)),
    ("03/04/2026", date(2026, 3, 4)),
    ("3-4-2026", date(2026, 3, 4)),
    ("12/25/2025", date(2025, 12, 25)),
    ("3/4/99", date(1999, 3, 4)),  # a two-digit year far ahead is last century
    ("March 4", date(2026, 3, 4)),
    ("Mar. 4th", date(2026, 3, 4)),
    ("4 March", date(2026, 3, 4)),
    ("the 4th of March", date(2026, 3, 4)),
    ("March 4, 2026", date(2026, 3, 4)),
    ("march 4 2026", date(2026, 3, 4)),
    ("MARCH 4TH, 2025", date(2025, 3, 4)),
    ("I sent it on March 3rd", date(2026, 3, 3)),
    ("sept 9", date(2026, 9, 9)),
    ("Sep 9", date(2026, 9, 9)),
    ("feb. 2", date(2026, 2, 2)),
    ("on Tuesday, Nov 3 I emailed", date(2026, 11, 3)),  # the written date beats the weekday
])
def test_english_written_dates(text, expected):
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize("text, expected", [
    ("el 3 de marzo", date(2026, 3, 3)),
    ("3 de marzo de 2026", date(2026, 3, 3)),
    ("3 DE MARZO DEL 2025", date(2025, 3, 3)),
    ("1º de marzo", date(2026, 3, 1)),
    ("le mandé la carta el 15 de septiembre", date(2026, 9, 15)),
    ("15 de setiembre", date(2026, 9, 15)),
    ("4 de ago", date(2026, 8, 4)),
    ("el 2 de dic", date(2025, 12, 2)),  # no year, prefer past: last December
])
def test_spanish_written_dates(text, expected):
    assert parse_date(text, TODAY) == expected


def test_a_date_without_year_takes_the_nearest_on_the_preferred_side():
    assert parse_date("March 4", TODAY, prefer="past") == date(2026, 3, 4)
    assert parse_date("March 4", TODAY, prefer="future") == date(2027, 3, 4)
    assert parse_date("Dec 2", TODAY, prefer="future") == date(2026, 12, 2)
    assert parse_date("Dec 2", TODAY, prefer="past") == date(2025, 12, 2)
    assert parse_date("11/24", TODAY, prefer="past") == TODAY  # today counts on both sides
    assert parse_date("11/24", TODAY, prefer="future") == TODAY


def test_year_inference_across_new_year():
    assert parse_date("Dec 30", NEW_YEAR, prefer="past") == date(2026, 12, 30)
    assert parse_date("Dec 30", NEW_YEAR, prefer="future") == date(2027, 12, 30)
    assert parse_date("12/31", NEW_YEAR, prefer="past") == date(2026, 12, 31)
    assert parse_date("Jan 5", NEW_YEAR, prefer="past") == date(2026, 1, 5)
    assert parse_date("Jan 5", NEW_YEAR, prefer="future") == date(2027, 1, 5)
    assert parse_date("1/2", NEW_YEAR, prefer="past") == NEW_YEAR
    assert parse_date("30 de diciembre", NEW_YEAR, prefer="past") == date(2026, 12, 30)
    assert parse_date("5 de enero", NEW_YEAR, prefer="future") == date(2027, 1, 5)


def test_february_29_goes_to_the_nearest_leap_year():
    assert parse_date("Feb 29", TODAY, prefer="past") == date(2024, 2, 29)
    assert parse_date("Feb 29", TODAY, prefer="future") == date(2028, 2, 29)
    assert parse_date("2/29/2028", TODAY) == date(2028, 2, 29)
    assert parse_date("2/29/2026", TODAY) is None


@pytest.mark.parametrize("text", [
    "2/30", "13/45", "Feb 30", "0/12", "12/0", "2026-02-30", "2026-13-01", "31 de abril", "April 31, 2026",
    "I don't remember", "idk", "", "   ", "no sé", "no me acuerdo", "3-4 times a week", "grade 3", "March",
    "I sat in the sun", "we may go", "in the next few days", "2026",
])
def test_no_date_or_an_invalid_one_is_none(text):
    assert parse_date(text, TODAY) is None
    assert parse_date(text, TODAY, prefer="future") is None


# --- parsing: relative dates -------------------------------------------------------------------------

@pytest.mark.parametrize("text, past, future", [
    ("today", TODAY, TODAY),
    ("Yesterday", date(2026, 11, 23), date(2026, 11, 23)),
    ("tomorrow", date(2026, 11, 25), date(2026, 11, 25)),
    ("the day before yesterday", date(2026, 11, 22), date(2026, 11, 22)),
    ("I called them this morning", TODAY, TODAY),
    ("monday", date(2026, 11, 23), date(2026, 11, 30)),
    ("Tuesday", TODAY, TODAY),  # today is Tuesday: the same day either way
    ("sent it wednesday", date(2026, 11, 18), date(2026, 11, 25)),
    ("on tues", TODAY, TODAY),
    ("thurs", date(2026, 11, 19), date(2026, 11, 26)),
    ("on sat", date(2026, 11, 21), date(2026, 11, 28)),
    ("next tuesday", date(2026, 12, 1), date(2026, 12, 1)),  # strictly after today
    ("next friday", date(2026, 11, 27), date(2026, 11, 27)),
    ("next wed", date(2026, 11, 25), date(2026, 11, 25)),
    ("last friday", date(2026, 11, 20), date(2026, 11, 20)),
    ("last tuesday", date(2026, 11, 17), date(2026, 11, 17)),  # strictly before today
    ("sent it last tuesday i think", date(2026, 11, 17), date(2026, 11, 17)),
    ("this past monday", date(2026, 11, 23), date(2026, 11, 23)),
    ("this friday", date(2026, 11, 27), date(2026, 11, 27)),
    ("this monday", date(2026, 11, 23), date(2026, 11, 23)),  # the Monday of this week
    ("3 days ago", date(2026, 11, 21), date(2026, 11, 21)),
    ("two weeks ago", date(2026, 11, 10), date(2026, 11, 10)),
    ("a week ago", date(2026, 11, 17), date(2026, 11, 17)),
    ("a couple of days ago", date(2026, 11, 22), date(2026, 11, 22)),
    ("2 weeks back", date(2026, 11, 10), date(2026, 11, 10)),
    ("a month ago", date(2026, 10, 24), date(2026, 10, 24)),
    ("in 2 weeks", date(2026, 12, 8), date(2026, 12, 8)),
    ("in ten days", date(2026, 12, 4), date(2026, 12, 4)),
    ("10 days from now", date(2026, 12, 4), date(2026, 12, 4)),
    ("in a year", date(2027, 11, 24), date(2027, 11, 24)),
    ("they said in a month", date(2026, 12, 24), date(2026, 12, 24)),
])
def test_english_relative_dates(text, past, future):
    assert parse_date(text, TODAY, prefer="past") == past
    assert parse_date(text, TODAY, prefer="future") == future


@pytest.mark.parametrize("text, past, future", [
    ("hoy", TODAY, TODAY),
    ("ayer", date(2026, 11, 23), date(2026, 11, 23)),
    ("MAÑANA", date(2026, 11, 25), date(2026, 11, 25)),  # mañana is tomorrow
    ("manana", date(2026, 11, 25), date(2026, 11, 25)),
    ("pasado mañana", date(2026, 11, 26), date(2026, 11, 26)),
    ("anteayer", date(2026, 11, 22), date(2026, 11, 22)),
    ("esta mañana llamé a la escuela", TODAY, TODAY),  # this morning
    ("ayer por la mañana", date(2026, 11, 23), date(2026, 11, 23)),
    ("el lunes por la mañana", date(2026, 11, 23), date(2026, 11, 30)),  # la mañana = the morning
    ("el lunes", date(2026, 11, 23), date(2026, 11, 30)),
    ("miércoles", date(2026, 11, 18), date(2026, 11, 25)),
    ("miercoles", date(2026, 11, 18), date(2026, 11, 25)),
    ("el sábado", date(2026, 11, 21), date(2026, 11, 28)),
    ("el sabado", date(2026, 11, 21), date(2026, 11, 28)),
    ("el dom", date(2026, 11, 22), date(2026, 11, 29)),
    ("el próximo lunes", date(2026, 11, 30), date(2026, 11, 30)),
    ("el proximo martes", date(2026, 12, 1), date(2026, 12, 1)),
    ("el lunes que viene", date(2026, 11, 30), date(2026, 11, 30)),
    ("el viernes pasado", date(2026, 11, 20), date(2026, 11, 20)),
    ("este viernes", date(2026, 11, 27), date(2026, 11, 27)),
    ("hace 3 días", date(2026, 11, 21), date(2026, 11, 21)),
    ("hace 3 dias", date(2026, 11, 21), date(2026, 11, 21)),
    ("hace dos semanas", date(2026, 11, 10), date(2026, 11, 10)),
    ("hace una semana", date(2026, 11, 17), date(2026, 11, 17)),
    ("hace un mes", date(2026, 10, 24), date(2026, 10, 24)),
    ("en 2 semanas", date(2026, 12, 8), date(2026, 12, 8)),
    ("dentro de diez días", date(2026, 12, 4), date(2026, 12, 4)),
])
def test_spanish_relative_dates(text, past, future):
    assert parse_date(text, TODAY, prefer="past") == past
    assert parse_date(text, TODAY, prefer="future") == future


def test_relative_dates_across_new_year():
    assert parse_date("3 days ago", NEW_YEAR) == date(2026, 12, 30)
    assert parse_date("yesterday", NEW_YEAR) == date(2027, 1, 1)
    assert parse_date("last friday", NEW_YEAR) == date(2027, 1, 1)
    assert parse_date("next monday", NEW_YEAR) == date(2027, 1, 4)
    assert parse_date("sábado", NEW_YEAR, prefer="past") == NEW_YEAR
    assert parse_date("thursday", NEW_YEAR, prefer="past") == date(2026, 12, 31)
    assert parse_date("hace dos semanas", NEW_YEAR) == date(2026, 12, 19)


def test_months_ahead_keep_the_day_when_the_month_has_it():
    assert parse_date("in a month", date(2027, 1, 31)) == date(2027, 2, 28)
    assert parse_date("a month ago", date(2026, 3, 31)) == date(2026, 2, 28)
    assert parse_date("in 2 months", date(2026, 12, 15)) == date(2027, 2, 15)


def test_prefer_must_be_past_or_future():
    with pytest.raises(ValueError):
        parse_date("monday", TODAY, prefer="soon")


def test_a_date_beyond_what_python_holds_is_none():
    assert parse_date("tomorrow", date.max) is None
    assert parse_date("3 days ago", date.min) is None
    assert parse_date("in 2 weeks", date.max) is None


def _all_words(value) -> list[str]:
    """Every word and key in calendar.yml, to build strings that reach deep into the parser."""
    if isinstance(value, dict):
        return [str(k) for k in value] + [w for v in value.values() for w in _all_words(v)]
    if isinstance(value, list):
        return [w for v in value for w in _all_words(v)]
    return [str(value)]


_TOKENS = sorted(set(_all_words(yaml.safe_load(CALENDAR_FILE.read_text(encoding="utf-8"))))) + [
    "0", "1", "3", "12", "29", "31", "99", "2026", "9999", "/", "-", ".", ",", " ", "\n"]


@settings(max_examples=400, deadline=None)
@given(text=st.one_of(st.text(), st.lists(st.sampled_from(_TOKENS), max_size=8).map(" ".join),
                      st.lists(st.sampled_from(_TOKENS), max_size=8).map("".join)),
       today=st.dates(), prefer=st.sampled_from(["past", "future"]))
def test_parse_date_never_raises(text, today, prefer):
    result = parse_date(text, today, prefer=prefer)
    assert result is None or isinstance(result, date)


# --- the words live in calendar.yml -------------------------------------------------------------------

def _write_calendar(tmp_path: Path, change) -> Path:
    data = yaml.safe_load(CALENDAR_FILE.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "calendar.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_a_spelling_added_to_the_yaml_is_understood(tmp_path):
    words = load_calendar(_write_calendar(tmp_path, lambda d: d["en"]["months"][2].append("marchh")))
    assert parse_date("marchh 4", TODAY, words=words) == date(2026, 3, 4)
    assert parse_date("marchh 4", TODAY) is None


def test_load_calendar_defaults_to_the_knowledge_file():
    words = load_calendar()
    assert isinstance(words, CalendarWords)
    assert {code for code, _ in words.languages} >= {"en", "es"}
    assert words.language("es").month_names[11] == "diciembre"
    assert words.language("es-US").weekday_names[2] == "miércoles"


@pytest.mark.parametrize("change, names", [
    (lambda d: d["es"].pop("months"), "es.months"),
    (lambda d: d["en"]["weekdays"].pop(), "en.weekdays"),
    (lambda d: d["es"]["units"].pop("weeks"), "es.units"),
    (lambda d: d["en"].update(date_format="{weekday} {hour}"), "en.date_format"),
    (lambda d: d["es"]["ago"].pop("before"), "es.ago"),
    (lambda d: d.pop("en"), "'en' is missing"),
    (lambda d: d["es"]["months"][0].append("feb"), "'feb' means something else"),
])
def test_a_broken_calendar_names_the_file_and_key(tmp_path, change, names):
    path = _write_calendar(tmp_path, change)
    with pytest.raises(ValueError) as err:
        load_calendar(path)
    assert str(path.resolve()) in str(err.value) and names in str(err.value)


def test_a_missing_calendar_file_names_it(tmp_path):
    with pytest.raises(ValueError, match="nowhere.yml"):
        load_calendar(tmp_path / "nowhere.yml")


# --- holidays and school days ------------------------------------------------------------------------

def test_federal_holidays_2026_as_observed():
    assert us_federal_holidays(2026) == {
        date(2026, 1, 1), date(2026, 1, 19), date(2026, 2, 16), date(2026, 5, 25), date(2026, 6, 19),
        date(2026, 7, 3),  # July 4 is a Saturday
        date(2026, 9, 7), date(2026, 10, 12), date(2026, 11, 11), date(2026, 11, 26), date(2026, 12, 25),
    }


def test_federal_holidays_2027_as_observed():
    assert us_federal_holidays(2027) == {
        date(2027, 1, 1), date(2027, 1, 18), date(2027, 2, 15), date(2027, 5, 31),
        date(2027, 6, 18),  # Juneteenth is a Saturday
        date(2027, 7, 5),  # July 4 is a Sunday
        date(2027, 9, 6), date(2027, 10, 11), date(2027, 11, 11), date(2027, 11, 25),
        date(2027, 12, 24),  # Christmas is a Saturday
        date(2027, 12, 31),  # New Year's Day 2028 is a Saturday
    }


def test_new_years_day_on_a_saturday_is_observed_the_year_before():
    assert date(2021, 12, 31) in us_federal_holidays(2021)
    assert not is_school_day(date(2021, 12, 31))
    assert all(d.year == 2022 for d in us_federal_holidays(2022))
    assert date(2028, 1, 1) not in us_federal_holidays(2028)


def test_juneteenth_only_from_2021():
    assert date(2021, 6, 18) in us_federal_holidays(2021)  # June 19, 2021 was a Saturday
    assert not any(d.month == 6 for d in us_federal_holidays(2020))


def test_school_days():
    assert is_school_day(TODAY)
    assert not is_school_day(date(2026, 11, 26))  # Thanksgiving
    assert is_school_day(date(2026, 11, 27))  # the day after is not a federal holiday
    assert not is_school_day(date(2026, 11, 28))  # Saturday
    assert not is_school_day(date(2026, 11, 27), closed=[date(2026, 11, 27)])
    assert not is_school_day(date(2026, 7, 3))  # observed Independence Day


def test_add_school_days_across_thanksgiving():
    assert add_school_days(TODAY, 10) == date(2026, 12, 9)
    assert add_school_days(TODAY, 2) == date(2026, 11, 27)


def test_add_school_days_with_the_schools_own_closures():
    closed = [date(2026, 11, 25), date(2026, 11, 27)]
    assert add_school_days(TODAY, 10, closed=closed) == date(2026, 12, 11)
    assert add_school_days(TODAY, 1, closed=set(closed)) == date(2026, 11, 30)


def test_add_school_days_across_a_weekend_and_the_year_end():
    assert add_school_days(date(2026, 11, 20), 1) == date(2026, 11, 23)  # Friday to Monday
    assert add_school_days(date(2026, 11, 21), 1) == date(2026, 11, 23)  # from a Saturday
    assert add_school_days(date(2026, 12, 23), 2) == date(2026, 12, 28)  # over Christmas
    assert add_school_days(date(2026, 12, 31), 1) == date(2027, 1, 4)  # over New Year's Day
    assert add_school_days(date(2027, 12, 23), 1) == date(2027, 12, 27)  # Dec 24 is observed Christmas
    assert add_school_days(date(2027, 12, 30), 1) == date(2028, 1, 3)  # Dec 31 is observed New Year's Day


def test_add_school_days_zero_and_negative():
    assert add_school_days(date(2026, 11, 28), 0) == date(2026, 11, 28)
    with pytest.raises(ValueError):
        add_school_days(TODAY, -1)


def test_add_calendar_days_at_month_and_year_end():
    assert add_calendar_days(date(2026, 1, 31), 1) == date(2026, 2, 1)
    assert add_calendar_days(date(2028, 2, 28), 1) == date(2028, 2, 29)
    assert add_calendar_days(date(2026, 12, 31), 1) == date(2027, 1, 1)
    assert add_calendar_days(TODAY, 30) == date(2026, 12, 24)
    assert add_calendar_days(date(2027, 1, 1), -1) == date(2026, 12, 31)


# --- writing dates back -----------------------------------------------------------------------------

def test_format_date_in_both_languages():
    assert format_date(date(2026, 12, 8)) == "Tuesday, December 8, 2026"
    assert format_date(date(2026, 12, 8), "es") == "martes 8 de diciembre de 2026"
    assert format_date(date(2027, 1, 6), "es") == "miércoles 6 de enero de 2027"
    assert format_date(date(2026, 11, 28), "es") == "sábado 28 de noviembre de 2026"
    assert format_date(date(2027, 1, 1), "en") == "Friday, January 1, 2027"


def test_format_date_falls_back_to_english():
    assert format_date(date(2026, 12, 8), "fr") == "Tuesday, December 8, 2026"
    assert format_date(date(2026, 12, 8), "") == "Tuesday, December 8, 2026"


def test_a_written_date_reads_back_as_the_same_date():
    for day in (date(2026, 12, 8), date(2027, 2, 28), date(2026, 9, 30)):
        for lang in ("en", "es"):
            assert parse_date(format_date(day, lang), TODAY) == day


# --- no Rasa ---------------------------------------------------------------------------------------

def test_dates_module_imports_no_rasa():
    tree = ast.parse((ROOT / "bot" / "knowledge" / "dates.py").read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not {name.split(".")[0] for name in imported} & {"rasa", "rasa_sdk"}

    code = "import sys, bot.knowledge.dates; print(sorted(m for m in sys.modules if m.split('.')[0] in ('rasa', 'rasa_sdk')))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
