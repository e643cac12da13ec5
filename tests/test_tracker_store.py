"""The tracker store reads what Rasa's own SQL store would read, opens each sealed event about once, and
forgets the opened words and the key of an erased conversation at once."""
from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from sqlalchemy import text

from bot.serving.tracker_store import ErasableSQLTrackerStore
from bot.storage.keyring import ConversationSealer
from bot.storage.opened_events import OpenedEvents
from bot.storage.sealing import Sealer, SealError

DOMAIN = Domain.from_dict({"intents": ["greet"], "slots": {"parent_name": {
    "type": "text", "influence_conversation": False, "mappings": [{"type": "custom"}]}}})


class CountingSealer(Sealer):
    def __init__(self, keys: list[bytes]) -> None:
        super().__init__(keys)
        self.opened = 0

    def open_text(self, sealed: str) -> str:
        self.opened += 1
        return super().open_text(sealed)


def _session(start: float, words: str) -> list:
    return [ActionExecuted("action_session_start", timestamp=start), SessionStarted(timestamp=start),
            ActionExecuted("action_listen", timestamp=start), UserUttered(words, {"name": "greet"}, timestamp=start + 1),
            SlotSet("parent_name", words, timestamp=start + 1), BotUttered(f"Hello {words}", timestamp=start + 2)]


@pytest.fixture
def url(tmp_path):
    return f"sqlite:///{tmp_path / 'tracker.db'}"


def _store(url: str, sealer: Sealer | None = None) -> ErasableSQLTrackerStore:
    return ErasableSQLTrackerStore(domain=DOMAIN, host=url, sealer=sealer or Sealer([KEY]))


KEY = Fernet.generate_key()


async def test_it_reads_the_events_rasas_own_query_selects(url):
    store = _store(url)
    tracker = DialogueStateTracker.from_events("s1", _session(100.0, "first") + _session(200.0, "second"), DOMAIN.slots)
    await store.save(tracker)
    await store.save(DialogueStateTracker.from_events("other", _session(150.0, "someone else"), DOMAIN.slots))
    for all_sessions in (False, True):
        with store.session_scope() as session:  # Rasa's query, on the same rows
            ids = [row.id for row in SQLTrackerStore._event_query(store, session, "s1", all_sessions)]
        assert len(ids) == (12 if all_sessions else 6)
        read = store._event_dicts("s1", all_sessions)
        assert [e["timestamp"] for e in read] == [e.timestamp for e in tracker.events][-len(ids):]
    latest = await store.retrieve("s1")
    assert latest.get_slot("parent_name") == "second" and len(latest.events) == 6
    assert len((await store.retrieve_full_tracker("s1")).events) == 12
    assert [e["text"] for e in await store.stored_events("s1", ("user", "bot"))] == [
        "first", "Hello first", "second", "Hello second"]
    assert await store.holds("s1") and not await store.holds("nobody")


async def test_each_event_is_opened_about_once_and_a_new_server_opens_what_it_reads(url, monkeypatch):
    events_opened = []
    opens = ConversationSealer.open_text
    monkeypatch.setattr(ConversationSealer, "open_text",
                        lambda self, sealed: events_opened.append(1) or opens(self, sealed))
    writer_sealer = CountingSealer([KEY])  # counts what the data keys open: the conversation's key
    writer = _store(url, writer_sealer)
    tracker = DialogueStateTracker.from_events("s1", _session(100.0, "Ana"), DOMAIN.slots)
    await writer.save(tracker)
    for _ in range(3):
        again = await writer.retrieve("s1")
        again.update(BotUttered("more", timestamp=300.0))
        await writer.save(again)
        await writer.stored_events("s1", ("user", "bot"))
    assert events_opened == [] and writer_sealer.opened == 0  # it sealed them and made the key: nothing to open
    reader_sealer = CountingSealer([KEY])
    reader = _store(url, reader_sealer)  # another Rasa server on the same database
    for _ in range(3):
        assert (await reader.retrieve("s1")).get_slot("parent_name") == "Ana"
    assert len(events_opened) == 9 and reader_sealer.opened == 1  # each event once; the key once, then kept


async def test_erasing_a_conversation_forgets_its_opened_words_and_destroys_its_key(url):
    store = _store(url)
    await store.save(DialogueStateTracker.from_events("s1", _session(100.0, "Ana"), DOMAIN.slots))
    await store.save(DialogueStateTracker.from_events("s2", _session(100.0, "Bea"), DOMAIN.slots))
    assert len(store.opened) == 12 and len(store.keys) == 2
    with store.engine.connect() as db:
        sealed = [data for (data,) in db.execute(text("SELECT data FROM events WHERE sender_id = 's1'"))]
        assert store.keys.for_reading(db, "s1").has_key
    assert store.erase("s1") == 6
    assert len(store.opened) == 6 and len(store.keys) == 1 and await store.retrieve("s1") is None
    with store.engine.connect() as db:
        assert db.execute(text("SELECT count(*) FROM event_keys WHERE sender_id = 's1'")).scalar_one() == 0
        gone = store.keys.for_reading(db, "s1")
    with pytest.raises(SealError):  # a copy of the events found anywhere no longer opens
        gone.open_text(sealed[0])
    assert (await store.retrieve("s2")).get_slot("parent_name") == "Bea"
    await store.save(DialogueStateTracker.from_events("s1", _session(500.0, "Ana again"), DOMAIN.slots))
    assert (await store.retrieve("s1")).get_slot("parent_name") == "Ana again"  # a new key for a new start


def test_opened_events_keep_within_their_limit_dropping_the_least_recently_used():
    opened = OpenedEvents(limit_chars=30)
    calls: list[str] = []

    def opener(sealed: str) -> str:
        calls.append(sealed)
        return sealed.upper()

    assert opened.open("aaaaa", opener) == "AAAAA" and opened.open("aaaaa", opener) == "AAAAA"
    assert calls == ["aaaaa"]
    opened.open("bbbbb", opener)
    opened.open("aaaaa", opener)  # used again: now the newest
    opened.open("ccccc", opener)  # 3 x 10 chars: still within
    opened.open("ddddd", opener)  # over: the least recently used (bbbbb) goes
    assert len(opened) == 3
    opened.open("bbbbb", opener)  # opened again; aaaaa goes now
    assert calls == ["aaaaa", "bbbbb", "ccccc", "ddddd", "bbbbb"]
    opened.remember("x" * 40, "too big to keep")
    assert len(opened) == 3
    opened.forget(["ccccc", "never seen"])
    assert len(opened) == 2
    opened.open("ddddd", opener)
    opened.open("ccccc", opener)
    assert calls[-1] == "ccccc" and calls.count("ddddd") == 1
