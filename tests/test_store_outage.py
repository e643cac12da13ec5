"""PostgreSQL or Redis going away mid-conversation, and coming back.

The stores are reached through a TCP proxy that the test cuts. While a store is away, a parent's message
gets a clear "I couldn't save that" and nothing is stored; Rasa's fail-safe would instead have answered
from an empty, in-memory conversation. When the store is back, the same message carries on exactly where
the conversation was, as in a conversation that never had an outage.
"""
from __future__ import annotations

import json

import pytest
import requests
from sqlalchemy import create_engine, text

from bot.storage.keyring import EVENT_KEYS, Keyring
from tests.services import TcpProxy, postgres_database, redis_url, require_services
from tests.stack import API_KEY, Stack, running

OPENING = ["My daughter is 8 and has an IEP for autism. Her speech therapy sessions have not happened for six weeks "
           "because the therapist left, and nobody told us until I asked.",
           '/make_letter{"letter": "meeting_request"}']
NEXT = "Ana Rivera"


@pytest.fixture(scope="module")
def proxies():
    require_services()
    database, locks = TcpProxy(5432), TcpProxy(6379)
    yield database, locks
    database.close()
    locks.close()


@pytest.fixture(scope="module")
def stack(tmp_path_factory, proxies):
    database, locks = proxies
    with postgres_database(database.port) as tracker_url:
        env = {"TRACKER_STORE_URL": tracker_url, "LOCK_STORE_URL": redis_url(locks.port)}
        with running(Stack(tmp_path_factory.mktemp("outage"), env), "actions", "rasa") as made:
            yield made


@pytest.mark.parametrize("store", ["database", "locks"])
def test_a_message_sent_while_a_store_is_away_is_refused_kindly_and_the_retry_carries_on(stack, proxies, knowledge,
                                                                                          store):
    proxy = proxies[0] if store == "database" else proxies[1]
    reference, parent = f"steady-{store}", f"outage-{store}"
    for message in OPENING:
        stack.say(reference, message)
        stack.say(parent, message)
    expected = stack.say(reference, NEXT)
    before = _stored(stack, parent)

    proxy.cut()
    try:
        refused = stack.post("messages", stack.tokens[parent], text=NEXT)
        history = requests.get(f"{stack.rasa_url}/webhooks/web/messages", timeout=30,
                               headers={"X-API-Key": API_KEY, "Authorization": f"Bearer {stack.tokens[parent]}"})
    finally:
        proxy.restore()

    assert refused.status_code == 503
    assert refused.json()["message"] == knowledge.message("web_not_saved", "en")
    assert refused.json()["token"] == stack.tokens[parent]  # the same conversation, not a new one
    # Reading the history needs the database, not the lock: with Redis away the page still reloads.
    assert history.status_code == (503 if store == "database" else 200) and "Traceback" not in history.text
    assert _stored(stack, parent) == before  # nothing half-stored, no restart written
    assert _shown(stack.say(parent, NEXT)) == _shown(expected)  # the form goes on from where it was
    assert _stored(stack, parent)[:len(before)] == before


def _stored(stack: Stack, name: str) -> list[tuple[str, str]]:
    engine = create_engine(stack.env["TRACKER_STORE_URL"].replace(f":{_port(stack)}/", ":5432/"), future=True)
    try:
        with engine.connect() as db:  # straight to PostgreSQL: the proxy the stack uses may be down
            sender = stack.sender(name)
            rows = db.execute(text("SELECT type_name, data FROM events WHERE sender_id = :s ORDER BY id"),
                              {"s": sender}).all()
            sealer = Keyring(EVENT_KEYS, stack.sealer).for_reading(db, sender)
            events = [(kind, json.loads(sealer.open_text(data))) for kind, data in rows]
            return [(kind, event.get("text") or event.get("name") or "") for kind, event in events]
    finally:
        engine.dispose()


def _port(stack: Stack) -> str:
    return stack.env["TRACKER_STORE_URL"].rsplit(":", 1)[1].split("/")[0]


def _shown(replies: list[dict]) -> list[tuple[str, list]]:
    return [(r.get("text"), r.get("buttons")) for r in replies]
