"""Loads the knowledge YAML files into typed values and checks that every reference resolves.

A broken knowledge base must stop the assistant at start-up with a message that names the file
and the entry, never surface later as a half-answer to a parent.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

import yaml

from bot.knowledge.model import (
    DEFAULT_LANGUAGE,
    FIELD_KINDS,
    LEVELS,
    AdvocateSign,
    AnswerWords,
    FaqEntry,
    GlossaryTerm,
    Knowledge,
    LanguageOffer,
    Letter,
    LetterField,
    LetterTerm,
    LetterTerms,
    MeetingReason,
    Right,
    Situation,
    Texts,
)

KNOWLEDGE_DIR = Path(__file__).resolve().parent
LANGUAGE_CODE = re.compile(r"[a-z]{2}")
CITATION = re.compile(r"(34 CFR \d{3}\.\d+|OSEP Memo \d{2}-\d{2})")


class KnowledgeError(ValueError):
    """The knowledge files are missing something the assistant needs."""


def _read(directory: Path, name: str) -> dict[str, Any]:
    path = directory / name
    if not path.exists():
        raise KnowledgeError(f"{path}: file is missing")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise KnowledgeError(f"{path}: not valid YAML: {err}") from err
    if not isinstance(data, dict):
        raise KnowledgeError(f"{path}: expected a mapping at the top level")
    return data


def _section(data: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict) or not value:
        raise KnowledgeError(f"{where}: '{key}' is missing or empty")
    return value


def _texts(value: Any, where: str) -> Texts:
    if isinstance(value, str):
        value = {DEFAULT_LANGUAGE: value}
    if not isinstance(value, dict) or not str(value.get(DEFAULT_LANGUAGE, "")).strip():
        raise KnowledgeError(f"{where}: needs an English ('{DEFAULT_LANGUAGE}') text")
    for lang, text in value.items():
        # A comma in an unquoted {en: ...} splits the text into a bogus key: catch it here.
        if not LANGUAGE_CODE.fullmatch(str(lang)) or not isinstance(text, str) or not text.strip():
            raise KnowledgeError(f"{where}: '{lang}' is not a language code with a text (quote texts with commas)")
    # Fold line breaks from YAML blocks, but keep edge spaces: joiners like ", or " need them.
    return Texts({lang: re.sub(r"\s+", " ", text) for lang, text in value.items()})


def _list(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise KnowledgeError(f"{where}: expected a list of names")
    return tuple(value)


def _rights(data: Mapping[str, Any]) -> dict[str, Right]:
    rights = {}
    for key, entry in _section(data, "rights", "rights.yml").items():
        where = f"rights.yml: right '{key}'"
        citation = str(entry.get("citation", "")).strip()
        if not CITATION.search(citation):
            raise KnowledgeError(f"{where}: has no regulation citation")
        if not str(entry.get("section", "")).strip():
            raise KnowledgeError(f"{where}: has no fact-sheet section")
        rights[key] = Right(
            key=key,
            section=str(entry["section"]),
            citation=citation,
            confidence=str(entry.get("confidence", "verified")),
            state_varies=bool(entry.get("state_varies", False)),
            name=_texts(entry.get("name"), f"{where}, name"),
            text=_texts(entry.get("text"), f"{where}, text"),
        )
    return rights


def _fields(data: Mapping[str, Any]) -> dict[str, LetterField]:
    fields = {}
    for key, entry in _section(data, "fields", "letters.yml").items():
        where = f"letters.yml: field '{key}'"
        kind = str(entry.get("kind", ""))
        if kind not in FIELD_KINDS:
            raise KnowledgeError(f"{where}: kind must be one of {', '.join(FIELD_KINDS)}")
        fields[key] = LetterField(
            key=key, kind=kind, optional=bool(entry.get("optional", False)),
            **{name: _texts(entry.get(name), f"{where}, {name}") for name in ("label", "ask", "help", "why", "retry")},
            terms=_list(entry.get("terms"), f"{where}, terms"), names=bool(entry.get("names", False)),
            as_typed=bool(entry.get("as_typed", False)),
        )
    return fields


def _term(key: str, group: str, entry: Any, where: str) -> LetterTerm:
    if not isinstance(entry, dict):
        raise KnowledgeError(f"{where}: expected words and also")
    words = _texts(entry.get("words"), f"{where}, words")
    if set(words.by_language) != {"en", "es"}:
        raise KnowledgeError(f"{where}: words need an English and a Spanish form")
    if len({tuple(sorted(re.findall(r"\{n\}", text))) for text in words.by_language.values()}) != 1:
        raise KnowledgeError(f"{where}: English and Spanish words need the same number of {{n}}")
    also = entry.get("also") or {}
    if not isinstance(also, dict) or not set(also) <= {"en", "es"}:
        raise KnowledgeError(f"{where}: also maps en or es to lists")
    return LetterTerm(key, group, words, {lang: _list([str(v) for v in values], f"{where}, also {lang}")
                                          for lang, values in also.items()})


def _letter_terms(data: Mapping[str, Any]) -> LetterTerms:
    groups = {group: tuple(_term(key, group, entry, f"letter_terms.yml: {group} '{key}'")
                           for key, entry in (entries or {}).items())
              for group, entries in _section(data, "terms", "letter_terms.yml").items()}
    joiners = tuple(_term(key, "joiners", entry, f"letter_terms.yml: joiner '{key}'")
                    for key, entry in _section(data, "joiners", "letter_terms.yml").items())
    articles = {lang: _list(words, f"letter_terms.yml: articles {lang}")
                for lang, words in _section(data, "articles", "letter_terms.yml").items()}
    return LetterTerms(groups, joiners, articles)


def _letters(data: Mapping[str, Any], rights: Mapping[str, Right], fields: Mapping[str, LetterField]) -> dict[str, Letter]:
    letters = {}
    for key, entry in _section(data, "letters", "letters.yml").items():
        where = f"letters.yml: letter '{key}'"
        letter = Letter(
            id=key,
            **{name: _texts(entry.get(name), f"{where}, {name}") for name in ("name", "description", "button", "next", "recipient")},
            basis=_list(entry.get("basis"), f"{where}, basis"),
            fields=_list(entry.get("fields"), f"{where}, fields"),
            aliases=tuple(str(a).lower() for a in _list([str(a) for a in entry.get("aliases") or []], f"{where}, aliases")),
            named_first=bool(entry.get("named_first", False)),
        )
        _known(where, "right", letter.basis, rights, "rights.yml")
        _known(where, "field", letter.fields, fields, "the fields of letters.yml")
        letters[key] = letter
    return letters


def _known(where: str, what: str, names: tuple[str, ...], known: Mapping[str, Any], source: str) -> None:
    for name in names:
        if name not in known:
            raise KnowledgeError(f"{where}: {what} '{name}' is not in {source}")


def _reasons(data: Mapping[str, Any], fields: Mapping[str, LetterField], rights: Mapping[str, Right]) -> dict[str, MeetingReason]:
    reasons: dict[str, MeetingReason] = {}
    for key, entry in _section(data, "reasons", "letters.yml").items():
        where = f"letters.yml: reason '{key}'"
        reason = MeetingReason(id=key, situations=_list(entry.get("situations"), f"{where}, situations"),
                               label=_texts(entry.get("label"), f"{where}, label"),
                               basis=_list(entry.get("basis"), f"{where}, basis"),
                               fields=_list(entry.get("fields"), f"{where}, fields"))
        _known(where, "field", reason.fields, fields, "the fields of letters.yml")
        _known(where, "right", reason.basis, rights, "rights.yml")
        reasons[key] = reason
    return reasons


def _answers(data: Mapping[str, Any]) -> dict[str, AnswerWords]:
    answers = {}
    for language, words in _section(data, "answers", "letters.yml").items():
        where = f"letters.yml: answers '{language}'"
        if not LANGUAGE_CODE.fullmatch(str(language)) or not isinstance(words, dict):
            raise KnowledgeError(f"{where}: expected a language code with word lists")
        lists = {name: tuple(w.lower() for w in _list([str(w) for w in words.get(name) or []], f"{where}, {name}"))
                 for name in ("skip", "unknown", "yes", "no", "all", "name_prefixes", "child_words", "school_words")}
        answers[language] = AnswerWords(**lists)
    if DEFAULT_LANGUAGE not in answers:
        raise KnowledgeError(f"letters.yml: answers needs '{DEFAULT_LANGUAGE}' words")
    return answers


def _situations(data: Mapping[str, Any], rights: Mapping[str, Right], letters: Mapping[str, Letter]) -> dict[str, Situation]:
    situations = {}
    for key, entry in _section(data, "situations", "situations.yml").items():
        where = f"situations.yml: situation '{key}'"
        advocate = entry.get("advocate") or {}
        situation = Situation(
            id=key,
            rights=_list(entry.get("rights"), f"{where}, rights"),
            letters=_list(entry.get("letters"), f"{where}, letters"),
            advocate_default=str(advocate.get("default", "")),
            advocate_signs=_list(advocate.get("signs"), f"{where}, advocate signs"),
            title=_texts(entry.get("title"), f"{where}, title"),
            reflection=_texts(entry.get("reflection"), f"{where}, reflection"),
            choice=_texts(entry.get("choice"), f"{where}, choice"),
            next_step=_texts(entry.get("next_step"), f"{where}, next_step"),
            reflection_daughter=(_texts(entry["reflection_daughter"], f"{where}, reflection_daughter")
                                 if "reflection_daughter" in entry else None),
        )
        for right in situation.rights:
            if right not in rights:
                raise KnowledgeError(f"{where}: right '{right}' is not in rights.yml")
        for letter in situation.letters:
            if letter not in letters:
                raise KnowledgeError(f"{where}: letter '{letter}' is not in letters.yml")
        if situation.advocate_default not in LEVELS:
            raise KnowledgeError(f"{where}: advocate default must be one of {', '.join(LEVELS)}")
        situations[key] = situation
    return situations


def _language_offers(data: Mapping[str, Any], situations: Mapping[str, Situation], letters: Mapping[str, Letter],
                     glossary: Mapping[str, GlossaryTerm], rights: Mapping[str, Right]) -> dict[str, LanguageOffer]:
    offers = {}
    for key, entry in (data.get("language_offers") or {}).items():
        where = f"situations.yml: language_offers '{key}'"
        if key not in letters:
            raise KnowledgeError(f"{where}: letter '{key}' is not in letters.yml")
        if not isinstance(entry, dict):
            raise KnowledgeError(f"{where}: expected languages, situations, terms and words")
        words = entry.get("words") or {}
        if not isinstance(words, dict) or not all(LANGUAGE_CODE.fullmatch(str(lang)) for lang in words):
            raise KnowledgeError(f"{where}: words maps language codes to lists")
        offer = LanguageOffer(
            letter=key,
            languages=_list(entry.get("languages"), f"{where}, languages"),
            situations=_list(entry.get("situations"), f"{where}, situations"),
            terms=_list(entry.get("terms"), f"{where}, terms"),
            words=tuple(str(w).lower() for lang, values in words.items()
                        for w in _list([str(v) for v in values or []], f"{where}, words {lang}")),
            right=str(entry["right"]) if entry.get("right") else None,
        )
        if not offer.languages:
            raise KnowledgeError(f"{where}: names no language")
        _known(where, "situation", offer.situations, situations, "situations.yml")
        _known(where, "term", offer.terms, glossary, "glossary.yml")
        _known(where, "right", (offer.right,) if offer.right else (), rights, "rights.yml")
        if any(key in s.letters for s in situations.values()):
            raise KnowledgeError(f"{where}: a situation already offers '{key}'; the contract's lists and ours "
                                 "stay apart")
        offers[key] = offer
    return offers


def _signs(data: Mapping[str, Any], situations: Mapping[str, Situation]) -> dict[str, AdvocateSign]:
    signs = {}
    for key, entry in _section(data, "signs", "advocate.yml").items():
        where = f"advocate.yml: sign '{key}'"
        groups = entry.get("patterns") or []
        patterns = tuple(tuple(g) if isinstance(g, list) else (g,) for g in groups)
        unless = tuple(entry.get("unless") or ())
        for group in (*patterns, unless):
            for pattern in group:
                try:
                    re.compile(pattern)
                except re.error as err:
                    raise KnowledgeError(f"{where}: pattern '{pattern}' is not a valid regex: {err}") from err
        sign = AdvocateSign(
            id=key,
            kind=str(entry.get("kind", "")),
            rubric=str(entry.get("rubric", "")),
            situations=_list(entry.get("situations"), f"{where}, situations"),
            always=bool(entry.get("always", False)),
            patterns=patterns,
            reason=_texts(entry.get("reason"), f"{where}, reason"),
            question=_texts(entry["question"], f"{where}, question") if entry.get("question") else None,
            answer=entry.get("answer"),
            holds_on=str(entry.get("holds_on", "yes")),
            at_least=int(entry.get("at_least", 2)),
            ask_in=_list(entry.get("ask_in"), f"{where}, ask_in"),
            unless=unless,
        )
        if (sign.question is None) != (sign.answer is None):
            raise KnowledgeError(f"{where}: a question needs an answer type (yes_no or count), and the other way round")
        if sign.answer not in (None, "yes_no", "count") or sign.holds_on not in ("yes", "no"):
            raise KnowledgeError(f"{where}: answer must be yes_no or count, holds_on yes or no")
        if sign.kind not in ("strong", "consider"):
            raise KnowledgeError(f"{where}: kind must be 'strong' or 'consider'")
        if not sign.rubric:
            raise KnowledgeError(f"{where}: names no rubric line")
        if not sign.always and not sign.patterns:
            raise KnowledgeError(f"{where}: needs patterns unless it is 'always'")
        for situation in sign.situations + sign.ask_in:
            if situation not in situations:
                raise KnowledgeError(f"{where}: situation '{situation}' is not in situations.yml")
        signs[key] = sign
    for situation in situations.values():
        for sign in situation.advocate_signs:
            if sign not in signs:
                raise KnowledgeError(f"situations.yml: situation '{situation.id}': advocate sign '{sign}' is not in advocate.yml")
    return signs


def _glossary(data: Mapping[str, Any], rights: Mapping[str, Right]) -> dict[str, GlossaryTerm]:
    terms = {}
    for key, entry in _section(data, "terms", "glossary.yml").items():
        where = f"glossary.yml: term '{key}'"
        right = entry.get("right")
        if right and right not in rights:
            raise KnowledgeError(f"{where}: right '{right}' is not in rights.yml")
        aliases = tuple(a.lower() for a in _list(entry.get("aliases"), f"{where}, aliases"))
        if not aliases:
            raise KnowledgeError(f"{where}: needs at least one alias")
        terms[key] = GlossaryTerm(
            key=key, name=_texts(entry.get("name"), f"{where}, name"), aliases=aliases,
            text=_texts(entry.get("text"), f"{where}, text"), right=right,
        )
    return terms


def _faq(data: Mapping[str, Any], rights: Mapping[str, Right], situations: Mapping[str, Situation]) -> dict[str, FaqEntry]:
    entries = {}
    for key, entry in _section(data, "faq", "faq.yml").items():
        where = f"faq.yml: answer '{key}'"
        base = key.split("/", 1)[0]
        if "/" not in key or base not in situations:
            raise KnowledgeError(f"{where}: key must be '<situation id>/<question>'")
        faq = FaqEntry(key=key, text=_texts(entry.get("text"), f"{where}, text"),
                       rights=_list(entry.get("rights"), f"{where}, rights"))
        for right in faq.rights:
            if right not in rights:
                raise KnowledgeError(f"{where}: right '{right}' is not in rights.yml")
        entries[key] = faq
    return entries


def _advocate(data: Mapping[str, Any], situations: Mapping[str, Situation]) -> tuple[dict[str, Texts], dict[str, Texts]]:
    levels = {key: _texts(value, f"advocate.yml: level '{key}'") for key, value in _section(data, "levels", "advocate.yml").items()}
    if set(levels) != set(LEVELS):
        raise KnowledgeError(f"advocate.yml: levels must be exactly {', '.join(LEVELS)}")
    reasons = {}
    for key, value in (data.get("situation_reasons") or {}).items():
        if key not in situations:
            raise KnowledgeError(f"advocate.yml: situation_reasons names unknown situation '{key}'")
        reasons[key] = _texts(value, f"advocate.yml: situation_reasons '{key}'")
    for situation in situations.values():
        if situation.advocate_default != "not_needed_yet" and situation.id not in reasons:
            raise KnowledgeError(f"advocate.yml: situation_reasons needs a reason for '{situation.id}'")
    return levels, reasons


GUIDE_SECTIONS = ("what", "liaison", "cost", "choose", "bring_in", "find")


def _guide(data: Mapping[str, Any]) -> dict[str, Texts]:
    guide = {key: _texts(value, f"advocate.yml: guide '{key}'") for key, value in _section(data, "guide", "advocate.yml").items()}
    missing = [key for key in GUIDE_SECTIONS if key not in guide]
    if missing:
        raise KnowledgeError(f"advocate.yml: guide needs {', '.join(missing)}")
    return guide


def _count_words(data: Mapping[str, Any]) -> dict[str, dict[str, int]]:
    out = {}
    for language, words in _section(data, "count_words", "advocate.yml").items():
        if not isinstance(words, Mapping) or not all(isinstance(v, int) for v in words.values()):
            raise KnowledgeError(f"advocate.yml: count_words '{language}' must map words to whole numbers")
        out[language] = {str(word).lower(): value for word, value in words.items()}
    return out


def load_from(directory: Path) -> Knowledge:
    """Loads and validates the knowledge in `directory`; raises KnowledgeError naming what is wrong."""
    rights = _rights(_read(directory, "rights.yml"))
    letter_data = _read(directory, "letters.yml")
    fields = _fields(letter_data)
    letters = _letters(letter_data, rights, fields)
    meeting_reasons = _reasons(letter_data, fields, rights)
    situation_data = _read(directory, "situations.yml")
    situations = _situations(situation_data, rights, letters)
    for reason in meeting_reasons.values():
        for situation in reason.situations:
            if situation not in situations:
                raise KnowledgeError(f"letters.yml: reason '{reason.id}': situation '{situation}' is not in situations.yml")
    advocate = _read(directory, "advocate.yml")
    signs = _signs(advocate, situations)
    levels, reasons = _advocate(advocate, situations)
    letter_terms = _letter_terms(_read(directory, "letter_terms.yml"))
    for spec in fields.values():
        _known(f"letters.yml: field '{spec.key}'", "terms group", spec.terms, letter_terms.groups, "letter_terms.yml")
    glossary = _glossary(_read(directory, "glossary.yml"), rights)
    language_offers = _language_offers(situation_data, situations, letters, glossary, rights)
    messages = {key: _texts(value, f"messages.yml: message '{key}'")
                for key, value in _section(_read(directory, "messages.yml"), "messages", "messages.yml").items()}
    return Knowledge(
        situations=situations, rights=rights, letters=letters, signs=signs,
        situation_reasons=reasons, levels=levels,
        glossary=glossary,
        faq=_faq(_read(directory, "faq.yml"), rights, situations),
        messages=messages, fields=fields, reasons=meeting_reasons, answers=_answers(letter_data),
        advocate_guide=_guide(advocate), count_words=_count_words(advocate), letter_terms=letter_terms,
        language_offers=language_offers, child_phrases=_child_phrases(situation_data),
    )


def _child_phrases(data: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    phrases = {}
    for kind in ("daughter", "son_or_several"):
        by_language = (data.get("child_words") or {}).get(kind)
        if not isinstance(by_language, dict) or DEFAULT_LANGUAGE not in by_language:
            raise KnowledgeError(f"situations.yml: child_words needs '{kind}' phrases keyed by language")
        phrases[kind] = tuple(phrase for language, listed in by_language.items()
                              for phrase in _list(listed, f"situations.yml: child_words, {kind}, {language}"))
    return phrases


@lru_cache(maxsize=1)
def load_knowledge() -> Knowledge:
    """The packaged knowledge, loaded once per process (it is read-only)."""
    return load_from(KNOWLEDGE_DIR)
