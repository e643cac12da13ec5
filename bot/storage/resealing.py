"""Key rotation: every sealed value in the case database and in Rasa's stored events, re-sealed with the
newest data key, a batch at a time (`iep-navigator case-db rotate-keys`).

Idempotent: a value already sealed with the newest key is left alone, so a second run changes nothing and
an interrupted run is simply run again. Events stored plain (before sealing) are sealed on the way. Each
row is rewritten only if it still holds the value that was read, so a server writing meanwhile always wins.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.storage.schema import SEALED_COLUMNS
from bot.storage.sealing import SEALED_PREFIX, Sealer, SealError, is_sealed

BATCH = 500
EVENTS = ("events", "id", "data")  # Rasa's SQL tracker store: each event's JSON (bot/serving/tracker_store.py)


@dataclass
class Resealed:
    """What happened to one column's values."""
    where: str  # "table.column"
    resealed: int = 0  # were sealed with an older key
    sealed: int = 0  # were plain
    current: int = 0  # already sealed with the newest key
    unreadable: int = 0  # sealed with a key we no longer have: left as they are

    @property
    def changed(self) -> int:
        return self.resealed + self.sealed


def rotate(case_engine: Engine, tracker_engine: Engine | None, sealer: Sealer, batch: int = BATCH) -> list[Resealed]:
    """Re-seals every sealed column of the case database and, if given, every stored event."""
    reports = [reseal_column(case_engine, *column, sealer, batch=batch) for column in SEALED_COLUMNS]
    if tracker_engine is not None and sa.inspect(tracker_engine).has_table(EVENTS[0]):
        reports.append(reseal_column(tracker_engine, *EVENTS, sealer, batch=batch))
    return reports


def seal_plain_events(tracker_engine: Engine, sealer: Sealer, batch: int = BATCH) -> Resealed | None:
    """Seals the events stored before sealing (run by `case-db upgrade`); None when there is no events table."""
    if not sa.inspect(tracker_engine).has_table(EVENTS[0]):
        return None
    return reseal_column(tracker_engine, *EVENTS, sealer, batch=batch, only_plain=True)


def reseal_column(engine: Engine, table_name: str, key_name: str, column_name: str, sealer: Sealer, *,
                  batch: int = BATCH, only_plain: bool = False) -> Resealed:
    """Walks the column in primary-key order, `batch` rows per transaction (short locks, flat memory)."""
    table = sa.table(table_name, sa.column(key_name), sa.column(column_name, sa.Text))
    key, value = table.c[key_name], table.c[column_name]
    report = Resealed(f"{table_name}.{column_name}")
    change = _plain_sealer(sealer, report) if only_plain else _rotator(sealer, report)
    last = None
    while True:
        query = sa.select(key, value).where(value.is_not(None)).order_by(key).limit(batch)
        if only_plain:  # filtered in the database: a sealed table is not read back at every upgrade
            query = query.where(sa.not_(value.startswith(SEALED_PREFIX)))
        if last is not None:
            query = query.where(key > last)
        with engine.begin() as connection:
            rows = connection.execute(query).all()
            for row_key, old in rows:
                new = change(old)
                if new is not None:
                    connection.execute(sa.update(table).where(key == row_key, value == old).values({column_name: new}))
        if len(rows) < batch:
            return report
        last = rows[-1][0]


def _rotator(sealer: Sealer, report: Resealed) -> Callable[[str], str | None]:
    def change(old: str) -> str | None:
        if not is_sealed(old):
            report.sealed += 1
            return sealer.seal_text(old)
        if sealer.is_current(old):
            report.current += 1
            return None
        try:
            new = sealer.reseal(old)
        except SealError:
            report.unreadable += 1
            return None
        report.resealed += 1
        return new
    return change


def _plain_sealer(sealer: Sealer, report: Resealed) -> Callable[[str], str | None]:
    def change(old: str) -> str | None:
        report.sealed += 1
        return sealer.seal_text(old)
    return change
