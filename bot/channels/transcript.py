"""What a parent sees of a conversation, read from the conversation's events (plain dicts, as Rasa stores them).

The web channel answers a turn and a reloaded page from the same function, so a reply looks the
same the first time and after a reload. Internal wake-ups and payloads with no title are not shown.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Iterable, Mapping

SHOWN_EVENTS = ("user", "bot")  # the only events `read` looks at: a store may leave out the rest
EXTERNAL_PREFIX = "EXTERNAL: "  # how Rasa writes an intent triggered from outside (a reminder wake-up)


@dataclass(frozen=True)
class Letter:
    subject: str
    text: str
    docx: str
    pdf: str
    language: str = "en"
    copy: bool = False  # a parent's translation of the letter just before it (the English one is sent)


@dataclass(frozen=True)
class Message:
    index: int
    sender: str  # "parent" or "bot"
    text: str
    buttons: tuple[Mapping[str, str], ...] = field(default=())
    letter: Letter | None = None

    def as_json(self) -> dict:
        shown = asdict(self)
        shown["from"] = shown.pop("sender")
        shown["buttons"] = [dict(b) for b in self.buttons]
        return shown


@dataclass(frozen=True)
class Transcript:
    messages: list[Message]
    turns: Mapping[str, int]  # a parent's message_id -> index of the first message of that turn
    language: str | None = None  # the conversation's language now: the last one a message set (None: never set)

    def since(self, message_id: str) -> list[Message]:
        """The turn that began with this message (shown or not, like a button with no title), and anything since."""
        start = self.turns.get(message_id)
        return self.messages[start:] if start is not None else []


def read(events: Iterable[Mapping]) -> Transcript:
    """The displayable messages of a conversation, numbered from 0."""
    shown: list[Message] = []
    turns: dict[str, int] = {}
    titles: dict[str, str] = {}  # payload -> title of the latest buttons offered
    language = None
    for event in events:
        kind = event.get("event")
        if kind == "user":
            language = _language_set(event) or language
            if event.get("message_id"):
                turns[event["message_id"]] = len(shown)
            text = _parent_text(event, titles)
            if text:
                shown.append(Message(len(shown), "parent", text))
        elif kind == "bot":
            message = _bot_message(event, len(shown))
            if message:
                titles = {b["payload"]: b["title"] for b in message.buttons} or titles
                shown.append(message)
    return Transcript(shown, turns, language)


def _language_set(event: Mapping) -> str | None:
    """The language a parent's message set: its `language` entity, which fills the sticky slot (domain/core.yml)."""
    for entity in (event.get("parse_data") or {}).get("entities") or ():
        if entity.get("entity") == "language" and entity.get("value") in ("en", "es"):
            return str(entity["value"])
    return None


def replies(sent: Iterable[Mapping]) -> list[Message]:
    """A turn's replies as the channel collected them: for a turn whose events are gone, because in it
    the parent asked us to delete the conversation."""
    made = (_bot_message({"text": r.get("text"), "data": {"buttons": r.get("buttons"), "custom": r.get("custom")}},
                         index) for index, r in enumerate(sent))
    return [message for message in made if message]


def _parent_text(event: Mapping, titles: Mapping[str, str]) -> str:
    text = (event.get("text") or "").strip()
    if text.startswith(EXTERNAL_PREFIX):
        return ""
    title = ((event.get("metadata") or {}).get("title") or "").strip()
    if title:
        return title
    if text.startswith("/"):  # a button press: show what the button said, never the payload
        return titles.get(text, "")
    return text


def _bot_message(event: Mapping, index: int) -> Message | None:
    data = event.get("data") or {}
    buttons = tuple({"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
                    for b in data.get("buttons") or () if b.get("payload"))
    custom = data.get("custom") or {}
    letter = None
    if isinstance(custom, Mapping) and isinstance(custom.get("letter"), Mapping):
        raw = custom["letter"]
        letter = Letter(*(str(raw.get(k) or "") for k in ("subject", "text", "docx", "pdf")),
                        language=str(raw.get("language") or "en"), copy=bool(raw.get("copy")))
    text = event.get("text") or ""
    if not (text or buttons or letter):
        return None
    return Message(index, "bot", text, buttons, letter)
