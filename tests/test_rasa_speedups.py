"""Rasa with our speed-ups behaves as Rasa without them."""
from __future__ import annotations

import asyncio
import gc
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event
from rasa.utils.endpoints import EndpointConfig

from bot.serving import speedups as rasa_speedups
from tests.stack import MODEL

GOOD = {"events": [{"event": "slot", "name": "language", "value": "en"}], "responses": [{"text": "Hi"}]}
BAD = [{"events": "not a list"}, {"events": [{"no_event_key": 1}]}, {"responses": {"text": "x"}}]


@pytest.fixture
def action():
    original = RemoteAction._validate_action_result, Event.resolve_by_type, EndpointConfig.session, \
        EndpointConfig.request
    rasa_speedups.install()
    yield RemoteAction("action_triage", None)
    RemoteAction._validate_action_result, Event.resolve_by_type = original[0], staticmethod(original[1])
    EndpointConfig.session, EndpointConfig.request = original[2], original[3]


def _rasa_accepts(action: RemoteAction, answer: object) -> bool:
    try:
        return rasa_speedups._RASA_VALIDATE(action, answer)
    except ValidationError:
        return False


def _ours_accepts(action: RemoteAction, answer: object) -> bool:
    try:
        return action._validate_action_result(answer)
    except ValidationError:
        return False


_SCHEMA = RemoteAction.action_response_format_spec()
_KINDS = [branch["properties"]["event"]["const"] for branch in _SCHEMA["properties"]["events"]["items"]["oneOf"]]
_FIELDS = sorted({name for branch in _SCHEMA["properties"]["events"]["items"]["oneOf"]
                  for name in branch["properties"]} | {"timestamp", "metadata"})
_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
                       lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(
                           ["name", "confidence", "entity", "value", "text", "intent"]), inner, max_size=3),
                       max_leaves=6)
_EVENTS = st.dictionaries(st.sampled_from(_FIELDS), _VALUES, max_size=5).flatmap(
    lambda fields: st.one_of(st.sampled_from(_KINDS), st.just("no_such_kind"), _VALUES).map(
        lambda kind: {**fields, "event": kind}) | st.just(fields))
# Events that often pass: a kind's own fields, with values of the simple types the schema asks for.
_BRANCHES = {branch["properties"]["event"]["const"]: sorted(branch["properties"])
             for branch in _SCHEMA["properties"]["events"]["items"]["oneOf"]}
_PLAUSIBLE = st.sampled_from(_KINDS).flatmap(lambda kind: st.dictionaries(
    st.sampled_from(_BRANCHES[kind]), st.none() | st.text(max_size=4) | st.floats(0, 1) | st.just({}),
    max_size=4).map(lambda fields: {**fields, "event": kind}))
_ANSWERS = st.fixed_dictionaries({}, optional={"events": st.lists(_PLAUSIBLE | _EVENTS, max_size=4) | _VALUES,
                                               "responses": st.lists(st.dictionaries(st.text(max_size=3), _VALUES,
                                                                                     max_size=2) | _VALUES,
                                                                     max_size=2)}) | _VALUES
_ANSWERS = _ANSWERS | st.fixed_dictionaries({"events": st.lists(_PLAUSIBLE, min_size=1, max_size=3)})


@settings(max_examples=150, deadline=None)
@given(answer=_ANSWERS)
def test_answers_are_accepted_exactly_when_rasa_accepts_them(answer):
    action = RemoteAction("action_triage", None)
    original = RemoteAction._validate_action_result
    RemoteAction._validate_action_result = rasa_speedups._validate_action_result
    try:
        assert _ours_accepts(action, answer) == _rasa_accepts(action, answer)
    finally:
        RemoteAction._validate_action_result = original


@pytest.mark.parametrize("kind", _KINDS)
def test_a_typical_event_of_every_kind_is_judged_as_rasa_judges_it(action, kind):
    for answer in ({"events": [{"event": kind}]}, {"events": [{"event": kind, "timestamp": None, "metadata": {}}]},
                   {"events": [{"event": kind, "name": "x", "value": "y", "text": 3}]}):
        assert _ours_accepts(action, answer) == _rasa_accepts(action, answer)


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


class _OneAnswerPerConnection(asyncio.Protocol):
    """An HTTP server that answers a connection's first request and closes on its second without answering,
    as a server does with a kept connection it has just timed out."""

    def __init__(self, seen: list[str]) -> None:
        self.seen, self.answered = seen, False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        if b"\r\n\r\n" not in data:
            return
        if self.answered:
            self.seen.append("closed")
            self.transport.close()
            return
        self.answered = True
        self.seen.append("answered")
        body = b'{"events": [], "responses": []}'
        self.transport.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                             + str(len(body)).encode() + b"\r\n\r\n" + body)


async def test_calls_to_the_action_server_share_a_connection_and_retry_one_closed_under_them(action):
    seen: list[str] = []
    server = await asyncio.get_running_loop().create_server(lambda: _OneAnswerPerConnection(seen), "127.0.0.1", 0)
    endpoint = EndpointConfig(f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/webhook")
    try:
        for _ in range(3):
            assert await endpoint.request(json={"next_action": "x"}, method="post") == {"events": [], "responses": []}
        # Each later call went out on the kept connection, found it closed, and was answered on a new one.
        assert seen == ["answered", "closed", "answered", "closed", "answered"]
    finally:
        server.close()
        await endpoint.__dict__["_iep_session"][1].close()


async def test_the_loaded_model_is_frozen_out_of_the_garbage_collector():
    from rasa.core.utils import AvailableEndpoints

    app = SimpleNamespace(ctx=SimpleNamespace())
    before = gc.get_freeze_count()
    try:
        agent = await rasa_speedups._load_agent_then_freeze(str(MODEL), AvailableEndpoints(), None, app,
                                                            asyncio.get_running_loop())
        assert agent is app.ctx.agent and agent.is_ready()
        assert gc.get_freeze_count() > before + 100_000  # the model and the libraries it loaded
        cycle: list = []
        cycle.append(cycle)
        del cycle
        assert gc.collect() >= 1  # what turns allocate is still collected
    finally:
        gc.unfreeze()
