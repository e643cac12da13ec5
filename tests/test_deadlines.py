"""Deadlines counted from what a parent did: federal rules, verified state rules, and the words shown."""
from __future__ import annotations

import ast
import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml

from bot.cases.deadlines import (
    DEADLINES_FILE,
    KINDS,
    Deadline,
    DeadlineError,
    check_start,
    deadlines_for,
    describe,
    event_for_letter,
    event_from_text,
    load_deadlines,
    problem_text,
    start_stated,
)
from bot.guidance.readability import PARENT_LIMIT, grade
from bot.knowledge.dates import add_calendar_days, add_school_days, format_date
from bot.knowledge.states import all_states

ROOT = Path(__file__).resolve().parents[1]
FACTS = ROOT.parent / "shared" / "idea-facts.md"
LETTERS = ROOT / "bot" / "knowledge" / "letters.yml"
TODAY = date(2026, 11, 24)  # a Tuesday, two days before Thanksgiving
UNVERIFIED = ("CA", "TX", "IL", "NY", "FL", "MD", "NH", "WI", "MA", "AZ")  # no verified evaluation row


def only(event: str, start: date, **kwargs) -> Deadline:
    legal = [d for d in deadlines_for(event, start, **kwargs) if d.legal]
    assert len(legal) == 1, legal
    return legal[0]


def rules_of(found: list[Deadline]) -> list[str]:
    return [d.rule for d in found]


# --- federal rules ---------------------------------------------------------------------------------

def test_evaluation_60_calendar_days_after_consent_across_the_year_end():
    d = only("consent_signed", date(2025, 12, 15))
    assert (d.rule, d.kind, d.due) == ("evaluation", "evaluation", date(2026, 2, 13))
    assert d.citation == "34 CFR 300.301(c)"
    assert d.state is None and d.state_may_differ and d.legal and not d.approximate
    assert rules_of(deadlines_for("consent_signed", date(2025, 12, 15))) == ["evaluation"]  # no follow-up


@pytest.mark.parametrize("start, due", [
    (date(2028, 2, 29), date(2028, 4, 29)),  # leap day
    (date(2027, 12, 31), date(2028, 2, 29)),  # lands on a leap day
    (date(2026, 12, 31), date(2027, 3, 1)),  # no Feb 29 in 2027
    (date(2026, 11, 1), date(2026, 12, 31)),
])
def test_evaluation_month_and_year_ends(start, due):
    assert only("consent_signed", start).due == due


@pytest.mark.parametrize("start, due", [
    (date(2026, 1, 31), date(2026, 3, 17)),
    (date(2028, 1, 31), date(2028, 3, 16)),  # leap year: February has 29 days
    (date(2028, 2, 29), date(2028, 4, 14)),
    (date(2026, 12, 1), date(2027, 1, 15)),
])
def test_records_45_calendar_days(start, due):
    found = deadlines_for("records_requested", start)
    assert rules_of(found) == ["records", "follow_up"]
    records = found[0]
    assert (records.kind, records.due, records.citation) == ("records", due, "34 CFR 300.613")
    assert not records.approximate and not records.state_may_differ and records.meeting is None


def test_records_due_the_school_day_before_a_sooner_meeting():
    records = only("records_requested", date(2026, 3, 2), meeting=date(2026, 3, 16))  # a Monday
    assert records.due == date(2026, 3, 13)  # the Friday before
    assert records.meeting == date(2026, 3, 16) and records.approximate


def test_records_before_a_meeting_skips_a_holiday_and_the_schools_closed_days():
    # Tuesday January 20, 2026 follows Martin Luther King Day.
    assert only("records_requested", date(2026, 1, 5), meeting=date(2026, 1, 20)).due == date(2026, 1, 16)
    closed = {date(2026, 1, 16), date(2026, 1, 15)}
    d = only("records_requested", date(2026, 1, 5), meeting=date(2026, 1, 20), closed=closed)
    assert d.due == date(2026, 1, 14) and not d.approximate


