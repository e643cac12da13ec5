"""The knowledge base holds to the contract in ../shared and fails loudly when broken."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from bot.knowledge import KnowledgeError
from bot.knowledge.loader import KNOWLEDGE_DIR, load_from
from tests.conftest import SHARED

CONTRACT = yaml.safe_load((SHARED / "situations.yml").read_text())
KEY_TABLE = {key: (section, cell) for key, section, cell in
             re.findall(r"^\| (\w+) \| ([\d, -]+) \| (.+?) \|$", (SHARED / "idea-facts.md").read_text(), re.M)}
REGULATION = re.compile(r"\d{3}\.\d+")


def test_every_situation_of_the_contract_with_its_rights_and_letters(knowledge):
    assert list(knowledge.situations) == list(CONTRACT["situations"])
    for sid, spec in CONTRACT["situations"].items():
        assert list(knowledge.situations[sid].rights) == spec["rights"], sid
        assert list(knowledge.situations[sid].letters) == spec["letters"], sid


# Letters of our own beside the contract's: the contract's lists stay as they are, and situations.yml says
# apart from them when ours are offered (language_offers).
OWN_LETTERS = {"language_access"}


def test_every_letter_of_the_contract(knowledge):
    assert set(knowledge.letters) == set(CONTRACT["letters"]) | OWN_LETTERS
    assert not OWN_LETTERS & set(CONTRACT["letters"])
    assert set(knowledge.language_offers) == OWN_LETTERS


def test_every_right_key_of_the_fact_sheet_with_its_section_and_citation(knowledge):
    assert len(KEY_TABLE) == 38  # language_access's row lists four sections: "3, 6, 22, 23"
    assert set(knowledge.rights) == set(KEY_TABLE)
    for key, (section, cell) in KEY_TABLE.items():
        right = knowledge.rights[key]
        assert right.section == section, key
        cited = set(REGULATION.findall(right.citation))
        assert cited and cited <= set(REGULATION.findall(cell)), f"{key}: {right.citation} not in '{cell}'"


def test_every_rubric_line_is_implemented_by_a_sign(knowledge):
    rubric = CONTRACT["advocate_rubric"]
    lines = set(rubric["strong_signs"]) | set(rubric["consider_signs"])
    implemented = {sign.rubric for sign in knowledge.signs.values()}
    assert lines <= implemented
    for sign in knowledge.signs.values():
        if sign.rubric in rubric["strong_signs"]:
            assert sign.kind == "strong", sign.id
        if sign.rubric in rubric["consider_signs"]:
            assert sign.kind == "consider", sign.id
    assert set(knowledge.levels) == set(rubric["levels"])


def test_faq_answers_cover_every_retrieval_question_in_the_training_data(knowledge):
    keys = set()
    for path in Path("data").rglob("*.yml"):
        for block in (yaml.safe_load(path.read_text()) or {}).get("nlu", []):
            if "/" in block.get("intent", ""):
                keys.add(block["intent"])
    assert keys and keys <= set(knowledge.faq)


@pytest.fixture()
def broken(tmp_path):
    """A writable copy of the knowledge folder to break on purpose."""
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))

    def edit(name: str, change) -> Path:
        path = target / name
        data = yaml.safe_load(path.read_text())
        change(data)
        path.write_text(yaml.safe_dump(data, allow_unicode=True))
        return target
    return edit


def test_a_situation_naming_a_missing_right_fails_with_its_name(broken):
    folder = broken("rights.yml", lambda d: d["rights"].pop("measurable_goals"))
    with pytest.raises(KnowledgeError, match="stalled_progress.*measurable_goals"):
        load_from(folder)


def test_a_missing_letter_fails_with_its_name(broken):
    folder = broken("letters.yml", lambda d: d["letters"].pop("follow_up"))
    with pytest.raises(KnowledgeError, match="follow_up"):
        load_from(folder)


def test_a_right_without_a_citation_fails(broken):
    folder = broken("rights.yml", lambda d: d["rights"]["fape"].update(citation="see the law"))
    with pytest.raises(KnowledgeError, match="'fape': has no regulation citation"):
        load_from(folder)


def test_a_sign_naming_an_unknown_situation_fails(broken):
    folder = broken("advocate.yml", lambda d: d["signs"]["no_response"].update(situations=["no_such_id"]))
    with pytest.raises(KnowledgeError, match="no_such_id"):
        load_from(folder)


def test_a_faq_answer_for_an_unknown_situation_fails(broken):
    folder = broken("faq.yml", lambda d: d["faq"].update({"nothing/here": {"text": {"en": "x"}}}))
    with pytest.raises(KnowledgeError, match="nothing/here"):
        load_from(folder)


def test_a_text_without_english_fails(broken):
    folder = broken("messages.yml", lambda d: d["messages"].update(greeting={"es": "Hola"}))
    with pytest.raises(KnowledgeError, match="greeting.*English"):
        load_from(folder)


def test_a_field_reading_an_unknown_group_of_letter_terms_fails_with_its_name(broken):
    folder = broken("letter_terms.yml", lambda d: d["terms"].pop("grades"))
    with pytest.raises(KnowledgeError, match="grade.*grades"):
        load_from(folder)


def test_a_letter_term_with_numbers_in_one_language_only_fails_with_its_name(broken):
    folder = broken("letter_terms.yml",
                    lambda d: d["terms"]["amounts"]["minutes"]["words"].update({"es": "minutos"}))
    with pytest.raises(KnowledgeError, match="minutes"):
        load_from(folder)
