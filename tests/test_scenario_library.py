"""Every scenario is a test: its opening, run through the trained assistant, must lead to the key's
situations, rights, letter and advocate level. A failure names the scenario and what differed."""
from __future__ import annotations

import pytest

from bot.guidance.report import report
from bot.knowledge import load_knowledge
from bot.training.scenarios import load_scenarios

SCENARIOS = load_scenarios(load_knowledge())


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_the_assistant_reaches_the_scenarios_key(scenario, nlu, knowledge):
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
    assert not problems, f"scenario {scenario.id} ({scenario.path}): " + "; ".join(problems)
