"""Two Rasa servers sharing PostgreSQL (tracker store and case database) and Redis (lock store), as
`make run-prod` runs them, with one action server behind both.

One conversation alternates between the servers for 20 turns, through the whole letter form, and must
leave exactly the events, slots and replies that the same conversation leaves on one server. Then 20
conversations send at once to both servers, some of them two messages at the same moment, and every
tracker must come out whole: each message once, in order, each turn finished before the next began.
"""
from __future__ import annotations

import json
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import create_engine, text

from tests.services import postgres_database, redis_url, require_services
from tests.stack import Stack, running

STORY = ("My son Jake is 10 and in 4th grade with an IEP for dyslexia. His reading has not improved all year and the "
         "progress reports say the same thing every time. The teacher says they are monitoring it. I want to meet "
         "with the team.")
TWENTY_TURNS = [
    STORY,
    '/make_letter{"letter": "meeting_request"}',
    "Ana Rivera",
    "Lincoln Elementary",
    "reading fluency and decoding",
    "November and January",
    "He still reads at a 2nd grade level and cries over homework most nights.",
    "Tuesday or Thursday after 3",
    "Skip",
    "ana@example.org",
    "No",
    "/confirm_letter",
    "do I need an advocate?",
    "what does prior written notice mean",
    "the school also stopped his speech therapy sessions last month",
    "what is an IEE",
    "ok thank you",
    "can I see his school records?",
    "thanks for your help",
    "bye",
]
SHORT = [STORY, "what does prior written notice mean", "do I need an advocate?", "what is an IEE", "thank you",
         "bye"]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    require_services()
    with postgres_database() as tracker_url, postgres_database() as cases_url:
        env = {"TRACKER_STORE_URL": tracker_url, "DATABASE_URL": cases_url, "LOCK_STORE_URL": redis_url()}
        with running(Stack(tmp_path_factory.mktemp("scale"), env), "actions", "rasa", "rasa2") as made:
            yield made


def test_one_conversation_alternating_between_two_servers_is_the_conversation_one_server_gives(stack):
    servers = [stack.rasa_url, stack.rasa2_url]
    alone = [_shown(stack.say("alone", message, stack.rasa_url)) for message in TWENTY_TURNS]
    alternating = [_shown(stack.say("both", message, servers[turn % 2])) for turn, message in enumerate(TWENTY_TURNS)]

    for turn, (one, two) in enumerate(zip(alone, alternating)):
        assert two == one, f"turn {turn + 1} ({TWENTY_TURNS[turn][:40]!r}) answered differently"
    letter = next(m for turn in alternating for m in turn if m.get("letter"))["letter"]
    assert "Ana Rivera" in letter["text"] and "Lincoln Elementary" in letter["text"]  # slots carried over the form
    events = _events(stack, stack.sender("both"))
    assert events == _events(stack, stack.sender("alone"))  # nothing lost, nothing twice, same slots
    assert [e[1] for e in events if e[0] == "user"] == TWENTY_TURNS
    print(f"\n20 turns alternating between 2 servers: {len(events)} events, identical to one server's")


def test_twenty_conversations_at_once_on_both_servers_leave_whole_trackers(stack):
    servers = [stack.rasa_url, stack.rasa2_url]
    expected = [_shown(stack.say("reference", message, stack.rasa_url)) for message in SHORT]
    got: dict[str, list] = {}

    def converse(number: int) -> None:
        name = f"crowd-{number}"
        got[name] = [_shown(stack.say(name, message, servers[(turn + number) % 2]))
                     for turn, message in enumerate(SHORT)]

    def burst(number: int) -> None:
        """Two messages of one conversation at the same moment, one to each server: the lock orders them."""
        name = f"burst-{number}"
        stack.say(name, STORY, servers[0])
        start = threading.Barrier(2)

        def send(server: str, message: str) -> None:
            start.wait()
            stack.post("messages", stack.tokens[name], server, text=message).raise_for_status()

        with ThreadPoolExecutor(2) as pair:
            for done in [pair.submit(send, servers[0], "what is an IEE"),
                         pair.submit(send, servers[1], "what does prior written notice mean")]:
                done.result()

    with ThreadPoolExecutor(20) as crowd:
        jobs = [crowd.submit(converse, n) for n in range(15)] + [crowd.submit(burst, n) for n in range(5)]
        for job in jobs:
            job.result()

    for name, replies in got.items():
        assert replies == expected, f"{name} was answered differently from one conversation on one server"
        assert [e[1] for e in _events(stack, stack.sender(name)) if e[0] == "user"] == SHORT
    for number in range(5):
        name = f"burst-{number}"
        users = [e[1] for e in _events(stack, stack.sender(name)) if e[0] == "user"]
        assert users[0] == STORY and sorted(users[1:]) == sorted(["what is an IEE", "what does prior written notice mean"])
    for name in [*got, *(f"burst-{n}" for n in range(5))]:
        _assert_whole(_raw_events(stack, stack.sender(name)), name)
    print(f"\n{len(got)} conversations on both servers at once and 5 two-message bursts: every tracker whole")


def _shown(replies: list[dict]) -> list[dict]:
    """What the parent sees, without what differs by design between two conversations (links, indexes)."""
    return [json.loads(_mask(json.dumps({k: v for k, v in r.items() if k != "index"}, sort_keys=True)))
            for r in replies]


def _mask(raw: str) -> str:
    return re.sub(r"https?://[^\s\"\\]+", "<link>", raw)


def _raw_events(stack: Stack, sender: str) -> list[dict]:
    engine = create_engine(stack.env["TRACKER_STORE_URL"], future=True)
    try:
        with engine.connect() as db:
            rows = db.execute(text("SELECT data FROM events WHERE sender_id = :s ORDER BY id"), {"s": sender})
            return [json.loads(stack.open_event(data, sender)) for (data,) in rows]
    finally:
        engine.dispose()


def _events(stack: Stack, sender: str) -> list[tuple]:
    """Each stored event as what it means: its kind, and its text, name or slot value, minus ids and times."""
    meaning = []
    for event in _raw_events(stack, sender):
        kind = event["event"]
        if kind == "user":
            meaning.append(("user", event.get("text"), (event.get("parse_data") or {}).get("intent", {}).get("name")))
        elif kind == "bot":
            meaning.append(("bot", _mask(json.dumps([event.get("text"), event.get("data")], sort_keys=True))))
        elif kind == "slot":
            value = "<id>" if event["name"].endswith("_id") and event.get("value") is not None else event.get("value")
            meaning.append(("slot", event["name"], _mask(json.dumps(value, sort_keys=True))))
        else:
            meaning.append((kind, event.get("name")))
    return meaning


def _assert_whole(events: list[dict], name: str) -> None:
    """Every turn ran to its end (action_listen) before the next message was taken in; no message twice."""
    ids = [e.get("message_id") for e in events if e["event"] == "user"]
    assert len(ids) == len(set(ids)), f"{name}: a message was stored twice"
    open_turn = False
    for event in events:
        if event["event"] == "user":
            assert not open_turn, f"{name}: a message arrived inside another message's turn"
            open_turn = True
        elif event["event"] == "action" and event.get("name") == "action_listen":
            open_turn = False
    assert not open_turn, f"{name}: the last turn did not finish"
