"""The whole stack as `make run` starts it, with a parent who gives a distinctive name, school and phone number:
none of them reaches any process's log, even with Rasa's and the libraries' log levels set to DEBUG, and none
is readable in the databases. Rasa's HTTP API takes its token only in a header. No mocks; about a minute."""
from __future__ import annotations

import time
from datetime import datetime

import jwt
import pytest
import requests

from tests.stack import Stack, running

NAME, CHILD, SCHOOL = "Zebulon Quillfeather", "Marisol Quillfeather", "Thistlewood Academy"
PHONE = "(555) 013-4477"
SECRETS = ("Quillfeather", "Zebulon", "Thistlewood", "013-4477", "0134477", "013 4477")
ANSWERS = (  # the letter form's questions, by a few words of each (first match wins), and this parent's answers
    ("phone number or email", PHONE), ("full name", NAME), ("child's name", CHILD), ("first and last name", CHILD),
    ("grade", "4th grade"), ("records", "all"), ("meeting coming up", "skip"), ("go to", "skip"),
    ("urgent", "no"), ("school", SCHOOL))
PROCESSES = ("actions", "rasa", "links", "worker")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    # What a careless operator might set: it must not bring the parent's words into the logs.
    made = Stack(tmp_path_factory.mktemp("privacy"), {"LOG_LEVEL": "DEBUG", "LOG_LEVEL_LIBRARIES": "DEBUG"})
    with running(made, *PROCESSES) as started:
        yield started


def _answer(question: str) -> str:
    for words, answer in ANSWERS:
        if words in question:
            return answer
    raise AssertionError(f"an unexpected question: {question}")


def _write_letter(stack: Stack, who: str) -> list[dict]:
    """Goes through the records request with this parent's details; the replies with the letter."""
    replies = stack.say(who, f"Hi, I'm {NAME}. My daughter {CHILD} goes to {SCHOOL}. Text me at {PHONE}.")
    replies = stack.say(who, '/make_letter{"letter": "records_request"}')
    for _ in range(20):
        buttons = [b["payload"] for r in replies for b in r.get("buttons") or []]
        if "/confirm_letter" in buttons:
            return stack.say(who, "/confirm_letter")
        replies = stack.say(who, _answer(replies[-1]["text"]))
    raise AssertionError(f"the letter form did not reach its summary: {replies}")


def test_no_name_school_or_phone_in_any_log_or_readable_in_any_database(stack):
    replies = _write_letter(stack, "privacy-parent")
    letter = next(r["letter"] for r in replies if r.get("letter"))
    assert NAME in letter["text"] and PHONE in letter["text"]  # the parent got the letter they asked for
    download = requests.get(letter["pdf"], timeout=60)
    assert download.status_code == 200
    stack.say("privacy-parent", "please delete my data")  # one more turn through the actions, then stop
    time.sleep(2)  # the worker's next round, and any log line still being written

    for name in PROCESSES:
        log = (stack.dir / f"{name}.log").read_text(encoding="utf-8", errors="replace")
        assert log.strip(), f"{name} wrote nothing: the check would prove nothing"
        found = [word for word in SECRETS if word in log]
        assert not found, f"{name}.log holds {found}"
        token = letter["pdf"].split("/letters/", 1)[1].split("/", 1)[0]
        assert token not in log, f"{name}.log holds a download token"

    for database in ("cases.db", "tracker.db"):
        raw = (stack.dir / database).read_bytes() + _wal(stack, database)
        assert not [word for word in SECRETS if word.encode() in raw], f"{database} holds them in plain text"
    assert any(NAME in data for kind, data in stack.tracker_events("privacy-parent") if kind == "user")


def _wal(stack: Stack, database: str) -> bytes:
    wal = stack.dir / f"{database}-wal"
    return wal.read_bytes() if wal.exists() else b""


def test_the_rasa_api_takes_its_token_only_in_a_header(stack):
    token = jwt.encode({"user": {"username": "admin", "role": "admin"}, "exp": int(datetime.now().timestamp()) + 60},
                       stack.settings.rasa_jwt_secret(stack.env), algorithm="HS256")
    url = f"{stack.rasa_url}/conversations/{stack.sender('privacy-api')}/tracker"
    assert requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=30).status_code == 200
    for name in ("token", "access_token", "jwt"):
        assert requests.get(url, params={name: token}, timeout=30).status_code == 401, name
    assert requests.get(url, timeout=30).status_code == 401


def test_debug_logs_on_this_machine_do_show_the_words(tmp_path):
    """The control: with IEP_DEBUG_LOGS=1 (allowed, all on 127.0.0.1) the same check finds the name, so the
    check above would catch a leak."""
    debug = Stack(tmp_path, {"IEP_DEBUG_LOGS": "1", "LOG_LEVEL": "DEBUG"})
    with running(debug, "actions", "rasa"):
        debug.say("debug-parent", f"Hi, I'm {NAME}.")
    logs = {name: (tmp_path / f"{name}.log").read_text(encoding="utf-8", errors="replace") for name in ("actions", "rasa")}
    assert all("IEP_DEBUG_LOGS is on" in log for log in logs.values())
    assert "Quillfeather" in logs["rasa"]  # Rasa writes what the parent said at DEBUG
