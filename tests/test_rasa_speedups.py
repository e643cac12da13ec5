"""The action-answer check is as strict with the schema compiled once as Rasa's own check."""
from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from bot import rasa_speedups

GOOD = {"events": [{"event": "slot", "name": "language", "value": "en"}], "responses": [{"text": "Hi"}]}
BAD = [{"events": "not a list"}, {"events": [{"no_event_key": 1}]}, {"responses": {"text": "x"}}]


@pytest.fixture
def action():
    original = RemoteAction._validate_action_result
    rasa_speedups.install()
    yield RemoteAction("action_triage", None)
    RemoteAction._validate_action_result = original


def test_a_valid_answer_passes(action):
    assert action._validate_action_result(GOOD) is True


@pytest.mark.parametrize("answer", BAD)
def test_an_invalid_answer_fails_with_rasas_own_message(action, answer):
    with pytest.raises(ValidationError) as ours:
        action._validate_action_result(answer)
    with pytest.raises(ValidationError) as rasas:
        rasa_speedups._RASA_VALIDATE(action, answer)
    assert ours.value.message == rasas.value.message and "Failed to validate Action server response" in ours.value.message
