"""The SMS reminder outbox on a real SQLite file with a fake Twilio on loopback (real HTTP): a reminder
marked delivered for an SMS conversation is texted exactly once, whether the worker dies before texting,
dies between two texts, races another worker, or meets a Twilio outage. No mocks.

A worker's crash is the state it leaves in the database: the steps a worker runs (the action's delivered
mark, its claim, the texts Twilio accepted) are run here one by one, and the next worker is a new one."""
from __future__ import annotations

import threading
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import text

from bot.cases.reminders import MAX_ATTEMPTS, ReminderQueue
from bot.cases.retention import parse_age, purge
from bot.cases.service import CaseService, as_message
from bot.cases.store import CaseStore
from bot.channels.reminder_worker import RasaWaker, Worker
from bot.channels.sms_dialog import write
from bot.channels.sms_outbox import SmsOutbox
from bot.channels.twilio import TwilioClient
from bot.knowledge import load_knowledge
from bot.letters.store import LetterStore, conversation_key
from bot.storage.contacts import SmsContacts
from bot.storage.resealing import rotate
from bot.storage.schema import case_keyring, make_engine, sealer_of
from bot.storage.sealing import SealError
from tests.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FROM, FakeTwilio

NOW = datetime(2026, 3, 2, 10, 0)
LEASE = timedelta(minutes=2)
ID_SECRET = b"outbox-test-secret"
CHILD = "Marisol Quillfeather"
KNOWLEDGE = load_knowledge()
_numbers = iter(range(100, 1000))


@pytest.fixture(scope="module")
def twilio():
    return FakeTwilio().start()


@pytest.fixture
def engine(tmp_path):
    return make_engine(f"sqlite:///{tmp_path / 'cases.db'}")


class Family:
    """An SMS parent with a sent letter and its follow-up reminder, due now."""

    def __init__(self, engine, channel: str = "sms"):
        self.number = f"+1555020{next(_numbers):04d}"
        self.conversation_id = f"sms-conversation-{self.number}"
        self.key = conversation_key(self.conversation_id, ID_SECRET)
        self.engine = engine
        cases, letters = CaseStore(engine), LetterStore(engine)
        cases.touch(self.key, NOW, channel=channel)
        letter = letters.save(conversation_key=self.key, letter="meeting_request", language="en",
                              details={"child_name": CHILD, "meeting_reason": "lack_of_progress"},
                              text=f"Dear team,\n\nPlease meet about {CHILD}.", letter_date=date(2026, 2, 20),
                              respond_by=date(2026, 3, 6), now=NOW)
        letters.mark_sent(letter.id, date(2026, 2, 20))
        address = sealer_of(engine).seal({"conversation_id": self.conversation_id, "channel": channel})
        self.reminder = cases.schedule(self.key, kind="follow_up", subject=f"letter:{letter.id}", due_at=NOW,
                                       address=address, now=NOW)
        SmsContacts(engine, sealer_of(engine)).arrive(self.key, self.number, NOW)

    def deliver(self, engine=None):
        """What ActionDeliverReminder does when the worker wakes the conversation: the words, or None."""
        engine = engine or self.engine
        service = CaseService(KNOWLEDGE, CaseStore(engine), LetterStore(engine))
        return service.deliver_reminder(ReminderQueue(engine), self.reminder.id, self.key, "en", NOW)


def _outbox(engine, twilio: FakeTwilio, timeout: float = 10.0) -> SmsOutbox:
    client = TwilioClient(api_base=twilio.url, account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, from_number=FROM,
                          timeout=timeout)
    return SmsOutbox(SmsContacts(engine, sealer_of(engine)), client, KNOWLEDGE, ID_SECRET)


def _worker(engine, twilio: FakeTwilio, timeout: float = 10.0) -> Worker:
    """A worker as `python -m bot.channels.reminder_worker` makes it. Its Rasa is unreachable: these tests only text."""
    return Worker(ReminderQueue(engine), sealer_of(engine), RasaWaker("http://127.0.0.1:9", b"unused"), engine,
                  None, timedelta(days=90), _outbox(engine, twilio, timeout), LEASE)


def _bodies(replies) -> list[str]:
    return write([as_message(r) for r in replies], KNOWLEDGE, "en").bodies


def _stored_replies(engine, family: Family) -> str | None:
    with engine.connect() as db:
        return db.execute(text("SELECT replies FROM reminder_texts WHERE reminder_id = :r"),
                          {"r": family.reminder.id}).scalar_one()


