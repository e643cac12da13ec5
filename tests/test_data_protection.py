"""Data protection on real SQLite files: what identifies a family is sealed at rest (letters,
reminders, SMS numbers, the conversation events) and key rotation. No mocks."""
from __future__ import annotations

import json
import time
from datetime import date, datetime

import pytest
from alembic import command
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text

from bot.cases.store import CaseStore
from bot.cli import main as cli
from bot.letters.store import LetterStore, conversation_key
from bot.storage.contacts import SmsContacts
from bot.storage.resealing import rotate
from bot.storage.schema import _config, current_revision, make_engine
from bot.storage.sealing import Sealer, SealError, is_sealed

NOW = datetime(2026, 3, 2, 9, 30)
NAME, CHILD, SCHOOL, PHONE = "Zebulon Quillfeather", "Marisol Quillfeather", "Thistlewood Academy", "+15550134477"
KEY = conversation_key("parent-1", b"secret")


def _letter(store: LetterStore, key: str = KEY):
    return store.save(conversation_key=key, letter="records_request", language="en",
                      details={"parent_name": NAME, "child_name": CHILD, "school": SCHOOL, "parent_contact": PHONE},
                      text=f"Dear team,\n\nPlease let me see {CHILD}'s records.\n\n{NAME}, {PHONE}",
                      letter_date=date(2026, 3, 2), respond_by=date(2026, 3, 16), now=NOW)


def _raw(engine, sql: str) -> str:
    with engine.connect() as db:
        return " ".join(str(value) for row in db.execute(text(sql)) for value in row)


# --- sealing ------------------------------------------------------------------------------------------


def test_sealed_text_opens_only_with_a_key_it_was_sealed_with_and_rotation_moves_it_to_the_newest():
    old, new = Fernet.generate_key(), Fernet.generate_key()
    sealed = Sealer([old]).seal_text(f"{NAME} ✓")
    assert is_sealed(sealed) and NAME not in sealed
    both = Sealer([new, old])
    assert both.open_text(sealed) == f"{NAME} ✓" and not both.is_current(sealed)
    moved = both.reseal(sealed)
    assert both.is_current(moved) and Sealer([new]).open_text(moved) == f"{NAME} ✓"
    with pytest.raises(SealError):
        Sealer([new]).open_text(sealed)
    assert both.open_json('{"text": "plain, from before sealing"}') == {"text": "plain, from before sealing"}
    assert both.open_json(both.seal_text('{"a": 1}')) == {"a": 1}


def test_letters_are_sealed_at_rest_and_every_reader_opens_them(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'cases.db'}", keys=[Fernet.generate_key()])
    store = LetterStore(engine)
    made = _letter(store)
    token = store.issue_token(made.id, NOW, 30)
    raw = _raw(engine, "SELECT * FROM letters")
    assert not [word for word in (NAME, CHILD, SCHOOL, PHONE, "Quillfeather", "0134477") if word in raw]
    assert store.get(made.id).details["parent_name"] == NAME and PHONE in store.get(made.id).text
    assert store.by_token(token, NOW).letter.details["school"] == SCHOOL  # the link server's path
    CaseStore(engine).touch(KEY, NOW)  # `case show` and the welcome-back read the case's letters
    assert CaseStore(engine).get(KEY).letters[0].details["child_name"] == CHILD


def test_the_migration_seals_existing_letters_and_downgrading_opens_them(tmp_path):
    key = Fernet.generate_key()
    engine = make_engine(f"sqlite:///{tmp_path / 'cases.db'}", keys=[key])
    made = _letter(LetterStore(engine))
    with engine.begin() as connection:  # back to before sealing: the letter is plain again
        command.downgrade(_config(connection, Sealer([key])), "0003")
    assert NAME in _raw(engine, "SELECT fields, text FROM letters") and current_revision(engine) == "0003"
    upgraded = make_engine(str(engine.url), keys=[key])
    assert current_revision(upgraded) == "0005" and NAME not in _raw(upgraded, "SELECT fields, text FROM letters")
    assert LetterStore(upgraded).get(made.id).details["parent_name"] == NAME


# --- key rotation -------------------------------------------------------------------------------------


def _events_table(url: str) -> None:
    with create_engine(url, future=True).begin() as db:  # Rasa's SQL tracker store table
        db.execute(text("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255), type_name VARCHAR(255),"
                        " timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)"))


def _add_event(url: str, data: str) -> None:
    with create_engine(url, future=True).begin() as db:
        db.execute(text("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES ('s', 'user', 1, :d)"),
                   {"d": data})


