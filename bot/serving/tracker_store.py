"""Rasa's SQL tracker store, from one URL, off the event loop, able to forget a conversation when asked.

`endpoints.yml` gives it `TRACKER_STORE_URL`: `sqlite:////abs/path/tracker.db` by default, or
`postgresql://user:password@host:5432/db` for several Rasa servers. Rasa's own SQL store runs its queries
on the event loop; here every query runs in a worker thread, so one slow database call never stalls the
other parents' turns. Errors are raised, never swallowed: `bot.serving.store_guard` removes Rasa's fail-safe
wrapper, which would otherwise restart a conversation silently in memory when the database fails.

Each event's `data` (the parent's words, the slots with names and phone numbers) is stored sealed with
the conversation's own key (`event_keys`, bot/storage/keyring.py), itself sealed with the data keys
(bot/storage/sealing.py); events sealed with the data keys, or stored plain, before that still read, and
`iep-navigator case-db rotate-keys` moves them under the conversation's key. Type, intent and action names stay
plain: queries filter on them. Each event is opened about once per process (bot/storage/opened_events.py), not
on every turn that rebuilds the conversation; a save reads the conversation's key row (one primary-key lookup)
and the opened key is kept in memory only while that row still holds it.
The hot queries are plain SQL on a connection: Rasa's ORM queries cost more to build than to run.

The delete action sets the `erase_conversation` slot. Saving that turn then deletes every stored
event of the conversation and its key, in one transaction, instead of appending to it, inside the same
lock as the turn, so no later save can write the old events back. (Deleting rows from the action server
would not work: Rasa saves by appending the events it thinks are missing, and would re-add them.) Every copy
of the events the database keeps after that is sealed with a key that is gone; SQLite runs with
secure_delete and its WAL is truncated after an erase, PostgreSQL's key table is rewritten (keyring.wipe).
"""
from __future__ import annotations

import asyncio
import itertools
import json
import logging
from typing import Any, Iterable, Optional

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker

from bot.cases.store import ERASE_SLOT
from bot.ops.settings import Settings
from bot.storage.keyring import EVENT_KEYS, KEY_CACHE, Keyring, ensure_table, secure_delete, wipe
from bot.storage.opened_events import OpenedEvents
from bot.storage.sealing import Sealer, is_sealed

logger = logging.getLogger(__name__)


class ErasableSQLTrackerStore(SQLTrackerStore):
    def __init__(self, domain: Optional[Domain] = None, host: Optional[str] = None,
                 event_broker: Optional[EventBroker] = None, sealer: Optional[Sealer] = None, **kwargs: Any) -> None:
        if not host or "://" not in host:
            raise ValueError("TRACKER_STORE_URL must be a database URL such as sqlite:////path/tracker.db")
        self.sealer = sealer or Sealer(Settings.from_env().data_keys())
        super().__init__(domain=domain, host=host, event_broker=event_broker, **kwargs)
        # Rebuilt with pre-ping: after a database restart the pool's old connections are dead, and the
        # first turn afterwards must reconnect instead of failing.
        # (A SQLite file has no connection to lose: no ping, which was a query per read.)
        url = self.engine.url
        sqlite = url.get_backend_name() == "sqlite"
        self.engine.dispose()
        self.engine = sa.create_engine(url, pool_pre_ping=not sqlite, hide_parameters=True, **_engine_options(url))
        if sqlite:
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        ensure_table(self.engine, EVENT_KEYS)
        self.keys = Keyring(EVENT_KEYS, self.sealer, cache=KEY_CACHE)
        self.opened = OpenedEvents()
        self.sql = _Statements(self.engine, self.SQLEvent.__table__)

    async def keys(self) -> Iterable[str]:
        return await asyncio.to_thread(self._keys)

    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        return await asyncio.to_thread(self._read, sender_id, False)

    async def retrieve_full_tracker(self, conversation_id: str) -> Optional[DialogueStateTracker]:
        return await asyncio.to_thread(self._read, conversation_id, True)

    async def _retrieve(self, sender_id: str,
                        fetch_events_from_all_sessions: bool) -> Optional[DialogueStateTracker]:
        # Rasa's own reader would parse the sealed data as JSON; any path that reaches it comes here instead.
        return await asyncio.to_thread(self._read, sender_id, fetch_events_from_all_sessions)

    async def stored_events(self, sender_id: str, kinds: tuple[str, ...] = ()) -> list[dict]:
        """The stored events of a conversation, all sessions, as plain dicts, only of these kinds if given:
        what a channel shows the parent, without rebuilding a tracker (which replays every event)."""
        return await asyncio.to_thread(self._event_dicts, sender_id, True, kinds)

    async def holds(self, sender_id: str) -> bool:
        """Whether any event is stored under this id: one indexed lookup, nothing read or opened."""
        return await asyncio.to_thread(self._holds, sender_id)

    async def save(self, tracker: DialogueStateTracker) -> None:
        if tracker.get_slot(ERASE_SLOT) is True:
            removed = await asyncio.to_thread(self.erase, tracker.sender_id)
            logger.info("erased a conversation at the parent's request (%d events)", removed)
            return
        await self.stream_events(tracker)
        await asyncio.to_thread(self._append, tracker)

    def erase(self, sender_id: str) -> int:
        """Deletes the conversation's events and, in the same transaction, its key: every copy of the events
        left on disk is then unreadable. Then the database drops what it still holds of the key row."""
        with self.engine.begin() as db:
            self.keys.hold(db, [sender_id])
            self.opened.forget(data for (data,) in db.execute(self.sql.all_data, {"sender": sender_id}))
            removed = db.execute(self.sql.erase, {"sender": sender_id}).rowcount
            self.keys.destroy(db, [sender_id])
        wipe(self.engine, [EVENT_KEYS])
        return removed

    def _holds(self, sender_id: str) -> bool:
        with self.engine.connect() as db:
            return db.execute(self.sql.holds, {"sender": sender_id}).first() is not None

    def _keys(self) -> list[str]:
        with self.session_scope() as session:
            return [sender for (sender,) in session.query(self.SQLEvent.sender_id).distinct()]

    def _event_dicts(self, sender_id: str, all_sessions: bool, kinds: tuple[str, ...] = ()) -> list[dict]:
        params: dict[str, Any] = {"sender": sender_id, **self.sql.started}
        if kinds:
            params["kinds"] = list(kinds)
        with self.engine.connect() as db:
            rows = db.execute(self.sql.events(all_sessions, kinds), params).all()
            opener = _Opener(self.keys, db, sender_id)  # reads the key only if an event was not opened before
            return [self._open(data, opener) for (data,) in rows]

    def _open(self, stored: str, opener: "_Opener") -> dict:
        if not is_sealed(stored):  # stored plain by a server from before sealing
            return json.loads(stored)
        return json.loads(self.opened.open(stored, opener))

    def _read(self, sender_id: str, all_sessions: bool) -> Optional[DialogueStateTracker]:
        events = self._event_dicts(sender_id, all_sessions)
        if not (self.domain and events):
            return None
        return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)

    def _append(self, tracker: DialogueStateTracker) -> None:
        """Stores the events not stored yet, in one transaction (Rasa's own logic, in a thread)."""
        with self.engine.begin() as db:
            stored = db.execute(self.sql.count_session, {"sender": tracker.sender_id, **self.sql.started}
                                ).scalar_one()
            new = [(event.as_dict(), event.type_name)
                   for event in itertools.islice(tracker.events, stored, len(tracker.events))]
            if not new:
                return
            plain = [json.dumps(data) for data, _ in new]
            sealer = self.keys.for_writing(db, tracker.sender_id)  # made with the conversation's first events
            rows = [{"sender_id": tracker.sender_id, "type_name": type_name, "timestamp": data.get("timestamp"),
                     "intent_name": data.get("parse_data", {}).get("intent", {}).get("name"),
                     "action_name": data.get("name"), "data": sealer.seal_text(text)}
                    for (data, type_name), text in zip(new, plain)]
            db.execute(self.sql.insert, rows)
        for row, text in zip(rows, plain):  # the next turn reads them back without decrypting
            self.opened.remember(row["data"], text)


