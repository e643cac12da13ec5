"""Case memory: one case per conversation (keyed by a one-way hash), what was found, asked and promised.
What identifies the family (letters, a reminder's address) is sealed with the conversation's own key, and
deleting the case destroys that key (bot/storage/keyring.py).

Every method opens its own short session, so nothing is shared across requests. Calls block:
async callers use `asyncio.to_thread`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Iterable, Sequence

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import ScalarSelect

from bot.cases.deadlines import Deadline
from bot.letters.store import StoredLetter, _stored
from bot.storage.keyring import wipe
from bot.storage.schema import (
    CaseRow,
    CaseSituationRow,
    ConversationKeyRow,
    DeadlineRow,
    DownloadTokenRow,
    LetterRow,
    ReminderRow,
    ReminderTextRow,
    SmsContactRow,
    case_keyring,
    key_in_use,
    sealer_of,
)
from bot.storage.sealing import Sealer


@dataclass(frozen=True)
class Started:
    """What a sent letter or a given date set going."""

    deadlines: tuple[Deadline, ...]
    follow_up: StoredReminder | None
    deadline_reminders: tuple[StoredReminder, ...]


@dataclass(frozen=True)
class StoredDeadline:
    id: int
    rule: str
    kind: str
    start_on: date
    due_on: date
    state: str | None
    approximate: bool
    letter_id: int | None


@dataclass(frozen=True)
class StoredReminder:
    id: int
    case_key: str
    kind: str
    subject: str
    due_at: datetime
    status: str
    attempts: int
    delivered_at: datetime | None
    address: str  # sealed with the conversation's key


@dataclass(frozen=True)
class Case:
    key: str
    language: str
    state: str | None
    channel: str | None
    reminders_off: bool
    created_at: datetime
    last_active_at: datetime
    situations: tuple[str, ...]
    letters: tuple[StoredLetter, ...]
    deadlines: tuple[StoredDeadline, ...]
    reminders: tuple[StoredReminder, ...]


ERASE_SLOT = "erase_conversation"  # set by the delete action; the tracker store then forgets the conversation
# Every table that holds something about a conversation, in the order a deletion empties them (its key last).
CASE_TABLES = ("reminder_texts", "reminders", "deadlines", "case_situations", "download_tokens", "letters", "cases",
               "sms_contacts", "conversation_keys")


class CaseStore:
    def __init__(self, engine: Engine, sealer: Sealer | None = None):
        self.engine = engine
        self.sealer = sealer or sealer_of(engine)  # opens what was sealed before conversation keys
        self.keys = case_keyring(engine)

    def touch(self, key: str, now: datetime, *, language: str = "en", channel: str | None = None,
              situations: Iterable[str] = (), state: str | None = None) -> None:
        """Opens the case on first contact and keeps it active; adds any situations newly found."""
        with Session(self.engine) as session, session.begin():
            case = session.get(CaseRow, key)
            if case is None:
                case = CaseRow(key=key, language=language, channel=channel, reminders_off=False,
                               created_at=now, last_active_at=now)
                session.add(case)
                session.flush()
            case.last_active_at, case.language = now, language or case.language
            case.channel = channel or case.channel
            case.state_code = state or case.state_code
            known = set(session.scalars(select(CaseSituationRow.situation).where(CaseSituationRow.case_key == key)))
            for situation in dict.fromkeys(situations):
                if situation not in known:
                    session.add(CaseSituationRow(case_key=key, situation=situation, first_seen=now))

    def set_state(self, key: str, state: str, now: datetime) -> None:
        self.touch(key, now, state=state)

    def get(self, key: str) -> Case | None:
        with Session(self.engine) as session:
            row = session.get(CaseRow, key)
            if row is None:
                return None
            situations = session.scalars(select(CaseSituationRow.situation).where(CaseSituationRow.case_key == key)
                                         .order_by(CaseSituationRow.first_seen, CaseSituationRow.situation))
            letters = session.scalars(select(LetterRow).where(LetterRow.conversation_key == key).order_by(LetterRow.id))
            deadlines = session.scalars(select(DeadlineRow).where(DeadlineRow.case_key == key).order_by(DeadlineRow.id))
            reminders = session.scalars(select(ReminderRow).where(ReminderRow.case_key == key).order_by(ReminderRow.id))
            opener = self.keys.for_reading(session.connection(), key, legacy=self.sealer)
            return Case(key=row.key, language=row.language, state=row.state_code, channel=row.channel,
                        reminders_off=row.reminders_off, created_at=row.created_at, last_active_at=row.last_active_at,
                        situations=tuple(situations), letters=tuple(_stored(r, opener) for r in letters),
                        deadlines=tuple(_deadline(d) for d in deadlines),
                        reminders=tuple(_reminder(r) for r in reminders))

    def open_request(self, key: str) -> StoredLetter | None:
        """The newest letter the parent sent that the school has not answered yet."""
        with Session(self.engine) as session:
            row = session.scalars(select(LetterRow).where(LetterRow.conversation_key == key,
                                                          LetterRow.sent_on.is_not(None),
                                                          LetterRow.answered_on.is_(None))
                                  .order_by(LetterRow.sent_on.desc(), LetterRow.id.desc()).limit(1)).first()
            if row is None:
                return None
            return _stored(row, self.keys.for_reading(session.connection(), key, legacy=self.sealer))

    def mark_answered(self, key: str, letter_id: int, on: date) -> bool:
        """Records the school's answer and drops the follow-up reminder it made unnecessary."""
        with Session(self.engine) as session, session.begin():
            done = _run(session, update(LetterRow).where(LetterRow.id == letter_id, LetterRow.conversation_key == key)
                                   .values(answered_on=on))
            _run(session, update(ReminderRow).where(ReminderRow.case_key == key, ReminderRow.status == "pending",
                                                      ReminderRow.subject == f"letter:{letter_id}")
                            .values(status="cancelled"))
            return bool(done)

    def add_deadlines(self, key: str, deadlines: Sequence[Deadline], letter_id: int | None,
                      now: datetime) -> list[StoredDeadline]:
        """Stores each deadline once (the same rule and start date is the same deadline)."""
        self.touch(key, now)
        out: list[StoredDeadline] = []
        with Session(self.engine) as session, session.begin():
            for deadline in deadlines:
                row = session.scalars(select(DeadlineRow).where(DeadlineRow.case_key == key,
                                                                DeadlineRow.rule == deadline.rule,
                                                                DeadlineRow.start_on == deadline.start)).first()
                if row is None:
                    row = DeadlineRow(case_key=key, rule=deadline.rule, kind=deadline.kind, start_on=deadline.start,
                                      due_on=deadline.due, state_code=deadline.state, approximate=deadline.approximate,
                                      letter_id=letter_id, created_at=now)
                    session.add(row)
                    session.flush()
                out.append(_deadline(row))
        return out

    def schedule(self, key: str, *, kind: str, subject: str, due_at: datetime, address: str,
                 now: datetime) -> StoredReminder | None:
        """One reminder per subject; None when the parent turned reminders off. `address` comes sealed with the
        data keys (the actions seal it) and is stored sealed with the conversation's key."""
        with Session(self.engine) as session, session.begin():
            case = session.get(CaseRow, key)
            if case is None or case.reminders_off:
                return None
            row = session.scalars(select(ReminderRow).where(ReminderRow.case_key == key, ReminderRow.kind == kind,
                                                            ReminderRow.subject == subject)).first()
            if row is None:
                sealer = self.keys.for_writing(session.connection(), key, now, legacy=self.sealer)
                address = address if sealer.is_current(address) else sealer.seal_text(sealer.open_text(address))
                row = ReminderRow(case_key=key, kind=kind, subject=subject, due_at=due_at, status="pending",
                                  attempts=0, address=address, created_at=now)
                session.add(row)
            elif row.status == "pending":  # a corrected date moves the same reminder
                row.due_at = due_at
            session.flush()
            return _reminder(row)

    def stop_reminders(self, key: str, now: datetime) -> int:
        """Turns reminders off for good and cancels the pending ones; returns how many were cancelled."""
        with Session(self.engine) as session, session.begin():
            _run(session, update(CaseRow).where(CaseRow.key == key).values(reminders_off=True, last_active_at=now))
            return _run(session, update(ReminderRow).where(ReminderRow.case_key == key,
                                                             ReminderRow.status == "pending")
                                   .values(status="cancelled"))

    def allow_reminders(self, key: str, now: datetime) -> None:
        """The parent asked for a reminder: reminders are on again."""
        self.touch(key, now)
        with Session(self.engine) as session, session.begin():
            _run(session, update(CaseRow).where(CaseRow.key == key).values(reminders_off=False))

    def delete(self, key: str, wipe_now: bool = True) -> dict[str, int]:
        """Deletes everything stored for this conversation and its key, in one transaction; harmless when there
        is nothing. Rows per table. Without the key, no copy of the sealed values the database may still hold
        (free pages, WAL, dead rows, replicas, later backups) can be opened. Then the database drops what it
        still holds of the key row (`wipe_now`; the purge does that once, after every case)."""
        counts: dict[str, int] = {}
        with Session(self.engine) as session, session.begin():
            self.keys.hold(session.connection(), [key])
            letter_ids = select(LetterRow.id).where(LetterRow.conversation_key == key).scalar_subquery()
            # The SMS outbox first: texts not sent yet can name the child's letter, and go with the case.
            counts["reminder_texts"] = _run(session, delete(ReminderTextRow).where(
                ReminderTextRow.reminder_id.in_(_reminder_ids(key))))
            counts["reminders"] = _run(session, delete(ReminderRow).where(ReminderRow.case_key == key))
            counts["deadlines"] = _run(session, delete(DeadlineRow).where(DeadlineRow.case_key == key))
            counts["case_situations"] = _run(session, delete(CaseSituationRow).where(CaseSituationRow.case_key == key))
            counts["download_tokens"] = _run(session, delete(DownloadTokenRow).where(
                DownloadTokenRow.letter_id.in_(letter_ids)))
            counts["letters"] = _run(session, delete(LetterRow).where(LetterRow.conversation_key == key))
            counts["cases"] = _run(session, delete(CaseRow).where(CaseRow.key == key))
            # The sealed phone number goes too, unless the sender opted out: then the record of STOP stays
            # (without the number) so we never text them again.
            counts["sms_contacts"] = _run(session, delete(SmsContactRow).where(
                SmsContactRow.key == key, SmsContactRow.opted_out.is_(False)))
            _run(session, update(SmsContactRow).where(SmsContactRow.key == key).values(number=None, choices=None))
            counts["conversation_keys"] = self.keys.destroy(session.connection(), [key])
        if wipe_now:
            self.wipe()
        return counts

    def wipe(self) -> None:
        wipe(self.engine, [ConversationKeyRow.__table__])

    def count_rows(self, key: str) -> dict[str, int]:
        """How many rows each table holds for this conversation (for tests and `case show`)."""
        with Session(self.engine) as session:
            letters = select(LetterRow.id).where(LetterRow.conversation_key == key).scalar_subquery()
            return {
                "reminder_texts": session.scalar(select(func.count()).where(
                    ReminderTextRow.reminder_id.in_(_reminder_ids(key)))),
                "reminders": session.scalar(select(func.count()).where(ReminderRow.case_key == key)),
                "deadlines": session.scalar(select(func.count()).where(DeadlineRow.case_key == key)),
                "case_situations": session.scalar(select(func.count()).where(CaseSituationRow.case_key == key)),
                "download_tokens": session.scalar(select(func.count()).where(DownloadTokenRow.letter_id.in_(letters))),
                "letters": session.scalar(select(func.count()).where(LetterRow.conversation_key == key)),
                "cases": session.scalar(select(func.count()).where(CaseRow.key == key)),
                "sms_contacts": session.scalar(select(func.count()).where(SmsContactRow.key == key,
                                                                          SmsContactRow.number.is_not(None))),
                "conversation_keys": session.scalar(select(func.count()).where(ConversationKeyRow.key == key)),
            }

    def inactive_since(self, cutoff: datetime) -> list[str]:
        with Session(self.engine) as session:
            return list(session.scalars(select(CaseRow.key).where(CaseRow.last_active_at < cutoff)))

    def orphan_letters_before(self, cutoff: datetime) -> int:
        """Deletes letters older than `cutoff` that belong to no case (CLI letters, or made before case memory),
        and their conversations' keys when nothing else uses them."""
        with Session(self.engine) as session, session.begin():
            cases = select(CaseRow.key).scalar_subquery()
            old = select(LetterRow.id).where(LetterRow.created_at < cutoff,
                                             (LetterRow.conversation_key.is_(None))
                                             | LetterRow.conversation_key.not_in(cases)).scalar_subquery()
            owners = sorted(set(session.scalars(select(LetterRow.conversation_key).where(
                LetterRow.id.in_(old), LetterRow.conversation_key.is_not(None)))))
            self.keys.hold(session.connection(), owners)
            _run(session, delete(DownloadTokenRow).where(DownloadTokenRow.letter_id.in_(old)))
            gone = _run(session, delete(LetterRow).where(LetterRow.id.in_(old)))
            self.keys.destroy(session.connection(), owners, *key_in_use())
            return gone


def _reminder_ids(key: str) -> ScalarSelect:
    return select(ReminderRow.id).where(ReminderRow.case_key == key).scalar_subquery()


def _deadline(row: DeadlineRow) -> StoredDeadline:
    return StoredDeadline(id=row.id, rule=row.rule, kind=row.kind, start_on=row.start_on, due_on=row.due_on,
                          state=row.state_code, approximate=row.approximate, letter_id=row.letter_id)


def _reminder(row: ReminderRow) -> StoredReminder:
    return StoredReminder(id=row.id, case_key=row.case_key, kind=row.kind, subject=row.subject, due_at=row.due_at,
                          status=row.status, attempts=row.attempts, delivered_at=row.delivered_at, address=row.address)



def _run(session: Session, statement) -> int:
    """Runs a bulk UPDATE or DELETE; no objects are loaded, so nothing needs syncing. Returns the rows changed."""
    return session.execute(statement, execution_options={"synchronize_session": False}).rowcount
