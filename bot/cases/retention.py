"""Retention: deletes every case, letter, link, reminder (with the texts an SMS reminder still owes) and
conversation inactive longer than the retention period, with each conversation's key (bot/storage/keyring.py),
so no copy the databases keep of them can be opened. Run by the reminder worker once a day and by
`iep-navigator purge`."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import MetaData, Table, delete, exists, func, inspect, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.cases.store import CaseStore
from bot.storage.contacts import purge_contacts
from bot.storage.keyring import EVENT_KEYS, destroy_keys, hold_keys, wipe
from bot.storage.schema import JobRow


@dataclass
class PurgeReport:
    cases: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    conversations: int = 0  # tracker conversations whose events were deleted

    def add(self, counts: dict[str, int]) -> None:
        for table, count in counts.items():
            self.rows[table] = self.rows.get(table, 0) + count


def parse_age(text: str) -> timedelta:
    """"90d", "12w", "36h" or a bare number of days."""
    text = text.strip().lower()
    units = {"d": "days", "w": "weeks", "h": "hours"}
    number, unit = (text[:-1], units.get(text[-1])) if text and text[-1] in units else (text, "days")
    if not number.isdigit() or int(number) < 1:
        raise ValueError(f"'{text}' is not an age like 90d, 12w or 36h")
    return timedelta(**{unit: int(number)})


def purge(engine: Engine, tracker_engine: Engine | None, older_than: timedelta, now: datetime) -> PurgeReport:
    cutoff = now - older_than
    cases = CaseStore(engine)
    report = PurgeReport()
    for key in cases.inactive_since(cutoff):
        report.add(cases.delete(key, wipe_now=False))
        report.cases += 1
    report.add({"letters": cases.orphan_letters_before(cutoff)})
    report.add({"sms_contacts": purge_contacts(engine, cutoff, cases.keys)})
    cases.wipe()  # once for the whole purge, and again for any erase whose own wipe could not run
    if tracker_engine is not None:
        report.conversations = purge_tracker(tracker_engine, cutoff)
    return report


def purge_tracker(tracker_engine: Engine, cutoff: datetime) -> int:
    """Deletes Rasa's stored events of every conversation whose newest event is older than `cutoff`, and
    their keys in the same transaction. Returns how many conversations went."""
    tables = inspect(tracker_engine).get_table_names()
    if "events" not in tables:
        return 0
    events = Table("events", MetaData(), autoload_with=tracker_engine)
    keyed = EVENT_KEYS.name in tables  # not before the tracker store first ran with conversation keys
    newest_before = func.max(events.c.timestamp) < cutoff.timestamp()
    gone = 0
    with tracker_engine.begin() as connection:
        stale = [row.sender_id for row in connection.execute(
            select(events.c.sender_id).group_by(events.c.sender_id).having(newest_before))]
        for start in range(0, len(stale), 500):
            chunk = stale[start:start + 500]
            if keyed:
                hold_keys(connection, EVENT_KEYS, chunk)  # a turn writing to one of them finishes first
            # Asked again inside the DELETE, after that wait: a conversation that came back just now stays.
            again = events.alias("again")
            still = (select(again.c.sender_id).where(again.c.sender_id.in_(chunk))
                     .group_by(again.c.sender_id).having(func.max(again.c.timestamp) < cutoff.timestamp()))
            gone += len(connection.execute(still).all())
            connection.execute(delete(events).where(events.c.sender_id.in_(still)))
            if keyed:
                destroy_keys(connection, EVENT_KEYS, chunk,
                             exists().where(events.c.sender_id == EVENT_KEYS.c.sender_id))
    if keyed:
        wipe(tracker_engine, [EVENT_KEYS])
    return gone


def claim_job(engine: Engine, name: str, every: timedelta, now: datetime) -> bool:
    """True for exactly one caller per period, across processes: a daily job runs once a day."""
    with Session(engine) as session, session.begin():
        taken = session.execute(update(JobRow).where(JobRow.name == name, JobRow.last_run_at <= now - every)
                                .values(last_run_at=now).execution_options(synchronize_session=False)).rowcount
        if taken == 1:
            return True
        if session.get(JobRow, name) is not None:
            return False
    try:  # first run ever: whoever inserts the row wins
        with Session(engine) as session, session.begin():
            session.add(JobRow(name=name, last_run_at=now))
        return True
    except IntegrityError:
        return False
