"""Deleted data cannot be recovered from disk (issue 20). A family tells us their child's name, school and a
sentence of their own; a letter, a reminder (with the texts it still owes) and their SMS number are stored,
next to another family's. They say "delete my data". Then every raw byte of the database files is read, as
someone who copied the disk and also holds the data key would: every sealed value (Fernet token) is taken
out and tried with the data key, with every conversation key still stored, and with every key that itself
opens out of the bytes. Nothing of the deleted family may be readable; the other family's words must be,
or the search proved nothing.

SQLite: the case and tracker files with their -wal and -shm. PostgreSQL (the machine's server, a throwaway
database each): every file of the database's directory under the data directory (`base/<oid>`), after a
CHECKPOINT so the server's memory is on disk. This user can read the data directory, so the files are read
as they are; `pageinspect` (raw pages through SQL) is not installed here, and reading the files also covers
every relation, index and free-space map at once. PostgreSQL's WAL is read in its own test: it still holds the
deleted conversation's wrapped key, until that data key is retired by rotation.

`pytest -s` prints what was found. No mocks.
"""
from __future__ import annotations

import asyncio
import os
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Iterable, Mapping

import pytest
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import create_engine, inspect, text

from bot.cases.reminders import ReminderQueue
from bot.cases.store import ERASE_SLOT, CaseStore
from bot.letters.store import LetterStore, conversation_key
from bot.storage.contacts import SmsContacts
from bot.storage.schema import make_engine
from bot.storage.sealing import Sealer

NOW = datetime(2026, 3, 2, 9, 30)
SECRET = b"forensic-id-secret"
CHILD, SCHOOL = "Marisol Quillfeather", "Thistlewood Academy"
SENTENCE = "she hides under the piano whenever the fire bell rings"
PHONE = "+15550134477"
DELETED = (CHILD, SCHOOL, SENTENCE, "Quillfeather", "Thistlewood", "0134477")
OTHER_CHILD, OTHER_SCHOOL = "Bartholomew Oyelaran", "Wrenfield Middle School"  # the family who stays
OTHER_SENTENCE, OTHER_PHONE = "he counts the ceiling tiles during every spelling test", "+15550179921"
KEPT = (OTHER_CHILD, OTHER_SCHOOL, OTHER_SENTENCE, "0179921")
START = re.compile(rb"gAAAAA")  # a Fernet token's version byte and the high bytes of its timestamp, in base64
RUN = re.compile(rb"[A-Za-z0-9_=-]+")  # a stored token runs on into whatever the next column holds
KEY_TABLES = (("conversation_keys", "sealed"), ("event_keys", "sealed"))


@dataclass
class Recovery:
    """What the bytes gave up."""
    where: str
    sizes: dict[str, int]
    tokens: int = 0
    opened: list[str] = field(default_factory=list)
    keys_in_bytes: int = 0  # conversation keys that opened out of the bytes themselves
    plain: set[str] = field(default_factory=set)

    def found(self, words: Iterable[str]) -> list[str]:
        return sorted({w for w in words if w in self.plain or any(w in text for text in self.opened)})

    def summary(self) -> str:
        files = (", ".join(f"{name} {size} B" for name, size in sorted(self.sizes.items())) if len(self.sizes) < 8
                 else f"{sum(self.sizes.values())} B")
        return (f"{self.where}: read {len(self.sizes)} files ({files})\n"
                f"  {self.tokens} sealed values found, {len(self.opened)} opened, {self.tokens - len(self.opened)} "
                f"unopenable; {self.keys_in_bytes} conversation keys opened out of the bytes\n"
                f"  the deleted family's words readable: {self.found(DELETED) or 'none'}\n"
                f"  the other family's words readable (the control): {self.found(KEPT) or 'none'}")


