"""Letters in the case database: an audit copy of every letter made, and the download tokens that point at it.
A letter's details and text name the parent, the child and the school, so both are stored sealed, with the
conversation's own key (bot/storage/keyring.py; a letter made in the CLI, with no conversation, with the data keys).

SQLAlchemy 1.4 written 2.0-style (future engine, `select()`, one short session per call). Calls
block, so async code runs them in a worker thread (`asyncio.to_thread`).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Mapping

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

# The tables and the engine live in bot.storage.schema; re-exported here for the letter code and its tests.
from bot.storage.keyring import ConversationSealer
from bot.storage.schema import DownloadTokenRow, LetterRow, case_keyring, make_engine, sealer_of  # noqa: F401
from bot.storage.sealing import Sealer


@dataclass(frozen=True)
class StoredLetter:
    id: int
    conversation_key: str | None
    letter: str
    language: str
    details: Mapping[str, str]
    text: str
    letter_date: date
    respond_by: date
    created_at: datetime
    sent_on: date | None
    answered_on: date | None = None


@dataclass(frozen=True)
class TokenLookup:
    status: str  # "ok", "expired" or "unknown"
    letter: StoredLetter | None = None


def conversation_key(conversation_id: str, secret: bytes) -> str:
    """A stable, non-reversible key for a conversation id (a phone number must never be stored)."""
    return hmac.new(secret, conversation_id.encode("utf-8"), hashlib.sha256).hexdigest()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class LetterStore:
    def __init__(self, engine: Engine, sealer: Sealer | None = None):
        self.engine = engine
        self.sealer = sealer or sealer_of(engine)  # opens letters sealed before conversation keys
        self.keys = case_keyring(engine)

    def save(self, *, conversation_key: str | None, letter: str, language: str, details: Mapping[str, str],
             text: str, letter_date: date, respond_by: date, now: datetime) -> StoredLetter:
        with Session(self.engine) as session, session.begin():
            sealer = self.keys.for_writing(session.connection(), conversation_key, now, legacy=self.sealer)
            row = LetterRow(conversation_key=conversation_key, letter_type=letter, language=language,
                            fields=sealer.seal_text(json.dumps(dict(details), ensure_ascii=False, sort_keys=True)),
                            text=sealer.seal_text(text),
                            letter_date=letter_date, respond_by=respond_by, created_at=now)
            session.add(row)
            session.flush()
            return _stored(row, sealer)

    def issue_token(self, letter_id: int, now: datetime, days: int) -> str:
        token = secrets.token_urlsafe(32)
        with Session(self.engine) as session, session.begin():
            session.add(DownloadTokenRow(token_hash=_token_hash(token), letter_id=letter_id, created_at=now,
                                         expires_at=now + timedelta(days=days)))
        return token

    def by_token(self, token: str, now: datetime) -> TokenLookup:
        if not token or len(token) > 100:
            return TokenLookup("unknown")
        with Session(self.engine) as session:
            found = session.execute(
                select(DownloadTokenRow, LetterRow).join(LetterRow, LetterRow.id == DownloadTokenRow.letter_id)
                .where(DownloadTokenRow.token_hash == _token_hash(token))
            ).first()
            if found is None:
                return TokenLookup("unknown")
            token_row, letter_row = found
            if token_row.expires_at <= now:
                return TokenLookup("expired")
            return TokenLookup("ok", _stored(letter_row, self.opener(session, letter_row.conversation_key)))

    def get(self, letter_id: int) -> StoredLetter | None:
        with Session(self.engine) as session:
            row = session.get(LetterRow, letter_id)
            return _stored(row, self.opener(session, row.conversation_key)) if row else None

    def mark_sent(self, letter_id: int, sent_on: date) -> StoredLetter | None:
        with Session(self.engine) as session, session.begin():
            row = session.get(LetterRow, letter_id)
            if row is None:
                return None
            row.sent_on = sent_on
            return _stored(row, self.opener(session, row.conversation_key))

    def opener(self, session: Session, conversation_key: str | None) -> ConversationSealer:
        """Opens the letters of this conversation (with its key; those sealed before, with the data keys)."""
        return self.keys.for_reading(session.connection(), conversation_key, legacy=self.sealer)


def _stored(row: LetterRow, sealer: Sealer | ConversationSealer) -> StoredLetter:
    return StoredLetter(id=row.id, conversation_key=row.conversation_key, letter=row.letter_type, language=row.language,
                        details=json.loads(sealer.open_text(row.fields)), text=sealer.open_text(row.text),
                        letter_date=row.letter_date,
                        respond_by=row.respond_by, created_at=row.created_at, sent_on=row.sent_on,
                        answered_on=row.answered_on)
