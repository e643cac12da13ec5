"""Practice for volunteers: ask the parent in a scenario questions, answer, and be scored against the key
with specific feedback (what was missed, its citation, and why it applies in this story).

Plain Python, so the terminal (`iep-navigator practice`) and the /training page score alike.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Mapping, Sequence

from bot.guidance.replies import guidance_note
from bot.knowledge import Knowledge
from bot.training.scenarios import Fact, Scenario

PARTS = ("situations", "rights", "letter", "advocate")
_WORD = re.compile(r"[a-záéíóúñü]+")
_NAME = re.compile(r"[\w][\w .'\-]{0,59}")


class AnswerError(ValueError):
    """A practice answer or name that cannot be scored; `message_key` says why, in the volunteer's language."""

    def __init__(self, field: str, message_key: str):
        self.field, self.message_key = field, message_key
        super().__init__(f"{field}: {message_key}")


@dataclass(frozen=True)
class Answer:
    situations: tuple[str, ...]
    rights: tuple[str, ...]
    letter: str | None  # None: "no letter"
    advocate_level: str


@dataclass(frozen=True)
class Score:
    parts: Mapping[str, float]  # each part from 0 to 1
    total: int  # 0 to 100
    feedback: tuple[str, ...]  # one line per point, in the volunteer's language


def volunteer_name(raw: object) -> str:
    """A name or code a coordinator gave; plain words only (no markup), at most 60 characters."""
    name = " ".join(str(raw or "").split())
    if not name:
        raise AnswerError("volunteer", "practice_name_missing")
    if not _NAME.fullmatch(name):
        raise AnswerError("volunteer", "practice_name_invalid")
    return name


def read_answer(raw: Mapping[str, object], knowledge: Knowledge) -> Answer:
    """A volunteer's answer from a form or the terminal. Nothing is scored unless every part is there."""
    situations = _ids(raw.get("situations"))
    rights = _ids(raw.get("rights"))
    letter = str(raw.get("letter") or "").strip() or None
    level = str(raw.get("advocate") or "").strip()
    if not situations:
        raise AnswerError("situations", "practice_need_situation")
    if any(s not in knowledge.situations for s in situations):
        raise AnswerError("situations", "practice_unknown_choice")
    if any(r not in knowledge.rights for r in rights):
        raise AnswerError("rights", "practice_unknown_choice")
    if letter == "none":
        letter = None
    elif letter is not None and letter not in knowledge.letters:
        raise AnswerError("letter", "practice_unknown_choice")
    if level not in knowledge.levels:
        raise AnswerError("advocate", "practice_need_advocate")
    return Answer(situations, rights, letter, level)


def ask(scenario: Scenario, question: str) -> Fact | None:
    """The fact the parent would share in answer to `question`: the one whose words it uses most. Accents do not
    count, so a volunteer asking a Spanish-speaking parent "cuantos anos tiene" matches a cue written "años"."""
    words = set(_WORD.findall(_plain(question)))
    best, best_hits = None, 0
    for fact in scenario.facts:
        cues = [_plain(cue) for cue in fact.ask]
        hits = sum(1 for cue in cues if any(w == cue or (len(cue) >= 4 and w.startswith(cue)) for w in words))
        if hits > best_hits:
            best, best_hits = fact, hits
    return best


def score(scenario: Scenario, answer: Answer, knowledge: Knowledge, language: str = "en") -> Score:
    k, key = knowledge, scenario.key
    say = lambda message, **values: k.message(message, language, **values)  # noqa: E731 - local shorthand
    lines: list[str] = []

    weights = {s: (2 if i == 0 else 1) for i, s in enumerate(key.situations)}  # the main situation counts double
    found = sum(w for s, w in weights.items() if s in answer.situations)
    for situation in key.situations:
        name = k.situations[situation].title.get(language)
        lines.append(say("practice_situation_found" if situation in answer.situations
                         else "practice_situation_missed", situation=name))
    for extra in answer.situations:
        if extra not in weights:
            lines.append(say("practice_situation_extra", situation=k.situations[extra].title.get(language)))
    situations = found / sum(weights.values())

    for right in key.rights:
        r = k.rights[right]
        if right in answer.rights:
            lines.append(say("practice_right_found", right=r.name.get(language), citation=r.citation)
                         + guidance_note([right], k, language))
        else:
            # The right's own words, which its citation supports: the story's explanation cites nothing.
            lines.append(say("practice_right_missed", right=r.name.get(language), text=r.text.get(language),
                             citation=r.citation) + guidance_note([right], k, language))
    lines.append(say("practice_why", why=key.why))
    rights = (sum(1 for r in key.rights if r in answer.rights) / len(key.rights)) if key.rights else \
        (1.0 if not answer.rights else 0.5)

    letter = 1.0 if answer.letter == key.letter else 0.0
    wanted = k.letters[key.letter].name.get(language) if key.letter else say("practice_no_letter")
    lines.append(say("practice_letter_right" if letter else "practice_letter_wrong", letter=wanted))

    advocate = 1.0 if answer.advocate_level == key.advocate_level else 0.0
    reasons = " ".join(k.signs[s].reason.get(language) for s in key.advocate_signs)
    lines.append(say("practice_advocate_right" if advocate else "practice_advocate_wrong",
                     level=k.levels[key.advocate_level].get(language), reasons=reasons).strip())

    lines.append(say("practice_mistakes"))
    lines.extend(f"• {mistake}" for mistake in scenario.mistakes)

    parts = {"situations": situations, "rights": rights, "letter": letter, "advocate": advocate}
    total = round(100 * sum(parts.values()) / len(parts))
    return Score(parts, total, (say("practice_total", score=total), *lines))


def _plain(text: str) -> str:
    """Lower case with the accents taken off: how many people type Spanish."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(ch))


def _ids(raw: object) -> tuple[str, ...]:
    if raw is None:
        return ()
    values = raw.split(",") if isinstance(raw, str) else raw if isinstance(raw, Sequence) else [raw]
    return tuple(dict.fromkeys(str(v).strip() for v in values if str(v).strip()))
