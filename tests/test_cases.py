"""Case memory on a real SQLite file: migrations, the case, the reminder queue's exactly-once marks,
deleting a conversation, retention and the `case` CLI. No mocks."""
from __future__ import annotations

import sqlite3
import threading
from datetime import date, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from bot.cases.reminders import MAX_ATTEMPTS, ReminderQueue
from bot.cases.retention import claim_job, parse_age, purge, purge_tracker
from bot.cases.store import CASE_TABLES, CaseStore
from bot.cli import main as cli
from bot.letters.store import LetterStore, conversation_key
from bot.storage.contacts import SmsContacts
from bot.storage.schema import Base, current_revision, make_engine, sealer_of
from bot.storage.sealing import Sealer, SealError

NOW = datetime(2026, 3, 2, 9, 30)
KEY = conversation_key("parent-1", b"secret")
OTHER = conversation_key("parent-2", b"secret")


@pytest.fixture
def engine(tmp_path):
    return make_engine(f"sqlite:///{tmp_path / 'cases.db'}")


@pytest.fixture
def sealer(engine):
    return sealer_of(engine)  # the data keys, as the actions seal an address with them


def _letter(engine, key, sent_on=date(2026, 3, 2), letter="meeting_request"):
    store = LetterStore(engine)
    dated = sent_on or date(2026, 3, 2)
    stored = store.save(conversation_key=key, letter=letter, language="en",
                        details={"child_name": "Sam Rivera", "meeting_reason": "lack_of_progress"},
                        text="Dear team,\n\nPlease meet.", letter_date=dated, respond_by=dated + timedelta(days=14),
                        now=NOW)
    store.issue_token(stored.id, NOW, 30)
    return store.mark_sent(stored.id, sent_on) if sent_on else stored


def test_migrations_build_exactly_the_models(engine):
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    assert current_revision(engine) == "0007"


def test_a_database_made_before_migrations_is_upgraded_without_losing_letters(tmp_path):
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:  # the letters issue's schema, made by create_all
        db.executescript("""
            CREATE TABLE letters (id INTEGER PRIMARY KEY, conversation_key VARCHAR(64), letter_type VARCHAR(40) NOT NULL,
              language VARCHAR(8) NOT NULL, fields TEXT NOT NULL, text TEXT NOT NULL, letter_date DATE NOT NULL,
              respond_by DATE NOT NULL, created_at DATETIME NOT NULL, sent_on DATE);
            CREATE TABLE download_tokens (token_hash VARCHAR(64) PRIMARY KEY, letter_id INTEGER NOT NULL
              REFERENCES letters(id) ON DELETE CASCADE, created_at DATETIME NOT NULL, expires_at DATETIME NOT NULL);
            INSERT INTO letters VALUES (1, 'k', 'follow_up', 'en', '{}', 'Hello', '2026-01-05', '2026-01-19',
              '2026-01-05 10:00:00', NULL);
        """)
    engine = make_engine(f"sqlite:///{path}")
    assert current_revision(engine) == "0007"
    assert LetterStore(engine).get(1).text == "Hello"
    with engine.connect() as db:  # the old plain letter is sealed by the upgrade
        fields, body = db.execute(text("SELECT fields, text FROM letters WHERE id = 1")).one()
    assert "Hello" not in body and sealer_of(engine).open_text(body) == "Hello" and sealer_of(engine).open(fields) == {}
    make_engine(f"sqlite:///{path}")  # upgrading again changes nothing
    assert "reminders" in inspect(engine).get_table_names()


def test_a_case_remembers_situations_state_and_the_open_request(engine):
    cases = CaseStore(engine)
    cases.touch(KEY, NOW, language="en", channel="rest", situations=["stalled_progress"])
    cases.touch(KEY, NOW + timedelta(hours=1), situations=["stalled_progress", "services_not_delivered"])
    cases.set_state(KEY, "PA", NOW)
    first = _letter(engine, KEY, date(2026, 2, 2))
    second = _letter(engine, KEY, date(2026, 3, 2), "records_request")
    _letter(engine, KEY, None)  # made but never sent: not an open request
    case = cases.get(KEY)
    assert case.situations == ("stalled_progress", "services_not_delivered")
    assert case.state == "PA" and case.channel == "rest" and len(case.letters) == 3
    assert cases.open_request(KEY).id == second.id
    assert cases.mark_answered(KEY, second.id, date(2026, 3, 5))
    assert cases.open_request(KEY).id == first.id
    assert not cases.mark_answered(OTHER, first.id, date(2026, 3, 5))  # another conversation cannot touch it
    assert cases.get(OTHER) is None