def test_records_meeting_later_than_45_days_or_already_past_changes_nothing():
    later = only("records_requested", date(2026, 3, 2), meeting=date(2026, 6, 1))
    assert later.due == date(2026, 4, 16) and later.meeting is None and not later.approximate
    past = only("records_requested", date(2026, 3, 2), meeting=date(2026, 2, 20))
    assert past.due == date(2026, 4, 16) and past.meeting is None


def test_records_meeting_the_next_day_is_due_the_same_day():
    assert only("records_requested", date(2026, 3, 2), meeting=date(2026, 3, 3)).due == date(2026, 3, 2)


def test_manifestation_10_school_days_over_thanksgiving():
    d = only("placement_change_decided", TODAY)
    assert (d.rule, d.kind, d.citation) == ("manifestation", "manifestation", "34 CFR 300.530(e)")
    assert d.due == date(2026, 12, 9)  # Thanksgiving Day skipped; the Friday after is a school day
    assert d.approximate and not d.state_may_differ
    assert rules_of(deadlines_for("placement_change_decided", TODAY)) == ["manifestation"]


def test_manifestation_over_christmas_and_new_year():
    start = date(2026, 12, 18)
    assert only("placement_change_decided", start).due == date(2027, 1, 5)
    winter_break = {date(2026, 12, 21) + timedelta(days=i) for i in range(12)}
    exact = only("placement_change_decided", start, closed=winter_break)
    assert exact.due == date(2027, 1, 15) and not exact.approximate


def test_follow_up_one_week_later_is_not_law():
    found = deadlines_for("letter_sent", date(2026, 12, 28))
    assert rules_of(found) == ["follow_up"]
    d = found[0]
    assert d.due == date(2027, 1, 4) and d.kind == "follow_up"
    assert d.citation == "" and not d.legal and not d.approximate and not d.state_may_differ


def test_no_federal_deadline_for_answering_an_evaluation_request_or_holding_a_meeting():
    assert rules_of(deadlines_for("evaluation_requested", TODAY)) == ["follow_up"]
    assert rules_of(deadlines_for("meeting_requested", TODAY)) == ["follow_up"]


# --- verified state rules -------------------------------------------------------------------------

def test_pennsylvania_evaluation_report_replaces_the_federal_rule():
    found = deadlines_for("consent_signed", date(2025, 12, 15), state="PA")
    assert rules_of(found) == ["evaluation_pa"]
    d = found[0]
    assert d.due == date(2026, 2, 13) and d.citation == "22 Pa. Code 14.123(b)"
    assert d.state == "PA" and not d.state_may_differ and not d.approximate
    assert "summer" in describe(d, date(2026, 1, 1)).lower()
    assert rules_of(deadlines_for("consent_signed", date(2025, 12, 15), state="pa")) == ["evaluation_pa"]


def test_massachusetts_notice_within_5_school_days_of_a_request():
    found = deadlines_for("evaluation_requested", date(2026, 11, 25), state="MA")
    assert rules_of(found) == ["evaluation_notice_ma", "follow_up"]
    d = found[0]
    assert d.kind == "evaluation_notice" and d.due == date(2026, 12, 3)  # over Thanksgiving
    assert d.citation == "603 CMR 28.04(1)(a)" and d.state == "MA" and d.approximate
    assert found[1].due == date(2026, 12, 2)


def test_arizona_review_within_45_school_days_of_a_meeting_request():
    found = deadlines_for("meeting_requested", date(2026, 9, 1), state="AZ")
    assert rules_of(found) == ["meeting_review_az", "follow_up"]
    d = found[0]
    assert d.kind == "meeting_review" and d.due == date(2026, 11, 5)  # Labor Day, Columbus Day skipped
    assert d.citation == "A.A.C. R7-2-401(G)(7)" and d.state == "AZ" and d.approximate
    assert d.due == add_school_days(date(2026, 9, 1), 45)


def test_state_rules_apply_only_in_their_state():
    assert rules_of(deadlines_for("meeting_requested", TODAY, state="CA")) == ["follow_up"]
    assert rules_of(deadlines_for("evaluation_requested", TODAY, state="TX")) == ["follow_up"]
    assert rules_of(deadlines_for("consent_signed", TODAY, state="AZ")) == ["evaluation"]


