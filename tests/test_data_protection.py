"""Data protection on real SQLite files: what identifies a family is sealed at rest (letters,
reminders, SMS numbers, the conversation events) with the conversation's own key, values sealed before
those keys still open, key rotation, and the purge destroying keys. No mocks."""
from __future__ import annotations

import json
import time
from datetime import date, datetime, timedelta

import pytest
from alembic import command
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text

from bot.cases.reminders import ReminderQueue
from bot.cases.retention import purge
from bot.cases.store import CaseStore
from bot.cli import main as cli
from bot.letters.store import LetterStore, conversation_key
from bot.storage.contacts import SmsContacts
from bot.storage.keyring import EVENT_KEYS, Keyring
from bot.storage.resealing import rotate
from bot.storage.schema import _config, case_keyring, current_revision, make_engine
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
    assert current_revision(upgraded) == "0007" and NAME not in _raw(upgraded, "SELECT fields, text FROM letters")
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


def _tracker_store(url: str, keys: list[bytes]):
    from bot.serving.tracker_store import ErasableSQLTrackerStore

    return ErasableSQLTrackerStore(domain=_domain(), host=url, sealer=Sealer(keys))


def _domain():  # Rasa is imported only by the tests that need it
    from rasa.shared.core.domain import Domain

    return Domain.from_dict({"intents": ["greet"], "slots": {"parent_name": {
        "type": "text", "influence_conversation": False, "mappings": [{"type": "custom"}]}}})


def _said(sender: str, words: str, at: float = 1.0):
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    return DialogueStateTracker.from_events(sender, [UserUttered(words, {"name": "greet"}, timestamp=at)],
                                            _domain().slots)


def _opened(engine, key: str) -> dict[str, str]:
    """What the case database holds for the conversation, opened the way its stores open it."""
    with engine.connect() as db:
        opener = case_keyring(engine).for_reading(db, key)
        letter = db.execute(text("SELECT fields FROM letters WHERE conversation_key = :k"), {"k": key}).scalar_one()
        address = db.execute(text("SELECT address FROM reminders WHERE case_key = :k"), {"k": key}).scalar_one()
        number = db.execute(text("SELECT number FROM sms_contacts WHERE key = :k"), {"k": key}).scalar_one()
        return {"child": json.loads(opener.open_text(letter))["child_name"],
                "conversation": opener.open(address)["conversation_id"], "number": opener.open(number)["number"]}


def _family(engine, sealer: Sealer) -> None:
    made = _letter(LetterStore(engine))
    CaseStore(engine).touch(KEY, NOW)
    CaseStore(engine).schedule(KEY, kind="follow_up", subject=f"letter:{made.id}", due_at=NOW,
                               address=sealer.seal({"conversation_id": "parent-1", "channel": "rest"}), now=NOW)
    SmsContacts(engine, sealer).arrive(KEY, PHONE, NOW)


