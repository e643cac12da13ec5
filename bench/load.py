"""The load generator: scripted conversations sent to an assistant over HTTP with asyncio + aiohttp.

Each conversation sends its next message only after the answer to the previous one (no think time), so
a round of N concurrent conversations keeps N requests in flight. A failed turn is counted and the
conversation goes on; nothing here raises because one request failed.
"""
from __future__ import annotations

import asyncio
import json
import statistics
import time
from dataclasses import dataclass
from typing import Protocol

import aiohttp

TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Turn:
    ms: float
    status: int | None  # HTTP status; None when no answer came (timeout, connection error)
    error: str | None = None  # None: a good answer; else http_<status>, timeout, connection, empty, ...
    detail: str = ""  # for errors: what was sent and what came back, shortened

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def completed(self) -> bool:
        """The server answered 2xx: it did the turn's work, even if its answer was empty."""
        return self.status is not None and 200 <= self.status < 300

    def failed(self, error: str, text: str, answer: object) -> "Turn":
        if isinstance(answer, dict):
            answer = {k: v for k, v in answer.items() if k != "token"}  # long and says nothing
        return Turn(self.ms, self.status, error, f"{text[:60]!r} -> {self.status} {str(answer)[:200]}")


@dataclass(frozen=True)
class Summary:
    turns: int
    completed: int  # answered 2xx
    ok: int  # answered 2xx with a non-empty answer
    errors: dict[str, int]
    error_examples: list[str]
    wall_s: float
    throughput: float  # completed turns per second of wall time
    ok_throughput: float  # good turns per second of wall time
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    mean_ms: float | None
    max_ms: float | None

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


@dataclass(frozen=True)
class Run:
    """The raw turns of a round (or of several, merged) and its wall time."""
    turns: list[Turn]
    wall_s: float

    def summary(self) -> Summary:
        return summarize(self.turns, self.wall_s)


def merge(runs: list[Run]) -> Run:
    """A system's rounds taken together: all their turns over the sum of their wall times."""
    return Run([turn for run in runs for turn in run.turns], sum(run.wall_s for run in runs))


class Conversation(Protocol):
    async def say(self, session: aiohttp.ClientSession, text: str) -> Turn: ...


class Client(Protocol):
    name: str

    def conversation(self, conversation_id: str) -> Conversation: ...


@dataclass
class OursConversation:
    """Our web channel's REST API: the first turn gets a token, later turns send it back."""
    url: str
    api_key: str
    token: str | None = None

    async def say(self, session: aiohttp.ClientSession, text: str) -> Turn:
        headers = {"X-API-Key": self.api_key}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        turn, answer = await _post(session, self.url, {"text": text}, headers)
        if isinstance(answer, dict):
            self.token = answer.get("token") or self.token
        if not turn.ok:
            return turn.failed(turn.error or "", text, answer)
        if not isinstance(answer, dict):
            return turn.failed("bad_json", text, answer)
        messages = answer.get("messages")
        if not (isinstance(messages, list) and any(isinstance(m, dict) and m.get("from") == "bot" for m in messages)):
            return turn.failed("empty", text, answer)
        return turn


@dataclass
class StockConversation:
    """Rasa's REST channel: the client names the conversation."""
    url: str
    sender: str

    async def say(self, session: aiohttp.ClientSession, text: str) -> Turn:
        turn, answer = await _post(session, self.url, {"sender": self.sender, "message": text}, {})
        if not turn.ok:
            return turn.failed(turn.error or "", text, answer)
        if not (isinstance(answer, list) and answer):
            return turn.failed("empty", text, answer)
        return turn


@dataclass(frozen=True)
class OursClient:
    rasa_url: str
    api_key: str
    name: str = "ours"

    def conversation(self, conversation_id: str) -> Conversation:
        return OursConversation(f"{self.rasa_url}/webhooks/web/messages", self.api_key)