def candidates(blob: bytes) -> dict[bytes, list[bytes]]:
    """Every place a Fernet token starts, with each token it could be: 57 + 16k bytes in padded base64 (version,
    time, IV, k cipher blocks, HMAC). Stored columns sit side by side, so the bytes after a token may be more
    base64 (the next token, a date's digits): every length that fits is a candidate."""
    found: dict[bytes, list[bytes]] = {}
    for start in START.finditer(blob):
        run = RUN.match(blob, start.start()).group(0)
        lengths = (4 * -(-(57 + 16 * k) // 3) for k in range(1, len(run) // 21 + 2))
        found[run] = [run[:length] for length in lengths if length <= len(run)]
    return found


def recover(where: str, blobs: Mapping[str, bytes], keys: Iterable[bytes]) -> Recovery:
    """Every Fernet token in the bytes, tried with every key, again and again while opened tokens turn out to
    be keys themselves (a conversation key wrapped by the data key)."""
    fernets = {key: Fernet(key) for key in keys}
    tokens = {run: options for blob in blobs.values() for run, options in candidates(blob).items()}
    found = Recovery(where, {name: len(blob) for name, blob in blobs.items()}, tokens=len(tokens))
    opened: dict[bytes, str] = {}
    progress = True
    while progress:
        progress = False
        for run in tokens.keys() - opened.keys():
            words = _open(tokens[run], fernets.values())
            if words is None:
                continue
            opened[run], progress = words, True
            if _is_key(words) and words.encode() not in fernets:
                fernets[words.encode()] = Fernet(words.encode())
                found.keys_in_bytes += 1
    found.opened = list(opened.values())
    found.plain = {word for word in DELETED + KEPT for blob in blobs.values() if word.encode() in blob}
    return found


def _open(options: list[bytes], fernets: Iterable[Fernet]) -> str | None:
    for fernet in list(fernets):
        for token in options:
            try:
                return fernet.decrypt(token).decode("utf-8", "replace")
            except InvalidToken:
                continue
    return None


def _is_key(words: str) -> bool:
    try:
        Fernet(words.encode())
    except (ValueError, TypeError):
        return False
    return True


def stored_keys(url: str, data: Sealer) -> list[bytes]:
    """Every conversation key the database still holds, opened with the data key."""
    engine = create_engine(url, future=True)
    try:
        tables = set(inspect(engine).get_table_names())
        with engine.connect() as db:
            return [data.open_text(sealed).encode() for table, column in KEY_TABLES if table in tables
                    for (sealed,) in db.execute(text(f"SELECT {column} FROM {table}"))]
    finally:
        engine.dispose()


# --- the family, through the real storage code --------------------------------------------------------


def _domain():
    from rasa.shared.core.domain import Domain

    custom = {"influence_conversation": False, "mappings": [{"type": "custom"}]}
    return Domain.from_dict({"intents": ["greet"], "slots": {"child_name": {"type": "text", **custom},
                                                             ERASE_SLOT: {"type": "bool", **custom}}})


async def family_then_delete(case_url: str, tracker_url: str, key: bytes) -> tuple:
    """Two families talk, get a letter, a reminder with texts still owed, and an SMS number stored; the first
    then deletes their data the way the assistant does it: the delete action deletes the case, and saving that
    turn erases the conversation. Returns what must stay open (the servers are still running)."""
    from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.serving.tracker_store import ErasableSQLTrackerStore

    domain, sealer = _domain(), Sealer([key])
    engine = make_engine(case_url, keys=[key])
    store = ErasableSQLTrackerStore(domain=domain, host=tracker_url, sealer=sealer)
    for sender, child, school, sentence, phone in (("parent", CHILD, SCHOOL, SENTENCE, PHONE),
                                                   ("other", OTHER_CHILD, OTHER_SCHOOL, OTHER_SENTENCE, OTHER_PHONE)):
        tracker = DialogueStateTracker.from_events(sender, [
            UserUttered(f"My child {child} goes to {school} and {sentence}", {"name": "greet", "confidence": 1.0},
                        timestamp=1.0),
            SlotSet("child_name", child, timestamp=1.0),
            BotUttered(f"Thank you. Is {child} in an IEP?", timestamp=2.0)], domain.slots)
        await store.save(tracker)
        tracker.update(UserUttered(f"Yes, {child} has had one since second grade.", {"name": "greet"}, timestamp=3.0))
        await store.save(tracker)  # a second turn, appended
        case = conversation_key(sender, SECRET)
        CaseStore(engine).touch(case, NOW)
        letter = LetterStore(engine).save(
            conversation_key=case, letter="records_request", language="en",
            details={"child_name": child, "school": school, "concern": sentence, "parent_contact": phone},
            text=f"Dear {school},\n\nPlease send {child}'s records.", letter_date=date(2026, 3, 2),
            respond_by=date(2026, 3, 16), now=NOW)
        reminder = CaseStore(engine).schedule(case, kind="follow_up", subject=f"letter:{letter.id}", due_at=NOW,
                                              address=sealer.seal({"conversation_id": sender, "channel": "sms"}),
                                              now=NOW)
        ReminderQueue(engine).deliver(reminder.id, case, NOW, [{"text": f"Has {school} answered about {child}?"}])
        SmsContacts(engine, sealer).arrive(case, phone, NOW)
    CaseStore(engine).delete(conversation_key("parent", SECRET))  # action_delete_data
    tracker = await store.retrieve("parent")
    tracker.update(SlotSet(ERASE_SLOT, True))
    await store.save(tracker)  # the same turn's save erases the conversation
    assert await store.retrieve("parent") is None and (await store.retrieve("other")) is not None
    return engine, store


# --- reading the disk ---------------------------------------------------------------------------------


def sqlite_files(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())
            if path.name.split("-")[0] in ("cases.db", "tracker.db")}


def postgres_files(url: str) -> dict[str, bytes]:
    """Every file of the database's directory, after a CHECKPOINT (the server's memory written out)."""
    from tests.services import PG_ADMIN

    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT", future=True)
    try:
        with admin.connect() as db:
            db.execute(text("CHECKPOINT"))
            data_directory = db.execute(text("SHOW data_directory")).scalar_one()
            oid = db.execute(text("SELECT oid FROM pg_database WHERE datname = :n"),
                             {"n": url.rsplit("/", 1)[1]}).scalar_one()
    finally:
        admin.dispose()
    directory = Path(data_directory) / "base" / str(oid)
    if not os.access(directory, os.R_OK):
        pytest.skip(f"this user cannot read PostgreSQL's data directory ({directory})")
    return {f"base/{oid}/{path.name}": path.read_bytes() for path in sorted(directory.iterdir()) if path.is_file()}


def _check(found: Recovery) -> None:
    print("\n" + found.summary())
    assert not found.plain & set(DELETED), f"in plain text on disk: {sorted(found.plain & set(DELETED))}"
    assert found.found(DELETED) == [], f"the deleted family's words open from the disk: {found.found(DELETED)}"
    assert found.found(KEPT) == sorted(KEPT), "the search opened nothing of the other family: it proves nothing"


# --- the tests ----------------------------------------------------------------------------------------


async def test_after_delete_nothing_of_the_family_opens_from_the_sqlite_files(tmp_path):
    key = Fernet.generate_key()
    case_url, tracker_url = f"sqlite:///{tmp_path / 'cases.db'}", f"sqlite:///{tmp_path / 'tracker.db'}"
    running = await family_then_delete(case_url, tracker_url, key)
    keys = [key] + stored_keys(case_url, Sealer([key])) + stored_keys(tracker_url, Sealer([key]))
    _check(recover("SQLite, after 'delete my data'", sqlite_files(tmp_path), keys))
    assert running


async def test_after_delete_nothing_of_the_family_opens_from_the_postgresql_files():
    from tests.services import postgres_database, require_services

    require_services()
    key = Fernet.generate_key()
    with postgres_database() as case_url, postgres_database() as tracker_url:
        engine, store = await family_then_delete(case_url, tracker_url, key)
        keys = [key] + stored_keys(case_url, Sealer([key])) + stored_keys(tracker_url, Sealer([key]))
        blobs = {f"cases:{name}": blob for name, blob in postgres_files(case_url).items()}
        blobs.update({f"tracker:{name}": blob for name, blob in postgres_files(tracker_url).items()})
        found = recover("PostgreSQL, after 'delete my data'", blobs, keys)
        found.sizes = {"cases: base/<oid>/*": sum(len(b) for n, b in blobs.items() if n.startswith("cases:")),
                       "tracker: base/<oid>/*": sum(len(b) for n, b in blobs.items() if n.startswith("tracker:"))}
        _check(found)
        assert found.tokens > len(found.opened), "the deleted rows were expected on disk (dead, unreadable)"
        engine.dispose()
        store.engine.dispose()


async def test_postgresql_wal_opens_the_deleted_family_only_until_that_data_key_is_retired():
    """The WAL (and so a WAL archive, a replica's stream, a base backup) keeps the wrapped key of a deleted
    conversation. It opens with the data key of that time, and with nothing once that key is retired:
    `rotate-keys` with a new key re-wraps only the keys still stored."""
    from tests.services import PG_ADMIN, postgres_database, require_services

    from bot.storage.resealing import rotate

    require_services()
    old, new = Fernet.generate_key(), Fernet.generate_key()
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as db:
        start = db.execute(text("SELECT pg_walfile_name(pg_current_wal_lsn())")).scalar_one()
        wal = Path(db.execute(text("SHOW data_directory")).scalar_one()) / "pg_wal"
    with postgres_database() as case_url, postgres_database() as tracker_url:
        engine, store = await family_then_delete(case_url, tracker_url, old)
        rotated, tracker = make_engine(case_url, keys=[new, old]), create_engine(tracker_url, future=True)
        rotate(rotated, tracker, Sealer([new, old]))
        with admin.connect() as db:
            db.execute(text("CHECKPOINT"))
            end = db.execute(text("SELECT pg_walfile_name(pg_current_wal_lsn())")).scalar_one()
        if not os.access(wal, os.R_OK):
            pytest.skip(f"this user cannot read PostgreSQL's WAL ({wal})")
        segments = {path.name: path.read_bytes() for path in sorted(wal.iterdir())
                    if re.fullmatch(r"[0-9A-F]{24}", path.name) and start <= path.name <= end}
        with_old = recover("PostgreSQL WAL, with the data key of the time", segments, [old])
        print("\n" + with_old.summary())
        if not with_old.found(DELETED):  # e.g. wal_compression on: the rows are not readable bytes in the WAL
            pytest.skip("this server's WAL shows none of the rows, so retiring the key proves nothing here")
        blobs = {**segments, **postgres_files(case_url), **postgres_files(tracker_url)}
        retired = recover("PostgreSQL WAL and files, once the old data key is retired", blobs, [new])
        _check(retired)
        for made in (engine, rotated, tracker, store.engine):
            made.dispose()
    admin.dispose()
