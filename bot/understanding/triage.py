"""Turns a parent's message into an intent and a ranked list of situations.

A long story is read whole and sentence by sentence (and in pairs of sentences): background
sentences ("he's 9, autistic, in 3rd grade") score as background, and each problem the parent
describes can surface from its own sentence, so a story that mixes two problems yields both.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Iterable, Sequence

import numpy as np

from bot.understanding.classifier import IntentModel, base_probabilities
from bot.understanding.inputs import InputCheck, InputChecker
from bot.understanding.safety import CrisisDetector
from bot.understanding.terms import Reading, TermFinder

# Tuned by reasoning about the score scale, then checked on our held-out split (never on one message).
WHOLE_WEIGHT = 0.5  # what applies: the whole message and its best sentence weigh equally, so a second problem
# told in a sentence of its own surfaces beside the first.
# The main concern, ranked first: the whole message carries most of the weight. Trained on long stories, the model
# reads a story best whole, and one sentence out of it is a poor witness. Chosen on our own held-out long stories,
# where 0.9 ranked the primary first most often (0.5 to 1.0 tried); a ranker learned over the whole,
# best-sentence, question-sentence, first and last sentence scores did no better there (README, "How well it
# understands").
MAIN_WHOLE_WEIGHT = 0.9
APPLIES = 0.30  # a situation this strong applies...
APPLIES_RELATIVE = 0.5  # ...when it is also at least half as strong as the top one
UNSURE = 0.30  # below this, the top situation is too weak: ask which is closer
CLOSE = 0.06  # top two within this, found in the same words: ask which is closer
FALLBACK = 0.25  # below this and no situation: say kindly we could not place it
MAX_UNITS = 60  # sentences and pairs scored at most, to bound the cost of a pasted document
QUESTION = 0.5  # a story's last question is a FAQ question when its sentence alone is this sure of one
ASKED = frozenset({"general_info", "advocate_question"})  # the intents whose questions have FAQ answers
# Intents a story's last question can turn the turn into: "...When does the evaluation have to be done?" asks
# for the deadline conversation, whatever the story before it is about.
STEERING = frozenset({"ask_deadline"})
# Intents that carry no problem of their own: a story that opens with one is still a story.
OPENERS = frozenset({"greet", "share_background", "thanks", "affirm", "help"})
# Intents answered in the parent's language even when we cannot triage it: asking for a person must
# never end at "please write in English".
ANY_LANGUAGE = frozenset({"human_handoff"})
OURS = ("en", "es", "")  # the languages we answer in, and "" for a message that could be either


@dataclass(frozen=True)
class Scored:
    id: str
    confidence: float


@dataclass(frozen=True)
class Understanding:
    text: str
    intent: str
    confidence: float
    intent_ranking: tuple[Scored, ...]
    situations: tuple[Scored, ...]  # every situation, best first
    applies: tuple[str, ...] = ()  # the situations judged to apply, best first
    clarify: tuple[str, ...] = ()  # non-empty: ask which of these is closer
    retrieval_key: str | None = None  # e.g. "general_info/what_is_iep"
    question_key: str | None = None  # the FAQ answer to the question a longer story ends with, if it has one
    notes: tuple[str, ...] = ()
    language: str = ""  # "en" or "es" on clear evidence (bot/understanding/language.py), a third code, or ""
    # empty_message, emoji_only, number_only, typed_command, looks_like_code (bot/understanding/inputs.py)
    # or non_english
    problem: str | None = field(default=None)


@dataclass(frozen=True)
class _Evidence:
    score: float  # how strongly the situation applies (WHOLE_WEIGHT)
    unit: int  # index of the sentence unit that gave the best score (0 = whole message)
    main: float  # how likely it is the main concern (MAIN_WHOLE_WEIGHT): the order of `situations`


class Triage:
    """Everything needed to understand a message, built once per process."""

    def __init__(self, model: IntentModel, situation_ids: Iterable[str],
                 finder: TermFinder | None = None, checker: InputChecker | None = None,
                 crisis: CrisisDetector | None = None) -> None:
        self.model = model
        self.situation_ids = tuple(situation_ids)
        self.finder = finder or TermFinder()
        self.checker = checker or InputChecker()
        self.crisis = crisis or CrisisDetector.from_file()

    def understand(self, raw: str | None, reading: Reading | None = None) -> Understanding:
        """What `raw` says. `reading`: its sentences and terms, if they were split already (TermFinder.read)."""
        checked = self.checker.check(raw)
        # Danger first, in the whole message: a long paste is shortened for triage, never for this.
        danger = self.crisis.is_crisis(checked.whole or checked.text)
        if checked.problem:
            problem = _problem(checked, checked.problem)
            return replace(problem, intent="crisis") if danger else problem
        if checked.asked and not danger:  # "Español", "English please": the whole message asks for a language
            return Understanding(text=checked.text, intent="switch_language", confidence=1.0, intent_ranking=(),
                                 situations=(), language=checked.asked)
        # Sentences split already are used when the text read is the one triage reads (nothing cleaned or cut).
        sentences = reading.sentences if reading is not None and reading.text == checked.text else None
        # Still read after a crisis: after the crisis reply the parent may carry on with it.
        result = self._classify(checked, sentences)
        if danger:
            return replace(result, intent="crisis", confidence=1.0)
        if checked.language not in OURS and result.intent not in ANY_LANGUAGE:
            # Neither English nor Spanish: whatever the model guesses from shared words ("escola", "avaliação") is no
            # answer; say kindly in both where help is, and keep the ranking for the CLI.
            return replace(result, intent="bad_input", confidence=1.0, problem="non_english")
        return result

    def _classify(self, checked: InputCheck, sentences: Sequence[str] | None) -> Understanding:
        pieces, units = self._units(checked.text, sentences)
        rows = self.model.rows_of_joined(checked.text, pieces, units)  # the whole, then each unit; full labels
        bases, fold = self.model.intents
        folded = rows @ fold  # retrieval keys folded into their intent
        whole = dict(zip(bases, map(float, folded[0])))
        evidence = self._evidence(folded)
        ranked = sorted(evidence, key=lambda kv: kv[1].score, reverse=True)
        main = sorted(evidence, key=lambda kv: kv[1].main, reverse=True)
        situations = tuple(Scored(s, round(e.main, 4)) for s, e in main)
        applies = _applies(tuple(Scored(s, e.score) for s, e in ranked), main[0])
        clarify = _clarify(ranked)
        intent, confidence = max(whole.items(), key=lambda kv: kv[1])
        top = situations[0]
        if intent in OPENERS and units and top.confidence >= APPLIES:
            intent, confidence = top.id, top.confidence  # background then a problem: it is the problem
        elif intent not in self.situation_ids and confidence < FALLBACK and top.confidence < FALLBACK:
            intent = "nlu_fallback"
        ranking = tuple(Scored(i, round(p, 4)) for i, p in sorted(whole.items(), key=lambda kv: kv[1], reverse=True))
        labels = self.model.labels
        asked = _last_asked(pieces, labels, rows[1:len(pieces) + 1])  # the story's last question, read once
        question = _question(asked)
        steer = _steering(asked)
        if steer is not None:
            intent, confidence = steer
        notes = checked.notes + (("mixed_language",) if checked.language not in OURS else ())
        return Understanding(
            text=checked.text, intent=intent, confidence=round(confidence, 4), intent_ranking=ranking[:10],
            situations=situations, applies=applies, clarify=clarify,
            retrieval_key=_retrieval_key(intent, dict(zip(labels, map(float, rows[0])))), question_key=question,
            notes=notes, language=checked.language,
        )

    @cached_property
    def _columns(self) -> tuple[int | None, ...]:
        """Each situation's column among the model's folded intents (None: never taught)."""
        bases, _ = self.model.intents
        return tuple(bases.index(s) if s in bases else None for s in self.situation_ids)

    def _evidence(self, folded: np.ndarray) -> list[tuple[str, _Evidence]]:
        """Each situation's score: the whole message's probability, weighed with its best unit's."""
        whole, parts = folded[0], folded[1:]
        found = []
        for situation, column in zip(self.situation_ids, self._columns):
            if column is None:  # a situation the model was never taught: no evidence for it
                found.append((situation, _Evidence(0.0, 0, 0.0)))
            elif not len(parts):
                found.append((situation, _Evidence(float(whole[column]), 0, float(whole[column]))))
            else:
                best = int(parts[:, column].argmax())
                w, b = float(whole[column]), float(parts[best, column])
                found.append((situation, _Evidence(WHOLE_WEIGHT * w + (1 - WHOLE_WEIGHT) * b, best + 1,
                                                   MAIN_WHOLE_WEIGHT * w + (1 - MAIN_WHOLE_WEIGHT) * b)))
        return found

    def _units(self, text: str, sentences: Sequence[str] | None = None) -> tuple[list[str], list[tuple[int, ...]]]:
        """The sentences (of `text`, split here unless given), and the units scored besides the whole: each
        sentence, then each pair of neighbours (as indexes into the sentences)."""
        split = self.finder.sentences(text) if sentences is None else sentences
        sentences = list(split[:MAX_UNITS])  # those past the cap are never scored, nor read
        if len(sentences) <= 1:
            return [], []
        singles = [(i,) for i in range(len(sentences))]
        pairs = [(i, i + 1) for i in range(len(sentences) - 1)] if len(sentences) > 2 else []
        return sentences, (singles + pairs)[:MAX_UNITS]