def test_a_reminder_is_scheduled_once_per_subject_and_not_at_all_when_reminders_are_off(engine, sealer):
    cases = CaseStore(engine)
    cases.touch(KEY, NOW)
    where = sealer.seal({"conversation_id": "parent-1", "channel": "rest"})
    one = cases.schedule(KEY, kind="follow_up", subject="letter:1", due_at=NOW, address=where, now=NOW)
    again = cases.schedule(KEY, kind="follow_up", subject="letter:1", due_at=NOW + timedelta(days=1), address=where,
                           now=NOW)
    assert one.id == again.id and again.due_at == NOW + timedelta(days=1)
    assert cases.stop_reminders(KEY, NOW) == 1
    assert cases.schedule(KEY, kind="follow_up", subject="letter:2", due_at=NOW, address=where, now=NOW) is None
    assert [r.status for r in cases.get(KEY).reminders] == ["cancelled"]
    cases.allow_reminders(KEY, NOW)
    assert cases.schedule(KEY, kind="follow_up", subject="letter:2", due_at=NOW, address=where, now=NOW) is not None
    assert sealer.open(where) == {"conversation_id": "parent-1", "channel": "rest"}
    assert "parent-1" not in where


def test_only_one_of_many_racing_workers_claims_a_reminder_and_only_one_delivery_speaks(engine, sealer):
    cases, queue = CaseStore(engine), ReminderQueue(engine)
    cases.touch(KEY, NOW)
    reminder = cases.schedule(KEY, kind="follow_up", subject="letter:1", due_at=NOW, address=sealer.seal({}), now=NOW)
    claims, spoken, barrier = [], [], threading.Barrier(8)

    def worker():
        other = make_engine(str(engine.url), migrate=False)  # each worker its own engine, like its own process
        barrier.wait()
        claims.extend(ReminderQueue(other).claim_due(NOW, timedelta(minutes=2)))
        found = ReminderQueue(other).deliver(reminder.id, KEY, NOW)
        if found is not None:
            spoken.append(found)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(claims) == 1 and len(spoken) == 1
    assert queue.status(reminder.id) == "delivered"
    assert queue.claim_due(NOW + timedelta(days=1), timedelta(minutes=2)) == []  # never sent again


def test_a_crashed_workers_lease_runs_out_and_failures_stop_after_the_limit(engine, sealer):
    cases, queue = CaseStore(engine), ReminderQueue(engine)
    cases.touch(KEY, NOW)
    reminder = cases.schedule(KEY, kind="follow_up", subject="letter:1", due_at=NOW, address=sealer.seal({}), now=NOW)
    assert len(queue.claim_due(NOW, timedelta(minutes=2))) == 1
    assert queue.claim_due(NOW + timedelta(minutes=1), timedelta(minutes=2)) == []  # still leased
    assert len(queue.claim_due(NOW + timedelta(minutes=3), timedelta(minutes=2))) == 1  # the lease ran out
    at = NOW + timedelta(minutes=3)
    for _ in range(MAX_ATTEMPTS):
        at += timedelta(hours=2)
        queue.claim_due(at, timedelta(minutes=2))
        status = queue.retry_later(reminder.id, at)
    assert status == "failed"
    assert queue.deliver(reminder.id, KEY, at) is None


def test_a_reminder_is_delivered_only_to_its_own_conversation(engine, sealer):
    cases, queue = CaseStore(engine), ReminderQueue(engine)
    cases.touch(KEY, NOW)
    reminder = cases.schedule(KEY, kind="follow_up", subject="letter:1", due_at=NOW, address=sealer.seal({}), now=NOW)
    assert queue.deliver(reminder.id, OTHER, NOW) is None
    assert queue.deliver(reminder.id, KEY, NOW).status == "delivered"


def test_deleting_a_conversation_leaves_zero_rows_in_every_table_and_twice_is_harmless(engine, sealer):
    cases = CaseStore(engine)
    for key in (KEY, OTHER):
        cases.touch(key, NOW, situations=["no_response"])
        letter = _letter(engine, key)
        cases.schedule(key, kind="follow_up", subject=f"letter:{letter.id}", due_at=NOW, address=sealer.seal({}),
                       now=NOW)
        texted = cases.schedule(key, kind="deadline", subject="deadline:1", due_at=NOW, now=NOW,
                                address=sealer_of(engine).seal({"conversation_id": key, "channel": "sms"}))
        ReminderQueue(engine).deliver(texted.id, key, NOW, [{"text": "Did it happen?"}])  # left in the SMS outbox
        from bot.cases.deadlines import deadlines_for

        cases.add_deadlines(key, [d for d in deadlines_for("records_requested", date(2026, 3, 2)) if d.legal],
                            letter.id, NOW)
        SmsContacts(engine, sealer).arrive(key, "+15550102000", NOW)  # a parent who texts
    before = cases.count_rows(KEY)
    assert all(before[table] >= 1 for table in CASE_TABLES), before
    deleted = cases.delete(KEY)
    assert deleted == before
    assert cases.count_rows(KEY) == {table: 0 for table in CASE_TABLES}
    assert cases.count_rows(OTHER) == before  # the other family keeps everything
    assert cases.delete(KEY) == {table: 0 for table in CASE_TABLES}
    assert cases.delete(conversation_key("never-seen", b"secret")) == {table: 0 for table in CASE_TABLES}