def _raw_outbox(engine) -> str:
    with engine.connect() as db:
        return " ".join(str(v) for row in db.execute(text("SELECT * FROM reminder_texts")) for v in row)


def test_the_delivered_mark_stores_the_texts_sealed_and_only_for_sms(engine):
    family, web = Family(engine), Family(engine, channel="rest")
    replies = family.deliver()
    assert replies and "Has the school answered?" in replies[0].text
    assert family.deliver() is None  # a repeated wake-up: silent, and nothing more to text
    queue = ReminderQueue(engine)
    assert queue.status(family.reminder.id) == "delivered" and queue.text_status(family.reminder.id) == ("pending", 0)
    raw = _raw_outbox(engine)
    assert "school answered" not in raw and family.conversation_id not in raw  # sealed at rest
    stored = _stored_replies(engine, family)
    with engine.connect() as db:  # sealed with the family's own key, which their deletion destroys
        assert case_keyring(engine).for_reading(db, family.key).open_json(stored) == {
            "conversation_id": family.conversation_id, "replies": [as_message(r) for r in replies]}
    with pytest.raises(SealError):
        sealer_of(engine).open_json(stored)
    assert web.deliver() and queue.text_status(web.reminder.id) is None  # the web speaks in its own connection


def test_a_worker_killed_between_the_mark_and_the_texting_loses_nothing_and_the_next_texts_once(engine, twilio):
    family = Family(engine)
    replies = family.deliver()  # the action marked it delivered; the worker that woke it died right then
    assert twilio.to(family.number) == []
    worker = _worker(engine, twilio)
    assert worker.text_pending(NOW) == {"texted": 1}
    assert twilio.to(family.number) == _bodies(replies)
    assert ReminderQueue(engine).text_status(family.reminder.id) == ("texted", len(_bodies(replies)))
    assert _stored_replies(engine, family) is None  # the words are dropped once sent
    assert worker.text_pending(NOW + timedelta(days=1)) == {}
    assert worker.run_once(NOW + timedelta(days=2))["delivered"] == 0
    assert twilio.to(family.number) == _bodies(replies)  # once
    picked = SmsContacts(engine, sealer_of(engine)).get(family.key).choices  # "1" answers the reminder
    assert picked[0] == ("Yes, they answered", "/school_answered")


def test_a_worker_killed_between_two_texts_is_followed_by_one_that_sends_only_the_rest(engine, twilio):
    family = Family(engine)
    long_replies = [{"text": f"Part {n}: " + "the school has ten school days to answer your request. " * 5}
                    for n in range(1, 4)]
    bodies = write(long_replies, KNOWLEDGE, "en").bodies
    assert len(bodies) == 3
    queue = ReminderQueue(engine)
    assert queue.deliver(family.reminder.id, family.key, NOW, long_replies) is not None

    # The first worker: claims the row, Twilio accepts the first text, then hangs on the second; it dies there.
    [claim] = queue.claim_texts(NOW, LEASE)
    twilio.hold(family.number, after=1)
    texted = _outbox(engine, twilio, timeout=0.5).remind(family.conversation_id, long_replies, NOW, claim.sent,
                                                         lambda sent: queue.record_sent(claim, sent))
    twilio.release(family.number)  # the hung text was never accepted
    assert (texted.sent, texted.done) == (1, False) and twilio.to(family.number) == bodies[:1]
    assert queue.text_status(family.reminder.id) == ("pending", 1)

    worker = _worker(engine, twilio)
    assert worker.text_pending(NOW + timedelta(minutes=1)) == {}  # the dead worker's lease still holds it
    assert worker.text_pending(NOW + timedelta(minutes=3)) == {"texted": 1}  # it ran out: the rest, once
    assert twilio.to(family.number) == bodies
    assert queue.record_sent(claim, 2) is False  # the dead worker's claim counts for nothing now


def test_two_racing_workers_text_a_reminder_once(engine, twilio):
    families = [Family(engine) for _ in range(3)]
    expected = {family.number: _bodies(family.deliver()) for family in families}
    barrier, outcomes = threading.Barrier(6), []

    def worker() -> None:
        own = make_engine(str(engine.url), migrate=False)  # each worker its own engine, like its own process
        barrier.wait()
        outcomes.append(_worker(own, twilio).text_pending(NOW))

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(o.get("texted", 0) for o in outcomes) == 3
    assert {number: twilio.to(number) for number in expected} == expected


