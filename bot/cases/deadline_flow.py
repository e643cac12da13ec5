"""The deadline conversation: which clock, the day it started, the state; then the dates in plain words."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Sequence

from bot.cases.deadlines import (
    Deadline,
    Rule,
    check_start,
    describe,
    describe_undated,
    event_from_text,
    events_in,
    load_deadlines,
    needs_confirmation,
    problem_text,
    start_stated,
)
from bot.cases.store import StoredReminder
from bot.guidance.replies import Button, Reply
from bot.knowledge import Knowledge
from bot.knowledge.dates import format_date, parse_date
from bot.knowledge.states import find_state
from bot.understanding.words import mentions

NO_STATE = "none"  # the parent skipped the state question
REMOVAL = "removal"  # a discipline decision, not yet known to be a change of placement
NO_CONSENT_YET = "no_consent_yet"  # the answer to the consent date: none signed
SHORT_REMOVAL = "removal_short"  # the removal was 10 school days or fewer: the 10-day rule, no clock
EVENTS = ("consent_signed", "records_requested", REMOVAL, "letter_sent")
# What the parent says the removal was: only a change of placement (34 CFR 300.536) starts the
# manifestation clock; a short suspension is answered with the 10-day rule instead.
REMOVAL_CHOICES = {"removal_long": "placement_change_decided", "removal_pattern": "placement_change_decided",
                   "removal_placement": "placement_change_decided", SHORT_REMOVAL: None}
# The clock a story's situation most often asks about.
EVENT_OF_SITUATION = {"evaluation_request": "consent_signed", "behavior_discipline": REMOVAL}


@dataclass(frozen=True)
class Checked:
    value: str | None  # ISO date
    problem: str = ""


@dataclass(frozen=True)
class DeadlineFlow:
    knowledge: Knowledge

    def event_for(self, text: str, situations: Sequence[str]) -> str | None:
        """The clock the words point to; REMOVAL for one the parent must first confirm."""
        plain = text.strip().lower()
        if plain in EVENTS or plain in load_deadlines().events:
            found: str | None = plain
        elif plain in REMOVAL_CHOICES:
            return REMOVAL_CHOICES[plain] or REMOVAL
        elif text and not text.startswith("/"):
            # Words of a clock to confirm win over others: "suspended... when do they have to meet?"
            # asks about the discipline meeting, which must be confirmed first.
            found = REMOVAL if any(needs_confirmation(e) for e in events_in(text)) else event_from_text(text)
        else:
            found = None
        if found == "meeting_requested" and "behavior_discipline" in situations:
            found = REMOVAL  # after a discipline story, "when is the meeting due?" asks about the removal's meeting
        found = found or next((EVENT_OF_SITUATION[s] for s in situations if s in EVENT_OF_SITUATION), None)
        return REMOVAL if found and found != REMOVAL and needs_confirmation(found) else found

    @staticmethod
    def is_short_removal(text: str) -> bool:
        return text.strip().lower() == SHORT_REMOVAL

    @staticmethod
    def start_in(text: str, event: str | None, today: date) -> str | None:
        """The start date the message itself gives, as ISO, when it may be taken as the clock's start:
        never for a clock still to be confirmed, and only with the words that date it for an event
        that needs them (a request's date is not the school's receipt of consent)."""
        if not event or event == REMOVAL or text.startswith("/") or not start_stated(event, text):
            return None
        start = parse_date(text, today, prefer="past")
        return start.isoformat() if start else None

    def no_consent_yet(self, text: str, event: str | None, language: str) -> bool:
        """The answer to "what day did the school get your consent?" is that there is none yet."""
        plain = text.strip().lower()
        return event == "consent_signed" and (plain == NO_CONSENT_YET or plain in self.knowledge.answer_words(language).no)

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

    def ask(self, slot: str, event: str | None, language: str, removal: bool = False) -> Reply:
        k = self.knowledge
        if slot == "deadline_event" and removal:
            return Reply(k.message("ask_deadline_removal", language),
                         tuple(Button(k.message(f"button_{c}", language), c) for c in REMOVAL_CHOICES))
        if slot == "deadline_event":
            return Reply(k.message("ask_deadline_event", language),
                         tuple(Button(k.message(f"button_deadline_{e}", language), e) for e in EVENTS))
        if slot == "deadline_start" and event == "consent_signed":
            return Reply(k.message("ask_deadline_start_consent_signed", language),
                         (Button(k.message("button_no_consent_yet", language), NO_CONSENT_YET),))
        if slot == "deadline_start":
            return Reply(k.message(f"ask_deadline_start_{event or 'letter_sent'}", language))
        return Reply(k.message("ask_us_state", language), (Button(k.message("button_skip", language), NO_STATE),))

    def tell(self, deadlines: Sequence[Deadline], reminders: Sequence[StoredReminder], today: date,
             language: str, undated: Sequence[Rule] = ()) -> list[Reply]:
        k = self.knowledge
        lines = [k.message("deadline_intro", language)] + [f"• {describe(d, today, language)}" for d in deadlines]
        lines += [f"• {describe_undated(r, language)}" for r in undated]
        out = [Reply("\n".join(lines))]
        upcoming = sorted(r.due_at for r in reminders if r.status == "pending")
        if upcoming:
            out.append(Reply(k.message("deadline_reminder_set", language,
                                       date=format_date(upcoming[0].date(), language))))
        out.append(Reply(k.message("disclaimer", language)))
        return out