@pytest.mark.parametrize("state", UNVERIFIED)
def test_unverified_states_fall_back_to_the_federal_rule(state):
    d = only("consent_signed", date(2026, 3, 2), state=state)
    assert d.rule == "evaluation" and d.state is None and d.state_may_differ
    assert d.due == add_calendar_days(date(2026, 3, 2), 60)
    assert "Your state may set a different timeline." in describe(d, date(2026, 3, 2))


@pytest.mark.parametrize("event", ["consent_signed", "records_requested", "placement_change_decided",
                                   "meeting_requested", "evaluation_requested", "letter_sent"])
@pytest.mark.parametrize("state", [None, *(s.code for s in all_states())])
def test_legal_deadlines_come_first_and_the_follow_up_last(event, state):
    found = deadlines_for(event, TODAY, state=state)
    assert found
    legal = [d.legal for d in found]
    assert legal == sorted(legal, reverse=True)
    assert all(d.state in (None, state) for d in found)


def test_unknown_event_or_state_is_a_caller_error():
    with pytest.raises(ValueError, match="unknown event"):
        deadlines_for("lunch", TODAY)
    with pytest.raises(ValueError, match="unknown state"):
        deadlines_for("consent_signed", TODAY, state="XX")


def test_passed_is_after_the_due_day():
    d = only("consent_signed", date(2025, 12, 15))
    assert not d.passed(date(2026, 2, 13)) and d.passed(date(2026, 2, 14)) and not d.passed(date(2026, 1, 1))


# --- the data: only verified law ---------------------------------------------------------------------

