"""Conversation keys (crypto-shredding): every conversation's stored values are sealed with a key of its own,
and deleting the conversation destroys that key, so every copy of its data the database still holds
somewhere becomes unreadable.

Each conversation gets a fresh Fernet key at its first sealed write, stored next to its data, wrapped
(sealed) by the data keys (bot/storage/sealing.py): one row per conversation, in `event_keys` in Rasa's
tracker database (by sender id: the events) and in `conversation_keys` in the case database (by the keyed
hash of the id: letters, reminder addresses, the texts a reminder still owes, the SMS number). Deleting a
conversation ("delete my data", or the retention purge) deletes its key row in the same transaction as its
data: the key row is locked first and deleted last (see `Keyring.hold` and `destroy`). Then the copies a
DELETE leaves behind (SQLite free pages and WAL frames, PostgreSQL dead rows, a replica, a backup taken
afterwards) are sealed with a key that no longer exists anywhere.

The key row's own bytes must not outlive it either; `wipe` runs after an erase. SQLite runs with
`secure_delete` (bot/storage/schema.py, bot/serving/tracker_store.py: a deleted row's bytes are zeroed)
and the WAL is checkpointed and truncated. On PostgreSQL the key table is rewritten (VACUUM FULL): a
deleted row stays in the table's file until VACUUM, and even a VACUUM can leave its bytes in the page's free
space. Rewriting the small key table takes a moment's lock; the data tables' dead rows are left to
autovacuum, sealed with a destroyed key. What stays openable after that: PostgreSQL's WAL (pg_wal, a WAL
archive) and any backup taken before the delete still hold the wrapped key, and open with the data key that
wrapped it. Retiring that data key (`iep-navigator case-db rotate-keys` with a new key first, then dropping
the old one) makes all of them unreadable for good; rotation re-wraps only the key rows, so it is cheap.

Values sealed before conversation keys (with the data keys directly) still open: a conversation's sealer
falls back to the data keys, and `rotate-keys` moves them under their conversation's key.
"""
from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from datetime import datetime
from typing import Iterable, Mapping, Sequence

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.storage.sealing import Sealer, SealError, is_sealed

logger = logging.getLogger(__name__)

# The tracker database's keys, by Rasa's sender id (the events table keeps the same id in plain). Made by the
# tracker store when it starts (`ensure_table`): that database has no migrations of ours.
EVENT_KEYS = sa.Table(
    "event_keys", sa.MetaData(),
    sa.Column("sender_id", sa.String(255), primary_key=True),
    sa.Column("sealed", sa.Text, nullable=False),  # the conversation's Fernet key, sealed with the data keys
    sa.Column("created_at", sa.DateTime, nullable=False))
KEY_CACHE = 1024  # the tracker store's opened keys, by conversation: a few hundred KB at most


class ConversationSealer:
    """Seals with one conversation's own key; opens what that key sealed and, failing that, what the data keys
    sealed directly (values stored before conversation keys). Without a conversation (`owner` None: a letter
    made in the CLI) it seals with the data keys. The same calls as a Sealer."""

    def __init__(self, own: Fernet | None, data: Sealer, owner: str | None = None):
        self._own, self.data, self.owner = own, data, owner

    @property
    def has_key(self) -> bool:
        return self._own is not None

    def seal_text(self, text: str) -> str:
        if self._own is None:
            if self.owner is not None:  # opened for reading: it has no key to seal with
                raise SealError("this conversation has no key: seal with Keyring.for_writing")
            return self.data.seal_text(text)
        return self._own.encrypt(text.encode("utf-8")).decode("ascii")

    def seal(self, value: Mapping[str, str]) -> str:
        return self.seal_text(json.dumps(dict(value), sort_keys=True))

    def open_text(self, sealed: str) -> str:
        if self._own is not None:
            try:
                return self._own.decrypt(sealed.encode("ascii")).decode("utf-8")
            except (InvalidToken, ValueError):
                pass  # sealed before conversation keys: with the data keys
        return self.data.open_text(sealed)

    def open(self, sealed: str) -> dict[str, str]:
        return json.loads(self.open_text(sealed))

    def open_json(self, stored: str) -> dict:
        """A JSON object stored sealed, or plain from before sealing."""
        return json.loads(self.open_text(stored) if is_sealed(stored) else stored)

    def reseal(self, sealed: str) -> str:
        """The same value sealed the way this sealer seals now (for key rotation)."""
        return self.seal_text(self.open_text(sealed))

    def is_current(self, sealed: str) -> bool:
        """Sealed the way this sealer seals now (its conversation's key, or the newest data key without one).
        Checks the signature only."""
        if self._own is None:
            return self.data.is_current(sealed)
        try:
            self._own.extract_timestamp(sealed.encode("ascii"))
        except (InvalidToken, ValueError):
            return False
        return True


