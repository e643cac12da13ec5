"""Speed-ups for Rasa 3.6 that change no behaviour, found by profiling our Rasa server under load
(py-spy, 30 conversations at once). Installed by `bot.rasa_server` before Rasa starts.

- Rasa checks each action server answer with `jsonschema.validate`, which first re-checks the schema
  itself, every time: over a quarter of the process's time. The answer is still checked, against the
  same schema, by a validator built once.
- Rebuilding a tracker looks up each stored event's class by walking every subclass of `Event`, per
  event: about a tenth of the time. The classes do not change once Rasa is imported, so the lookup
  is remembered; anything not found still goes to Rasa's own lookup.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, Optional, Type

from jsonschema import ValidationError
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

_RASA_VALIDATE = RemoteAction._validate_action_result
_RASA_RESOLVE = Event.resolve_by_type


@lru_cache(maxsize=1)
def _validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    kind = validator_for(schema)
    kind.check_schema(schema)  # once, where Rasa does it per answer
    return kind(schema)


def _validate_action_result(self: RemoteAction, result: Dict[str, Any]) -> bool:
    error = best_match(_validator().iter_errors(result))
    if error is None:
        return True
    _RASA_VALIDATE(self, result)  # Rasa's own message for the same error
    raise ValidationError(error.message)  # unreachable unless the two disagree


@lru_cache(maxsize=None)
def _event_class(type_name: str) -> Optional[Type[Event]]:
    return next((cls for cls in all_subclasses(Event) if cls.type_name == type_name), None)


def _resolve_by_type(type_name: str, default: Optional[Type[Event]] = None) -> Optional[Type[Event]]:
    return _event_class(type_name) or _RASA_RESOLVE(type_name, default)


def install() -> None:
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    Event.resolve_by_type = staticmethod(_resolve_by_type)  # type: ignore[method-assign]