@dataclass(frozen=True)
class StockClient:
    url: str
    name: str = "stock"

    def conversation(self, conversation_id: str) -> Conversation:
        return StockConversation(f"{self.url}/webhooks/rest/webhook", conversation_id)


def new_session(limit: int) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=limit),
                                 timeout=aiohttp.ClientTimeout(total=TIMEOUT_S))


async def _post(session: aiohttp.ClientSession, url: str, body: dict, headers: dict[str, str]) -> tuple[Turn, object]:
    start = time.perf_counter()
    try:
        async with session.post(url, json=body, headers=headers) as response:
            raw = await response.read()
            status = response.status
    except asyncio.TimeoutError:  # before ClientError: aiohttp's ServerTimeoutError is both
        return Turn(_ms_since(start), None, "timeout"), None
    except aiohttp.ClientConnectionError as err:
        return Turn(_ms_since(start), None, "connection"), type(err).__name__
    except aiohttp.ClientError as err:
        return Turn(_ms_since(start), None, type(err).__name__), str(err)
    ms = _ms_since(start)
    try:
        answer = json.loads(raw) if raw else None
    except ValueError:
        answer = raw[:160].decode("utf-8", "replace")
    return Turn(ms, status, None if 200 <= status < 300 else f"http_{status}"), answer


def _ms_since(start: float) -> float:
    return (time.perf_counter() - start) * 1000


async def converse(client: Client, session: aiohttp.ClientSession, conversation_id: str,
                   script: list[str]) -> list[Turn]:
    conversation = client.conversation(conversation_id)
    return [await conversation.say(session, text) for text in script]


async def concurrent_round(client: Client, session: aiohttp.ClientSession, scripts: list[list[str]],
                           prefix: str) -> Run:
    """All scripts at once; wall time from the first request to the last answer."""
    start = time.perf_counter()
    results = await asyncio.gather(*(converse(client, session, f"{prefix}-{i}", script)
                                     for i, script in enumerate(scripts)))
    return Run([turn for turns in results for turn in turns], time.perf_counter() - start)


async def sequential(client: Client, session: aiohttp.ClientSession, scripts: list[list[str]],
                     min_turns: int, prefix: str) -> Run:
    """One conversation at a time, cycling through the scripts, until at least `min_turns` turns."""
    turns: list[Turn] = []
    start = time.perf_counter()
    number = 0
    while len(turns) < min_turns:
        turns += await converse(client, session, f"{prefix}-{number}", scripts[number % len(scripts)])
        number += 1
    return Run(turns, time.perf_counter() - start)


def summarize(turns: list[Turn], wall_s: float, examples: int = 3) -> Summary:
    """Latency percentiles are over the completed (2xx) turns, whose work the server did, empty answers
    included; every failed turn, empty answers included, is counted as an error by kind."""
    done = sorted(t.ms for t in turns if t.completed)
    ok = sum(1 for t in turns if t.ok)
    errors: dict[str, int] = {}
    for turn in turns:
        if turn.error:
            errors[turn.error] = errors.get(turn.error, 0) + 1
    p50, p95, p99 = percentiles(done, (50, 95, 99))
    return Summary(turns=len(turns), completed=len(done), ok=ok, errors=errors,
                   error_examples=[t.detail for t in turns if t.error][:examples], wall_s=round(wall_s, 3),
                   throughput=_rate(len(done), wall_s), ok_throughput=_rate(ok, wall_s),
                   p50_ms=p50, p95_ms=p95, p99_ms=p99,
                   mean_ms=round(statistics.fmean(done), 1) if done else None,
                   max_ms=round(done[-1], 1) if done else None)


def _rate(count: int, wall_s: float) -> float:
    return round(count / wall_s, 2) if wall_s > 0 else 0.0


def percentiles(values: list[float], points: tuple[int, ...]) -> list[float | None]:
    if not values:
        return [None for _ in points]
    if len(values) == 1:
        return [round(values[0], 1) for _ in points]
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return [round(cuts[p - 1], 1) for p in points]
