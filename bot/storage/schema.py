"""The case database's tables, its engine, and its migrations (Alembic, in bot/storage/migrations).

SQLAlchemy 1.4 written 2.0-style. Conversation ids are never stored: every row is keyed by a
keyed one-way hash of the id. Every column that names or reaches a person (a letter's details and
text, a reminder's address and the texts it still owes, an SMS number: `SEALED_COLUMNS`) is sealed
with its conversation's own key (`conversation_keys`, bot/storage/keyring.py), itself sealed with the data
keys (bot/storage/sealing.py), which travel with the engine `make_engine` returns (`sealer_of`).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    exists,
    inspect,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import declarative_base

from bot.ops.settings import Settings
from bot.storage.keyring import Keyring, secure_delete
from bot.storage.sealing import Sealer

Base = declarative_base()
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
FIRST_REVISION = "0001"  # the schema the letters issue created with create_all, before migrations
SEALER_OPTION = "iep_sealer"  # the engine's execution option that carries its Sealer


class StoreError(RuntimeError):
    """The case database cannot be used (unreachable, or at a schema this code does not know)."""


class CaseRow(Base):
    __tablename__ = "cases"
    key = Column(String(64), primary_key=True)  # keyed hash of the conversation id
    language = Column(String(8), nullable=False)
    state_code = Column(String(2))  # USPS code, only if the parent told us
    channel = Column(String(20))
    reminders_off = Column(Boolean, nullable=False, default=False)
    created_at = Column(DateTime, nullable=False)
    last_active_at = Column(DateTime, nullable=False, index=True)


class CaseSituationRow(Base):
    __tablename__ = "case_situations"
    case_key = Column(String(64), ForeignKey("cases.key", ondelete="CASCADE"), primary_key=True)
    situation = Column(String(40), primary_key=True)
    first_seen = Column(DateTime, nullable=False)


class LetterRow(Base):
    __tablename__ = "letters"
    id = Column(Integer, primary_key=True)
    conversation_key = Column(String(64), index=True)  # one-way hash; None for letters made in the CLI
    letter_type = Column(String(40), nullable=False)
    language = Column(String(8), nullable=False)
    fields = Column(Text, nullable=False)  # sealed JSON: the details exactly as the letter used them
    text = Column(Text, nullable=False)  # sealed: the rendered letter, exactly as the parent got it
    letter_date = Column(Date, nullable=False)
    respond_by = Column(Date, nullable=False)
    created_at = Column(DateTime, nullable=False)
    sent_on = Column(Date)
    answered_on = Column(Date)  # the parent told us the school answered


class DownloadTokenRow(Base):
    __tablename__ = "download_tokens"
    token_hash = Column(String(64), primary_key=True)  # only the hash is kept: a database leak gives no links
    letter_id = Column(Integer, ForeignKey("letters.id", ondelete="CASCADE"), nullable=False, index=True)
    created_at = Column(DateTime, nullable=False)
    expires_at = Column(DateTime, nullable=False)


class DeadlineRow(Base):
    __tablename__ = "deadlines"
    id = Column(Integer, primary_key=True)
    case_key = Column(String(64), ForeignKey("cases.key", ondelete="CASCADE"), nullable=False, index=True)
    rule = Column(String(40), nullable=False)
    kind = Column(String(30), nullable=False)
    start_on = Column(Date, nullable=False)
    due_on = Column(Date, nullable=False)
    state_code = Column(String(2))
    approximate = Column(Boolean, nullable=False, default=False)
    letter_id = Column(Integer)  # the letter that started the clock, if any
    created_at = Column(DateTime, nullable=False)
    __table_args__ = (UniqueConstraint("case_key", "rule", "start_on", name="uq_deadline_once"),)


class ReminderRow(Base):
    __tablename__ = "reminders"
    id = Column(Integer, primary_key=True)
    case_key = Column(String(64), ForeignKey("cases.key", ondelete="CASCADE"), nullable=False, index=True)
    kind = Column(String(20), nullable=False)  # "follow_up" or "deadline"
    subject = Column(String(60), nullable=False)  # what it is about, e.g. "letter:12" or "deadline:3"
    due_at = Column(DateTime, nullable=False, index=True)
    status = Column(String(12), nullable=False, default="pending")  # pending, delivered, cancelled, failed
    attempts = Column(Integer, nullable=False, default=0)
    claimed_until = Column(DateTime)  # a worker's lease: nobody else sends it before then
    delivered_at = Column(DateTime)
    address = Column(Text, nullable=False)  # sealed: where to reach the parent
    created_at = Column(DateTime, nullable=False)
    __table_args__ = (UniqueConstraint("case_key", "kind", "subject", name="uq_reminder_once"),)


class ReminderTextRow(Base):
    """An SMS reminder's outbox: what the worker must still text, written in the same transaction as the
    delivered mark, so a worker that dies before or while texting leaves it here for the next one."""
    __tablename__ = "reminder_texts"
    reminder_id = Column(Integer, ForeignKey("reminders.id", ondelete="CASCADE"), primary_key=True)
    replies = Column(Text)  # sealed JSON: the conversation id and the replies; None once closed
    status = Column(String(12), nullable=False, default="pending", index=True)  # pending, texted, unreachable, failed
    sent = Column(Integer, nullable=False, default=0)  # bodies Twilio accepted: a retry sends only the rest
    attempts = Column(Integer, nullable=False, default=0)
    claimed_until = Column(DateTime)  # a worker's lease: nobody else texts it before then
    created_at = Column(DateTime, nullable=False)
    texted_at = Column(DateTime)  # when it was closed (texted, nobody to text, or given up)


class SmsContactRow(Base):
    """An SMS sender. Keyed like a case; the number is sealed and kept only to reply and remind."""
    __tablename__ = "sms_contacts"
    key = Column(String(64), primary_key=True)  # keyed hash of the conversation id (itself a keyed hash)
    number = Column(Text)  # sealed; None once an opted-out sender's record is purged
    opted_out = Column(Boolean, nullable=False, default=False)  # STOP: we send nothing until START
    welcomed_at = Column(DateTime)  # when we first named the service and how to stop
    choices = Column(Text)  # JSON [[title, payload], ...]: what "1", "2" mean in the next reply
    language = Column(String(8))  # "en" or "es": how STOP, HELP and the choices are answered (None: not yet known)
    updated_at = Column(DateTime, nullable=False, index=True)


class SmsInboundRow(Base):
    """Each webhook's MessageSid, so a replayed or retried webhook is answered once."""
    __tablename__ = "sms_inbound"
    sid_hash = Column(String(64), primary_key=True)
    received_at = Column(DateTime, nullable=False, index=True)


