"""The volunteer-training scenario library: one YAML file per scenario under data/scenarios/.

Every file is checked against a schema and against the knowledge base (situation ids, right keys,
letter ids, advocate levels and signs). A bad file stops loading with an error that names the file
and the field, so a coordinator who edits a scenario learns exactly what to fix.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import yaml

from bot.knowledge import Knowledge

SCENARIOS_DIR = Path(__file__).resolve().parents[2] / "data" / "scenarios"
DIFFICULTIES = ("easy", "medium", "hard")
LANGUAGES = ("en", "es", "es-en", "limited-english")  # the parent's: English, Spanish, Spanglish, English learner
SPANISH = ("es", "es-en")  # a Spanish-speaking parent: the assistant answers in Spanish
RISKS = ("low", "medium", "high")
VOICES = ("texting", "formal", "upset", "unsure", "limited-english", "mixed-language")
_ID = re.compile(r"[a-z0-9_]{3,80}")
_TOP_LEVEL = {"id", "title", "difficulty", "tags", "persona", "opening", "facts", "key", "mistakes"}


class ScenarioError(ValueError):
    """A scenario file that cannot be used; the message names the file and the field."""

    def __init__(self, path: Path | str, field: str, problem: str):
        self.path, self.field, self.problem = str(path), field, problem
        super().__init__(f"{path}: {field}: {problem}")


@dataclass(frozen=True)
class Fact:
    ask: tuple[str, ...]  # words a volunteer's question may contain
    answer: str


@dataclass(frozen=True)
class Key:
    situations: tuple[str, ...]  # the first is the main one
    rights: tuple[str, ...]
    letter: str | None
    advocate_level: str
    advocate_signs: tuple[str, ...]
    why: str


@dataclass(frozen=True)
class Scenario:
    id: str
    title: str
    difficulty: str
    topics: tuple[str, ...]
    language: str
    risk: str
    who: str
    voice: str
    opening: str
    facts: tuple[Fact, ...]
    key: Key
    mistakes: tuple[str, ...]
    path: str

    @property
    def parent_language(self) -> str:
        """The language the assistant answers this parent in ("es" for Spanish and Spanglish, else "en"); the
        title, persona, key and mistakes stay in the volunteer's language."""
        return "es" if self.language in SPANISH else "en"

    @property
    def tags(self) -> tuple[str, ...]:
        """Every tag a coordinator can filter by: topics, the language, and risk as `risk:high`."""
        return (*self.topics, self.language, f"risk:{self.risk}", self.voice)


def load_scenarios(knowledge: Knowledge, folder: Path = SCENARIOS_DIR) -> list[Scenario]:
    """Every scenario in `folder`, sorted by id. Raises ScenarioError for the first bad file."""
    if not folder.is_dir():
        raise ScenarioError(folder, "folder", "not found")
    scenarios = [read_scenario(path, knowledge) for path in sorted(folder.glob("*.yml"))]
    if not scenarios:
        raise ScenarioError(folder, "folder", "holds no scenario files (*.yml)")
    return scenarios


def read_scenario(path: Path, knowledge: Knowledge) -> Scenario:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as err:
        raise ScenarioError(path, "file", f"cannot be read ({err.__class__.__name__})") from err
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ScenarioError(path, "file", f"is not valid YAML{where}") from err
    return parse_scenario(data, path, knowledge)


def parse_scenario(data: Any, path: Path | str, knowledge: Knowledge) -> Scenario:
    check = _Checker(path)
    if not isinstance(data, dict):
        raise ScenarioError(path, "file", "expected a mapping with id, title, persona, opening, facts, key, mistakes")
    unknown = sorted(set(data) - _TOP_LEVEL)
    if unknown:
        raise ScenarioError(path, unknown[0], f"is not a scenario field (expected one of {', '.join(sorted(_TOP_LEVEL))})")
    scenario_id = check.text(data, "id")
    if not _ID.fullmatch(scenario_id):
        raise ScenarioError(path, "id", "use 3-80 lowercase letters, digits and underscores")
    if Path(path).suffix == ".yml" and Path(path).stem != scenario_id:
        raise ScenarioError(path, "id", f"'{scenario_id}' must equal the file name '{Path(path).stem}'")
    tags = check.mapping(data, "tags")
    persona = check.mapping(data, "persona")
    key = check.mapping(data, "key")
    advocate = check.mapping(key, "advocate", "key.advocate")
    return Scenario(
        id=scenario_id,
        title=check.text(data, "title"),
        difficulty=check.choice(data, "difficulty", DIFFICULTIES),
        topics=check.words(tags, "topics", "tags.topics"),
        language=check.choice(tags, "language", LANGUAGES, "tags.language"),
        risk=check.choice(tags, "risk", RISKS, "tags.risk"),
        who=check.text(persona, "who", "persona.who"),
        voice=check.choice(persona, "voice", VOICES, "persona.voice"),
        opening=check.text(data, "opening"),
        facts=check.facts(data),
        key=Key(
            situations=check.known(key, "situations", knowledge.situations, "key.situations", at_least=1),
            rights=check.known(key, "rights", knowledge.rights, "key.rights"),
            letter=check.letter(key, knowledge),
            advocate_level=check.choice(advocate, "level", tuple(knowledge.levels), "key.advocate.level"),
            advocate_signs=check.known(advocate, "signs", knowledge.signs, "key.advocate.signs"),
            why=check.text(key, "why", "key.why"),
        ),
        mistakes=check.texts(data, "mistakes", at_least=1),
        path=str(path),
    )


