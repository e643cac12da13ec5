"""Rasa with our speed-ups behaves as Rasa without them."""
from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event

from bot import rasa_speedups

GOOD = {"events": [{"event": "slot", "name": "language", "value": "en"}], "responses": [{"text": "Hi"}]}
BAD = [{"events": "not a list"}, {"events": [{"no_event_key": 1}]}, {"responses": {"text": "x"}}]


@pytest.fixture
def action():
    original = RemoteAction._validate_action_result, Event.resolve_by_type
    rasa_speedups.install()
    yield RemoteAction("action_triage", None)
    RemoteAction._validate_action_result, Event.resolve_by_type = original[0], staticmethod(original[1])


def test_a_valid_answer_passes(action):
    assert action._validate_action_result(GOOD) is True


@pytest.mark.parametrize("answer", BAD)
def test_an_invalid_answer_fails_with_rasas_own_message(action, answer):
    with pytest.raises(ValidationError) as ours:
        action._validate_action_result(answer)
    with pytest.raises(ValidationError) as rasas:
        rasa_speedups._RASA_VALIDATE(action, answer)
    assert ours.value.message == rasas.value.message and "Failed to validate Action server response" in ours.value.message


@pytest.mark.parametrize("name", ["user", "bot", "action", "slot", "session_started", "active_loop", "restart",
                                  "user_featurization", "reminder", "followup"])
def test_every_event_type_resolves_to_rasas_own_class(action, name):
    assert Event.resolve_by_type(name) is rasa_speedups._RASA_RESOLVE(name)


def test_unknown_and_old_event_types_are_still_rasas_business(action):
    assert Event.resolve_by_type("topic") is None
    assert Event.resolve_by_type("no_such_event", default=Event) is Event
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("no_such_event")
