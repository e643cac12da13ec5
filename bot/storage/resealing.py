"""Key rotation (`iep-navigator case-db rotate-keys`): afterwards every stored value opens with the newest data
key alone, a batch at a time.

What the data keys seal directly is the conversation keys (bot/storage/keyring.py: `conversation_keys` in the
case database, `event_keys` in Rasa's tracker database): those are re-wrapped with the newest data key, which
is all a rotation has to rewrite. The values themselves stay sealed with their conversation's key. A value
sealed before conversation keys (with a data key directly), or stored plain (events from before sealing), is
sealed with its conversation's key, made if it has none; a value with no conversation (a letter made in the
CLI) is re-sealed with the newest data key.

Idempotent: a value already sealed the way it should be is left alone, so a second run changes nothing and an
interrupted run is simply run again. Each row is rewritten only if it still holds the value that was read, so
a server writing meanwhile always wins.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Union

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.storage.keyring import EVENT_KEYS, ConversationSealer, Keyring, ensure_table
from bot.storage.schema import SEALED_COLUMNS, SEALED_OWNERS, ConversationKeyRow
from bot.storage.sealing import SEALED_PREFIX, Sealer, SealError, is_sealed

BATCH = 500
EVENTS = ("events", "id", "data")  # Rasa's SQL tracker store: each event's JSON (bot/serving/tracker_store.py)
EVENTS_OWNER = "sender_id"
Owner = Union[str, tuple[str, str, str, str], None]  # as in schema.SEALED_OWNERS
AnySealer = Union[Sealer, ConversationSealer]


@dataclass
class Resealed:
    """What happened to one column's values."""
    where: str  # "table.column"
    resealed: int = 0  # sealed with an older data key: a key re-wrapped, a value moved under its conversation's key
    sealed: int = 0  # were plain
    current: int = 0  # already sealed as they should be
    unreadable: int = 0  # sealed with a key we no longer have: left as they are

    @property
    def changed(self) -> int:
        return self.resealed + self.sealed


def rotate(case_engine: Engine, tracker_engine: Engine | None, sealer: Sealer, batch: int = BATCH) -> list[Resealed]:
    """Re-wraps every conversation key and moves every value sealed before them under its conversation's key,
    in the case database and, if given, in the tracker database."""
    keys = ConversationKeyRow.__table__
    reports = [reseal_column(case_engine, keys.name, "key", "sealed", sealer, batch=batch)]
    case_keys = Keyring(keys, sealer)
    reports += [reseal_column(case_engine, *column, sealer, batch=batch, owner=SEALED_OWNERS[column[0]],
                              keys=case_keys) for column in SEALED_COLUMNS]
    if tracker_engine is not None and sa.inspect(tracker_engine).has_table(EVENTS[0]):
        ensure_table(tracker_engine, EVENT_KEYS)
        reports.append(reseal_column(tracker_engine, EVENT_KEYS.name, "sender_id", "sealed", sealer, batch=batch))
        reports.append(reseal_column(tracker_engine, *EVENTS, sealer, batch=batch, owner=EVENTS_OWNER,
                                     keys=Keyring(EVENT_KEYS, sealer)))
    return reports


def seal_plain_events(tracker_engine: Engine, sealer: Sealer, batch: int = BATCH) -> Resealed | None:
    """Seals the events stored before sealing, each with its conversation's key (run by `case-db upgrade`);
    None when there is no events table."""
    if not sa.inspect(tracker_engine).has_table(EVENTS[0]):
        return None
    ensure_table(tracker_engine, EVENT_KEYS)
    return reseal_column(tracker_engine, *EVENTS, sealer, batch=batch, only_plain=True, owner=EVENTS_OWNER,
                         keys=Keyring(EVENT_KEYS, sealer))


def reseal_column(engine: Engine, table_name: str, key_name: str, column_name: str, sealer: Sealer, *,
                  batch: int = BATCH, only_plain: bool = False, owner: Owner = None,
                  keys: Keyring | None = None) -> Resealed:
    """Walks the column in primary-key order, `batch` rows per transaction (short locks, flat memory). With
    `keys`, each value is sealed with the key of the conversation `owner` names; without, with the data keys."""
    columns = {key_name, column_name} | ({owner} if isinstance(owner, str) else {owner[3]} if owner else set())
    table = sa.table(table_name, *(sa.column(name, sa.Text if name == column_name else None) for name in columns))
    key, value = table.c[key_name], table.c[column_name]
    whose = _owner(table, owner) if keys is not None else sa.null()
    report = Resealed(f"{table_name}.{column_name}")
    change = _plain_sealer(report) if only_plain else _rotator(report)
    last = None
    while True:
        query = sa.select(key, value, whose).where(value.is_not(None)).order_by(key).limit(batch)
        if only_plain:  # filtered in the database: a sealed table is not read back at every upgrade
            query = query.where(sa.not_(value.startswith(SEALED_PREFIX)))
        if last is not None:
            query = query.where(key > last)
        with engine.begin() as connection:
            rows = connection.execute(query).all()
            sealers = _Sealers(connection, keys, sealer)
            for row_key, old, conversation in rows:
                sealer_of_row = sealers.of(conversation)
                if sealer_of_row is None:  # its conversation's key opens with none of the data keys
                    report.unreadable += 1
                    continue
                new = change(old, sealer_of_row)
                if new is not None:
                    connection.execute(sa.update(table).where(key == row_key, value == old).values({column_name: new}))
        if len(rows) < batch:
            return report
        last = rows[-1][0]


class _Sealers:
    """Within one batch: each conversation's sealer, its key read (or made) once."""

    def __init__(self, connection: Connection, keys: Keyring | None, sealer: Sealer) -> None:
        self.connection, self.keys, self.sealer = connection, keys, sealer
        self.known: dict[str | None, AnySealer | None] = {}

    def of(self, conversation: str | None) -> AnySealer | None:
        if self.keys is None:
            return self.sealer
        if conversation not in self.known:
            try:
                self.known[conversation] = self.keys.for_writing(self.connection, conversation)
            except SealError:
                self.known[conversation] = None
        return self.known[conversation]


def _owner(table: sa.sql.TableClause, owner: Owner) -> sa.sql.ColumnElement:
    """The conversation each row belongs to: a column of the row, or one of the row it points at."""
    if owner is None:
        return sa.null()
    if isinstance(owner, str):
        return table.c[owner]
    other_name, other_key, other_owner, pointer = owner
    other = sa.table(other_name, sa.column(other_key), sa.column(other_owner))
    return sa.select(other.c[other_owner]).where(other.c[other_key] == table.c[pointer]).scalar_subquery()


def _rotator(report: Resealed) -> Callable[[str, AnySealer], str | None]:
    def change(old: str, sealer: AnySealer) -> str | None:
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


def _plain_sealer(report: Resealed) -> Callable[[str, AnySealer], str | None]:
    def change(old: str, sealer: AnySealer) -> str | None:
        report.sealed += 1
        return sealer.seal_text(old)
    return change
