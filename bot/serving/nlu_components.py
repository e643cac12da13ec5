"""Rasa NLU components: the Rasa-facing wrapper of the plain-Python triage core.

`IEPTermExtractor` adds IEP terms (services, minutes, frequency, grade, school roles, time spans)
as entities, and leaves the message's sentences, split in the same pass, for the classifier (READING).
`SituationClassifier` is the intent classifier: it trains the intent model on the NLU data and, for each
message, sets the intent plus the ranked situations, the situations judged to apply, a clarifying choice
when unsure, the FAQ key, and input notes (too long, not English).
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, INTENT_RESPONSE_KEY, METADATA, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.knowledge import load_knowledge
from bot.understanding.classifier import IntentModel
from bot.understanding.language import LANGUAGES, evidence
from bot.understanding.terms import TermFinder
from bot.understanding.triage import Triage, Understanding

READING = "iep_reading"  # the extractor's Reading of a message, for the classifier; never in the parse's output


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class IEPTermExtractor(GraphComponent, EntityExtractorMixin):
    """Entities from spaCy EntityRuler patterns (bot/knowledge/terms.yml); no pretrained weights."""

    def __init__(self, finder: TermFinder) -> None:
        self._finder = finder

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "IEPTermExtractor":
        return cls(TermFinder())

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            reading = self._finder.read(message.get(TEXT) or "")
            found = [{"entity": t.label, "value": t.text, "start": t.start, "end": t.end,
                      "extractor": self.__class__.__name__} for t in reading.terms]
            message.set(ENTITIES, message.get(ENTITIES, []) + found, add_to_output=True)
            message.set(READING, reading)
        return messages


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class SituationClassifier(GraphComponent, IntentClassifier):
    """Intent and multi-situation triage from our sentence-aware model."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"random_seed": 42}

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 model: Optional[IntentModel] = None) -> None:
        self._config = config
        self._storage = model_storage
        self._resource = resource
        self._triage = Triage(model, load_knowledge().situations) if model else None

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "SituationClassifier":
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "SituationClassifier":
        with model_storage.read_from(resource) as directory:
            return cls(config, model_storage, resource, IntentModel.load(directory))

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(TEXT)]
        # Retrieval intents are learned at full depth so the FAQ answer comes from the same model.
        labels = [m.get(INTENT_RESPONSE_KEY) or m.get(INTENT) for m in examples]
        model = IntentModel.train([m.get(TEXT) for m in examples], labels, seed=self._config["random_seed"])
        with self._storage.write_to(self._resource) as directory:
            model.save(directory)
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        if self._triage is None:
            return messages
        for message in messages:
            found = self._triage.understand(message.get(TEXT), message.get(READING))
            _annotate(message, found)
            chosen = _chosen_language(found, message.get(METADATA) or {}, message.get(TEXT) or "")
            if chosen:  # the `language` slot is filled from this entity (domain/core.yml): sticky otherwise
                found_language = {"entity": "language", "value": chosen, "start": 0, "end": 0,
                                  "extractor": self.__class__.__name__}
                message.set(ENTITIES, message.get(ENTITIES, []) + [found_language], add_to_output=True)
        return messages


def _chosen_language(found: Understanding, metadata: Dict[Text, Any], text: Text) -> Optional[Text]:
    """The language this message sets: asked for in words, else clear evidence in it, else where the channel says
    the parent is (the widget's language, the web API's `language`, the SMS contact's); None leaves the slot as it
    was. The same order as `language_after`, which the channels use to tell the page or the phone."""
    if found.intent == "switch_language":
        return found.language
    chosen = evidence(text) or (metadata.get("language") if isinstance(metadata, dict) else None)
    return chosen if chosen in LANGUAGES else None


def _annotate(message: Message, found: Understanding) -> None:
    message.set(INTENT, {"name": found.intent, "confidence": found.confidence}, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [{"name": s.id, "confidence": s.confidence} for s in found.intent_ranking],
                add_to_output=True)
    message.set("triage", {
        # Plain dicts: dataclasses.asdict copies each one deeply, a fifth of a millisecond a story.
        "situations": [{"id": s.id, "confidence": s.confidence} for s in found.situations],
        "applies": list(found.applies),
        "clarify": list(found.clarify),
        "retrieval_key": found.retrieval_key,
        "question_key": found.question_key,
        "notes": list(found.notes),
        "language": found.language,
        "problem": found.problem,
        "text": found.text,
    }, add_to_output=True)