def test_an_opted_out_parent_is_not_texted_and_the_row_is_closed(engine, twilio):
    stopped, gone = Family(engine), Family(engine)
    stopped.deliver()
    gone.deliver()
    SmsContacts(engine, sealer_of(engine)).set_opted_out(stopped.key, True, NOW)  # STOP after the mark
    with engine.begin() as db:  # a sender record purged meanwhile: no number to text
        db.execute(text("DELETE FROM sms_contacts WHERE key = :k"), {"k": gone.key})
    assert _worker(engine, twilio).text_pending(NOW) == {"unreachable": 2}
    assert twilio.to(stopped.number) == [] and twilio.to(gone.number) == []
    queue = ReminderQueue(engine)
    assert queue.text_status(stopped.reminder.id) == ("unreachable", 0)
    assert _stored_replies(engine, stopped) is None and _stored_replies(engine, gone) is None
    assert _worker(engine, twilio).text_pending(NOW + timedelta(days=1)) == {}


def test_a_twilio_outage_is_retried_after_a_backoff_and_given_up_after_the_limit(engine, twilio):
    family, hopeless = Family(engine), Family(engine)
    replies = family.deliver()
    hopeless.deliver()
    twilio.refuse = True
    try:
        assert _worker(engine, twilio).text_pending(NOW) == {"pending": 2}
    finally:
        twilio.refuse = False
    queue = ReminderQueue(engine)
    assert queue.text_status(family.reminder.id) == ("pending", 0)
    assert _worker(engine, twilio).text_pending(NOW + timedelta(seconds=10)) == {}  # it waits its backoff
    twilio.hold(hopeless.number)  # Twilio hangs on this one from now on; the worker times out
    hung = _worker(engine, twilio, timeout=0.2)
    try:
        at = NOW + timedelta(hours=2)
        assert hung.text_pending(at) == {"texted": 1, "pending": 1}
        outcomes = []
        for _ in range(MAX_ATTEMPTS - 2):
            at += timedelta(hours=2)
            outcomes.append(hung.text_pending(at))
    finally:
        twilio.release(hopeless.number)
    assert outcomes == [{"pending": 1}] * (MAX_ATTEMPTS - 3) + [{"failed": 1}]
    assert hung.text_pending(at + timedelta(days=1)) == {}
    assert twilio.to(family.number) == _bodies(replies) and twilio.to(hopeless.number) == []
    assert queue.text_status(hopeless.reminder.id) == ("failed", 0) and _stored_replies(engine, hopeless) is None


def test_deleting_or_purging_a_case_removes_what_it_still_had_to_text(engine, twilio):
    deleted, purged, kept = Family(engine), Family(engine), Family(engine)
    for family in (deleted, purged, kept):
        family.deliver()
    cases = CaseStore(engine)
    assert cases.count_rows(deleted.key)["reminder_texts"] == 1
    assert cases.delete(deleted.key)["reminder_texts"] == 1
    assert cases.count_rows(deleted.key)["reminder_texts"] == 0
    with engine.begin() as db:  # the purged family has been quiet past the retention period
        db.execute(text("UPDATE cases SET last_active_at = :t WHERE key = :k"),
                   {"t": NOW - timedelta(days=120), "k": purged.key})
    report = purge(engine, None, parse_age("90d"), NOW)
    assert report.cases == 1 and report.rows["reminder_texts"] == 1
    assert _worker(engine, twilio).text_pending(NOW) == {"texted": 1}
    assert twilio.to(deleted.number) == twilio.to(purged.number) == [] and twilio.to(kept.number)


def test_key_rotation_reseals_the_texts_still_owed(tmp_path, twilio):
    from cryptography.fernet import Fernet

    old, new = Fernet.generate_key(), Fernet.generate_key()
    url = f"sqlite:///{tmp_path / 'cases.db'}"
    family = Family(make_engine(url, keys=[old]))
    replies = family.deliver()
    both = make_engine(url, keys=[new, old])
    reports = {r.where: r for r in rotate(both, None, sealer_of(both))}
    # The family's key is re-wrapped with the new data key; the texts stay sealed with the family's key.
    assert reports["conversation_keys.sealed"].resealed == 1 and reports["reminder_texts.replies"].current == 1
    only_new = make_engine(url, keys=[new])
    assert _worker(only_new, twilio).text_pending(NOW) == {"texted": 1}
    assert twilio.to(family.number) == _bodies(replies)