def _state_table() -> list[list[str]]:
    text = FACTS.read_text(encoding="utf-8")
    section = text[text.index("## State variation"):]
    section = section[:section.index("\n## ", 1)]
    rows = [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| State")]
    return [[cell.replace("**", "").strip() for cell in row.strip().strip("|").split("|")] for row in rows]


def test_the_fact_sheet_table_is_readable():
    table = _state_table()
    assert len(table) > 10 and all(len(row) == 5 for row in table)


def test_every_state_rule_is_verified_and_its_figure_is_in_the_fact_sheet():
    names = {s.code: s.name for s in all_states()}
    raw = yaml.safe_load(DEADLINES_FILE.read_text(encoding="utf-8"))["rules"]
    state_rules = [r for r in load_deadlines().rules if r.state]
    assert {r.state for r in state_rules} == {"AZ", "MA", "PA"}
    for rule in state_rules:
        assert raw[rule.id]["confidence"] == "verified" and rule.source.startswith("https://")
        rows = [row for row in _state_table() if row[0] == names[rule.state]
                and rule.figure in row[2] and rule.citation in row[3]]
        assert rows, f"{rule.id}: no row for {names[rule.state]} with '{rule.figure}' and '{rule.citation}'"
        assert all(row[4].startswith("VERIFIED") for row in rows), f"{rule.id}: {rows}"
        assert not rule.state_may_differ


def test_federal_citations_are_in_the_fact_sheet():
    facts = FACTS.read_text(encoding="utf-8")
    for rule in load_deadlines().rules:
        if rule.legal and not rule.state:
            section = re.search(r"300\.(\d+)", rule.citation)
            assert section and f"300.{section.group(1)}" in facts


def test_every_kind_is_used():
    assert {r.kind for r in load_deadlines().rules} == set(KINDS)


# --- letters and the parent's words ----------------------------------------------------------------

def test_every_letter_has_an_event():
    letters = yaml.safe_load(LETTERS.read_text(encoding="utf-8"))["letters"]
    assert set(load_deadlines().letter_events) <= set(letters)
    expected = {"meeting_request": "meeting_requested", "evaluation_request": "evaluation_requested",
                "records_request": "records_requested"}
    for letter in letters:
        assert event_for_letter(letter) == expected.get(letter, "letter_sent")
    for letter in ("pwn_request", "iee_request", "follow_up", "section_504_request", "advocate_attendance_notice"):
        assert event_for_letter(letter) == "letter_sent"
        assert rules_of(deadlines_for(event_for_letter(letter), TODAY)) == ["follow_up"]


@pytest.mark.parametrize("text, event", [
    ("I signed the consent for testing", "consent_signed"),
    ("they started the evaluation", "consent_signed"),
    ("I signed the consent form on Monday", "consent_signed"),
    ("I asked for his records", "records_requested"),
    ("I want to see her file", "records_requested"),
    ("he was suspended for 12 days", "placement_change_decided"),
    ("she got expelled", "placement_change_decided"),
    ("the school wants a removal", "placement_change_decided"),
    ("they set a manifestation meeting", "placement_change_decided"),
    ("I asked for a meeting", "meeting_requested"),
    ("I asked for an IEP MEETING", "meeting_requested"),
    ("the meeting about his records", None),
    ("I want to file a complaint", None),
    ("the school does not meet his needs", None),
    ("hello", None),
    ("", None),
])
def test_event_from_text(text, event):
    assert event_from_text(text) == event


@pytest.mark.parametrize("text, event", [
    ("firmé el consentimiento para la evaluación", "consent_signed"),
    ("ya empezaron las pruebas", "consent_signed"),
    ("entregué la forma de consentimiento el lunes", "consent_signed"),
    ("pedí el expediente escolar de mi hijo", "records_requested"),
    ("quiero ver su record", "records_requested"),
    ("lo suspendieron por 12 días", "placement_change_decided"),
    ("la expulsion de mi hija", "placement_change_decided"),
    ("hicieron una reunión de manifestación", "placement_change_decided"),
    ("pedí una reunión", "meeting_requested"),
    ("quiero una junta del IEP", "meeting_requested"),
    ("pedí el IEP meeting", "meeting_requested"),
    ("la reunión sobre su expediente", None),  # two steps: ask instead of guessing
    ("fui a la junta escolar del distrito", None),  # the school board, not an IEP meeting
    ("hubo suspensión de clases por la nieve", None),  # the school closed, no discipline
    ("hola", None),
])
def test_event_from_spanish_text(text, event):
    assert event_from_text(text) == event


@pytest.mark.parametrize("text, stated", [
    ("la escuela recibió mi consentimiento el 4 de mayo", True),
    ("entregué la forma el 4 de mayo", True),
    ("pedí la evaluación el 4 de mayo", False),  # the day the parent asked, not the school's receipt of consent
])
def test_a_spanish_date_starts_the_evaluation_clock_only_from_the_schools_receipt(text, stated):
    assert start_stated("consent_signed", text) is stated


def test_every_text_has_spanish_with_the_same_fill_ins():
    raw = yaml.safe_load(DEADLINES_FILE.read_text(encoding="utf-8"))
    texts = [entry[name] for entry in raw["rules"].values() for name in entry
             if isinstance(entry[name], dict) and "en" in entry[name]]
    texts += list(raw["notes"].values()) + list(raw["problems"].values())
    for text in texts:
        assert text.get("es") and (text["es"] != text["en"] or text["en"] == "({citation})"), text["en"]
        assert sorted(re.findall(r"\{\w+\}", text["es"])) == sorted(re.findall(r"\{\w+\}", text["en"])), text["es"]
        assert not re.search(r"\b(?:tú|tu|tus|te|ti)\b", text["es"], re.I), text["es"]


def test_check_start():
    assert check_start(TODAY + timedelta(days=1), TODAY) == "future"
    assert check_start(TODAY, TODAY) is None
    assert check_start(TODAY - timedelta(days=365), TODAY) is None
    assert check_start(TODAY - timedelta(days=366), TODAY) == "too_old"
    assert check_start(date(2020, 1, 1), TODAY) == "too_old"


@pytest.mark.parametrize("problem", ["future", "too_old", "unknown_event", "no_date"])
def test_problem_texts(problem):
    text = problem_text(problem)
    assert text and problem_text(problem, "fr") == text  # English until a language is written
    assert problem_text(problem, "es") not in ("", text)
    assert problem_text(problem, "es-US") == problem_text(problem, "es")
    assert grade(text) <= PARENT_LIMIT


def test_unknown_problem():
    with pytest.raises(KeyError):
        problem_text("lunch")


# --- describe ----------------------------------------------------------------------------------------

def test_describe_writes_the_date_the_notes_and_ends_with_the_citation():
    d = only("placement_change_decided", TODAY)
    text = describe(d, TODAY)
    assert format_date(date(2026, 12, 9)) in text  # "Wednesday, December 9, 2026"
    assert "school's calendar" in text
    assert text.endswith("(34 CFR 300.530(e))")
    assert "Your state may set a different timeline." not in text


def test_describe_records_and_the_state_note():
    records = only("records_requested", date(2026, 1, 31))
    text = describe(records, date(2026, 2, 1))
    assert "Tuesday, March 17, 2026" in text and text.endswith("(34 CFR 300.613)")
    assert "calendar" not in text and "state may" not in text
    evaluation = only("consent_signed", date(2025, 12, 15), state="CA")
    text = describe(evaluation, date(2026, 1, 1))
    assert "Friday, February 13, 2026" in text
    assert "Your state may set a different timeline." in text and text.endswith("(34 CFR 300.301(c))")


def test_describe_before_a_meeting_names_the_meeting():
    d = only("records_requested", date(2026, 3, 2), meeting=date(2026, 3, 16))
    text = describe(d, date(2026, 3, 3))
    assert "Monday, March 16, 2026" in text and "Friday, March 13, 2026" in text


def test_describe_uses_the_passed_text_after_the_due_date():
    d = only("consent_signed", date(2025, 12, 15))
    before, on, after = (describe(d, day) for day in (date(2026, 1, 1), date(2026, 2, 13), date(2026, 2, 14)))
    assert before == on != after
    assert "Friday, February 13, 2026" in after and after.endswith("(34 CFR 300.301(c))")


def test_describe_the_follow_up_has_no_citation():
    d = deadlines_for("letter_sent", TODAY)[0]
    assert "(" not in describe(d, TODAY) and format_date(d.due) in describe(d, TODAY)
    assert describe(d, TODAY) != describe(d, d.due + timedelta(days=1))


def test_describe_in_a_language_not_written_yet_is_all_english():
    d = only("consent_signed", date(2025, 12, 15))
    assert describe(d, TODAY, "fr") == describe(d, TODAY, "fr-CA") == describe(d, TODAY, "en")
    assert "Friday, February 13, 2026" in describe(d, TODAY, "fr")  # not a French date in English words


def test_describe_in_spanish_writes_a_spanish_date_the_notes_and_the_citation():
    d = only("consent_signed", date(2025, 12, 15), state="CA")
    text = describe(d, TODAY, "es")
    assert text == describe(d, TODAY, "es-US")
    assert "viernes 13 de febrero de 2026" in text and "Friday" not in text
    assert "Su estado puede fijar un plazo diferente." in text and text.endswith("(34 CFR 300.301(c))")
    school_days = describe(only("placement_change_decided", TODAY), TODAY, "es")
    assert "miércoles 9 de diciembre de 2026" in school_days and "calendario de su escuela" in school_days


# (event, state, meeting date): one case for each kind of rule, graded here and in Spanish by test_readability.
DESCRIBED_CASES = [("consent_signed", None, None), ("consent_signed", "PA", None), ("evaluation_requested", "MA", None),
                   ("records_requested", None, None), ("records_requested", None, date(2026, 3, 16)),
                   ("placement_change_decided", None, None), ("meeting_requested", "AZ", None),
                   ("letter_sent", None, None)]


def _every_description():
    for event, state, meeting in DESCRIBED_CASES:
        for d in deadlines_for(event, date(2026, 3, 2), state=state, meeting=meeting):
            for today in (date(2026, 3, 2), date(2027, 1, 1)):
                yield f"{d.rule} {'passed' if d.passed(today) else 'open'}", d, describe(d, today)


@pytest.mark.parametrize("where, deadline, text", list(_every_description()),
                         ids=lambda v: v if isinstance(v, str) and len(v) < 40 else "")
def test_every_description_reads_at_grade_8_or_lower(where, deadline, text):
    prose = text.removesuffix(f"({deadline.citation})") if deadline.citation else text
    assert grade(prose) <= PARENT_LIMIT, f"{where} reads at grade {grade(prose):.1f}: {text}"
    assert not re.search(r"\{\w+\}", text)


def test_every_rule_and_variant_is_described():
    described = {where.split()[0] for where, _, _ in _every_description()}
    assert described == {r.id for r in load_deadlines().rules}


# --- the loader ----------------------------------------------------------------------------------

def _broken(tmp_path: Path, change) -> Path:
    data = yaml.safe_load(DEADLINES_FILE.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "deadlines.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("change, message", [
    (lambda d: d["rules"]["evaluation_pa"].update(confidence="secondary"), r"rule 'evaluation_pa'.*confidence"),
    (lambda d: d["rules"]["meeting_review_az"].pop("confidence"), r"rule 'meeting_review_az'.*confidence"),
    (lambda d: d["rules"]["evaluation"].update(state="TX", confidence="SECONDARY"), r"rule 'evaluation'.*confidence"),
    (lambda d: d["rules"]["evaluation_notice_ma"].pop("source"), r"rule 'evaluation_notice_ma'.*source"),
    (lambda d: d["rules"]["records"].update(kind="homework"), r"rule 'records'.*unknown kind"),
    (lambda d: d["rules"]["manifestation"].update(events=["lunch"]), r"rule 'manifestation'.*unknown event"),
    (lambda d: d["rules"]["follow_up"].pop("passed"), r"rule 'follow_up'.*'passed' is missing"),
    (lambda d: d["rules"]["records"].pop("meeting"), r"rule 'records'.*'meeting' is missing"),
    (lambda d: d["rules"]["evaluation"]["text"].pop("en"), r"rule 'evaluation'.*text.*'en'"),
    (lambda d: d["rules"]["evaluation"]["text"].update(en=""), r"rule 'evaluation'.*text"),
    (lambda d: d["rules"]["evaluation"]["text"].update(en="Due {when}."), r"rule 'evaluation'.*fill-in"),
    (lambda d: d["rules"]["evaluation"].update(unit="weeks"), r"rule 'evaluation'.*unknown unit"),
    (lambda d: d["rules"]["evaluation"].update(citation=""), r"rule 'evaluation'.*citation"),
    (lambda d: d["rules"]["evaluation_pa"].update(state="ZZ"), r"rule 'evaluation_pa'.*unknown state"),
    (lambda d: d["rules"]["evaluation_pa"].update(replaces="nothing"), r"rule 'evaluation_pa'.*replaces"),
    (lambda d: d["problems"].pop("no_date"), r"problems.*'no_date' is missing"),
    (lambda d: d["letters"].update(iee_request="lunch"), r"letter 'iee_request'.*unknown event"),
])
def test_a_malformed_file_names_the_file_and_the_rule(tmp_path, change, message):
    path = _broken(tmp_path, change)
    with pytest.raises(DeadlineError, match=message) as err:
        load_deadlines(path)
    assert str(path) in str(err.value)


def test_invalid_yaml_names_the_file(tmp_path):
    path = tmp_path / "deadlines.yml"
    path.write_text("rules: [unclosed", encoding="utf-8")
    with pytest.raises(DeadlineError, match="not valid YAML") as err:
        load_deadlines(path)
    assert str(path) in str(err.value)


def test_the_real_file_loads():
    assert load_deadlines() is load_deadlines()  # read once


def test_never_imports_rasa():
    for name in ("cases/deadlines.py", "knowledge/states.py"):
        tree = ast.parse((ROOT / "bot" / name).read_text(encoding="utf-8"))
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert not {n.split(".")[0] for n in imported} & {"rasa", "rasa_sdk"}
    code = "import sys, bot.cases.deadlines; print(sorted(m for m in sys.modules if m.split('.')[0] in ('rasa', 'rasa_sdk')))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
