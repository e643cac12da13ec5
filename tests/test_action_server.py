"""The action server (bot/serving/action_server.py) as a real process: on loopback, and answering only a caller that
sends the shared token in the Authorization header. No mocks."""
from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest
import requests

from tests.stack import free_port

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def action_server(tmp_path_factory):
    work = tmp_path_factory.mktemp("actions")
    port, token = free_port(), "action-token-for-tests"
    env = {**os.environ, "IEP_ACTION_TOKEN": token, "DATABASE_URL": f"sqlite:///{work / 'cases.db'}",
           "IEP_SECRET_FILE": str(work / "id.secret"), "IEP_DATA_KEY_FILE": str(work / "data.key"),
           "RASA_TELEMETRY_ENABLED": "false"}
    log = open(work / "actions.log", "ab")
    proc = subprocess.Popen([str(ROOT / ".venv" / "bin" / "python"), "-m", "bot.serving.action_server", "--actions", "actions",
                             "--port", str(port)], cwd=ROOT, env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            assert proc.poll() is None, (work / "actions.log").read_text()
            try:
                if requests.get(f"{url}/health", timeout=2).ok:
                    break
            except requests.RequestException:
                time.sleep(0.5)
        yield url, token, port
    finally:
        proc.kill()
        proc.wait(timeout=30)


def _greet_call() -> dict:
    return {"next_action": "action_greet", "sender_id": "s1", "version": "3.6.2", "domain": {},
            "tracker": {"sender_id": "s1", "slots": {}, "latest_message": {"text": "hi", "intent": {"name": "greet"},
                        "entities": []}, "events": [], "paused": False, "followup_action": None,
                        "active_loop": {}, "latest_action_name": None, "latest_input_channel": "web"}}


def test_the_action_server_refuses_calls_without_the_token_in_a_header(action_server):
    url, token, _ = action_server
    assert requests.post(f"{url}/webhook", json=_greet_call(), timeout=30).status_code == 401
    wrong = {"Authorization": f"Bearer {token[:-1]}x"}
    assert requests.post(f"{url}/webhook", json=_greet_call(), headers=wrong, timeout=30).status_code == 401
    assert requests.post(f"{url}/webhook", params={"token": token}, json=_greet_call(), timeout=30).status_code == 401
    assert requests.get(f"{url}/actions", headers={"Authorization": token}, timeout=30).status_code == 401  # no scheme
    assert requests.get(f"{url}/health", timeout=30).json() == {"status": "ok"}  # open: it says nothing


def test_the_action_server_answers_with_the_token(action_server):
    url, token, _ = action_server
    right = {"Authorization": f"Bearer {token}"}
    answer = requests.post(f"{url}/webhook", json=_greet_call(), headers=right, timeout=30)
    assert answer.status_code == 200 and answer.json()["responses"], answer.text
    assert "action_greet" in [a["name"] for a in requests.get(f"{url}/actions", headers=right, timeout=30).json()]


def test_the_action_server_listens_on_loopback_only(action_server):
    _, _, port = action_server
    listening = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, local_port = local.rsplit(":", 1)
            if state == "0A" and int(local_port, 16) == port:  # 0A: LISTEN
                listening.add(address)
    assert listening == {"0100007F"}  # 127.0.0.1, and nothing on 0.0.0.0 or ::
