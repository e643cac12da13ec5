"""Makes a letter end to end (render, store the audit copy, issue a download link) and serves its files.

Everything here blocks (templates, WeasyPrint, the database): async callers use `asyncio.to_thread`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from bot.knowledge import Knowledge
from bot.letters.bilingual import LetterSet, draft
from bot.letters.drafting import LetterRequest, LetterWriter
from bot.letters.files import MEDIA_TYPES, SUFFIXES, LetterFiles
from bot.letters.flow import Links
from bot.letters.store import LetterStore, StoredLetter, conversation_key, make_engine
from bot.ops.settings import Settings


@dataclass(frozen=True)
class MadeLetter:
    stored: StoredLetter
    rendered: LetterSet  # the letter sent, and the parent's copy when they speak Spanish
    links: Links


@dataclass(frozen=True)
class LetterFile:
    status: str  # "ok", "expired", "unknown" or "bad_format"
    body: bytes = b""
    media_type: str = ""
    filename: str = ""


class LetterService:
    def __init__(self, knowledge: Knowledge, settings: Settings, engine: Engine | None = None):
        self.settings = settings
        self.writer = LetterWriter(knowledge)
        self.files = LetterFiles()
        self.store = LetterStore(engine or make_engine(settings.database_url))
        self._secret = settings.id_secret()  # read once at start-up, not on every letter

    def key(self, conversation_id: str | None) -> str | None:
        return conversation_key(conversation_id, self._secret) if conversation_id else None

    def make(self, request: LetterRequest, conversation_id: str | None, now: datetime) -> MadeLetter:
        rendered = draft(self.writer, request)
        stored = self.store.save(conversation_key=self.key(conversation_id), letter=request.letter,
                                 language=request.language, details=request.details, text=rendered.text,
                                 letter_date=request.letter_date, respond_by=request.respond_by, now=now)
        token = self.store.issue_token(stored.id, now, self.settings.link_days)
        base = f"{self.settings.link_base_url}/letters/{token}"
        expires = (now + timedelta(days=self.settings.link_days)).date()
        return MadeLetter(stored, rendered, Links(docx=f"{base}/letter.docx", pdf=f"{base}/letter.pdf", expires=expires))

    def file(self, token: str, fmt: str, now: datetime) -> LetterFile:
        if fmt not in MEDIA_TYPES:
            return LetterFile("bad_format")
        found = self.store.by_token(token, now)
        if found.letter is None:
            return LetterFile(found.status)
        letter = stored_as_rendered(found.letter)
        author = found.letter.details.get("parent_name", "")
        filename = f"{letter.letter}-{found.letter.letter_date.isoformat()}.{SUFFIXES[fmt]}"
        return LetterFile("ok", self.files.render(letter, fmt, author), MEDIA_TYPES[fmt], filename)


def stored_as_rendered(stored: StoredLetter) -> LetterSet:
    """The files come from the stored text itself (both letters, as generated), so a download always matches
    what the parent was shown."""
    return LetterSet.from_text(stored.letter, stored.language, stored.text)
