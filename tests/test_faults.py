"""Faults mid-conversation, on the live stack: the action server down, the Rasa server restarted, the
reminder worker killed mid-delivery. Each time the parent hears something true, and afterwards the
conversation carries on exactly as one that never met the fault (a reference conversation, sent the
same messages with no fault, says what that is). The database going away is tests/test_store_outage.py.
"""
from __future__ import annotations

import signal
import time
from datetime import datetime, timedelta

import pytest
import requests
from sqlalchemy import select, update

from bot.storage.schema import ReminderRow
from tests.stack import API_KEY, Stack, running

OPENING = ["My son is 9 and has an IEP for ADHD and dyslexia. His reading help was cut from daily to twice a week "
           "and nobody asked us first.",
           '/make_letter{"letter": "meeting_request"}']
ANSWERS = ["Ana Rivera", "Sam Rivera", "4th grade"]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    env = {"IEP_REMINDER_LEASE_SECONDS": "6", "IEP_RATE_CONVERSATION": "1000/60", "IEP_RATE_ADDRESS": "10000/60"}
    with running(Stack(tmp_path_factory.mktemp("faults"), env), "actions", "rasa") as made:
        yield made


def _texts(replies: list[dict]) -> list[str]:
    return [reply["text"] for reply in replies]


def _shown(replies: list[dict]) -> list[dict]:
    """Replies as the parent sees them, without their place in the transcript (a fault adds messages)."""
    return [{k: v for k, v in reply.items() if k != "index"} for reply in replies]


def _history(stack: Stack, name: str) -> list[dict]:
    response = requests.get(f"{stack.rasa_url}/webhooks/web/messages", timeout=30,
                            headers={"X-API-Key": API_KEY, "Authorization": f"Bearer {stack.tokens[name]}"})
    response.raise_for_status()
    return response.json()["messages"]


def test_the_action_server_down_is_said_once_and_the_form_carries_on_when_it_is_back(stack, knowledge):
    unavailable = knowledge.message("action_unavailable", "en")
    for message in OPENING:
        reference = stack.say("steady-actions", message)
        assert stack.say("fault-actions", message) == reference
    expected = [_shown(stack.say("steady-actions", answer)) for answer in ANSWERS]

    stack.stop("actions", signal.SIGKILL)
    try:
        during = stack.post("messages", stack.tokens["fault-actions"], text=ANSWERS[0])
        assert during.status_code == 200
        said = _texts([m for m in during.json()["messages"] if m["from"] == "bot"])
        assert said == [unavailable], said  # once, however many actions the turn needed
        assert not any("Traceback" in text or "Exception" in text for text in said)
    finally:
        stack.start("actions")

    # Back: the answer that could not be checked is asked for again, and the form goes on as if never cut.
    assert [_shown(stack.say("fault-actions", answer)) for answer in ANSWERS] == expected
    shown = [m["text"] for m in _history(stack, "fault-actions") if m["from"] == "bot"]
    assert shown.count(unavailable) == 1  # a reloaded page shows what the parent was told


def test_a_rasa_server_restarted_mid_form_carries_on_where_it_was(stack):
    for message in OPENING:
        stack.say("steady-restart", message)
        stack.say("fault-restart", message)
    stack.say("steady-restart", ANSWERS[0])
    stack.say("fault-restart", ANSWERS[0])
    before = _history(stack, "fault-restart")

    stack.stop("rasa", signal.SIGKILL)  # no goodbye: the conversation lives only in the SQL tracker store
    stack.start("rasa")

    assert _history(stack, "fault-restart") == before
    for answer in ANSWERS[1:]:
        assert _shown(stack.say("fault-restart", answer)) == _shown(stack.say("steady-restart", answer))


def test_a_worker_killed_mid_delivery_loses_no_reminder_and_sends_none_twice(stack, knowledge):
    names = [f"remind-{n}" for n in range(16)]
    for name in names:
        stack.say(name, "hi")
        stack.set_slot(name, "letter_id", stack.letter(name))
        assert stack.say(name, "/letter_sent")
    keys = [stack.key(name) for name in names]
    with stack.engine.begin() as db:  # all due now
        db.execute(update(ReminderRow).where(ReminderRow.case_key.in_(keys), ReminderRow.kind == "follow_up")
                   .values(due_at=datetime.now() - timedelta(seconds=1)))

    def delivered() -> int:
        with stack.engine.connect() as db:
            return len(db.execute(select(ReminderRow.id).where(ReminderRow.case_key.in_(keys),
                                                               ReminderRow.kind == "follow_up",
                                                               ReminderRow.status == "delivered")).all())

    stack.start("worker")
    deadline = time.time() + 60
    while delivered() == 0 and time.time() < deadline:
        time.sleep(0.02)
    stack.stop("worker", signal.SIGKILL)  # it had claimed every due reminder, and delivered only some
    at_kill = delivered()
    assert 0 < at_kill < len(names), at_kill

    stack.start("worker")  # its claims run out (IEP_REMINDER_LEASE_SECONDS) and another round delivers the rest
    deadline = time.time() + 90
    while delivered() < len(names) and time.time() < deadline:
        time.sleep(0.5)
    assert delivered() == len(names)
    stack.stop("worker")

    reminder_words = knowledge.messages["reminder_follow_up"].get("en").split("{")[0].strip()
    for name in names:
        shown = [m["text"] for m in _history(stack, name) if m["from"] == "bot"]
        assert sum(reminder_words in text for text in shown) == 1, (name, shown)
