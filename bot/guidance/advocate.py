"""Whether an independent advocate is warranted: a level, with the reasons that triggered it.

The rubric (shared/situations.yml, advocate_rubric) lives in knowledge/advocate.yml as signs.
A strong sign makes an advocate recommended; a consider sign makes one worth considering; each
situation also carries a default level. Signs the story leaves open become short questions, and
the parent's answers (`answers`: sign id -> holds or not) settle them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping, Sequence

from bot.knowledge import AdvocateSign, Knowledge
from bot.knowledge.model import LEVELS
from bot.understanding.words import mentions

UNCLEAR = "unclear"


@dataclass(frozen=True)
class AdvocateJudgement:
    level: str
    signs: tuple[str, ...]  # sign ids found, strongest first
    reasons: tuple[str, ...]  # plain-language reasons, in the parent's language
    open_questions: tuple[str, ...]  # sign ids the story leaves open (ask one at a time)


def judge(text: str, situations: Sequence[str], knowledge: Knowledge, language: str = "en",
          answers: Mapping[str, bool] | None = None) -> AdvocateJudgement:
    answers = answers or {}
    found = [sign for sign in knowledge.signs.values() if _holds(sign, text, situations, answers)]
    found.sort(key=lambda s: s.kind != "strong")
    level = max([_sign_level(s) for s in found] + [knowledge.situations[s].advocate_default for s in situations]
                + ["not_needed_yet"], key=LEVELS.index)
    reasons = [s.reason.get(language) for s in found]
    if not found and level != "not_needed_yet":
        reasons += [knowledge.situation_reasons[s].get(language) for s in situations
                    if knowledge.situations[s].advocate_default == level]
    found_ids = {s.id for s in found}
    askable = [sign_id for s in situations for sign_id in knowledge.situations[s].advocate_signs]
    askable += [sign.id for sign in knowledge.signs.values() if any(s in sign.ask_in for s in situations)]
    open_questions = tuple(dict.fromkeys(
        sign_id for sign_id in askable
        if sign_id not in found_ids and sign_id not in answers and knowledge.signs[sign_id].question is not None
    ))
    return AdvocateJudgement(level, tuple(s.id for s in found), tuple(dict.fromkeys(reasons)), open_questions)


def read_answer(sign: AdvocateSign, text: str, knowledge: Knowledge, language: str = "en") -> bool | None | str:
    """The parent's reply to a sign's question: True (the sign holds), False, None ("not sure") or UNCLEAR."""
    plain = " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())
    words = knowledge.answer_words(language)
    if not plain:
        return UNCLEAR
    if mentions(plain, words.unknown):
        return None
    if sign.answer == "count":
        number = _count(plain, knowledge, language)
        if number is not None:
            return number >= sign.at_least
    else:
        said_yes, said_no = mentions(plain, words.yes), mentions(plain, words.no)
        if said_yes != said_no:
            return said_yes == (sign.holds_on == "yes")
    return None if plain in words.skip else UNCLEAR


def _count(plain: str, knowledge: Knowledge, language: str) -> int | None:
    digits = re.search(r"\b(\d{1,3})\b", plain)
    if digits:
        return int(digits.group(1))
    table = knowledge.count_words.get(language) or knowledge.count_words.get("en", {})
    for word in plain.split():
        if word in table:
            return table[word]
    return None


def _sign_level(sign: AdvocateSign) -> str:
    return "recommended" if sign.kind == "strong" else "worth_considering"


def _holds(sign: AdvocateSign, text: str, situations: Sequence[str], answers: Mapping[str, bool]) -> bool:
    if sign.id in answers:  # the parent's own answer beats our reading of the story
        return bool(answers[sign.id]) and any(s in sign.situations + sign.ask_in for s in situations)
    if not any(s in sign.situations for s in situations):
        return False
    if sign.always:
        return True
    if any(re.search(p, text, re.I) for p in sign.unless):
        return False
    return all(any(re.search(p, text, re.I) for p in group) for group in sign.patterns)
