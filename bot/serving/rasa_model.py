"""Loads a trained Rasa model and parses messages through its NLU pipeline: the same code path the
conversation uses, for the CLI and the held-out evaluation."""
from __future__ import annotations

import asyncio
import gc
import logging
import os
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

DEFAULT_MODEL = Path("models/current.tar.gz")
BATCH = 32  # messages read in one run of the NLU graph by `parse_all`


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
            # As the Rasa server does (bot/serving/speedups.py): the loaded model's objects are frozen out of the
            # garbage collector, so a full collection no longer walks them all while messages are read.
            gc.collect()
            gc.freeze()
        finally:
            warnings.showwarning = shown

    def parse(self, text: str) -> dict[str, Any]:
        return self._loop.run_until_complete(self._agent.parse_message(text))

    def parse_all(self, texts: Iterable[str]) -> Iterator[dict[str, Any]]:
        """The parse of each text, in order, read in batches of BATCH (`parse_many`)."""
        batch: list[str] = []
        for text in texts:
            batch.append(text)
            if len(batch) == BATCH:
                yield from self.parse_many(batch)
                batch = []
        yield from self.parse_many(batch)

    def parse_many(self, texts: Sequence[str]) -> list[dict[str, Any]]:
        """What `parse` gives each of `texts`, in order, with the NLU graph run once for them all. Rasa schedules
        the graph's steps anew on every run, a tenth of a story's time; every step takes a list of messages."""
        from rasa.core.channels.channel import UserMessage
        from rasa.engine.constants import PLACEHOLDER_MESSAGE, PLACEHOLDER_TRACKER
        from rasa.shared.constants import DEFAULT_SENDER_ID
        from rasa.shared.core.trackers import DialogueStateTracker
        from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_NAME_KEY, PREDICTED_CONFIDENCE_KEY, TEXT

        if not texts:
            return []
        processor = self._agent.processor
        target = processor.model_metadata.nlu_target
        results = processor.graph_runner.run(  # as MessageProcessor._parse_message_with_graph, for many
            inputs={PLACEHOLDER_MESSAGE: [UserMessage(text) for text in texts],
                    PLACEHOLDER_TRACKER: DialogueStateTracker.from_events(DEFAULT_SENDER_ID, [])},
            targets=[target])
        parses = []
        for parsed in results[target]:
            parse = {TEXT: "", INTENT: {INTENT_NAME_KEY: None, PREDICTED_CONFIDENCE_KEY: 0.0}, ENTITIES: []}
            parse.update(parsed.as_dict(only_output_properties=True))
            processor._update_full_retrieval_intent(parse)  # as MessageProcessor.parse_message does after the graph
            parses.append(parse)
        return parses

    def close(self) -> None:
        self._loop.close()


def open_nlu(explicit: str | None = None) -> RasaNLU:
    """The trained model at `explicit` (or IEP_MODEL, or models/current.tar.gz), loaded for parsing."""
    return RasaNLU(model_path(explicit))
