"""The reminder queue: which reminders are due, who may send one now, and the one-time delivery mark.

Exactly once: a worker takes a short lease on a due reminder before waking the conversation, so
two workers never send it together; the action that speaks marks it delivered in one conditional
UPDATE, and speaks only if that UPDATE changed the row. A retry after a crash therefore finds the
mark and stays silent. Calls block: async callers use `asyncio.to_thread`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.cases import StoredReminder, _reminder
from bot.schema import CaseRow, ReminderRow

MAX_ATTEMPTS = 6  # then it is marked failed and shown in `case show`, never retried forever


@dataclass(frozen=True)
class Claim:
    reminder: StoredReminder
    lease_until: datetime


class ReminderQueue:
    def __init__(self, engine: Engine):
        self.engine = engine

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
                    claims.append(Claim(_reminder(row), now + lease))
        return claims

    def deliver(self, reminder_id: int, case_key: str, now: datetime) -> StoredReminder | None:
        """Marks the reminder delivered; returns it only to the one caller whose mark took."""
        with Session(self.engine) as session, session.begin():
            won = session.execute(update(ReminderRow)
                                  .where(ReminderRow.id == reminder_id, ReminderRow.case_key == case_key,
                                         ReminderRow.status == "pending")
                                  .values(status="delivered", delivered_at=now)
                                  .execution_options(synchronize_session=False)).rowcount
            if won != 1:
                return None
            session.execute(update(CaseRow).where(CaseRow.key == case_key).values(last_active_at=now))
            return _reminder(session.get(ReminderRow, reminder_id))

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


def _due(now: datetime) -> tuple:
    return (ReminderRow.status == "pending", ReminderRow.due_at <= now,
            or_(ReminderRow.claimed_until.is_(None), ReminderRow.claimed_until <= now))
