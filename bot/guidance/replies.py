"""Builds what the parent reads from an understanding and the knowledge base, in their language.

Kept apart from the Rasa actions so the CLI, the tests and the training tools say exactly what the
conversation says.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Mapping, Sequence

from bot.guidance.advocate import AdvocateJudgement
from bot.knowledge import Knowledge
from bot.knowledge.model import LanguageOffer
from bot.understanding.language import fold

MAX_RIGHTS = 4
MAX_LETTERS = 3  # letter buttons after a story
RIGHTS_PER_SITUATION = (3, 1, 1)  # the main situation leads; others add their most important right


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[Button, ...] = field(default=())
    custom: Mapping[str, object] | None = None  # structured content a channel can render (a whole letter)


def rights_for(situations: Sequence[str], knowledge: Knowledge) -> list[str]:
    """Two to four rights, the main situation's most important first, without repeats."""
    chosen: list[str] = []
    for situation, count in zip(situations, RIGHTS_PER_SITUATION):
        added = 0
        for right in knowledge.situations[situation].rights:
            if added == count or len(chosen) == MAX_RIGHTS:
                break
            if right not in chosen:
                chosen.append(right)
                added += 1
    if len(chosen) < 2:  # a single situation with few rights: take the next ones it has
        extra = [r for s in situations for r in knowledge.situations[s].rights if r not in chosen]
        chosen += extra[: 2 - len(chosen)]
    return chosen


def rights_offered(situations: Sequence[str], offered: Sequence[str], knowledge: Knowledge) -> list[str]:
    """The situations' rights (`rights_for`), then the right of each letter of ours among the `offered` letters
    (`letters_offered`): a Spanish-speaking parent told of a meeting hears of the interpreter with the letter."""
    chosen = rights_for(situations, knowledge)
    extra = [offer.right for offer in knowledge.language_offers.values()
             if offer.right and offer.right not in chosen and offer.letter in offered]
    return chosen[:MAX_RIGHTS - len(extra)] + extra if extra else chosen  # still MAX_RIGHTS at most


def letters_for(situations: Sequence[str], knowledge: Knowledge) -> list[str]:
    """The letters of the situations, as shared/situations.yml lists them."""
    return list(dict.fromkeys(letter for s in situations for letter in knowledge.situations[s].letters))


def letters_offered(situations: Sequence[str], text: str, language: str, knowledge: Knowledge) -> list[str]:
    """The letters a story leads to: its situations' own, and a letter of ours that situations.yml's
    `language_offers` calls for. Ours comes before the situations' third letter, so the first MAX_LETTERS
    (the buttons) always hold it."""
    own = letters_for(situations, knowledge)
    ours = [offer.letter for offer in knowledge.language_offers.values()
            if offer.letter not in own and offer_holds(offer, situations, text, language, knowledge)]
    at = min(len(own), MAX_LETTERS - 1)
    return own[:at] + ours + own[at:]


def offer_holds(offer: LanguageOffer, situations: Sequence[str], text: str, language: str,
                knowledge: Knowledge) -> bool:
    """Whether the story leads to the offer's letter: it names the letter (in any language), or a parent who
    writes in one of the offer's languages tells a story of its situations, or names its terms or words."""
    folded = f" {' '.join(fold(text or '').split())} "
    if _says(folded, knowledge.letters[offer.letter].aliases):
        return True
    if language not in offer.languages:
        return False
    if any(s in offer.situations for s in situations):
        return True
    if any(term in offer.terms for _, term in term_mentions(text or "", knowledge)):
        return True
    return _says(folded, offer.words)


def _says(folded: str, phrases: Sequence[str]) -> bool:
    """Whether any of `phrases` stands as whole words in `folded` (text already folded by `fold`)."""
    pattern = _phrases_pattern(tuple(phrases))
    return pattern is not None and pattern.search(folded) is not None