class Keyring:
    """The conversation keys of one table (`EVENT_KEYS`, or the case database's `conversation_keys`): made,
    opened and destroyed inside the caller's transaction.

    `cache` keeps that many opened keys in memory, by conversation, each with the wrapped value it came from.
    A key is still read from the database on every use (one primary-key lookup), and a cached key is used
    only while the row holds the same wrapped value: a key deleted or re-wrapped by another process is never
    used from here. `destroy` drops it from this process's cache at once."""

    def __init__(self, table: sa.Table, data: Sealer, cache: int = 0):
        self.table, self.data = table, data
        [self.owner_column] = table.primary_key.columns
        self._select = sa.select(table.c.sealed).where(self.owner_column == sa.bindparam("owner"))
        # PostgreSQL: the row stays locked (FOR KEY SHARE: only a DELETE or FOR UPDATE waits) until the caller's
        # values are written, so a purge about to destroy this key waits for them and then sees them. SQLite
        # has one writer at a time anyway.
        self._select_held = self._select.with_for_update(read=True, key_share=True)
        self._limit = cache
        self._cache: OrderedDict[str, tuple[str, Fernet]] = OrderedDict()
        self._lock = threading.Lock()

    def for_reading(self, db: Connection, owner: str | None, legacy: Sealer | None = None) -> ConversationSealer:
        """Opens the conversation's values: with its key, and values sealed with the data keys (`legacy`, default
        the data keys that wrap the conversation keys). Makes no key."""
        data = legacy or self.data
        if owner is None:
            return ConversationSealer(None, data)
        return ConversationSealer(self._key(db, owner, held=False), data, owner)

    def for_writing(self, db: Connection, owner: str | None, now: datetime | None = None,
                    legacy: Sealer | None = None) -> ConversationSealer:
        """Seals the conversation's values with its key, made now (in the caller's transaction) if it has none."""
        data = legacy or self.data
        if owner is None:
            return ConversationSealer(None, data)
        own = self._key(db, owner, held=True)
        if own is None:
            made = Fernet.generate_key()
            wrapped = self.data.seal_text(made.decode("ascii"))
            _insert_new(db, self.table, {self.owner_column.name: owner, "sealed": wrapped,
                                         "created_at": now or datetime.now()})
            stored = db.execute(self._select_held, {"owner": owner}).scalar_one()  # ours, or a racing writer's
            own = Fernet(made) if stored == wrapped else self._opened(owner, stored)
            self._remember(owner, stored, own)
        return ConversationSealer(own, data, owner)

    def hold(self, db: Connection, owners: Sequence[str]) -> None:
        hold_keys(db, self.table, owners)

    def destroy(self, db: Connection, owners: Sequence[str], *unless: sa.sql.ColumnElement) -> int:
        self.forget(owners)
        return destroy_keys(db, self.table, owners, *unless)

    def forget(self, owners: Iterable[str]) -> None:
        with self._lock:
            for owner in owners:
                self._cache.pop(owner, None)

    def _key(self, db: Connection, owner: str, held: bool) -> Fernet | None:
        wrapped = db.execute(self._select_held if held else self._select, {"owner": owner}).scalar()
        if wrapped is None:
            self.forget([owner])
            return None
        return self._opened(owner, wrapped)

    def _opened(self, owner: str, wrapped: str) -> Fernet:
        with self._lock:
            hit = self._cache.get(owner)
            if hit is not None and hit[0] == wrapped:
                self._cache.move_to_end(owner)
                return hit[1]
        own = Fernet(self.data.open_text(wrapped).encode("ascii"))
        self._remember(owner, wrapped, own)
        return own

    def _remember(self, owner: str, wrapped: str, own: Fernet) -> None:
        if not self._limit:
            return
        with self._lock:
            self._cache[owner] = (wrapped, own)
            self._cache.move_to_end(owner)
            while len(self._cache) > self._limit:
                self._cache.popitem(last=False)

    def __len__(self) -> int:
        return len(self._cache)


