"""Questions parents end their stories with get an answer of their own (issue 19 item 5).

Each new FAQ answer exists, names only rights of rights.yml (at most two, so the appended citations stay short),
reads at grade 8 or lower and has at least 25 training examples. Where ../shared/idea-facts.md has no rule (grade
retention, restraint and seclusion, attaching a parent's letter to the IEP), the answer says so and claims none:
these tests hold the claims we chose not to make.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.guidance.conversation import Conversation, State
from bot.guidance.readability import PARENT_LIMIT, grade

ROOT = Path(__file__).resolve().parents[1]

# key -> the rights it cites (exactly: each supports a sentence of the answer).
NEW = {
    "general_info/outside_diagnosis": ["eligibility_not_diagnosis", "iee_consideration"],
    "general_info/options": ["dispute_options", "prior_written_notice"],
    "general_info/parent_concerns": ["parent_participation", "iep_review_revision"],
    "general_info/retention": ["fape", "iep_review_revision"],
    "general_info/restraint": ["positive_behavior_supports"],
}
# Existing answers that the same questions reach: "is a 504 enough?" and "how much do advocates cost?".
REACHED = ["general_info/iep_vs_504", "advocate_question/cost"]
MIN_EXAMPLES = 25


def _examples() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted((ROOT / "data").rglob("*.yml")):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
            if "intent" not in block:
                continue
            examples = block.get("examples") or ""
            if isinstance(examples, str):  # "- text" lines
                texts = [line.strip()[2:].strip() for line in examples.splitlines() if line.strip().startswith("- ")]
            else:  # Rasa's long form: a list of {text: ..., metadata: ...}
                texts = [item["text"].strip() for item in examples if isinstance(item, dict) and "text" in item]
            found.setdefault(block["intent"], []).extend(texts)
    return found


EXAMPLES = _examples()


def flat(text: str) -> str:
    return " ".join(text.split()).lower()


def text_of(knowledge, key: str) -> str:
    return flat(knowledge.faq[key].text.get())


def says(text: str, claim: str) -> bool:
    """`claim` as whole words of `text` ("sue" is not in "issue")."""
    return re.search(rf"\b{re.escape(claim)}\b", text) is not None


@pytest.mark.parametrize("key", sorted(NEW))
def test_each_new_answer_exists_with_the_rights_that_support_it(knowledge, key):
    entry = knowledge.faq[key]
    assert list(entry.rights) == NEW[key]
    assert len(entry.rights) <= 2
    assert set(entry.rights) <= set(knowledge.rights)


@pytest.mark.parametrize("key", sorted(NEW) + REACHED)
def test_each_answer_reads_at_grade_8_or_lower(knowledge, key):
    text = knowledge.faq[key].text.get()
    assert grade(text) <= PARENT_LIMIT, f"{key} reads at grade {grade(text):.1f}"


@pytest.mark.parametrize("key", sorted(NEW))
def test_each_new_answer_has_enough_varied_training_examples(key):
    examples = EXAMPLES.get(key, [])
    assert len(examples) >= MIN_EXAMPLES, f"{key}: {len(examples)} examples"
    assert len({e.lower() for e in examples}) == len(examples), f"{key}: repeated examples"
    assert any(len(e.split()) <= 6 for e in examples), f"{key}: no short question"
    assert sum(len(e.split()) >= 20 for e in examples) >= 2, f"{key}: too few questions told inside a story"


def test_no_new_example_is_also_taught_as_another_intent():
    ours = {e.lower(): key for key in NEW for e in EXAMPLES.get(key, [])}
    for intent, examples in EXAMPLES.items():
        for e in examples:
            key = ours.get(e.lower())
            assert key in (None, intent), f"'{e}' is an example of both {key} and {intent}"


def test_the_questions_of_the_issue_are_taught_to_their_answer():
    asked = {
        "how much do advocates cost?": "advocate_question/cost",
        "can they do this? and if not what can i do": "general_info/options",
        "what are my options?": "general_info/options",
        "is a 504 enough?": "general_info/iep_vs_504",
        "can they hold him back?": "general_info/retention",
        "is restraint allowed?": "general_info/restraint",
        "does a doctor's diagnosis mean the school has to give my child an iep?": "general_info/outside_diagnosis",
        "can i add my own letter to the iep?": "general_info/parent_concerns",
    }
    for question, key in asked.items():
        assert question in {e.lower() for e in EXAMPLES[key]}, f"'{question}' is not an example of {key}"


@pytest.mark.parametrize("key", sorted(NEW))
def test_an_answer_is_said_with_its_citations_and_no_citation_of_its_own(knowledge, key):
    text = knowledge.faq[key].text.get()
    assert not re.search(r"CFR|\b\d{3}\.\d+\b|OSEP|IDEA\s+\d", text), f"{key} writes a citation by hand"
    reply = Conversation(knowledge).faq(key, State()).replies[0].text
    for right in NEW[key]:
        assert knowledge.rights[right].citation in reply


def test_a_diagnosis_answer_leaves_eligibility_to_the_team_and_only_requires_consideration(knowledge):
    text = text_of(knowledge, "general_info/outside_diagnosis")
    assert "does not mean your child will get an iep" in text
    assert "you and a team of school staff decide together" in text
    assert "must consider" in text and "does not mean the school has to agree" in text
    assert "meets the school's standards" in text  # 300.502(c): only if it meets agency criteria
    for claim in ("must accept", "must adopt", "must follow the", "must give your child an iep", "entitled to an iep"):
        assert not says(text, claim), claim
    assert "section 504 plan" in text and "504 requires" not in text  # a door to ask about, not a rule stated


def test_the_options_answer_states_each_path_as_the_fact_sheet_does(knowledge):
    text = text_of(knowledge, "general_info/options")
    assert "mediation" in text and "voluntary" in text and "the state pays" in text  # 300.506(b)
    assert "state complaint" in text and "past year" in text  # 300.153(c)
    assert "due process complaint" in text and "within two years" in text and "generally" in text  # 300.507(a)(2)
    assert "your state may set a different time limit" in text
    assert "tell you why in writing" in text  # 300.503(a)(2)
    # Asking in writing is practice, said as what parents do, never as a rule.
    assert "many parents first ask in writing" in text
    for claim in ("you must ask in writing", "must hold the meeting within", "must agree to mediation",
                  "must go to mediation first", "you need a lawyer"):
        assert not says(text, claim), claim


def test_the_parent_letter_answer_keeps_practice_apart_from_the_rule(knowledge):
    text = text_of(knowledge, "general_info/parent_concerns")
    assert "the right to take part in meetings" in text  # 300.322, 300.501(b)
    assert "revise the iep as needed to address new information you share" in text  # 300.324(b)(1)(ii)(C)
    assert "common practice, not a federal rule" in text
    for claim in ("must attach", "must add your letter", "must include your letter", "have the right to attach",
                  "right to add a letter", "must keep your letter", "must put your letter"):
        assert not says(text, claim), claim


def test_the_retention_answer_claims_no_federal_rule_on_repeating_a_grade(knowledge):
    entry = knowledge.faq["general_info/retention"]
    text = flat(entry.text.get())
    assert "federal special education rules do not decide whether a child repeats a grade" in text
    assert "can still qualify for special education" in text  # 300.101(c)(1), through fape
    for claim in ("cannot hold", "can't hold", "may not hold", "must hold", "is not allowed to hold", "illegal",
                  "against the law", "an iep protects", "the iep team decides whether", "you can refuse",
                  "you have the right to refuse", "must agree to retention"):
        assert not says(text, claim), claim
    # It cites only what supports its sentences: no discipline, placement or evaluation rule rides along.
    assert set(entry.rights) == {"fape", "iep_review_revision"}


def test_the_restraint_answer_claims_no_federal_restraint_rule(knowledge):
    entry = knowledge.faq["general_info/restraint"]
    text = flat(entry.text.get())
    assert "do not set rules on restraint or seclusion" in text
    assert "many states have their own rules" in text
    assert "must consider positive behavior supports" in text  # 300.324(a)(2)(i): consider, not provide
    for claim in ("illegal", "against the law", "is banned", "are banned", "is not allowed", "is never allowed",
                  "federal law forbids", "federal law bans", "idea forbids", "idea bans", "idea prohibits",
                  "must tell you the same day", "must notify you", "must write a behavior plan", "must do an fba",
                  "must give positive behavior supports", "sue", "lawsuit"):
        assert not says(text, claim), claim
    assert set(entry.rights) == {"positive_behavior_supports"}  # not fba_bip: that is the discipline rule


def test_is_a_504_enough_gets_a_careful_answer(knowledge):
    text = text_of(knowledge, "general_info/iep_vs_504")
    assert "whether a 504 plan is enough depends on what your child needs" in text
    assert "ask the school about testing for an iep" in text
    assert len(knowledge.faq["general_info/iep_vs_504"].rights) <= 2


def test_the_advocate_cost_answer_gives_rough_figures_and_free_help_without_rights(knowledge):
    entry = knowledge.faq["advocate_question/cost"]
    text = flat(entry.text.get())
    assert "rough guide" in text and "some parent centers help for free" in text
    assert not entry.rights  # fees are not law
