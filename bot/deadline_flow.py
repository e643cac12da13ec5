"""The deadline conversation: which clock, the day it started, the state; then the dates in plain words."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Sequence

from bot.cases import StoredReminder
from bot.dates import format_date, parse_date
from bot.details import mentions
from bot.deadlines import Deadline, check_start, describe, event_from_text, problem_text
from bot.knowledge import Knowledge
from bot.replies import Button, Reply
from bot.states import find_state

NO_STATE = "none"  # the parent skipped the state question
EVENTS = ("consent_signed", "records_requested", "placement_change_decided", "letter_sent")
# The clock a story's situation most often asks about.
EVENT_OF_SITUATION = {"evaluation_request": "consent_signed", "behavior_discipline": "placement_change_decided"}


@dataclass(frozen=True)
class Checked:
    value: str | None  # ISO date
    problem: str = ""


@dataclass(frozen=True)
class DeadlineFlow:
    knowledge: Knowledge

    def event_for(self, text: str, situations: Sequence[str]) -> str | None:
        plain = text.strip().lower()
        if plain in EVENTS or plain in ("meeting_requested", "evaluation_requested"):
            return plain
        found = event_from_text(text) if text and not text.startswith("/") else None
        return found or next((EVENT_OF_SITUATION[s] for s in situations if s in EVENT_OF_SITUATION), None)

    def read_start(self, text: str, today: date, language: str) -> Checked:
        words = self.knowledge.answer_words(language)
        plain = " ".join(re.sub(r"[^\w\s']", " ", text.lower()).split())
        if mentions(plain, words.unknown):
            return Checked(None, self.knowledge.message("deadline_date_unknown", language))
        start = parse_date(text, today, prefer="past")
        if start is None:
            return Checked(None, self.knowledge.message("deadline_date_unclear", language))
        problem = check_start(start, today)
        if problem:
            return Checked(None, problem_text(problem, language))
        return Checked(start.isoformat())

    def read_state(self, text: str, language: str) -> str | None:
        words = self.knowledge.answer_words(language)
        plain = text.strip().lower()
        if plain in words.skip or plain in words.unknown or plain == NO_STATE:
            return NO_STATE
        found = find_state(text)
        return found.code if found else None

    def ask(self, slot: str, event: str | None, language: str) -> Reply:
        k = self.knowledge
        if slot == "deadline_event":
            return Reply(k.message("ask_deadline_event", language),
                         tuple(Button(k.message(f"button_deadline_{e}", language), e) for e in EVENTS))
        if slot == "deadline_start":
            return Reply(k.message(f"ask_deadline_start_{event or 'letter_sent'}", language))
        return Reply(k.message("ask_us_state", language), (Button(k.message("button_skip", language), NO_STATE),))

    def tell(self, deadlines: Sequence[Deadline], reminders: Sequence[StoredReminder], today: date,
             language: str) -> list[Reply]:
        k = self.knowledge
        lines = [k.message("deadline_intro", language)] + [f"• {describe(d, today, language)}" for d in deadlines]
        out = [Reply("\n".join(lines))]
        upcoming = sorted(r.due_at for r in reminders if r.status == "pending")
        if upcoming:
            out.append(Reply(k.message("deadline_reminder_set", language,
                                       date=format_date(upcoming[0].date(), language))))
        out.append(Reply(k.message("disclaimer", language)))
        return out


