"""SMS senders: the sealed number we reply to, STOP and START, the numbered choices of the last reply,
and the webhooks already answered. Keyed like cases (a keyed hash); the number is sealed with the
conversation's own key (bot/storage/keyring.py), which deleting the case destroys."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.storage.keyring import Keyring
from bot.storage.schema import SmsContactRow, SmsInboundRow, case_keyring, key_in_use
from bot.storage.sealing import Sealer


@dataclass(frozen=True)
class Contact:
    key: str
    number: str | None
    opted_out: bool
    welcomed: bool
    choices: tuple[tuple[str, str], ...]  # (title, payload) for "1", "2", ...
    language: str | None = None  # "en" or "es" once known


class SmsContacts:
    def __init__(self, engine: Engine, sealer: Sealer):
        self.engine = engine
        self.sealer = sealer  # opens numbers sealed before conversation keys
        self.keys = case_keyring(engine)  # the conversation keys, wrapped with the engine's data keys

    def first_time(self, message_sid: str, now: datetime) -> bool:
        """True once per MessageSid: a replayed or retried webhook is recognised and not answered again."""
        digest = hashlib.sha256(message_sid.encode("utf-8")).hexdigest()
        try:
            with Session(self.engine) as session, session.begin():
                session.add(SmsInboundRow(sid_hash=digest, received_at=now))
        except IntegrityError:
            return False
        return True

    def arrive(self, key: str, number: str, now: datetime) -> Contact:
        """The sender's record, made on first contact; the sealed number is refreshed (it may have rotated keys)."""
        with Session(self.engine) as session, session.begin():
            sealed = self.keys.for_writing(session.connection(), key, now, legacy=self.sealer).seal({"number": number})
            row = session.get(SmsContactRow, key)
            if row is None:
                row = SmsContactRow(key=key, opted_out=False, updated_at=now)
                session.add(row)
            row.number, row.updated_at = sealed, now
            return _contact(row, number)

    def get(self, key: str) -> Contact | None:
        with Session(self.engine) as session:
            row = session.get(SmsContactRow, key)
            if row is None:
                return None
            opener = self.keys.for_reading(session.connection(), key, legacy=self.sealer)
            number = opener.open(row.number)["number"] if row.number else None
            return _contact(row, number)

    def set_opted_out(self, key: str, opted_out: bool, now: datetime) -> bool:
        """Records STOP or START; True if that changed anything (STOP is confirmed only once)."""
        with Session(self.engine) as session, session.begin():
            changed = session.execute(update(SmsContactRow).where(
                SmsContactRow.key == key, SmsContactRow.opted_out.is_(not opted_out)).values(
                opted_out=opted_out, choices=None, updated_at=now)).rowcount
        return bool(changed)

    def after_reply(self, key: str, choices: list[tuple[str, str]], now: datetime, language: str | None = None) -> None:
        """Notes the choices just offered, the language they were offered in, and that the sender has been welcomed.
        Never re-creates a deleted record."""
        with Session(self.engine) as session, session.begin():
            row = session.get(SmsContactRow, key)
            if row is None or row.number is None:  # the parent deleted their data in this turn
                return
            row.choices = json.dumps(choices) if choices else None
            row.language = language or row.language
            row.welcomed_at = row.welcomed_at or now
            row.updated_at = now


def purge_contacts(engine: Engine, cutoff: datetime, keys: Keyring | None = None) -> int:
    """Forgets senders quiet since `cutoff` and the webhook ids seen before it, and their conversations' keys
    when nothing else uses them. An opted-out sender's STOP stays (keyed by the hash, without the number), so
    a purge never makes us text them again."""
    keys = keys or case_keyring(engine)
    with Session(engine) as session, session.begin():
        session.execute(delete(SmsInboundRow).where(SmsInboundRow.received_at < cutoff))
        quiet = list(session.scalars(select(SmsContactRow.key).where(SmsContactRow.updated_at < cutoff)))
        keys.hold(session.connection(), quiet)
        gone = session.execute(delete(SmsContactRow).where(
            SmsContactRow.updated_at < cutoff, SmsContactRow.opted_out.is_(False))).rowcount
        session.execute(update(SmsContactRow).where(SmsContactRow.updated_at < cutoff).values(
            number=None, choices=None))
        keys.destroy(session.connection(), quiet, *key_in_use())
    return gone


def _contact(row: SmsContactRow, number: str | None) -> Contact:
    choices = tuple((str(t), str(p)) for t, p in json.loads(row.choices)) if row.choices else ()
    return Contact(row.key, number, bool(row.opted_out), row.welcomed_at is not None, choices, row.language)
