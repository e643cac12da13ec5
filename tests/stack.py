"""The whole stack as `make run` starts it, on free ports and temporary databases, for live tests.

Action server, Rasa (our web and SMS channels, our tracker store), letter link server, demo site and
reminder worker are real processes. A conversation is reached the way a site's server reaches it:
through the web channel's API with an API key, so the tests use the same identity rules as parents.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Iterator

import requests
from sqlalchemy import create_engine, text

from bot.knowledge import load_knowledge
from bot.letters.drafting import LetterRequest
from bot.letters.service import LetterService
from bot.letters.store import conversation_key
from bot.ops.settings import Settings
from bot.storage.keyring import EVENT_KEYS, Keyring
from bot.storage.schema import make_engine
from bot.storage.sealing import Sealer, is_sealed

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv" / "bin"
MODEL = ROOT / "models" / "current.tar.gz"
API_KEY = "live-test-api-key"


@contextmanager
def running(stack: "Stack", *names: str) -> Iterator["Stack"]:
    """The stack with these processes started, stopped again afterwards whatever happens."""
    if not MODEL.exists():
        raise RuntimeError("no trained model at models/current.tar.gz: run `make train` first (make test does)")
    try:
        for name in names:
            stack.start(name)
        yield stack
    finally:
        stack.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stack:
    def __init__(self, workdir: Path, extra_env: dict[str, str] | None = None):
        self.dir = workdir
        self.rasa_port, self.action_port, self.link_port, self.site_port = (free_port() for _ in range(4))
        self.rasa_url = f"http://127.0.0.1:{self.rasa_port}"
        # A second Rasa server ("rasa2") shares the stores with the first, as `make run-prod` runs them.
        self.rasa2_url = f"http://127.0.0.1:{free_port()}"
        self.site_url = f"http://127.0.0.1:{self.site_port}"
        # Each stack makes its own action token (in its workdir), and logs stay private unless a test says so.
        inherited = {k: v for k, v in os.environ.items() if k not in ("IEP_ACTION_TOKEN", "IEP_DEBUG_LOGS")}
        self.env = {**inherited,
                    "DATABASE_URL": f"sqlite:///{workdir / 'cases.db'}",
                    "TRACKER_STORE_URL": f"sqlite:///{workdir / 'tracker.db'}",
                    "LOCK_STORE_URL": "memory",
                    "IEP_SECRET_FILE": str(workdir / "id.secret"),
                    "IEP_DATA_KEY_FILE": str(workdir / "data.key"),
                    "IEP_RASA_JWT_SECRET_FILE": str(workdir / "jwt.secret"),
                    "IEP_ACTION_TOKEN_FILE": str(workdir / "action.token"),
                    "IEP_API_KEYS": API_KEY,
                    "IEP_WEB_ORIGINS": f"{self.site_url},http://localhost:{self.site_port}",
                    "IEP_PUBLIC_URL": self.rasa_url,
                    "ACTION_SERVER_URL": f"http://127.0.0.1:{self.action_port}/webhook",
                    "RASA_URL": self.rasa_url,
                    "LINK_BASE_URL": f"http://127.0.0.1:{self.link_port}",
                    "IEP_REMINDER_POLL_SECONDS": "1",
                    "RASA_TELEMETRY_ENABLED": "false",
                    **(extra_env or {})}
        self.settings = Settings.from_env(self.env)
        self.sealer = Sealer(self.settings.data_keys(self.env))  # the servers' keys: opens what they sealed
        self.engine = make_engine(self.env["DATABASE_URL"], keys=self.settings.data_keys(self.env))
        self.procs: dict[str, subprocess.Popen] = {}
        self.tokens: dict[str, str] = {}  # a test's name for a conversation -> its token

    def start(self, name: str) -> None:
        python = str(VENV / "python")
        rasa = [python, "-m", "bot.serving.rasa_server", "--model", str(MODEL), "--endpoints", "endpoints.yml",
                "--credentials", "credentials.yml", "--interface", "127.0.0.1", "--port"]
        commands = {
            "actions": [python, "-m", "bot.serving.action_server", "--actions", "actions", "--port", str(self.action_port)],
            "rasa": [*rasa, str(self.rasa_port)],
            "rasa2": [*rasa, self.rasa2_url.rsplit(":", 1)[1]],
            "links": [python, "-m", "bot.letters.link_server", "--port", str(self.link_port)],
            "site": [python, "-m", "bot.channels.demo_site", "--port", str(self.site_port)],
            "worker": [python, "-m", "bot.channels.reminder_worker"],
        }
        health = {"rasa": f"{self.rasa_url}/webhooks/web/", "rasa2": f"{self.rasa2_url}/webhooks/web/", "actions": f"http://127.0.0.1:{self.action_port}/health",
                  "links": f"http://127.0.0.1:{self.link_port}/health", "site": f"{self.site_url}/"}
        log = open(self.dir / f"{name}.log", "ab")
        self.procs[name] = subprocess.Popen(commands[name], cwd=ROOT, env=self.env, stdout=log, stderr=log)
        if name in health:
            self._wait(health[name], name)

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

    def post(self, path: str, token: str | None = None, server: str | None = None, **body: object
             ) -> requests.Response:
        headers = {"X-API-Key": API_KEY}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return requests.post(f"{server or self.rasa_url}/webhooks/web/{path}", json=body, headers=headers, timeout=90)

    def say(self, name: str, message: str, server: str | None = None) -> list[dict]:
        """Sends `message` in the conversation the test calls `name` (started on first use); the bot's replies.
        `server` is a Rasa server's URL (default: the first one)."""
        # A command ("/confirm_delete") is what a button sends: typed text is always words.
        body = {"payload": message} if message.startswith("/") else {"text": message}
        response = self.post("messages", self.tokens.get(name), server, **body)
        response.raise_for_status()
        answer = response.json()
        self.tokens[name] = answer["token"]
        return [m for m in answer["messages"] if m["from"] == "bot"]

    def sender(self, name: str) -> str:
        """The Rasa conversation id behind a test's conversation (what the tracker store keys on)."""
        from bot.channels.tokens import TokenSigner

        if name not in self.tokens:
            self.say(name, "hi")
        return TokenSigner.from_settings(self.settings, self.env).verify(self.tokens[name])

    def key(self, name: str) -> str:
        return conversation_key(self.sender(name), self.settings.id_secret(self.env))

    def tracker_events(self, name: str) -> list[tuple[str, str]]:
        """(type, the event's JSON opened) for each stored event of the conversation."""
        sender = self.sender(name)
        return [(kind, self.open_event(data, sender)) for kind, data in self.raw_events(sender)]

    def raw_events(self, sender: str) -> list[tuple[str, str]]:
        """(type, data) for each stored event, exactly as stored (the data sealed)."""
        tracker = create_engine(self.env["TRACKER_STORE_URL"], future=True)
        try:
            with tracker.connect() as db:
                return [tuple(r) for r in db.execute(
                    text("SELECT type_name, data FROM events WHERE sender_id = :s ORDER BY id"), {"s": sender})]
        finally:
            tracker.dispose()

    def open_event(self, data: str, sender: str) -> str:
        """A stored event's JSON: sealed by the tracker store with the conversation's key, which the stack's data
        keys open."""
        assert is_sealed(data), "an event was stored in plain text"
        tracker = create_engine(self.env["TRACKER_STORE_URL"], future=True)
        try:
            with tracker.connect() as db:
                return Keyring(EVENT_KEYS, self.sealer).for_reading(db, sender).open_text(data)
        finally:
            tracker.dispose()

    def letter(self, name: str, letter: str = "meeting_request") -> int:
        """A letter made for this conversation, as the letter form would make it."""
        service = LetterService(load_knowledge(), self.settings, self.engine)
        request = LetterRequest(letter, {"parent_name": "Ana Rivera", "child_name": "Sam Rivera", "grade": "3rd grade",
                                         "school": "Lincoln Elementary", "meeting_reason": "general_concern",
                                         "concern": "his reading", "availability": "after 3 pm"},
                                date.today(), date.today() + timedelta(days=14), "en")
        return service.make(request, self.sender(name), datetime.now()).stored.id

    def set_slot(self, name: str, slot: str, value: object) -> None:
        import jwt

        token = jwt.encode({"user": {"username": "test", "role": "admin"}}, self.settings.rasa_jwt_secret(self.env),
                           algorithm="HS256")
        response = requests.post(f"{self.rasa_url}/conversations/{self.sender(name)}/tracker/events",
                                 json=[{"event": "slot", "name": slot, "value": value}],
                                 headers={"Authorization": f"Bearer {token}"}, timeout=30)
        response.raise_for_status()

    def close(self) -> None:
        for name in list(self.procs):
            self.stop(name, signal.SIGKILL)
