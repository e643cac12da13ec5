"""Finding the US state a parent names: full names, Spanish names, codes, AP abbreviations, misspellings."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

from bot.knowledge.states import STATES_FILE, StatesError, UsState, all_states, find_state, load_states

ROOT = Path(__file__).resolve().parents[1]
REPLIES = set(yaml.safe_load(STATES_FILE.read_text(encoding="utf-8"))["replies"])  # "ok", "hi", "oh"


def code_of(text: str) -> str | None:
    found = find_state(text)
    return found.code if found else None


# --- the data ---------------------------------------------------------------------------------------

def test_fifty_states_dc_and_puerto_rico():
    codes = [s.code for s in all_states()]
    assert len(codes) == len(set(codes)) == 52
    assert {"DC", "PR"} <= set(codes)
    assert all(isinstance(s, UsState) for s in all_states())


def test_the_value_is_frozen():
    state = find_state("Texas")
    assert state == UsState("TX", "Texas")
    with pytest.raises(AttributeError):
        state.code = "CA"  # type: ignore[misc]


@pytest.mark.parametrize("state", all_states(), ids=lambda s: s.code)
def test_every_code_and_every_name_round_trips(state):
    assert find_state(state.code) == state
    if state.code.lower() not in REPLIES:  # "ok" alone is agreement; "OK" is Oklahoma
        assert find_state(state.code.lower()) == state
    assert find_state(state.name) == state
    assert find_state(state.name.upper()) == state
    assert find_state(f"We live in {state.name} now.") == state


def test_every_spanish_name_and_abbreviation_round_trips():
    data = yaml.safe_load(STATES_FILE.read_text(encoding="utf-8"))
    for code, entry in data["states"].items():
        for name in entry["name"].values():
            assert code_of(name) == code, name
        for form in entry.get("abbreviations", []):
            assert code_of(form) == code, form
            assert code_of(form.replace(".", "")) == code, form


# --- full names in free text ---------------------------------------------------------------------

@pytest.mark.parametrize("text, code", [
    ("we live in texas", "TX"),
    ("Austin Texas", "TX"),
    ("TEXAS", "TX"),
    ("texas.", "TX"),
    ("My son goes to school in Ohio", "OH"),
    ("we just moved to new york city", "NY"),
    ("New Jersey", "NJ"),
    ("Kansas City, Kansas", "KS"),
    ("vivimos en Nueva York", "NY"),
    ("Pensilvania", "PA"),
    ("Carolina del Norte", "NC"),
    ("carolina del sur", "SC"),
    ("vivimos en nuevo mexico", "NM"),
    ("Nuevo México", "NM"),
    ("Virginia Occidental", "WV"),
    ("Hawái", "HI"),
    ("hawai'i", "HI"),
    ("Puerto Rico", "PR"),
])
def test_names_inside_text(text, code):
    assert code_of(text) == code


@pytest.mark.parametrize("text, code", [
    ("West Virginia", "WV"),
    ("we are in west virginia", "WV"),
    ("Virginia", "VA"),
    ("Virginia Beach", "VA"),
    ("North Carolina", "NC"),
    ("South Carolina", "SC"),
    ("North Dakota", "ND"),
    ("Kansas", "KS"),
    ("Arkansas", "AR"),
    ("little rock arkansas", "AR"),
    ("Washington", "WA"),
    ("Seattle, Washington", "WA"),
    ("Washington State", "WA"),
    ("Washington DC", "DC"),
    ("washington, d.c.", "DC"),
    ("Washington D.C.", "DC"),
    ("D.C.", "DC"),
    ("dc", "DC"),
    ("District of Columbia", "DC"),
    ("we live in the District of Columbia", "DC"),
])
def test_the_longest_name_wins(text, code):
    assert code_of(text) == code


# --- codes and abbreviations -----------------------------------------------------------------------

@pytest.mark.parametrize("text, code", [
    ("Calif.", "CA"), ("Calif", "CA"), ("calif", "CA"), ("Cal.", "CA"),
    ("Penn.", "PA"), ("Pa.", "PA"), ("Penna.", "PA"),
    ("Mass.", "MA"), ("Mass", "MA"), ("mass", "MA"),
    ("Tex.", "TX"), ("Tex", "TX"),
    ("Ariz.", "AZ"), ("ariz", "AZ"),
    ("Ill.", "IL"), ("Ill", "IL"),
    ("Wis.", "WI"), ("Wisc.", "WI"), ("wisc", "WI"),
    ("N.Y.", "NY"), ("NY", "NY"), ("n.y.", "NY"),
    ("Fla.", "FL"), ("Fla", "FL"),
    ("Ga.", "GA"), ("Ga", "GA"),
    ("W.Va.", "WV"), ("W. Va.", "WV"),
    ("N.Mex.", "NM"),
    ("P.R.", "PR"),
])
def test_abbreviations_with_or_without_the_dot(text, code):
    assert code_of(text) == code


@pytest.mark.parametrize("text, code", [
    ("tx", "TX"), ("TX", "TX"), ("Tx", "TX"), (" ca ", "CA"), ("pa", "PA"), ("PA", "PA"),
    ("OK", "OK"), ("HI", "HI"), ("ny!", "NY"),
])
def test_a_code_as_the_whole_answer_in_any_case(text, code):
    assert code_of(text) == code


@pytest.mark.parametrize("text, code", [
    ("Austin, TX 78701", "TX"),
    ("we moved to TX last year", "TX"),
    ("Our school is in Fresno CA", "CA"),
    ("Tulsa, OK", "OK"),
    ("Tulsa OK 74101", "OK"),
    ("Pittsburgh, PA 15213", "PA"),
    ("Pittsburgh, Pa. 15213", "PA"),
    ("Boston, Mass.", "MA"),
    ("Springfield, Ill.", "IL"),
    ("We live in Phoenix, Ariz.", "AZ"),
    ("Madison Wisc.", "WI"),
    ("Boise, ID", "ID"),
])
def test_codes_and_abbreviations_written_like_a_place_inside_text(text, code):
    assert code_of(text) == code


@pytest.mark.parametrize("text", [
    "I am in the meeting",
    "is it ok to ask",
    "it is OK with me",
    "hi there",
    "my pa said I should ask",
    "he or she can come",
    "call me later",
    "we live in tx",
    "my son has an ID and ADHD",
    "his MD wrote a letter",
    "the PA at the clinic said so",
    "IT IS OK I THINK",
    "MI HIJO TIENE UN IEP",
    "We went to Mass on Sunday",
    "he was ill.",
    "Miss Smith said no",
    "wash his hands",
    "ok",
    "Ok",
    "hi",
])
def test_everyday_words_are_not_states(text):
    assert find_state(text) is None


# --- misspellings ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text, code", [
    ("Pensylvania", "PA"),
    ("Masachusets", "MA"),
    ("Califronia", "CA"),
    ("new yrok", "NY"),
    ("Arizonia", "AZ"),
    ("Conneticut", "CT"),
    ("Tennesee", "TN"),
    ("Missisippi", "MS"),
    ("west virgina", "WV"),
    ("north carolia", "NC"),
    ("Alaksa", "AK"),
])
def test_a_misspelled_whole_answer(text, code):
    assert code_of(text) == code


@pytest.mark.parametrize("text", [
    "Canada", "Mexico", "I don't know", "", "   ", "skip", "12345", "78701", "no idea", "nevermind",
    "Indian", "maybe", "other", "yes", "none", "not sure", "I live in Pensylvania near the river",
])
def test_none_when_no_state_is_named(text):
    assert find_state(text) is None


def test_none_when_two_different_states_are_named():
    # Which one the school is in is unclear, so the assistant asks again rather than guess.
    assert find_state("we moved from Ohio to Texas") is None
    assert find_state("Kansas City, MO") is None
    assert code_of("Austin, Texas TX") == "TX"


def test_not_text_is_none():
    assert find_state(None) is None  # type: ignore[arg-type]


# --- the loader --------------------------------------------------------------------------------------

def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "states.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_a_spelling_used_for_two_states_is_an_error_naming_the_file_and_state(tmp_path):
    data = yaml.safe_load(STATES_FILE.read_text(encoding="utf-8"))
    data["states"]["TX"]["abbreviations"].append("Calif.")
    path = _write(tmp_path, data)
    with pytest.raises(StatesError, match=r"states\.yml: state 'TX'.*calif"):
        load_states(path)


def test_a_missing_english_name_is_an_error(tmp_path):
    data = yaml.safe_load(STATES_FILE.read_text(encoding="utf-8"))
    data["states"]["NY"]["name"] = {"es": "Nueva York"}
    path = _write(tmp_path, data)
    with pytest.raises(StatesError, match=r"state 'NY'.*'en'"):
        load_states(path)


def test_a_bad_code_is_an_error(tmp_path):
    data = yaml.safe_load(STATES_FILE.read_text(encoding="utf-8"))
    data["states"]["Tx"] = data["states"].pop("TX")
    with pytest.raises(StatesError, match="state 'Tx'"):
        load_states(_write(tmp_path, data))


def test_never_imports_rasa():
    tree = ast.parse((ROOT / "bot" / "knowledge" / "states.py").read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not {name.split(".")[0] for name in imported} & {"rasa", "rasa_sdk"}
