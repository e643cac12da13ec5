"""The generated Rasa files match letters.yml, and the forms ask only what the knowledge defines."""
from __future__ import annotations

import importlib.util

import yaml

from tests.conftest import ROOT


def _generator():
    spec = importlib.util.spec_from_file_location("letter_domain", ROOT / "scripts" / "letter_domain.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_files_are_up_to_date(knowledge):
    for path, text in _generator().outputs(knowledge).items():
        assert path.read_text(encoding="utf-8") == text, f"{path.name} is stale: run scripts/letter_domain.py"


def test_every_letter_has_a_form_and_every_field_a_question_and_slot(knowledge):
    domain = yaml.safe_load((ROOT / "domain" / "letters.yml").read_text())
    assert set(domain["forms"]) == {f"{letter}_form" for letter in knowledge.letters}
    for field in knowledge.fields:
        assert f"action_ask_{field}" in domain["actions"]
        mapping = domain["slots"][field]["mappings"][0]
        assert mapping["type"] == "from_text" and "crisis" in mapping["not_intent"]
        assert all(c["requested_slot"] == field for c in mapping["conditions"])
    validators = {name: spec for entry in domain["actions"] if isinstance(entry, dict) for name, spec in entry.items()}
    for letter in knowledge.letters:  # the only actions that need the domain (selective domain is on)
        assert validators[f"validate_{letter}_form"] == {"send_domain": True}


def test_letter_domain_has_no_responses(knowledge):
    """Every word comes from the knowledge files, keyed by language."""
    domain = yaml.safe_load((ROOT / "domain" / "letters.yml").read_text())
    assert "responses" not in domain
