"""Whether an independent advocate is warranted: a level, with the reasons that triggered it.

The rubric (shared/situations.yml, advocate_rubric) lives in knowledge/advocate.yml as signs.
A strong sign makes an advocate recommended; a consider sign makes one worth considering; each
situation also carries a default level. Signs the story leaves open become short questions.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from bot.knowledge import AdvocateSign, Knowledge
from bot.knowledge.model import LEVELS


@dataclass(frozen=True)
class AdvocateJudgement:
    level: str
    signs: tuple[str, ...]  # sign ids found, strongest first
    reasons: tuple[str, ...]  # plain-language reasons, in the parent's language
    open_questions: tuple[str, ...]  # sign ids the story leaves open (ask one at a time)


def judge(text: str, situations: Sequence[str], knowledge: Knowledge, language: str = "en") -> AdvocateJudgement:
    found = [sign for sign in knowledge.signs.values() if _applies(sign, text, situations)]
    found.sort(key=lambda s: s.kind != "strong")
    level = max([_sign_level(s) for s in found] + [knowledge.situations[s].advocate_default for s in situations]
                + ["not_needed_yet"], key=LEVELS.index)
    reasons = [s.reason.get(language) for s in found]
    if not found and level != "not_needed_yet":
        reasons += [knowledge.situation_reasons[s].get(language) for s in situations
                    if knowledge.situations[s].advocate_default == level]
    found_ids = {s.id for s in found}
    open_questions = tuple(
        sign_id for s in situations for sign_id in knowledge.situations[s].advocate_signs
        if sign_id not in found_ids and knowledge.signs[sign_id].question is not None
    )
    return AdvocateJudgement(level, tuple(s.id for s in found), tuple(dict.fromkeys(reasons)), open_questions)


def _sign_level(sign: AdvocateSign) -> str:
    return "recommended" if sign.kind == "strong" else "worth_considering"


def _applies(sign: AdvocateSign, text: str, situations: Sequence[str]) -> bool:
    if not any(s in sign.situations for s in situations):
        return False
    if sign.always:
        return True
    return all(any(re.search(p, text, re.I) for p in group) for group in sign.patterns)
