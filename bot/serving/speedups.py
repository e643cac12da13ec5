"""Speed-ups for Rasa 3.6 that change no behaviour, found by profiling our Rasa server under load
(py-spy, 30 conversations at once). Installed by `bot.serving.rasa_server` before Rasa starts.

- Rasa checks each action server answer with `jsonschema.validate`, which first re-checks the schema
  itself, every time: over a quarter of the process's time. The answer is still checked against the
  same schema, by validators built once. Each event in an answer must match exactly one of 23 `oneOf`
  branches, one per event kind (`"event": {"const": ...}`), and trying all 23 was still a tenth of the
  time: an event of a known kind is checked against its own branch alone, which is the same rule (every
  other branch fails on its `const`). Anything not found valid that way goes through the whole schema,
  so an answer is refused exactly when Rasa would refuse it, with Rasa's own message.
- Rebuilding a tracker looks up each stored event's class by walking every subclass of `Event`, per
  event: about a tenth of the time. The classes do not change once Rasa is imported, so the lookup
  is remembered; anything not found still goes to Rasa's own lookup.
- Rasa opens a new HTTP session, and so a new connection, for every call to the action server (several
  per turn). Each endpoint now keeps one session per event loop, whose connections stay open for
  KEEP_ALIVE_S (shorter than the action server's own 5 s, so it is never the server that closes a
  connection we are about to use). A connection closed or reset before any answer (most often a kept one
  whose action server restarted) is retried once on a new one; were the server to die while running the
  action instead, the retry finds it gone and the parent hears so (bot/serving/outage.py).
- Once the model is loaded, the process holds over half a million long-lived objects (TensorFlow, spaCy,
  the model), and every full garbage collection walked them all: a pause of about 0.3 s for every turn
  in flight, several times a minute under load. They are frozen out of the collector after loading
  (`gc.freeze`); what the turns allocate is collected as before.
"""
from __future__ import annotations

import asyncio
import gc
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Dict, Optional, Type

import aiohttp
from jsonschema import ValidationError
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core import run
from rasa.core.actions.action import RemoteAction
from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses
from rasa.utils.endpoints import EndpointConfig

_RASA_VALIDATE = RemoteAction._validate_action_result
_RASA_RESOLVE = Event.resolve_by_type
_RASA_REQUEST = EndpointConfig.request
_RASA_LOAD_AGENT = run.load_agent_on_start
KEEP_ALIVE_S = 2.0


@dataclass(frozen=True)
class _Validators:
    whole: Any  # the answer against Rasa's schema as it is
    outline: Any  # the answer with its events only required to be an array
    by_kind: Dict[str, Any]  # one event of a kind: the item schema with only that kind's oneOf branch


@lru_cache(maxsize=1)
def _validators() -> _Validators:
    schema = RemoteAction.action_response_format_spec()
    kind = validator_for(schema)
    kind.check_schema(schema)  # once, where Rasa does it per answer
    events = schema["properties"]["events"]
    item = events["items"]
    outline = {**schema, "properties": {**schema["properties"], "events": {"type": events["type"]}}}
    common = {key: value for key, value in item.items() if key != "oneOf"}
    consts = [branch["properties"]["event"]["const"] for branch in item["oneOf"]]
    if sorted(set(consts)) != sorted(consts) or set(events) != {"type", "items"}:
        raise RuntimeError("Rasa's action answer schema changed shape: update bot/serving/speedups.py")
    by_kind = {const: kind({**common, "allOf": [branch]}) for const, branch in zip(consts, item["oneOf"])}
    return _Validators(kind(schema), kind(outline), by_kind)


def _plainly_valid(result: Any, validators: _Validators) -> bool:
    """True only if Rasa's schema accepts the answer; False means: ask the whole schema."""
    if not validators.outline.is_valid(result):
        return False
    for event in result.get("events", ()):
        kind = event.get("event") if isinstance(event, dict) else None
        checker = validators.by_kind.get(kind) if isinstance(kind, str) else None
        if checker is None or not checker.is_valid(event):
            return False
    return True


def _validate_action_result(self: RemoteAction, result: Dict[str, Any]) -> bool:
    validators = _validators()
    if _plainly_valid(result, validators):
        return True
    error = best_match(validators.whole.iter_errors(result))
    if error is None:
        return True
    _RASA_VALIDATE(self, result)  # Rasa's own message for the same error
    raise ValidationError(error.message)  # unreachable unless the two disagree


@lru_cache(maxsize=None)
def _event_class(type_name: str) -> Optional[Type[Event]]:
    return next((cls for cls in all_subclasses(Event) if cls.type_name == type_name), None)


def _resolve_by_type(type_name: str, default: Optional[Type[Event]] = None) -> Optional[Type[Event]]:
    return _event_class(type_name) or _RASA_RESOLVE(type_name, default)


class _Borrowed:
    """Lends the endpoint's kept session to Rasa's `async with self.session()`, which would close its own."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self._session

    async def __aexit__(self, *_: Any) -> None:
        return None


def _session(self: EndpointConfig) -> _Borrowed:
    loop = asyncio.get_running_loop()
    kept = self.__dict__.get("_iep_session")
    if kept is None or kept[0] is not loop or kept[1].closed:
        # Rasa's own settings (headers, auth, timeout), on a connector that keeps connections briefly.
        session = aiohttp.ClientSession(
            headers=self.headers, timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
            auth=aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"])
            if self.basic_auth else None,
            connector=aiohttp.TCPConnector(keepalive_timeout=KEEP_ALIVE_S))
        kept = self.__dict__["_iep_session"] = (loop, session)
    return _Borrowed(kept[1])


async def _request(self: EndpointConfig, *args: Any, **kwargs: Any) -> Any:
    try:
        return await _RASA_REQUEST(self, *args, **kwargs)
    except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError):  # closed or reset before answering
        return await _RASA_REQUEST(self, *args, **kwargs)


async def _load_agent_then_freeze(*args: Any, **kwargs: Any) -> Any:
    agent = await _RASA_LOAD_AGENT(*args, **kwargs)
    gc.collect()  # what loading left behind goes first, so that only live objects are frozen
    gc.freeze()
    return agent


def install() -> None:
    run.load_agent_on_start = _load_agent_then_freeze
    EndpointConfig.session = _session  # type: ignore[method-assign]
    EndpointConfig.request = _request  # type: ignore[method-assign]
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    Event.resolve_by_type = staticmethod(_resolve_by_type)  # type: ignore[method-assign]