def _applies(situations: Sequence[Scored], main: tuple[str, _Evidence]) -> tuple[str, ...]:
    """The situations that apply (by their scores, best first), led by the main concern when it is strong enough."""
    top = situations[0].confidence
    if top < UNSURE:
        return ()
    applying = [s.id for s in situations if s.confidence >= APPLIES and s.confidence >= APPLIES_RELATIVE * top]
    first, evidence = main
    if first in applying or evidence.main >= APPLIES:
        applying = [first] + [s for s in applying if s != first]
    return tuple(applying[:3])


def _clarify(ranked: Sequence[tuple[str, _Evidence]]) -> tuple[str, ...]:
    (first, e1), (second, e2) = ranked[:2]
    if e1.score < UNSURE:
        return tuple(s for s, e in ranked[:3] if e.score > 0.05) if e1.score > 0.1 else ()
    if e1.score - e2.score < CLOSE and e1.unit == e2.unit:
        return (first, second)
    return ()


def _last_asked(sentences: Sequence[str], labels: Sequence[str], singles: np.ndarray) -> dict[str, float] | None:
    """The full intent scores of the last sentence that asks something, in a story of several sentences."""
    asked = [i for i, sentence in enumerate(sentences[:len(singles)]) if "?" in sentence]
    return dict(zip(labels, map(float, singles[asked[-1]]))) if asked else None


def _steering(asked: dict[str, float] | None) -> tuple[str, float] | None:
    """(intent, confidence) when a story's last question (its full scores) asks for a STEERING intent."""
    scores = base_probabilities(asked or {})
    intent, score = max(scores.items(), key=lambda kv: kv[1], default=("", 0.0))
    return (intent, round(score, 4)) if intent in STEERING and score >= QUESTION else None


def _question(full: dict[str, float] | None) -> str | None:
    """The FAQ key of a story's last question (its full scores), when that sentence on its own is a general
    question ("how much do advocates cost?") rather than part of the story."""
    if full is None:
        return None
    scores = base_probabilities(full)
    intent = max(ASKED, key=lambda i: scores.get(i, 0.0))
    return _retrieval_key(intent, full) if scores.get(intent, 0.0) >= QUESTION else None


def _retrieval_key(intent: str, full: dict[str, float]) -> str | None:
    keys = {label: p for label, p in full.items() if label.startswith(intent + "/")}
    return max(keys, key=keys.get) if keys else None


def _problem(checked: InputCheck, problem: str) -> Understanding:
    return Understanding(text=checked.text, intent="bad_input", confidence=1.0, intent_ranking=(),
                         situations=(), notes=checked.notes, language=checked.language, problem=problem)