class _Opener:
    """Opens a conversation's events with its key, read from the database the first time one is needed."""

    def __init__(self, keys: Keyring, db: sa.engine.Connection, sender_id: str) -> None:
        self.keys, self.db, self.sender_id = keys, db, sender_id
        self.sealer: Any = None

    def __call__(self, sealed: str) -> str:
        if self.sealer is None:
            self.sealer = self.keys.for_reading(self.db, self.sender_id)
        return self.sealer.open_text(sealed)


class _Statements:
    """The store's queries, written once. Rasa's own reader builds an ORM query per read; SQLAlchemy
    then spends longer making its cache key than the database spends answering."""

    def __init__(self, engine: sa.engine.Engine, table: sa.Table) -> None:
        name = engine.dialect.identifier_preparer.format_table(table)
        # The latest session: events from its `session_started` on, or all when there is none (Rasa's rule).
        latest = (f"FROM {name} AS e, (SELECT max(timestamp) AS start FROM {name} "
                  f"WHERE sender_id = :sender AND type_name = :started) AS s "
                  f"WHERE e.sender_id = :sender AND (s.start IS NULL OR e.timestamp >= s.start)")
        every = f"FROM {name} AS e WHERE e.sender_id = :sender"
        kinds = " AND e.type_name IN :kinds"
        expanding = sa.bindparam("kinds", expanding=True)
        self._events = {
            (False, False): sa.text(f"SELECT e.data {latest} ORDER BY e.id"),
            (True, False): sa.text(f"SELECT e.data {every} ORDER BY e.id"),
            (False, True): sa.text(f"SELECT e.data {latest}{kinds} ORDER BY e.id").bindparams(expanding),
            (True, True): sa.text(f"SELECT e.data {every}{kinds} ORDER BY e.id").bindparams(expanding)}
        self.started = {"started": SessionStarted.type_name}
        self.all_data = self._events[(True, False)]
        self.count_session = sa.text(f"SELECT count(*) {latest}")
        self.holds = sa.text(f"SELECT 1 FROM {name} WHERE sender_id = :sender LIMIT 1")
        self.erase = sa.text(f"DELETE FROM {name} WHERE sender_id = :sender")
        self.insert = table.insert().values({column: sa.bindparam(column) for column in (
            "sender_id", "type_name", "timestamp", "intent_name", "action_name", "data")})

    def events(self, all_sessions: bool, kinds: tuple[str, ...]) -> sa.sql.expression.TextClause:
        return self._events[(all_sessions, bool(kinds))]


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    # WAL: readers never wait for the writer. synchronous=NORMAL: a commit survives the process being
    # killed (only a power cut can lose the last turns), at a fraction of the fsync cost of FULL.
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    secure_delete(connection)  # an erased conversation's bytes are zeroed, not left in free space


def _engine_options(url: sa.engine.URL) -> dict[str, Any]:
    if url.get_backend_name() == "sqlite":
        # Worker threads share the file; wait for a writer rather than fail with "database is locked".
        # A pool, because SQLAlchemy 1.4 opens and closes a file connection per session by default, and
        # closing a WAL connection checkpoints the log: both showed up in the profile under load.
        return {"connect_args": {"timeout": 15, "check_same_thread": False}, "poolclass": sa.pool.QueuePool,
                "pool_size": 8, "max_overflow": 8}
    return create_engine_kwargs(url)