class ConversationKeyRow(Base):
    """Each conversation's own key (bot/storage/keyring.py): deleting this row makes every copy of the
    conversation's sealed values unreadable, wherever the database left one."""
    __tablename__ = "conversation_keys"
    key = Column(String(64), primary_key=True)  # keyed hash of the conversation id, as in `cases`
    sealed = Column(Text, nullable=False)  # the conversation's Fernet key, sealed with the data keys
    created_at = Column(DateTime, nullable=False)


class JobRow(Base):
    __tablename__ = "jobs"
    name = Column(String(40), primary_key=True)  # e.g. "purge": runs at most once a day across workers
    last_run_at = Column(DateTime, nullable=False)


# (table, primary key, column) of every sealed value, for key rotation (bot/storage/resealing.py).
SEALED_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("letters", "id", "fields"), ("letters", "id", "text"), ("reminders", "id", "address"),
    ("reminder_texts", "reminder_id", "replies"), ("sms_contacts", "key", "number"))
# Whose key seals each table's values: the column naming the conversation, or (table, its key, the column
# naming the conversation, this table's column pointing at it) when another row names it.
SEALED_OWNERS: dict[str, str | tuple[str, str, str, str]] = {
    "letters": "conversation_key", "reminders": "case_key", "sms_contacts": "key",
    "reminder_texts": ("reminders", "id", "case_key", "reminder_id")}


def case_keyring(engine: Engine) -> Keyring:
    """The case database's conversation keys, wrapped with the engine's data keys."""
    return Keyring(ConversationKeyRow.__table__, sealer_of(engine))


def key_in_use() -> tuple:
    """True while some row still uses the conversation key: a purge keeps those (Keyring.destroy's `unless`)."""
    key = ConversationKeyRow.__table__.c.key
    return (exists().where(CaseRow.key == key), exists().where(LetterRow.conversation_key == key),
            exists().where(ReminderRow.case_key == key),
            exists().where(SmsContactRow.key == key, SmsContactRow.number.is_not(None)))


def make_engine(url: str, migrate: bool = True, keys: Sequence[bytes] | None = None) -> Engine:
    """An engine for `url`, brought up to the current schema unless `migrate` is False. It carries the
    Sealer for `keys` (default: IEP_DATA_KEYS or IEP_DATA_KEY_FILE), so every store on it seals alike."""
    if keys is None:
        keys = Settings.from_env().data_keys()
    # hide_parameters: even with SQL logging on, letter text and names never reach a log line.
    engine = create_engine(url, future=True, pool_pre_ping=True, hide_parameters=True,
                           execution_options={SEALER_OPTION: Sealer(keys)})
    if engine.dialect.name == "sqlite":
        if engine.url.database and engine.url.database != ":memory:":
            Path(engine.url.database).parent.mkdir(parents=True, exist_ok=True)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection, _record):  # cascades, concurrent readers, wait instead of failing on a lock
            cursor = connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()
            secure_delete(connection)  # a deleted row's bytes are zeroed, not left in the file
    if migrate:
        upgrade(engine)
    return engine


def sealer_of(engine: Engine) -> Sealer:
    """The Sealer the engine was made with (make_engine)."""
    sealer = engine.get_execution_options().get(SEALER_OPTION)
    if sealer is None:
        raise StoreError("this engine has no data keys: make it with bot.storage.schema.make_engine")
    return sealer


def _config(connection: Connection, sealer: Sealer) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    config.attributes["sealer"] = sealer  # data migrations seal existing rows with it
    return config


def upgrade(engine: Engine) -> None:
    """Brings the database to the newest schema; a no-op when it is already there."""
    try:
        with engine.begin() as connection:
            config = _config(connection, sealer_of(engine))
            tables = set(inspect(connection).get_table_names())
            if "letters" in tables and "alembic_version" not in tables:  # made by create_all before migrations
                command.stamp(config, FIRST_REVISION)
            command.upgrade(config, "head")
    except Exception as err:  # noqa: BLE001 - one clear line; the cause stays chained for the log
        raise StoreError(f"the case database (DATABASE_URL) cannot be opened or upgraded: {err.__class__.__name__}") from err


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def tracker_engine_from_env() -> Engine | None:
    """An engine on Rasa's tracker database (TRACKER_STORE_URL), for purges and key rotation; None if unset."""
    url = os.environ.get("TRACKER_STORE_URL")
    if not url:
        return None
    engine = create_engine(url, future=True, hide_parameters=True)
    if engine.dialect.name == "sqlite":  # the purge deletes through it: zero what it deletes
        event.listen(engine, "connect", secure_delete)
    return engine
