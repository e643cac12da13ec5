"""Typed, immutable values for the knowledge base."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

DEFAULT_LANGUAGE = "en"
LEVELS = ("not_needed_yet", "worth_considering", "recommended")  # weakest first


@dataclass(frozen=True)
class Texts:
    """One piece of text in several languages; falls back to English."""

    by_language: Mapping[str, str]

    def get(self, language: str = DEFAULT_LANGUAGE) -> str:
        return self.by_language.get(language) or self.by_language[DEFAULT_LANGUAGE]


@dataclass(frozen=True)
class Right:
    key: str
    section: str
    citation: str
    confidence: str
    state_varies: bool
    name: Texts
    text: Texts


@dataclass(frozen=True)
class Situation:
    id: str
    rights: tuple[str, ...]
    letters: tuple[str, ...]
    advocate_default: str
    advocate_signs: tuple[str, ...]
    title: Texts
    reflection: Texts
    choice: Texts
    next_step: Texts
    reflection_daughter: Texts | None = None  # for a story that speaks only of a daughter


FIELD_KINDS = ("name", "short_text", "long_text", "contact", "date_past", "date_future", "yes_no", "choice")


@dataclass(frozen=True)
class LetterField:
    """One detail a letter needs from the parent, and how to ask for it."""

    key: str
    kind: str  # one of FIELD_KINDS: decides how an answer is read
    optional: bool
    label: Texts
    ask: Texts
    help: Texts
    why: Texts  # said after two answers that could not be used
    retry: Texts
    # How an answer typed in one language goes into the letter in the other (bot/letters/wording.py):
    terms: tuple[str, ...] = ()  # groups of letter_terms.yml it is read through
    names: bool = False  # capitalised names pass through as typed ("Dra. Grace Kim")
    as_typed: bool = False  # what the terms cannot read goes in as typed (a name, an address), never quoted


@dataclass(frozen=True)
class LetterTerm:
    """A group of words a letter writes in its own language for what a parent typed in the other one."""

    key: str
    group: str
    words: Texts  # what each letter writes; "{n}" is a number, written as typed
    also: Mapping[str, tuple[str, ...]]  # other ways parents write it, per language


@dataclass(frozen=True)
class LetterTerms:
    groups: Mapping[str, tuple[LetterTerm, ...]] = field(default_factory=dict)
    joiners: tuple[LetterTerm, ...] = ()  # "and", "or": read in every field that reads any group
    articles: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # dropped before a term


@dataclass(frozen=True)
class MeetingReason:
    id: str
    situations: tuple[str, ...]  # the situations whose meeting request gives this reason
    label: Texts
    basis: tuple[str, ...]  # rights the meeting request cites for this reason
    fields: tuple[str, ...]


@dataclass(frozen=True)
class Letter:
    id: str
    name: Texts
    description: Texts
    button: Texts
    next: Texts  # what should happen after sending, with the reply date as {due}
    recipient: Texts  # who the letter is addressed to when the parent names nobody
    basis: tuple[str, ...]  # rights the letter cites
    fields: tuple[str, ...]
    aliases: tuple[str, ...] = ()  # how a parent names it, lower case
    named_first: bool = False  # its names are read before any other letter's ("an interpreter at the meeting")


@dataclass(frozen=True)
class LanguageOffer:
    """When a letter of ours, beside the situations' own, is offered after a story (situations.yml)."""

    letter: str
    languages: tuple[str, ...]  # offered after a story only to a parent who writes in one of these
    situations: tuple[str, ...]  # a story that is one of these
    terms: tuple[str, ...]  # or names one of these glossary terms
    words: tuple[str, ...]  # or says one of these words, in any language (lower case)
    right: str | None = None  # said after the situations' rights wherever the letter is offered (rights.yml)


@dataclass(frozen=True)
class AnswerWords:
    """Words that decide how an answer is read in one language (never shown to a parent)."""

    skip: tuple[str, ...]
    unknown: tuple[str, ...]
    yes: tuple[str, ...]
    no: tuple[str, ...]
    all: tuple[str, ...]
    name_prefixes: tuple[str, ...]
    child_words: tuple[str, ...]
    school_words: tuple[str, ...]


@dataclass(frozen=True)
class AdvocateSign:
    id: str
    kind: str  # "strong" or "consider"
    rubric: str  # the rubric line of situations.yml this sign implements
    situations: tuple[str, ...]  # the sign only counts alongside one of these
    always: bool  # true: the situation itself is the sign
    patterns: tuple[tuple[str, ...], ...]  # groups of regexes; every group must match somewhere
    reason: Texts
    question: Texts | None
    answer: str | None = None  # "yes_no" or "count": how the parent's answer to `question` is read
    holds_on: str = "yes"  # yes_no: the answer that makes the sign hold
    at_least: int = 2  # count: the number that makes the sign hold
    ask_in: tuple[str, ...] = ()  # more situations where the question is worth asking
    unless: tuple[str, ...] = ()  # regexes: any of them in the story, and the patterns do not count


@dataclass(frozen=True)
class GlossaryTerm:
    key: str
    name: Texts
    aliases: tuple[str, ...]
    text: Texts
    right: str | None


@dataclass(frozen=True)
class FaqEntry:
    key: str  # retrieval intent, e.g. "general_info/what_is_iep"
    text: Texts
    rights: tuple[str, ...]


@dataclass(frozen=True)
class Knowledge:
    situations: Mapping[str, Situation]
    rights: Mapping[str, Right]
    letters: Mapping[str, Letter]
    signs: Mapping[str, AdvocateSign]
    situation_reasons: Mapping[str, Texts]
    levels: Mapping[str, Texts]
    glossary: Mapping[str, GlossaryTerm]
    faq: Mapping[str, FaqEntry]
    messages: Mapping[str, Texts] = field(default_factory=dict)
    fields: Mapping[str, LetterField] = field(default_factory=dict)
    reasons: Mapping[str, MeetingReason] = field(default_factory=dict)
    answers: Mapping[str, AnswerWords] = field(default_factory=dict)
    advocate_guide: Mapping[str, Texts] = field(default_factory=dict)  # what an advocate does, cost, finding one
    count_words: Mapping[str, Mapping[str, int]] = field(default_factory=dict)  # language -> "twice" -> 2
    letter_terms: LetterTerms = field(default_factory=LetterTerms)
    language_offers: Mapping[str, LanguageOffer] = field(default_factory=dict)  # letter id -> when it is offered
    # "daughter" / "son_or_several" -> the phrases a story names the child with, in either language (situations.yml
    # child_words): a Spanglish story may say "my daughter" in a Spanish message.
    child_phrases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def answer_words(self, language: str = DEFAULT_LANGUAGE) -> AnswerWords:
        return self.answers.get(language) or self.answers[DEFAULT_LANGUAGE]

    def message(self, key: str, language: str = DEFAULT_LANGUAGE, **values: object) -> str:
        """A parent-facing sentence from messages.yml, filled with `values`."""
        return self.messages[key].get(language).format(**values)
