"""The reminder queue: which reminders are due, who may send one now, and the one-time delivery mark.

Exactly once: a worker takes a short lease on a due reminder before waking the conversation, so
two workers never send it together; the action that speaks marks it delivered in one conditional
UPDATE, and speaks only if that UPDATE changed the row. A retry after a crash therefore finds the
mark and stays silent. Calls block: async callers use `asyncio.to_thread`.

SMS has no open connection to speak into, so the worker texts an SMS reminder itself. A transactional
outbox makes that exactly once too: the delivered mark and the sealed replies to text (a
`reminder_texts` row) are written in one transaction; the worker claims pending rows with a lease
(`claim_texts`), records each body Twilio accepted (`record_sent`, fenced by its lease) and closes the
row when done. A worker killed before or while texting leaves the row pending; once its lease runs out
the next worker texts only the bodies not yet accepted. The one gap no API without idempotency keys can
close: Twilio accepting a body in the instant before the crash, before `record_sent` ran; that body is
sent again. A Twilio timeout is equally ambiguous and is retried.

A reminder's address and the texts it owes are stored sealed with the conversation's own key
(bot/storage/keyring.py). The worker opens a claim's address and texts with the data keys: a claim carries
them sealed for it under the newest data key, in memory only (`_for_worker`); nothing is written back.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Mapping, Sequence

from sqlalchemy import or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.cases.store import StoredReminder, _reminder
from bot.storage.keyring import ConversationSealer
from bot.storage.schema import CaseRow, ReminderRow, ReminderTextRow, case_keyring
from bot.storage.sealing import SealError

MAX_ATTEMPTS = 6  # then it is marked failed and shown in `case show`, never retried forever
SMS_CHANNEL = "sms"  # the channel named in a reminder's sealed address whose replies the worker texts


@dataclass(frozen=True)
class Claim:
    reminder: StoredReminder
    lease_until: datetime


@dataclass(frozen=True)
class TextClaim:
    """A worker's lease on an SMS reminder's outbox row."""

    reminder_id: int
    replies: str  # sealed JSON {"conversation_id": ..., "replies": [...]}: the worker opens it
    sent: int  # bodies already accepted by Twilio: start after them
    attempts: int
    lease_until: datetime


class ReminderQueue:
    def __init__(self, engine: Engine):
        self.engine = engine
        self.keys = case_keyring(engine)

    def claim_due(self, now: datetime, lease: timedelta, limit: int = 20) -> list[Claim]:
        """Takes a lease on up to `limit` due reminders nobody else holds."""
        claims: list[Claim] = []
        with Session(self.engine) as session:
            ids = list(session.scalars(select(ReminderRow.id).where(*_due(now)).order_by(ReminderRow.due_at)
                                       .limit(limit)))
        for reminder_id in ids:
            with Session(self.engine) as session, session.begin():
                taken = session.execute(update(ReminderRow).where(ReminderRow.id == reminder_id, *_due(now))
                                        .values(claimed_until=now + lease, attempts=ReminderRow.attempts + 1)
                                        .execution_options(synchronize_session=False)).rowcount
                if taken == 1:
                    row = session.get(ReminderRow, reminder_id)
                    opener = self.keys.for_reading(session.connection(), row.case_key)
                    claims.append(Claim(replace(_reminder(row), address=_for_worker(opener, row.address)), now + lease))
        return claims

    def pending(self, reminder_id: int, case_key: str) -> StoredReminder | None:
        """The reminder, if it is this conversation's and still waits to be delivered."""
        with Session(self.engine) as session:
            row = session.get(ReminderRow, reminder_id)
            if row is None or row.case_key != case_key or row.status != "pending":
                return None
            return _reminder(row)

    def deliver(self, reminder_id: int, case_key: str, now: datetime,
                replies: Sequence[Mapping] = ()) -> StoredReminder | None:
        """Marks the reminder delivered; returns it only to the one caller whose mark took. For an SMS
        address the `replies` (as Rasa sends them: text and buttons) go into the outbox in the same
        transaction, so they are texted even if the worker dies right after this commits."""
        with Session(self.engine) as session, session.begin():
            won = session.execute(update(ReminderRow)
                                  .where(ReminderRow.id == reminder_id, ReminderRow.case_key == case_key,
                                         ReminderRow.status == "pending")
                                  .values(status="delivered", delivered_at=now)
                                  .execution_options(synchronize_session=False)).rowcount
            if won != 1:
                return None
            session.execute(update(CaseRow).where(CaseRow.key == case_key).values(last_active_at=now))
            row = session.get(ReminderRow, reminder_id)
            sealer = self.keys.for_writing(session.connection(), case_key, now) if replies else None
            address = sealer.open(row.address) if sealer else {}
            if address.get("channel") == SMS_CHANNEL:
                sealed = sealer.seal_text(json.dumps(
                    {"conversation_id": address["conversation_id"], "replies": [dict(r) for r in replies]}))
                session.add(ReminderTextRow(reminder_id=reminder_id, replies=sealed, status="pending", sent=0,
                                            attempts=0, created_at=now))
            return _reminder(row)

    def retry_later(self, reminder_id: int, at: datetime) -> str:
        """After a failed wake-up: try again at `at`, or give up after MAX_ATTEMPTS. Returns the new status."""
        with Session(self.engine) as session, session.begin():
            row = session.get(ReminderRow, reminder_id)
            if row is None or row.status != "pending":
                return row.status if row else "deleted"
            if row.attempts >= MAX_ATTEMPTS:
                row.status = "failed"
            else:
                row.claimed_until = at
            return row.status

    def status(self, reminder_id: int) -> str | None:
        with Session(self.engine) as session:
            row = session.get(ReminderRow, reminder_id)
            return row.status if row else None


    def claim_texts(self, now: datetime, lease: timedelta, limit: int = 20) -> list[TextClaim]:
        """Takes a lease on up to `limit` SMS reminders still to text that nobody else holds."""
        claims: list[TextClaim] = []
        with Session(self.engine) as session:
            ids = list(session.scalars(select(ReminderTextRow.reminder_id).where(*_to_text(now))
                                       .order_by(ReminderTextRow.created_at).limit(limit)))
        for reminder_id in ids:
            with Session(self.engine) as session, session.begin():
                taken = session.execute(update(ReminderTextRow)
                                        .where(ReminderTextRow.reminder_id == reminder_id, *_to_text(now))
                                        .values(claimed_until=now + lease, attempts=ReminderTextRow.attempts + 1)
                                        .execution_options(synchronize_session=False)).rowcount
                if taken == 1:
                    row = session.get(ReminderTextRow, reminder_id)
                    reminder = session.get(ReminderRow, reminder_id)
                    opener = self.keys.for_reading(session.connection(), reminder.case_key if reminder else None)
                    claims.append(TextClaim(reminder_id, _for_worker(opener, row.replies), row.sent, row.attempts,
                                            now + lease))
        return claims

    def record_sent(self, claim: TextClaim, sent: int) -> bool:
        """Notes that Twilio accepted `sent` bodies so far. False if the lease is no longer ours (it ran out and
        another worker took the row, or the case was deleted): then the caller must stop texting."""
        return self._update_held(claim, sent=sent)

    def close_texts(self, claim: TextClaim, status: str, now: datetime) -> bool:
        """Closes the row ("texted", or "unreachable": opted out, no number, deleted); the words are dropped."""
        return self._update_held(claim, status=status, texted_at=now, replies=None, claimed_until=None)

    def retry_texts(self, claim: TextClaim, at: datetime, now: datetime) -> str:
        """After Twilio refused or timed out: try again at `at`, or give up after MAX_ATTEMPTS. The new status
        ("lost" if the lease was no longer ours)."""
        if claim.attempts >= MAX_ATTEMPTS:
            return "failed" if self._update_held(claim, status="failed", texted_at=now, replies=None,
                                                 claimed_until=None) else "lost"
        return "pending" if self._update_held(claim, claimed_until=at) else "lost"

    def text_status(self, reminder_id: int) -> tuple[str, int] | None:
        """(status, bodies sent) of the reminder's outbox row, or None if it has none."""
        with Session(self.engine) as session:
            row = session.get(ReminderTextRow, reminder_id)
            return (row.status, row.sent) if row else None

    def _update_held(self, claim: TextClaim, **values: object) -> bool:
        """One conditional UPDATE: only while the row is pending and this claim's lease is still on it."""
        with Session(self.engine) as session, session.begin():
            return session.execute(update(ReminderTextRow)
                                   .where(ReminderTextRow.reminder_id == claim.reminder_id,
                                          ReminderTextRow.status == "pending",
                                          ReminderTextRow.claimed_until == claim.lease_until)
                                   .values(**values).execution_options(synchronize_session=False)).rowcount == 1


def _for_worker(opener: ConversationSealer, stored: str | None) -> str | None:
    """A value sealed with the conversation's key, sealed again with the newest data key for the worker to open
    (it holds only the data keys). In memory only. A value the keys cannot open is passed on as stored: the
    worker reports it and retries later, as for any value it cannot open."""
    if stored is None or not opener.has_key or not opener.is_current(stored):
        return stored
    try:
        return opener.data.seal_text(opener.open_text(stored))
    except SealError:
        return stored


def _to_text(now: datetime) -> tuple:
    return (ReminderTextRow.status == "pending",
            or_(ReminderTextRow.claimed_until.is_(None), ReminderTextRow.claimed_until <= now))


def _due(now: datetime) -> tuple:
    return (ReminderRow.status == "pending", ReminderRow.due_at <= now,
            or_(ReminderRow.claimed_until.is_(None), ReminderRow.claimed_until <= now))