def test_purge_deletes_only_what_is_inactive_longer_than_the_retention(engine, tmp_path):
    cases = CaseStore(engine)
    cases.touch(KEY, NOW - timedelta(days=120))
    _letter(engine, KEY)
    cases.touch(OTHER, NOW - timedelta(days=10))
    tracker = create_engine(f"sqlite:///{tmp_path / 'tracker.db'}", future=True)
    with tracker.begin() as db:
        db.execute(text("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255), type_name VARCHAR(255),"
                        " timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)"))
        for sender, age in (("old", 120), ("old", 100), ("new", 120), ("new", 2)):
            db.execute(text("INSERT INTO events (sender_id, type_name, timestamp) VALUES (:s, 'user', :t)"),
                       {"s": sender, "t": (NOW - timedelta(days=age)).timestamp()})
    report = purge(engine, tracker, parse_age("90d"), NOW)
    assert report.cases == 1 and report.rows["letters"] == 1 and report.conversations == 1
    assert cases.get(KEY) is None and cases.get(OTHER) is not None
    with tracker.connect() as db:
        assert [r[0] for r in db.execute(text("SELECT DISTINCT sender_id FROM events"))] == ["new"]
    assert purge_tracker(create_engine(f"sqlite:///{tmp_path / 'empty.db'}", future=True), NOW) == 0


@pytest.mark.parametrize("text,expected", [("90d", timedelta(days=90)), ("12w", timedelta(weeks=12)),
                                           ("36h", timedelta(hours=36)), ("30", timedelta(days=30))])
def test_ages(text, expected):
    assert parse_age(text) == expected


@pytest.mark.parametrize("bad", ["", "0d", "-5d", "ninety", "90x", "d"])
def test_bad_ages_are_refused(bad):
    with pytest.raises(ValueError):
        parse_age(bad)


def test_the_daily_job_runs_once_a_day_across_workers(engine):
    assert claim_job(engine, "purge", timedelta(days=1), NOW)
    assert not claim_job(engine, "purge", timedelta(days=1), NOW + timedelta(hours=3))
    assert claim_job(engine, "purge", timedelta(days=1), NOW + timedelta(days=1))


def test_a_sealed_address_needs_the_key_and_survives_rotation():
    from cryptography.fernet import Fernet

    old, new = Fernet.generate_key(), Fernet.generate_key()
    sealed = Sealer([old]).seal({"conversation_id": "+15550001111"})
    rotated = Sealer([new, old])
    assert rotated.open(sealed) == {"conversation_id": "+15550001111"}
    assert Sealer([new]).open(rotated.reseal(sealed)) == {"conversation_id": "+15550001111"}
    with pytest.raises(SealError):
        Sealer([new]).open(sealed)


def test_case_show_is_redacted_unless_asked_and_purge_reports(engine, monkeypatch, capsys, tmp_path):
    from bot.ops.settings import Settings

    monkeypatch.setenv("DATABASE_URL", str(engine.url))
    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{tmp_path / 'none.db'}")
    key = conversation_key("parent-9", Settings.from_env().id_secret())
    CaseStore(engine).touch(key, datetime.now(), situations=["stalled_progress"])
    _letter(engine, key)
    assert cli(["case", "show", "parent-9"]) == 0
    shown = capsys.readouterr().out
    assert "stalled_progress" in shown and "meeting_request" in shown and "lack_of_progress" in shown
    assert "Sam Rivera" not in shown and "[redacted]" in shown and "parent-9" not in shown
    assert cli(["case", "show", "parent-9", "--reveal"]) == 0
    assert "Sam Rivera" in capsys.readouterr().out
    assert cli(["case", "show", "nobody"]) == 1
    assert cli(["purge", "--older-than", "90d"]) == 0
    assert "Purged 0 cases" in capsys.readouterr().out
    assert cli(["purge", "--older-than", "soon"]) == 2
    assert "not an age" in capsys.readouterr().err
