"""The case memory's decisions, kept out of the Rasa actions: what a sent letter starts (deadlines,
a follow-up reminder), what a deadline question stores, and the text a due reminder carries (delivered
once; an SMS reminder's texts stored with the delivered mark for the worker to send).

Everything here blocks (database): async callers use `asyncio.to_thread`.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from bot.cases.deadlines import Deadline, deadlines_for, describe, event_for_letter, load_deadlines
from bot.cases.flow import CaseFlow
from bot.cases.reminders import ReminderQueue
from bot.cases.store import CaseStore, Started, StoredDeadline, StoredReminder
from bot.guidance.replies import Reply
from bot.knowledge import Knowledge
from bot.letters.store import LetterStore, StoredLetter

REMIND_AT = time(10, 0)  # mid-morning, when a parent can act on it


class CaseService:
    def __init__(self, knowledge: Knowledge, cases: CaseStore, letters: LetterStore):
        self.knowledge, self.cases, self.letters = knowledge, cases, letters
        self.flow = CaseFlow(knowledge)

    def letter_sent(self, key: str, letter: StoredLetter, address: str, now: datetime) -> Started:
        case = self.cases.get(key)
        state = case.state if case else None
        meeting = _iso(letter.details.get("meeting_date"))
        found = deadlines_for(event_for_letter(letter.letter), letter.sent_on or letter.letter_date, state, meeting)
        return self._start(key, found, letter.id, address, now)

    def dates_given(self, key: str, event: str, start: date, state: str | None, address: str,
                    now: datetime) -> Started:
        if state:
            self.cases.set_state(key, state, now)
        return self._start(key, deadlines_for(event, start, state), None, address, now)

    def _start(self, key: str, found: list[Deadline], letter_id: int | None, address: str, now: datetime) -> Started:
        legal = [d for d in found if d.legal]
        stored = self.cases.add_deadlines(key, legal, letter_id, now)
        today = now.date()
        follow_up = None
        for deadline in found:
            if not deadline.legal and letter_id is not None and deadline.due > today:
                follow_up = self.cases.schedule(key, kind="follow_up", subject=f"letter:{letter_id}",
                                                due_at=datetime.combine(deadline.due, REMIND_AT), address=address,
                                                now=now)
        reminders = []
        for row in stored:
            if row.due_on >= today:
                reminder = self.cases.schedule(key, kind="deadline", subject=f"deadline:{row.id}",
                                               due_at=datetime.combine(row.due_on + timedelta(days=1), REMIND_AT),
                                               address=address, now=now)
                if reminder:
                    reminders.append(reminder)
        return Started(tuple(found), follow_up, tuple(reminders))

    def deliver_reminder(self, queue: ReminderQueue, reminder_id: int, key: str, language: str,
                         now: datetime) -> list[Reply] | None:
        """The words of a due reminder for the one caller whose delivered mark takes; None for every other
        (already delivered, cancelled, deleted, or another conversation's). The words are made before the
        mark so an SMS reminder's texts are stored in the mark's own transaction (the worker's outbox)."""
        reminder = queue.pending(reminder_id, key)
        if reminder is None:
            return None
        replies = self.reminder_replies(reminder, language, now.date())
        if queue.deliver(reminder_id, key, now, [as_message(reply) for reply in replies]) is None:
            return None
        return replies

    def reminder_replies(self, reminder: StoredReminder, language: str, today: date) -> list[Reply]:
        """The words of a reminder being delivered (empty if what it was about is gone)."""
        kind, _, ident = reminder.subject.partition(":")
        if kind == "letter":
            letter = self.letters.get(int(ident))
            return self.flow.follow_up_reminder(letter, language) if letter else []
        case = self.cases.get(reminder.case_key)
        row = next((d for d in (case.deadlines if case else ()) if str(d.id) == ident), None)
        if row is None:
            return []
        return self.flow.deadline_reminder(describe(as_deadline(row), today, language), language)


def as_message(reply: Reply) -> dict:
    """A reply as Rasa hands it to a channel (text and buttons): what the worker writes into texts."""
    message: dict = {"text": reply.text}
    if reply.buttons:
        message["buttons"] = [{"title": b.title, "payload": b.payload} for b in reply.buttons]
    return message


def as_deadline(row: StoredDeadline) -> Deadline:
    """A stored deadline back as the value `describe` reads (its dates as stored, its rule's citation)."""
    rule = load_deadlines().rule(row.rule)
    return Deadline(rule=row.rule, kind=row.kind, start=row.start_on, due=row.due_on, citation=rule.citation,
                    state=row.state, approximate=row.approximate, state_may_differ=rule.state_may_differ,
                    legal=rule.legal)


def _iso(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