def test_rotation_reseals_everything_so_only_the_new_key_is_needed_and_a_second_run_changes_nothing(tmp_path,
                                                                                                     monkeypatch,
                                                                                                     capsys):
    old, new = Fernet.generate_key(), Fernet.generate_key()
    url, tracker_url = f"sqlite:///{tmp_path / 'cases.db'}", f"sqlite:///{tmp_path / 'tracker.db'}"
    engine = make_engine(url, keys=[old])
    made = _letter(LetterStore(engine))
    CaseStore(engine).touch(KEY, NOW)
    CaseStore(engine).schedule(KEY, kind="follow_up", subject=f"letter:{made.id}", due_at=NOW,
                               address=Sealer([old]).seal({"conversation_id": "parent-1", "channel": "rest"}), now=NOW)
    SmsContacts(engine, Sealer([old])).arrive(KEY, PHONE, NOW)
    _events_table(tracker_url)
    _add_event(tracker_url, Sealer([old]).seal_text(json.dumps({"event": "user", "text": f"I am {NAME}"})))
    _add_event(tracker_url, json.dumps({"event": "user", "text": "stored before sealing"}))

    both = make_engine(url, keys=[new, old])  # the new key first, the old one still there
    tracker = create_engine(tracker_url, future=True)
    reports = {r.where: r for r in rotate(both, tracker, Sealer([new, old]), batch=1)}  # one row per batch
    assert {w: (r.resealed, r.sealed, r.current) for w, r in reports.items()} == {
        "letters.fields": (1, 0, 0), "letters.text": (1, 0, 0), "reminders.address": (1, 0, 0),
        "reminder_texts.replies": (0, 0, 0), "sms_contacts.number": (1, 0, 0), "events.data": (1, 1, 0)}

    only_new = make_engine(url, keys=[new])
    assert LetterStore(only_new).get(made.id).details["parent_name"] == NAME
    assert Sealer([new]).open(CaseStore(only_new).get(KEY).reminders[0].address)["conversation_id"] == "parent-1"
    assert SmsContacts(only_new, Sealer([new])).get(KEY).number == PHONE
    with tracker.connect() as db:
        stored = [data for (data,) in db.execute(text("SELECT data FROM events ORDER BY id"))]
    assert all(is_sealed(data) for data in stored)
    assert [Sealer([new]).open_json(data)["text"] for data in stored] == [f"I am {NAME}", "stored before sealing"]

    # The command: the same, idempotent, with counts. Everything is current now.
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("TRACKER_STORE_URL", tracker_url)
    monkeypatch.setenv("IEP_DATA_KEYS", f"{new.decode()},{old.decode()}")
    assert cli(["case-db", "rotate-keys", "--batch", "2"]) == 0
    out = capsys.readouterr().out
    assert "letters.fields: 0 re-sealed, 1 already current" in out and "events.data: 0 re-sealed, 2 already current" in out
    assert "Re-sealed 0 values" in out and "older keys can be dropped" in out


def test_rotation_reports_values_no_key_opens_and_fails(tmp_path, monkeypatch, capsys):
    lost, new = Fernet.generate_key(), Fernet.generate_key()
    url = f"sqlite:///{tmp_path / 'cases.db'}"
    _letter(LetterStore(make_engine(url, keys=[lost])))
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("TRACKER_STORE_URL", raising=False)
    monkeypatch.setenv("IEP_DATA_KEYS", new.decode())
    assert cli(["case-db", "rotate-keys"]) == 1
    captured = capsys.readouterr()
    assert "letters.fields: 0 re-sealed, 0 already current, 1 unreadable" in captured.out
    assert "keep the older keys" in captured.err


def test_upgrade_seals_conversation_events_stored_before_sealing(tmp_path, monkeypatch, capsys):
    key = Fernet.generate_key()
    tracker_url = f"sqlite:///{tmp_path / 'tracker.db'}"
    _events_table(tracker_url)
    _add_event(tracker_url, json.dumps({"event": "user", "text": f"I am {NAME}"}))
    already = Sealer([key]).seal_text(json.dumps({"event": "bot", "text": "hello"}))
    _add_event(tracker_url, already)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cases.db'}")
    monkeypatch.setenv("TRACKER_STORE_URL", tracker_url)
    monkeypatch.setenv("IEP_DATA_KEYS", key.decode())
    assert cli(["case-db", "upgrade"]) == 0
    assert "sealed 1 conversation events stored before sealing" in capsys.readouterr().out
    tracker = create_engine(tracker_url, future=True)
    stored = [data for (data,) in tracker.connect().execute(text("SELECT data FROM events ORDER BY id"))]
    assert stored[1] == already and NAME not in stored[0] and Sealer([key]).open_json(stored[0])["text"] == f"I am {NAME}"


# --- the tracker store --------------------------------------------------------------------------------


async def test_the_tracker_store_seals_event_data_and_reads_it_back_everywhere(tmp_path):
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.serving.tracker_store import ErasableSQLTrackerStore

    domain = Domain.from_dict({"intents": ["greet"], "slots": {"parent_name": {
        "type": "text", "influence_conversation": False, "mappings": [{"type": "custom"}]}}})
    sealer = Sealer([Fernet.generate_key()])
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    store = ErasableSQLTrackerStore(domain=domain, host=url, sealer=sealer)
    tracker = DialogueStateTracker.from_events("s1", [
        UserUttered(f"I am {NAME}, text me at (555) 013-4477", {"name": "greet", "confidence": 1.0}),
        SlotSet("parent_name", NAME), BotUttered("Thanks!")], domain.slots)
    await store.save(tracker)
    raw = _raw(store.engine, "SELECT * FROM events")
    assert "Quillfeather" not in raw and "013-4477" not in raw and "greet" in raw  # kinds stay queryable

    again = await store.retrieve("s1")
    assert again.get_slot("parent_name") == NAME and again.latest_message.text.startswith(f"I am {NAME}")
    assert [e["text"] for e in await store.stored_events("s1", ("user", "bot"))] == [tracker.latest_message.text,
                                                                                       "Thanks!"]
    again.update(BotUttered("One more."))
    await store.save(again)  # appends only the new event, sealed
    assert len((await store.retrieve_full_tracker("s1")).events) == 4
    with store.engine.begin() as db:  # a row an older server wrote in plain text still reads
        db.execute(text("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES ('s1', 'bot', :t, :d)"),
                   {"t": time.time(), "d": json.dumps(BotUttered("plain").as_dict())})
    assert [e["text"] for e in await store.stored_events("s1", ("bot",))][-1] == "plain"
    assert store.erase("s1") == 5 and await store.retrieve("s1") is None
