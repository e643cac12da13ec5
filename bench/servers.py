"""Starting, timing and stopping the two assistants the stack benchmark compares.

OURS is tests.stack.Stack (action server + our Rasa server on free ports and temporary SQLite files).
STOCK is what `rasa init --no-prompt` makes in a temporary folder, served by `rasa run` with the
folder's own endpoints.yml (no action server: its stories use responses only) and credentials.yml (REST).

"First answer" is measured from spawning the Rasa process to the first good turn, polling every 0.1 s.
"""
from __future__ import annotations

import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

import requests

from bench.procs import descendants, kill_group, kill_pids, run_timed
from tests.stack import API_KEY, ROOT, VENV, Stack, free_port

POLL_S = 0.1
START_TIMEOUT_S = 240.0


def wait_for_first_answer(answers: Callable[[], bool], started: float, alive: Callable[[], bool]) -> float:
    """Seconds from `started` (a perf_counter reading) until `answers()` is first true."""
    while time.perf_counter() - started < START_TIMEOUT_S:
        if not alive():
            raise RuntimeError("the server stopped before its first answer")
        if answers():
            return time.perf_counter() - started
        time.sleep(POLL_S)
    raise RuntimeError(f"no answer within {START_TIMEOUT_S:.0f} s")


def ours_answers(rasa_url: str) -> bool:
    try:
        response = requests.post(f"{rasa_url}/webhooks/web/messages", json={"text": "hi"},
                                 headers={"X-API-Key": API_KEY}, timeout=30)
        return response.status_code == 200 and any(m.get("from") == "bot" for m in response.json()["messages"])
    except (requests.RequestException, ValueError, KeyError, TypeError, AttributeError):
        return False


def stock_answers(url: str) -> bool:
    try:
        response = requests.post(f"{url}/webhooks/rest/webhook", json={"sender": "bench-probe", "message": "hi"},
                                 timeout=30)
        return response.status_code == 200 and bool(response.json())
    except (requests.RequestException, ValueError):
        return False


def start_ours(stack: Stack) -> float:
    """Starts the action server, then Rasa; the seconds from spawning Rasa to its first good web turn.

    Stack.start("rasa") spawns the process and then polls health every 0.5 s; meanwhile this thread
    polls a real turn every 0.1 s, so the figure is not rounded up to Stack's health polling."""
    stack.start("actions")
    with ThreadPoolExecutor(max_workers=1) as pool:
        started = time.perf_counter()
        starting = pool.submit(stack.start, "rasa")
        try:
            seconds = wait_for_first_answer(lambda: ours_answers(stack.rasa_url), started,
                                            alive=lambda: not (starting.done() and starting.exception()))
        finally:
            starting.result()  # re-raises why Stack could not start it, if it could not
    return seconds


def close_ours(stack: Stack) -> None:
    # Stack.close() kills only the processes it spawned; anything they forked would be orphaned.
    leftovers = [kid for proc in stack.procs.values() for kid in descendants(proc.pid)]
    try:
        stack.close()
    finally:
        kill_pids(leftovers)


def ours_pids(stack: Stack) -> dict[str, int]:
    return {name: proc.pid for name, proc in stack.procs.items()}


@dataclass
class Stock:
    folder: Path
    port: int
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        if self.proc is not None:
            kill_group(self.proc)
            self.proc = None


def init_stock(folder: Path, env: Mapping[str, str], log: Path) -> float:
    """Runs `rasa init --no-prompt` (scaffold + training) in an empty folder; its wall seconds."""
    folder.mkdir(parents=True, exist_ok=False)
    seconds = run_timed([str(VENV / "rasa"), "init", "--no-prompt", "--init-dir", str(folder)],
                        cwd=folder, env=env, log=log, timeout=900)
    if not any((folder / "models").glob("*.tar.gz")):
        raise RuntimeError(f"rasa init made no model in {folder / 'models'}: see {log}")
    return seconds


def start_stock(folder: Path, env: Mapping[str, str], log: Path) -> tuple[Stock, float]:
    """Serves the stock model; the seconds from spawning `rasa run` to its first good REST turn."""
    stock = Stock(folder, free_port())
    command = [str(VENV / "rasa"), "run", "--model", "models", "--port", str(stock.port), "--interface", "127.0.0.1"]
    with open(log, "ab") as out:
        started = time.perf_counter()
        stock.proc = subprocess.Popen(command, cwd=folder, env=dict(env), stdout=out, stderr=out,
                                      start_new_session=True)
    proc = stock.proc
    try:
        seconds = wait_for_first_answer(lambda: stock_answers(stock.url), started, alive=lambda: proc.poll() is None)
    except BaseException:
        stock.close()
        raise
    return stock, seconds


def train_ours(out: Path, env: Mapping[str, str], log: Path) -> float:
    """Our model from scratch: a fresh Rasa cache folder, so no component is restored from .rasa/cache."""
    out.mkdir(parents=True, exist_ok=False)
    seconds = run_timed([str(VENV / "rasa"), "train", "--quiet", "--config", "config.yml", "--domain", "domain",
                         "--data", "data", "--out", str(out / "model"), "--fixed-model-name", "model", "--force"],
                        cwd=ROOT, env={**env, "RASA_CACHE_DIRECTORY": str(out / "cache")}, log=log, timeout=1200)
    if not (out / "model" / "model.tar.gz").exists():
        raise RuntimeError(f"rasa train made no model: see {log}")
    return seconds
