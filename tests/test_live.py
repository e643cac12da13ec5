"""The whole stack as `make run` starts it (action server, Rasa with our tracker store, reminder
worker), on temporary databases: reminders survive restarts and arrive once, deleting leaves
nothing behind, a returning parent hears about the open request. No mocks; slow-ish (about a minute)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text, update

from bot.cases import CASE_TABLES, CaseStore
from bot.deadlines import deadlines_for
from bot.knowledge import load_knowledge
from bot.letter_service import LetterService
from bot.letters import LetterRequest
from bot.reminder_worker import RasaWaker
from bot.schema import ReminderRow, make_engine
from bot.settings import Settings
from bot.store import conversation_key

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv" / "bin"
MODEL = ROOT / "models" / "current.tar.gz"
REMINDER_WORDS = "Has the school answered?"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stack:
    def __init__(self, workdir: Path):
        self.dir = workdir
        self.rasa_port, self.action_port = _port(), _port()
        self.env = {**os.environ,
                    "DATABASE_URL": f"sqlite:///{workdir / 'cases.db'}",
                    "IEP_TRACKER_DB": str(workdir / "tracker.db"),
                    "IEP_SECRET_FILE": str(workdir / "id.secret"),
                    "IEP_DATA_KEY_FILE": str(workdir / "data.key"),
                    "IEP_RASA_JWT_SECRET_FILE": str(workdir / "jwt.secret"),
                    "ACTION_SERVER_URL": f"http://127.0.0.1:{self.action_port}/webhook",
                    "RASA_URL": f"http://127.0.0.1:{self.rasa_port}",
                    "LINK_BASE_URL": "http://127.0.0.1:1",
                    "IEP_REMINDER_POLL_SECONDS": "1"}
        self.settings = Settings.from_env(self.env)
        self.engine = make_engine(self.env["DATABASE_URL"])
        self.procs: dict[str, subprocess.Popen] = {}

    def start(self, name: str) -> None:
        commands = {
            "actions": [str(VENV / "rasa"), "run", "actions", "--actions", "actions", "--port", str(self.action_port)],
            "rasa": [str(VENV / "python"), "-m", "bot.rasa_server", "--model", str(MODEL), "--endpoints",
                     "endpoints.yml", "--credentials", "credentials.yml", "--port", str(self.rasa_port),
                     "--interface", "127.0.0.1"],
            "worker": [str(VENV / "python"), "-m", "bot.reminder_worker"],
        }
        log = open(self.dir / f"{name}.log", "ab")
        self.procs[name] = subprocess.Popen(commands[name], cwd=ROOT, env=self.env, stdout=log, stderr=log)
        if name != "worker":
            url = (f"http://127.0.0.1:{self.rasa_port}/" if name == "rasa"
                   else f"http://127.0.0.1:{self.action_port}/health")
            self._wait(url, name)

    def _wait(self, url: str, name: str) -> None:
        for _ in range(240):
            if self.procs[name].poll() is not None:
                raise RuntimeError(f"{name} stopped: see {self.dir / (name + '.log')}")
            try:
                if requests.get(url, timeout=2).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"{name} did not start")

    def stop(self, name: str, sig: int = signal.SIGTERM) -> None:
        proc = self.procs.pop(name)
        proc.send_signal(sig)
        proc.wait(timeout=30)

    def say(self, sender: str, message: str) -> list[dict]:
        response = requests.post(f"http://127.0.0.1:{self.rasa_port}/webhooks/rest/webhook",
                                 json={"sender": sender, "message": message}, timeout=60)
        response.raise_for_status()
        return response.json()

    def key(self, sender: str) -> str:
        return conversation_key(sender, self.settings.id_secret(self.env))

    def tracker_events(self, sender: str) -> list[tuple[str, str]]:
        tracker = create_engine(f"sqlite:///{self.env['IEP_TRACKER_DB']}", future=True)
        with tracker.connect() as db:
            return [tuple(r) for r in db.execute(text("SELECT type_name, data FROM events WHERE sender_id = :s"),
                                                 {"s": sender})]

    def letter(self, sender: str, letter: str = "meeting_request") -> int:
        """A letter made for this conversation, as the letter form would make it."""
        service = LetterService(load_knowledge(), self.settings, self.engine)
        request = LetterRequest(letter, {"parent_name": "Ana Rivera", "child_name": "Sam Rivera", "grade": "3rd grade",
                                         "school": "Lincoln Elementary", "meeting_reason": "general_concern",
                                         "concern": "his reading", "availability": "after 3 pm"},
                                date.today(), date.today() + timedelta(days=14), "en")
        return service.make(request, sender, datetime.now()).stored.id

    def set_slot(self, sender: str, slot: str, value: object) -> None:
        import jwt

        token = jwt.encode({"user": {"username": "test", "role": "admin"}}, self.settings.rasa_jwt_secret(self.env),
                           algorithm="HS256")
        response = requests.post(f"http://127.0.0.1:{self.rasa_port}/conversations/{sender}/tracker/events",
                                 json=[{"event": "slot", "name": slot, "value": value}],
                                 headers={"Authorization": f"Bearer {token}"}, timeout=30)
        response.raise_for_status()

    def close(self) -> None:
        for name in list(self.procs):
            self.stop(name, signal.SIGKILL)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` first (make test does)")
    made = Stack(tmp_path_factory.mktemp("live"))
    made.start("actions")
    made.start("rasa")
    yield made
    made.close()


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
    assert RasaWaker(stack.env["RASA_URL"], stack.settings.rasa_jwt_secret(stack.env)).wake(sender, reminder.id)
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
    assert all(count >= 1 for count in CaseStore(stack.engine).count_rows(key).values())
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
    url = f"http://127.0.0.1:{stack.rasa_port}/conversations/live-reminder/tracker"
    assert requests.get(url, timeout=10).status_code == 401
    assert requests.get(url, params={"token": "guess"}, timeout=10).status_code == 401
    assert RasaWaker(stack.env["RASA_URL"], b"wrong-secret").wake("live-reminder", 1) is False
