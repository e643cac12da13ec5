"""The whole stack as `make run` starts it (action server, Rasa with our tracker store, reminder
worker), on temporary databases: reminders survive restarts and arrive once, deleting leaves
nothing behind, a returning parent hears about the open request. No mocks; slow-ish (about a minute)."""
from __future__ import annotations

import signal
import time
from datetime import date, datetime, timedelta

import pytest
import requests
from sqlalchemy import update

from bot.cases.deadlines import deadlines_for
from bot.cases.store import CASE_TABLES, CaseStore
from bot.channels.reminder_worker import RasaWaker
from bot.storage.schema import ReminderRow
from tests.stack import Stack, running

REMINDER_WORDS = "Has the school answered?"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with running(Stack(tmp_path_factory.mktemp("live")), "actions", "rasa") as made:
        yield made


def _texts(replies: list[dict]) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


def _sent_letter(stack: Stack, sender: str) -> int:
    stack.say(sender, "hi")
    letter_id = stack.letter(sender)
    stack.set_slot(sender, "letter_id", letter_id)
    replies = stack.say(sender, "/letter_sent")
    assert "I'll check in with you on" in _texts(replies), replies
    return letter_id


def test_a_reminder_survives_worker_and_server_restarts_and_arrives_exactly_once(stack):
    sender = "live-reminder"
    _sent_letter(stack, sender)
    key = stack.key(sender)
    [reminder] = [r for r in CaseStore(stack.engine).get(key).reminders if r.kind == "follow_up"]
    assert reminder.status == "pending" and reminder.due_at.date() == date.today() + timedelta(days=7)
    with stack.engine.begin() as db:  # bring the week forward: due a few seconds from now
        db.execute(update(ReminderRow).where(ReminderRow.id == reminder.id)
                   .values(due_at=datetime.now() + timedelta(seconds=8)))
    stack.start("worker")
    time.sleep(2)
    stack.stop("worker", signal.SIGKILL)  # the worker dies mid-wait
    stack.stop("rasa")  # and the Rasa server restarts
    stack.start("rasa")
    stack.start("worker")
    deadline = time.time() + 60
    while CaseStore(stack.engine).get(key).reminders[0].status != "delivered" and time.time() < deadline:
        time.sleep(0.5)
    assert CaseStore(stack.engine).get(key).reminders[0].status == "delivered"
    stack.stop("worker", signal.SIGKILL)
    stack.start("worker")  # a restarted worker finds nothing left to send
    time.sleep(3)
    # A wake-up repeated after a crash (the worker died before it saw the result) stays silent.
    repeat = RasaWaker(stack.env["RASA_URL"], stack.settings.rasa_jwt_secret(stack.env)).wake(stack.sender(sender),
                                                                                            reminder.id)
    assert repeat == []
    stack.stop("worker")
    spoken = [data for kind, data in stack.tracker_events(sender) if kind == "bot" and REMINDER_WORDS in data]
    assert len(spoken) == 1
    assert "stop reminders" in " ".join(data for kind, data in stack.tracker_events(sender) if kind == "bot")


def test_stop_reminders_drops_them(stack):
    sender = "live-stop"
    _sent_letter(stack, sender)
    assert "won't send you any more reminders" in _texts(stack.say(sender, "stop reminders"))
    assert {r.status for r in CaseStore(stack.engine).get(stack.key(sender)).reminders} == {"cancelled"}


def test_a_returning_parent_hears_about_the_open_request_and_gets_the_next_step(stack):
    sender = "live-return"
    _sent_letter(stack, sender)
    replies = stack.say(sender, "/session_start")
    said = _texts(replies)
    assert "Welcome back" in said and "a written request for an IEP meeting" in said, replies
    assert [b["payload"] for b in replies[0]["buttons"]] == ["/school_answered", "/school_no_answer",
                                                              "/meeting_scheduled"]
    follow = stack.say(sender, "/school_no_answer")
    assert follow[0]["buttons"][0]["payload"] == '/make_letter{"letter": "follow_up"}'
    tips = _texts(stack.say(sender, "/meeting_scheduled"))
    assert "Write down your top two or three questions" in tips
    assert CaseStore(stack.engine).open_request(stack.key(sender)) is None  # noted as answered


def test_delete_my_data_leaves_zero_rows_for_the_conversation_in_every_table(stack):
    sender, other = "live-delete", "live-keep"
    for who in (sender, other):
        _sent_letter(stack, who)
        stack.say(who, "My son is 9 and his reading has not improved all year, the progress reports say the same thing")
        # A records clock too, as the deadline questions would store it, so every table has a row.
        CaseStore(stack.engine).add_deadlines(stack.key(who), deadlines_for("records_requested", date.today())[:1],
                                              None, datetime.now())
    key = stack.key(sender)
    stored = CaseStore(stack.engine).count_rows(key)
    web_has_none = ("sms_contacts", "reminder_texts")  # web: no phone number, and reminders are not texted
    assert all(count >= 1 for table, count in stored.items() if table not in web_has_none)
    asked = stack.say(sender, "please delete my data")
    assert "Delete it all?" in _texts(asked), asked
    done = stack.say(sender, "/confirm_delete")
    assert "I deleted everything" in _texts(done)
    assert CaseStore(stack.engine).count_rows(key) == {table: 0 for table in CASE_TABLES}
    assert stack.tracker_events(sender) == []
    assert CaseStore(stack.engine).count_rows(stack.key(other))["letters"] == 1  # another family keeps theirs
    assert stack.tracker_events(other)
    # Deleting again, with nothing stored, is harmless and still asks once first.
    assert "Delete it all?" in _texts(stack.say(sender, "/confirm_delete"))
    assert "I deleted everything" in _texts(stack.say(sender, "/confirm_delete"))
    assert CaseStore(stack.engine).count_rows(key) == {table: 0 for table in CASE_TABLES}


def test_the_rasa_api_refuses_calls_without_the_workers_token(stack):
    url = f"{stack.rasa_url}/conversations/{stack.sender('live-reminder')}/tracker"
    assert requests.get(url, timeout=10).status_code == 401
    assert requests.get(url, params={"token": "guess"}, timeout=10).status_code == 401
    assert RasaWaker(stack.env["RASA_URL"], b"a wrong secret, as long as a real one").wake(stack.sender("live-reminder"), 1) is None
