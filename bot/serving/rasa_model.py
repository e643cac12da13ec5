"""Loads a trained Rasa model and parses messages through its NLU pipeline: the same code path the
conversation uses, for the CLI and the held-out evaluation."""
from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path
from typing import Any, Iterable, Iterator

DEFAULT_MODEL = Path("models/current.tar.gz")


def model_path(explicit: str | None = None) -> Path:
    path = Path(explicit or os.environ.get("IEP_MODEL") or DEFAULT_MODEL)
    if not path.exists():
        raise FileNotFoundError(f"No trained model at {path}. Run 'make train' first, or pass --model.")
    return path


def _not_shown(*args: Any, **kwargs: Any) -> None:
    """A warnings.showwarning that shows nothing."""


class RasaNLU:
    """Loads the model once; parses many messages on one event loop."""

    def __init__(self, path: Path) -> None:
        import warnings

        warnings.filterwarnings("ignore")
        # Importing Rasa imports Sanic, which puts "once" for every DeprecationWarning first, and TensorFlow,
        # which resets the filters: while Rasa loads, third-party warnings are not shown at all.
        shown, warnings.showwarning = warnings.showwarning, _not_shown
        try:
            from rasa.core.agent import Agent  # imported late: it is slow, and only the CLI needs it
            from rasa.utils.log_utils import configure_structlog

            # stdout carries one JSON object per line: Rasa's logs must stay out of it.
            configure_structlog(logging.ERROR)
            for name in ("rasa", "tensorflow", "absl", "py.warnings"):
                logging.getLogger(name).setLevel(logging.ERROR)
            self._loop = asyncio.new_event_loop()
            self._agent = Agent.load(str(path))
        finally:
            warnings.showwarning = shown

    def parse(self, text: str) -> dict[str, Any]:
        return self._loop.run_until_complete(self._agent.parse_message(text))

    def parse_all(self, texts: Iterable[str]) -> Iterator[dict[str, Any]]:
        for text in texts:
            yield self.parse(text)

    def close(self) -> None:
        self._loop.close()


def open_nlu(explicit: str | None = None) -> RasaNLU:
    """The trained model at `explicit` (or IEP_MODEL, or models/current.tar.gz), loaded for parsing."""
    return RasaNLU(model_path(explicit))