def pick(scenarios: Iterable[Scenario], tags: Sequence[str] = (), difficulty: str | None = None,
         situation: str | None = None) -> list[Scenario]:
    """A coordinator's set: scenarios with every tag given, of that difficulty, about that situation."""
    wanted = {t.strip().lower() for t in tags if t.strip()}
    return [s for s in scenarios
            if wanted <= set(s.tags) and (difficulty is None or s.difficulty == difficulty)
            and (situation is None or situation in s.key.situations)]


@dataclass(frozen=True)
class _Checker:
    path: Path | str

    def _fail(self, field: str, problem: str) -> ScenarioError:
        return ScenarioError(self.path, field, problem)

    def mapping(self, data: Mapping, name: str, field: str | None = None) -> Mapping:
        value = data.get(name)
        if not isinstance(value, dict):
            raise self._fail(field or name, "is missing or not a mapping")
        return value

    def text(self, data: Mapping, name: str, field: str | None = None) -> str:
        value = data.get(name)
        if not isinstance(value, str) or not value.strip():
            raise self._fail(field or name, "is missing or empty (expected text)")
        return value.strip()

    def choice(self, data: Mapping, name: str, allowed: Sequence[str], field: str | None = None) -> str:
        value = data.get(name)
        if value not in allowed:
            raise self._fail(field or name, f"'{value}' is not one of {', '.join(allowed)}")
        return value

    def _list(self, data: Mapping, name: str, field: str, at_least: int) -> list:
        value = data.get(name, [])
        if value is None:
            value = []
        if not isinstance(value, list):
            raise self._fail(field, "expected a list")
        if len(value) < at_least:
            raise self._fail(field, f"needs at least {at_least}")
        return value

    def words(self, data: Mapping, name: str, field: str) -> tuple[str, ...]:
        values = self._list(data, name, field, 1)
        if not all(isinstance(v, str) and v.strip() for v in values):
            raise self._fail(field, "every entry must be a word")
        return tuple(v.strip().lower() for v in values)

    def texts(self, data: Mapping, name: str, at_least: int = 0) -> tuple[str, ...]:
        values = self._list(data, name, name, at_least)
        for number, value in enumerate(values, start=1):
            if not isinstance(value, str) or not value.strip():
                raise self._fail(f"{name}[{number}]", "expected text")
        return tuple(v.strip() for v in values)

    def known(self, data: Mapping, name: str, known: Mapping, field: str, at_least: int = 0) -> tuple[str, ...]:
        values = self._list(data, name, field, at_least)
        for value in values:
            if value not in known:
                raise self._fail(field, f"unknown id '{value}'")
        if len(set(values)) != len(values):
            raise self._fail(field, "lists an id twice")
        return tuple(values)

    def letter(self, key: Mapping, knowledge: Knowledge) -> str | None:
        value = key.get("letter")
        if value is not None and value not in knowledge.letters:
            raise self._fail("key.letter", f"unknown letter '{value}' (see bot/knowledge/letters.yml, or null)")
        return value

    def facts(self, data: Mapping) -> tuple[Fact, ...]:
        facts = []
        for number, item in enumerate(self._list(data, "facts", "facts", 1), start=1):
            field = f"facts[{number}]"
            if not isinstance(item, dict):
                raise self._fail(field, "expected ask: [words] and answer: text")
            facts.append(Fact(self.words(item, "ask", f"{field}.ask"), self.text(item, "answer", f"{field}.answer")))
        return tuple(facts)
