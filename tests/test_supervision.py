"""`make run` keeps serving when one of its processes crashes (deploy/supervisord.conf).

The stack is started the way `make run` starts it, by scripts/run.sh (supervisord), on free ports and a
temporary run directory. Each process is killed in turn with SIGKILL, as a crash would end it: the others keep
answering meanwhile, the terminal names the one that died, and it comes back and answers again. The Rasa server
goes last (it takes about half a minute to load). Then SIGTERM, as Ctrl-C would, stops supervisord and leaves no
process of the run behind.
"""
from __future__ import annotations

import os
import signal
import stat
import subprocess
import time
from pathlib import Path

import requests

from tests.stack import MODEL, ROOT, VENV, Stack

CONF = ROOT / "deploy" / "supervisord.conf"


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=5).ok
    except requests.RequestException:
        return False


def _until(what: str, check, timeout: float, terminal: Path) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {timeout:.0f} s; terminal:\n{terminal.read_text()[-4000:]}")
        time.sleep(0.25)


def _processes_of(run_dir: Path) -> list[int]:
    """Every process that carries this run's IEP_RUN_DIR in its environment: what run.sh started."""
    marker = f"IEP_RUN_DIR={run_dir}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if marker in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
            except OSError:  # gone meanwhile, or not ours to read
                pass
    return found


def test_each_process_of_make_run_comes_back_while_the_others_keep_answering(tmp_path):
    assert MODEL.exists(), "no trained model at models/current.tar.gz: run `make train` first (make test does)"
    stack = Stack(tmp_path)
    run_dir = tmp_path / "run"
    env = {**stack.env, "IEP_RUN_DIR": str(run_dir), "RASA_PORT": str(stack.rasa_port),
           "ACTION_PORT": str(stack.action_port), "LINK_PORT": str(stack.link_port), "SITE_PORT": str(stack.site_port),
           "IEP_TRAINING_DATABASE_URL": f"sqlite:///{tmp_path / 'training.db'}"}
    rasa = f"rasa-{stack.rasa_port}"  # supervisord names each Rasa server by its port
    health = {"actions": f"http://127.0.0.1:{stack.action_port}/health",
              "links": f"http://127.0.0.1:{stack.link_port}/health",
              "site": f"{stack.site_url}/",
              rasa: f"{stack.rasa_url}/webhooks/web/"}
    worker_log = run_dir / "reminders.log"

    def pid(name: str) -> int:
        done = subprocess.run([str(VENV / "supervisorctl"), "-c", str(CONF), "-s",
                               f"unix://{run_dir}/supervisor.sock", "pid", name], env=env,
                              capture_output=True, text=True, timeout=30)
        return int(done.stdout.strip()) if done.stdout.strip().isdigit() else 0

    def worker_starts() -> int:
        return worker_log.read_text(errors="replace").count("reminder worker started") if worker_log.exists() else 0

    terminal = tmp_path / "terminal.txt"
    started = time.monotonic()
    with open(terminal, "wb") as out:
        supervisor = subprocess.Popen([str(ROOT / "scripts" / "run.sh")], cwd=ROOT, env=env, stdout=out,
                                      stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _until("the welcome message", lambda: "IEP Navigator is running." in terminal.read_text(), 300, terminal)
        assert all(_answers(url) for url in health.values())
        assert stat.S_IMODE((run_dir / "supervisor.sock").stat().st_mode) == 0o700
        assert stack.say("parent", "hi"), "Rasa gave no answer"

        for name in ("actions", "links", "worker", "site", rasa):
            program = f"rasa:{rasa}" if name == rasa else name
            old = pid(program)
            assert old, f"{name} is not running"
            starts = worker_starts()
            os.kill(old, signal.SIGKILL)
            if name in health:
                _until(f"{name} down", lambda: not _answers(health[name]), 10, terminal)
            # The others answer while it is down (and the Rasa server a parent's message).
            for other, url in health.items():
                if other != name:
                    assert _answers(url), f"{other} stopped answering when {name} was killed"
            if name != rasa:
                assert stack.say("parent", "what is an IEP?"), f"Rasa gave no answer with {name} down"
            # The terminal names it, and it comes back.
            _until(f"a new {name}", lambda: pid(program) not in (0, old), 120, terminal)
            new = pid(program)
            if name in health:
                _until(f"{name} answering again", lambda: _answers(health[name]), 180, terminal)
            else:
                _until("the worker started again", lambda: worker_starts() > starts, 60, terminal)
            said = terminal.read_text()
            assert f"exited: {name} (terminated by SIGKILL; not expected)" in said
            assert f"spawned: '{name}' with pid {new}" in said
        assert stack.say("parent", "thank you"), "Rasa gave no answer after its restart"
        assert terminal.read_text().count("exited:") == 5, "a process that was not killed stopped too"

        # Ctrl-C or SIGTERM: supervisord stops every process, then itself.
        children = {pid(name) for name in ("actions", "links", "worker", "site", f"rasa:{rasa}")}
        assert {supervisor.pid, *children} <= set(_processes_of(run_dir))  # what the last check looks for
        supervisor.send_signal(signal.SIGTERM)
        assert supervisor.wait(timeout=90) == 0
        _until("no process of the run left", lambda: not _processes_of(run_dir), 10, terminal)
        said = terminal.read_text()
        assert "waiting for" in said and f"stopped: {rasa}" in said
        print(f"\nsupervision test: {time.monotonic() - started:.0f} s")
    finally:
        if supervisor.poll() is None:
            supervisor.send_signal(signal.SIGTERM)
            try:
                supervisor.wait(timeout=60)
            except subprocess.TimeoutExpired:
                supervisor.kill()
        for left in _processes_of(run_dir):
            try:
                os.kill(left, signal.SIGKILL)
            except ProcessLookupError:
                pass
        stack.close()