@lru_cache(maxsize=64)
def _phrases_pattern(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    """One pattern for "any of these phrases as whole words", built once per list (an offer's aliases or words):
    the alternation backtracks through every phrase where the one before it is not a whole word."""
    if not phrases:
        return None
    return re.compile(rf"(?<!\w)(?:{'|'.join(re.escape(' '.join(fold(p).split())) for p in phrases)})(?!\w)")


def reflection(situations: Sequence[str], knowledge: Knowledge, language: str, story: str = "") -> Reply:
    """What we understood, in the parent's words for the child: "su hija" to a parent who wrote only of a daughter."""
    daughter = speaks_only_of_a_daughter(story, knowledge)
    lines = [(situation.reflection_daughter if daughter and situation.reflection_daughter else situation.reflection)
             .get(language) for situation in (knowledge.situations[s] for s in situations)]
    if len(lines) == 1:
        return Reply(lines[0])
    bullets = "\n".join(f"• {line}" for line in lines)
    return Reply(f"{knowledge.message('reflection_many', language)}\n{bullets}")


def speaks_only_of_a_daughter(story: str, knowledge: Knowledge) -> bool:
    """Whether the story names a daughter and no son or several children (phrases of situations.yml child_words)."""
    if not story:
        return False
    folded = " ".join(fold(story).split())
    found = {kind for kind, phrases in knowledge.child_phrases.items() if _says(folded, phrases)}
    return found == {"daughter"}


def guidance_note(keys: Sequence[str], knowledge: Knowledge, language: str) -> str:
    """" This point comes from guidance..." when any of these rights is guidance or practice rather than
    a rule (idea-facts.md flags it SECONDARY), else "": wherever such a right is said, it is said so."""
    flagged = any(knowledge.rights[k].confidence in ("secondary", "practical") for k in keys)
    return " " + knowledge.message("secondary_note", language) if flagged else ""


def rights(keys: Sequence[str], knowledge: Knowledge, language: str) -> Reply:
    lines = [knowledge.message("rights_intro", language)]
    state_varies = False
    for key in keys:
        right = knowledge.rights[key]
        line = knowledge.message("right_line", language, name=right.name.get(language),
                                 text=right.text.get(language), citation=right.citation)
        line += guidance_note([key], knowledge, language)  # said on the line it qualifies
        lines.append(line)
        state_varies = state_varies or right.state_varies
    if state_varies:
        lines.append(knowledge.message("state_varies", language))
    return Reply("\n".join(lines))


def next_steps(situations: Sequence[str], advocate: AdvocateJudgement, knowledge: Knowledge, language: str,
               offered: Sequence[str]) -> Reply:
    """What helps next: the situations' next steps, the `offered` letters (`letters_offered`), the advocate level."""
    lines = [knowledge.message("next_step_intro", language)]
    lines += [knowledge.situations[s].next_step.get(language) for s in situations[:2]]
    offered = offered[:MAX_LETTERS]
    letters = [knowledge.letters[letter].name.get(language) for letter in offered]
    if len(letters) == 1:
        lines.append(knowledge.message("letter_offer_one", language, letter=letters[0]))
    elif letters:
        joined = knowledge.message("letter_join", language).join(letters)
        lines.append(knowledge.message("letter_offer_many", language, letters=joined))
    lines.append(knowledge.message("advocate_line", language, level=knowledge.levels[advocate.level].get(language),
                                   reasons=" ".join(advocate.reasons)).strip())
    buttons = tuple(Button(knowledge.letters[letter].button.get(language), f'/make_letter{{"letter": "{letter}"}}')
                    for letter in offered)
    if advocate.level != "not_needed_yet" or advocate.open_questions:  # a few questions can settle it
        buttons += (Button(knowledge.message("button_advocate_check", language), "/advocate_check"),)
    return Reply("\n".join(lines), buttons)


def clarify(choices: Sequence[str], knowledge: Knowledge, language: str) -> Reply:
    """Which is closer: a button per situation, then "Something else". A situation whose choice reads the same
    as one already offered (out_of_scope's is "Something else" too) is left out: two buttons must never look
    alike."""
    other = Button(knowledge.message("clarify_other", language), "/choose_situation{\"situation\": \"other\"}")
    buttons: list[Button] = []
    for s in choices:
        title = knowledge.situations[s].choice.get(language)
        if all(title.casefold() != b.title.casefold() for b in (*buttons, other)):
            buttons.append(Button(title, f'/choose_situation{{"situation": "{s}"}}'))
    return Reply(knowledge.message("clarify_question", language), (*buttons, other))


def topics(knowledge: Knowledge, language: str, message_key: str = "fallback") -> Reply:
    """A kind 'I could not place that' with common topics as quick replies."""
    common = ("stalled_progress", "services_not_delivered", "evaluation_request", "behavior_discipline",
              "meeting_request", "general_info")
    buttons = tuple(Button(knowledge.situations[s].choice.get(language), f'/choose_situation{{"situation": "{s}"}}')
                    for s in common)
    return Reply(knowledge.message(message_key, language), buttons)


def term_mentions(text: str, knowledge: Knowledge) -> list[tuple[int, str]]:
    """Every place a glossary term is named in `text`, as (position, term key), in text order."""
    pattern, keys = _terms_pattern(tuple((alias, term.key) for term in knowledge.glossary.values()
                                         for alias in term.aliases))
    # At each position, the longest name that stands there as whole words (`_terms_pattern`).
    found = [(m.start(1), m.end(1), keys[m.group(1)]) for m in pattern.finditer(text.lower())]
    # The longest name wins where names overlap: "evaluación independiente" is the IEE, not "evaluación".
    kept: list[tuple[int, int, str]] = []
    for start, end, key in found:
        if not any(s <= start and end <= e for s, e, _ in kept):
            kept.append((start, end, key))
    return [(start, key) for start, _, key in kept]


@lru_cache(maxsize=4)
def _terms_pattern(aliases: tuple[tuple[str, str], ...]) -> tuple[re.Pattern[str], dict[str, str]]:
    """Every glossary name in one pattern that looks ahead at each position, longest names first, so a scan finds
    the longest name starting there (hundreds of names, one scan); and each name's term (the first key in order
    where two terms share a name)."""
    keys: dict[str, str] = {}
    for alias, key in sorted(aliases, key=lambda a: a[1]):
        keys.setdefault(alias, key)
    names = "|".join(re.escape(alias) for alias in sorted(keys, key=lambda a: (-len(a), a)))
    return re.compile(rf"(?=(?<!\w)({names})(?!\w))"), keys


def find_terms(text: str, knowledge: Knowledge) -> list[str]:
    """Glossary terms named in `text`, in the order they first appear."""
    return list(dict.fromkeys(key for _, key in term_mentions(text, knowledge)))