async def test_rotation_rewraps_the_conversation_keys_so_only_the_new_key_is_needed_and_a_second_run_changes_nothing(
        tmp_path, monkeypatch, capsys):
    old, new = Fernet.generate_key(), Fernet.generate_key()
    url, tracker_url = f"sqlite:///{tmp_path / 'cases.db'}", f"sqlite:///{tmp_path / 'tracker.db'}"
    engine = make_engine(url, keys=[old])
    _family(engine, Sealer([old]))
    await _tracker_store(tracker_url, [old]).save(_said("s", f"I am {NAME}"))  # sealed with the conversation's key
    _add_event(tracker_url, Sealer([old]).seal_text(json.dumps({"event": "user", "text": "sealed before keys"})))
    _add_event(tracker_url, json.dumps({"event": "user", "text": "stored before sealing"}))
    with engine.connect() as db:
        wrapped = db.execute(text("SELECT sealed FROM conversation_keys")).scalar_one()
    values_before = _raw(engine, "SELECT fields, text FROM letters") + _raw(engine, "SELECT address FROM reminders")

    both = make_engine(url, keys=[new, old])  # the new key first, the old one still there
    tracker = create_engine(tracker_url, future=True)
    reports = {r.where: r for r in rotate(both, tracker, Sealer([new, old]), batch=1)}  # one row per batch
    assert {w: (r.resealed, r.sealed, r.current) for w, r in reports.items()} == {
        "conversation_keys.sealed": (1, 0, 0), "letters.fields": (0, 0, 1), "letters.text": (0, 0, 1),
        "reminders.address": (0, 0, 1), "reminder_texts.replies": (0, 0, 0), "sms_contacts.number": (0, 0, 1),
        "event_keys.sealed": (1, 0, 0), "events.data": (1, 1, 1)}
    # Only the keys were rewritten: the values the conversation's key sealed are untouched.
    assert _raw(engine, "SELECT fields, text FROM letters") + _raw(engine, "SELECT address FROM reminders") \
        == values_before
    assert _raw(engine, "SELECT sealed FROM conversation_keys") != wrapped

    only_new = make_engine(url, keys=[new])
    assert LetterStore(only_new).get(1).details["parent_name"] == NAME
    assert _opened(only_new, KEY) == {"child": CHILD, "conversation": "parent-1", "number": PHONE}
    assert SmsContacts(only_new, Sealer([new])).get(KEY).number == PHONE
    [claim] = ReminderQueue(only_new).claim_due(NOW, timedelta(minutes=2))  # the worker opens it with the data key
    assert Sealer([new]).open(claim.reminder.address) == {"conversation_id": "parent-1", "channel": "rest"}
    stored = await _tracker_store(tracker_url, [new]).stored_events("s")
    assert [event["text"] for event in stored] == [f"I am {NAME}", "sealed before keys", "stored before sealing"]
    with tracker.connect() as db:
        raw = [data for (data,) in db.execute(text("SELECT data FROM events ORDER BY id"))]
    assert all(is_sealed(data) for data in raw)
    for data in raw:  # the data key alone opens none of them: each is under the conversation's key now
        with pytest.raises(SealError):
            Sealer([new, old]).open_text(data)

    # The command: the same, idempotent, with counts. Everything is current now.
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("TRACKER_STORE_URL", tracker_url)
    monkeypatch.setenv("IEP_DATA_KEYS", f"{new.decode()},{old.decode()}")
    assert cli(["case-db", "rotate-keys", "--batch", "2"]) == 0
    out = capsys.readouterr().out
    assert "conversation_keys.sealed: 0 re-sealed, 1 already current" in out
    assert "letters.fields: 0 re-sealed, 1 already current" in out
    assert "events.data: 0 re-sealed, 3 already current" in out
    assert "Re-sealed 0 values" in out and "older keys can be dropped" in out


async def test_values_sealed_with_the_data_key_before_conversation_keys_still_open_and_rotation_moves_them(tmp_path):
    key = Fernet.generate_key()
    data = Sealer([key])
    url, tracker_url = f"sqlite:///{tmp_path / 'cases.db'}", f"sqlite:///{tmp_path / 'tracker.db'}"
    engine = make_engine(url, keys=[key])
    _family(engine, data)
    with engine.begin() as db:  # back to how a server before conversation keys stored them: with the data key
        db.execute(text("UPDATE letters SET fields = :f, text = :t"), {
            "f": data.seal_text(json.dumps({"parent_name": NAME, "child_name": CHILD})), "t": data.seal_text("Dear")})
        db.execute(text("UPDATE reminders SET address = :a"),
                   {"a": data.seal({"conversation_id": "parent-1", "channel": "rest"})})
        db.execute(text("UPDATE sms_contacts SET number = :n"), {"n": data.seal({"number": PHONE})})
        db.execute(text("DELETE FROM conversation_keys"))
    _events_table(tracker_url)
    _add_event(tracker_url, data.seal_text(json.dumps({"event": "user", "text": f"I am {NAME}", "timestamp": 1})))

    # Every reader still opens them.
    assert LetterStore(engine).get(1).details["child_name"] == CHILD
    assert CaseStore(engine).get(KEY).letters[0].details["parent_name"] == NAME
    assert _opened(engine, KEY) == {"child": CHILD, "conversation": "parent-1", "number": PHONE}
    assert SmsContacts(engine, data).get(KEY).number == PHONE
    store = _tracker_store(tracker_url, [key])
    assert [event["text"] for event in await store.stored_events("s")] == [f"I am {NAME}"]
    await store.save(_said("s", f"I am {NAME}", 1.0))  # nothing new to store: no key is made for it
    with store.engine.connect() as db:
        assert db.execute(text("SELECT count(*) FROM event_keys")).scalar_one() == 0

    # Rotation (here with the same key) moves them under their conversation's key.
    reports = {r.where: r for r in rotate(engine, create_engine(tracker_url, future=True), data)}
    assert [reports[w].resealed for w in ("letters.fields", "letters.text", "reminders.address",
                                          "sms_contacts.number", "events.data")] == [1, 1, 1, 1, 1]
    assert _opened(engine, KEY) == {"child": CHILD, "conversation": "parent-1", "number": PHONE}
    assert [event["text"] for event in await _tracker_store(tracker_url, [key]).stored_events("s")] == [f"I am {NAME}"]
    with engine.connect() as db:
        letter = db.execute(text("SELECT fields FROM letters")).scalar_one()
    with pytest.raises(SealError):
        data.open_text(letter)
    CaseStore(engine).delete(KEY)
    with engine.connect() as db:  # once deleted, that copy opens with nothing the database holds
        with pytest.raises(SealError):
            case_keyring(engine).for_reading(db, KEY).open_text(letter)