def hold_keys(db: Connection, table: sa.Table, owners: Sequence[str]) -> None:
    """Locks these conversations' keys before their data is deleted (PostgreSQL; SQLite has one writer at a
    time anyway): a writer sealing with one of them finishes first, so the deletes that follow see what it
    wrote, and a writer coming later waits, then finds the key gone and makes a new one."""
    if db.dialect.name != "postgresql":
        return
    [owner] = table.primary_key.columns
    for start in range(0, len(owners), 500):
        db.execute(sa.select(owner).where(owner.in_(owners[start:start + 500])).with_for_update())


def destroy_keys(db: Connection, table: sa.Table, owners: Sequence[str], *unless: sa.sql.ColumnElement) -> int:
    """Deletes these conversations' keys (only those where every `unless` condition is false, e.g. "a row still
    uses it"). Call `hold_keys` first and this after deleting the data, in the same transaction: a key made
    meanwhile by a writer the data's deletes waited for goes too. Returns the keys deleted."""
    [owner] = table.primary_key.columns
    gone = 0
    for start in range(0, len(owners), 500):
        gone += db.execute(sa.delete(table).where(owner.in_(owners[start:start + 500]),
                                                  *(sa.not_(u) for u in unless))).rowcount
    return gone


def _insert_new(db: Connection, table: sa.Table, row: dict) -> None:
    """Inserts the row unless its key is taken (two writers making the same conversation's key: one wins)."""
    dialect = db.dialect.name
    if dialect in ("postgresql", "sqlite"):
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        db.execute(insert(table).values(row).on_conflict_do_nothing())
        return
    try:
        with db.begin_nested():
            db.execute(table.insert().values(row))
    except sa.exc.IntegrityError:
        pass


def ensure_table(engine: Engine, table: sa.Table) -> None:
    """Makes the key table if the database has none (several servers may start at once: the loser's error
    is ignored once the table is there)."""
    try:
        table.create(engine, checkfirst=True)
    except SQLAlchemyError:
        if not sa.inspect(engine).has_table(table.name):
            raise


def secure_delete(dbapi_connection, _record=None) -> None:
    """A SQLite connection's deletes zero the deleted bytes (free space in a page, freed pages) instead of
    leaving them for anyone reading the file. A 'connect' listener: it holds per connection."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def wipe(engine: Engine, tables: Sequence[sa.Table]) -> None:
    """After an erase (already committed): has the database drop the bytes it still holds of the deleted key
    rows. SQLite: the WAL, which still holds the pages as they were, is checkpointed into the file (where
    secure_delete zeroed the rows) and truncated. PostgreSQL: each key table is rewritten (VACUUM FULL); a
    plain VACUUM can leave a deleted row's bytes in the page. Best effort: the keys are deleted either way,
    and a failure here (a lock not granted in time) is logged; the daily purge wipes again."""
    dialect = engine.dialect.name
    try:
        if dialect == "sqlite":
            with engine.connect() as db:
                busy, _, _ = db.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
                if busy:
                    logger.warning("the WAL could not be truncated after an erase (a reader was busy): it will be "
                                   "at the next checkpoint")
        elif dialect == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as db:
                db.exec_driver_sql("SET lock_timeout = '2s'")  # never queue every turn behind a long wait
                try:
                    for table in tables:
                        db.exec_driver_sql(f"VACUUM FULL {engine.dialect.identifier_preparer.format_table(table)}")
                finally:
                    db.exec_driver_sql("RESET lock_timeout")
    except SQLAlchemyError as err:
        logger.warning("the deleted keys' bytes were not wiped now (%s); the daily purge wipes again",
                       err.__class__.__name__)
