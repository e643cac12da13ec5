"""Every scenario is a test: its opening, run through the trained assistant, must put the key's main situation
among the first three, and the library as a whole must lead to the keys' situations, rights, letter and advocate
level for at least MOST of the scenarios. Since triage learned from thousands of real-shaped stories (issue 19)
instead of sentences like these openings, a few openings land on a close neighbour of their key (a second
situation ranked first, a sign read from the story); the report names every one that differs."""
from __future__ import annotations

import pytest

from bot.guidance.report import report
from bot.knowledge import load_knowledge
from bot.training.scenarios import load_scenarios

SCENARIOS = load_scenarios(load_knowledge())
MOST = 0.9  # of the scenarios reach every part of their key


def _differences(scenario, nlu, knowledge) -> list[str]:
    out = report(scenario.id, nlu.parse(scenario.opening), knowledge)
    key, top3 = scenario.key, [s["id"] for s in out["situations"][:3]]
    problems = []
    if key.situations[0] not in out["applies"]:
        problems.append(f"main situation {key.situations[0]} not found (found {out['applies']}, top 3 {top3})")
    problems += [f"situation {s} not in {out['applies']} or top 3 {top3}" for s in key.situations[1:]
                 if s not in out["applies"] and s not in top3]
    problems += [f"right {r} not given (gave {out['rights']})" for r in key.rights if r not in out["rights"]]
    if key.letter and key.letter not in out["letters"]:
        problems.append(f"letter {key.letter} not offered (offered {out['letters']})")
    if out["advocate"]["level"] != key.advocate_level:
        problems.append(f"advocate {out['advocate']['level']} instead of {key.advocate_level}")
    return problems


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_the_main_situation_is_among_the_first_three(scenario, nlu):
    ranked = [s["id"] for s in nlu.parse(scenario.opening)["triage"]["situations"][:3]]
    assert scenario.key.situations[0] in ranked, f"scenario {scenario.id}: {scenario.key.situations[0]} not in {ranked}"


def test_most_scenarios_reach_their_whole_key(nlu, knowledge):
    differing = {s.id: _differences(s, nlu, knowledge) for s in SCENARIOS}
    differing = {k: v for k, v in differing.items() if v}
    reached = 1 - len(differing) / len(SCENARIOS)
    print(f"{len(SCENARIOS) - len(differing)} of {len(SCENARIOS)} scenarios reach their whole key")
    for scenario_id, problems in differing.items():
        print(f"  {scenario_id}: " + "; ".join(problems))
    assert reached >= MOST, "; ".join(f"{k}: {'; '.join(v)}" for k, v in differing.items())
