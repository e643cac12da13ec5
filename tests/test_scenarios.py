"""The scenario library: every file valid, at least two per situation and one with a Spanish-speaking parent, and bad
files named clearly."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.training.scenarios import (SCENARIOS_DIR, SPANISH, ScenarioError, load_scenarios, parse_scenario, pick,
                                    read_scenario)
from bot.understanding.language import evidence
from tests.scenario_samples import STORIES

GOOD = {**STORIES["reading_stalled"], "id": "sample_case"}


def _write(folder: Path, data, name: str = "sample_case") -> Path:
    path = folder / f"{name}.yml"
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data), encoding="utf-8")
    return path


def _broken(tmp_path, knowledge, change) -> ScenarioError:
    data = yaml.safe_load(yaml.safe_dump(GOOD))
    change(data)
    with pytest.raises(ScenarioError) as caught:
        read_scenario(_write(tmp_path, data), knowledge)
    return caught.value


def test_the_library_is_valid_with_at_least_two_scenarios_per_situation(knowledge):
    scenarios = load_scenarios(knowledge)
    for situation in knowledge.situations:
        count = sum(1 for s in scenarios if s.key.situations[0] == situation)
        assert count >= 2, f"{situation} has {count} scenarios as the main situation"
    assert len({s.id for s in scenarios}) == len(scenarios)
    assert {s.language for s in scenarios} >= {"en", "es", "es-en"}
    assert len({s.voice for s in scenarios}) >= 4


def test_every_situation_has_a_spanish_speaking_parents_scenario(knowledge):
    """Volunteers answer Spanish-speaking parents too: each situation has at least one scenario, as its main
    situation, whose parent writes Spanish ("es") or Spanglish ("es-en"), and both kinds are in the library."""
    scenarios = load_scenarios(knowledge)
    spanish = [s for s in scenarios if s.language in SPANISH]
    for situation in knowledge.situations:
        found = [s.id for s in spanish if s.key.situations[0] == situation]
        assert found, f"{situation} has no scenario with a Spanish-speaking parent (tags.language es or es-en)"
    assert {s.language for s in spanish} == set(SPANISH)
    assert all(s.parent_language == "es" for s in spanish)


def test_a_spanish_speaking_parent_writes_spanish_and_the_volunteer_reads_english(knowledge):
    """The parent's opening never reads as English, so the assistant answers it in Spanish (a Spanglish opening
    may read as either); the title, persona, key and mistakes are for the volunteer and never read as Spanish."""
    for s in (s for s in load_scenarios(knowledge) if s.language in SPANISH):
        assert evidence(s.opening) == "es" or (s.language == "es-en" and evidence(s.opening) is None), s.id
        for words in (s.title, s.who, s.key.why, *s.mistakes):
            assert evidence(words) != "es", f"{s.id}: volunteer text in Spanish: {words}"


@pytest.mark.parametrize("language,parent", [("es", "es"), ("es-en", "es"), ("en", "en"), ("limited-english", "en")])
def test_the_assistant_answers_in_the_parents_language(knowledge, language, parent):
    data = yaml.safe_load(yaml.safe_dump(GOOD))
    data["tags"]["language"] = language
    scenario = parse_scenario(data, "sample_case.yml", knowledge)
    assert scenario.parent_language == parent and language in scenario.tags


def test_a_good_file_loads(tmp_path, knowledge):
    scenario = read_scenario(_write(tmp_path, GOOD), knowledge)
    assert scenario.key.situations == ("stalled_progress",) and scenario.facts[0].ask == ("grade", "age")
    assert "risk:low" in scenario.tags and "reading" in scenario.tags


@pytest.mark.parametrize("change,field,words", [
    (lambda d: d["key"].update(situations=["late_bus"]), "key.situations", "unknown id 'late_bus'"),
    (lambda d: d["key"].update(rights=["free_lunch"]), "key.rights", "unknown id 'free_lunch'"),
    (lambda d: d["key"].update(letter="angry_letter"), "key.letter", "unknown letter 'angry_letter'"),
    (lambda d: d["key"]["advocate"].update(level="maybe"), "key.advocate.level", "'maybe' is not one of"),
    (lambda d: d["key"]["advocate"].update(signs=["vibes"]), "key.advocate.signs", "unknown id 'vibes'"),
    (lambda d: d["key"].update(situations=[]), "key.situations", "needs at least 1"),
    (lambda d: d.pop("opening"), "opening", "missing or empty"),
    (lambda d: d.update(difficulty="extreme"), "difficulty", "'extreme' is not one of easy, medium, hard"),
    (lambda d: d["tags"].update(language="klingon"), "tags.language", "not one of"),
    (lambda d: d.update(facts=[{"ask": ["age"]}]), "facts[1].answer", "missing or empty"),
    (lambda d: d.update(facts="none"), "facts", "expected a list"),
    (lambda d: d.update(id="Other Case"), "id", "lowercase letters"),
    (lambda d: d.update(id="other_case"), "id", "must equal the file name"),
    (lambda d: d.update(colour="blue"), "colour", "is not a scenario field"),
    (lambda d: d.update(mistakes=[]), "mistakes", "needs at least 1"),
])
def test_a_bad_file_names_the_file_and_the_field(tmp_path, knowledge, change, field, words):
    error = _broken(tmp_path, knowledge, change)
    assert error.field == field and words in error.problem and error.path.endswith("sample_case.yml")
    assert str(error).startswith(str(tmp_path / "sample_case.yml"))


def test_malformed_yaml_and_an_empty_folder_are_named(tmp_path, knowledge):
    with pytest.raises(ScenarioError, match=r"sample_case.yml: file: is not valid YAML at line 2"):
        read_scenario(_write(tmp_path, "id: x\n  title: [unclosed\n"), knowledge)
    with pytest.raises(ScenarioError, match="expected a mapping"):
        read_scenario(_write(tmp_path, "- just\n- a list\n"), knowledge)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ScenarioError, match="holds no scenario files"):
        load_scenarios(knowledge, empty)


def test_a_coordinator_picks_a_set_by_tag_difficulty_and_situation(knowledge):
    scenarios = load_scenarios(knowledge)
    hard = pick(scenarios, difficulty="hard")
    assert hard and all(s.difficulty == "hard" for s in hard)
    high = pick(scenarios, tags=["risk:high"])
    assert high and all(s.risk == "high" for s in high)
    mixed = pick(scenarios, tags=["es-en"])
    assert mixed and all(s.language == "es-en" for s in mixed)
    about = pick(scenarios, situation="behavior_discipline")
    assert about and all("behavior_discipline" in s.key.situations for s in about)
    assert pick(scenarios, tags=["no-such-tag"]) == []


def test_scenarios_live_apart_from_the_training_data():
    assert SCENARIOS_DIR.name == "scenarios" and SCENARIOS_DIR.parent.name == "data"
    for path in SCENARIOS_DIR.glob("*.yml"):  # Rasa reads only files with nlu/stories/rules keys
        assert not {"nlu", "stories", "rules", "responses"} & set(yaml.safe_load(path.read_text()) or {}), path