async def test_the_retention_purge_destroys_the_keys_of_what_it_deletes_and_keeps_the_others(tmp_path):
    key = Fernet.generate_key()
    url, tracker_url = f"sqlite:///{tmp_path / 'cases.db'}", f"sqlite:///{tmp_path / 'tracker.db'}"
    engine = make_engine(url, keys=[key])
    stale, fresh = KEY, conversation_key("parent-2", b"secret")
    for who, age in ((stale, 120), (fresh, 5)):
        CaseStore(engine).touch(who, NOW - timedelta(days=age))
        _letter(LetterStore(engine), who)
    quiet = conversation_key("texted-once", b"secret")  # an SMS sender who never opened a case
    SmsContacts(engine, Sealer([key])).arrive(quiet, PHONE, NOW - timedelta(days=120))
    store = _tracker_store(tracker_url, [key])
    for sender, age in (("old", 120), ("new", 2)):
        await store.save(_said(sender, f"I am {NAME}", (NOW - timedelta(days=age)).timestamp()))
    with engine.connect() as db:
        letter = db.execute(text("SELECT fields FROM letters WHERE conversation_key = :k"), {"k": stale}).scalar_one()
    with store.engine.connect() as db:
        event = db.execute(text("SELECT data FROM events WHERE sender_id = 'old'")).scalar_one()

    report = purge(engine, create_engine(tracker_url, future=True), timedelta(days=90), NOW)
    assert report.cases == 1 and report.conversations == 1
    assert report.rows["conversation_keys"] == 1 and report.rows["sms_contacts"] == 1
    with engine.connect() as db:
        assert sorted(k for (k,) in db.execute(text("SELECT key FROM conversation_keys"))) == [fresh]
        with pytest.raises(SealError):
            case_keyring(engine).for_reading(db, stale).open_text(letter)
    with store.engine.connect() as db:
        assert [s for (s,) in db.execute(text("SELECT sender_id FROM event_keys"))] == ["new"]
        with pytest.raises(SealError):
            store.keys.for_reading(db, "old").open_text(event)
    assert LetterStore(engine).get(2).details["child_name"] == CHILD  # the other family keeps everything
    assert [e["text"] for e in await _tracker_store(tracker_url, [key]).stored_events("new")] == [f"I am {NAME}"]


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
    with tracker.connect() as db:
        stored = [data for (data,) in db.execute(text("SELECT data FROM events ORDER BY id"))]
        opener = Keyring(EVENT_KEYS, Sealer([key])).for_reading(db, "s")
    assert stored[1] == already and NAME not in stored[0] and opener.open_json(stored[0])["text"] == f"I am {NAME}"


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
