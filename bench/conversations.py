"""Realistic, seeded parent messages for the stack benchmark, made from the scenario library.

A conversation script opens with a scenario's story, then mixes that parent's answers to the
questions the scenario lists with short follow-ups a parent types, and ends with a thank-you.
The same seed gives the same scripts, so every round and both assistants get identical texts.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import yaml

SCENARIOS = Path(__file__).resolve().parents[1] / "data" / "scenarios"

FOLLOW_UPS = (
    "can you help me write a letter to the school",
    "yes",
    "what are my rights here",
    "what should I do next",
    "is that even allowed?",
    "no",
    "how long do they have to answer me",
    "ok",
    "can I bring someone with me to the meeting",
    "what does that mean",
    "I'm not sure",
    "should I get an advocate?",
)
CLOSINGS = ("thank you", "thanks so much, this helps", "ok thank you", "thank you, that is really helpful")
# What a Spanish-speaking parent types after the story (the scenarios tagged es or es-en): our own words.
SPANISH_FOLLOW_UPS = (
    "me puede ayudar a escribir una carta a la escuela",
    "si",
    "cuales son mis derechos",
    "que hago ahora",
    "eso se puede hacer?",
    "no",
    "cuanto tiempo tienen para contestarme",
    "ok",
    "puedo llevar a alguien a la junta?",
    "que significa eso",
    "no se",
    "necesito un defensor?",
)
SPANISH_CLOSINGS = ("gracias", "muchas gracias, me ayudo mucho", "ok gracias", "gracias, eso me sirve")


@dataclass(frozen=True)
class Scenario:
    id: str
    opening: str
    answers: tuple[str, ...]
    spanish: bool = False  # a Spanish-speaking parent (tags.language es or es-en): follow-ups in Spanish too


def load_scenarios(folder: Path = SCENARIOS) -> list[Scenario]:
    scenarios = []
    for path in sorted(folder.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        answers = tuple(str(fact["answer"]).strip() for fact in data.get("facts") or () if fact.get("answer"))
        spanish = str((data.get("tags") or {}).get("language", "")).startswith("es")
        scenarios.append(Scenario(str(data.get("id", path.stem)), " ".join(str(data["opening"]).split()), answers,
                                  spanish))
    if not scenarios:
        raise RuntimeError(f"no scenarios in {folder}")
    return scenarios


def conversation_scripts(scenarios: list[Scenario], count: int, turns: int, seed: int) -> list[list[str]]:
    """`count` scripts of exactly `turns` messages each (turns >= 2)."""
    rng = random.Random(seed)
    order = scenarios[:]
    rng.shuffle(order)
    return [_script(order[i % len(order)], turns, rng) for i in range(count)]


def _script(scenario: Scenario, turns: int, rng: random.Random) -> list[str]:
    middle_count = turns - 2
    answers = rng.sample(scenario.answers, min(len(scenario.answers), 3, middle_count))
    follow_ups, closings = (SPANISH_FOLLOW_UPS, SPANISH_CLOSINGS) if scenario.spanish else (FOLLOW_UPS, CLOSINGS)
    fillers = [rng.choice(follow_ups) for _ in range(middle_count - len(answers))]
    middle = answers + fillers
    rng.shuffle(middle)
    return [scenario.opening, *middle, rng.choice(closings)]


def spanish_share(scenarios: list[Scenario], scripts: list[list[str]]) -> float:
    """The share of the load's messages that Spanish-speaking parents send."""
    openings = {s.opening for s in scenarios if s.spanish}
    spanish = sum(len(script) for script in scripts if script[0] in openings)
    return spanish / max(sum(len(script) for script in scripts), 1)


def triage_items(scenarios: list[Scenario], count: int, seed: int) -> list[dict[str, object]]:
    """`count` {"id", "text"} messages: openings, single answers, and an opening with a detail added."""
    rng = random.Random(seed)
    items: list[dict[str, object]] = []
    for number in range(1, count + 1):
        scenario = rng.choice(scenarios)
        kind = rng.random()
        if kind < 0.4 or not scenario.answers:
            text = scenario.opening
        elif kind < 0.7:
            text = rng.choice(scenario.answers)
        else:
            text = f"{scenario.opening} {rng.choice(scenario.answers)}"
        items.append({"id": f"t{number}", "text": text})
    return items
