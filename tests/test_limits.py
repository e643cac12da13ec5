"""Rate limits and size limits on the live stack: a kind "please wait", nothing lost, danger always answered.

The limits are set low here (3 messages per conversation and 8 per address a minute) so a test can
reach them; the defaults (bot/ops/settings.py) are far above a parent typing.
"""
from __future__ import annotations

import time

import pytest
import requests

from bot.channels.sms_dialog import notice
from tests.sms_stack import HELP_MARK, SmsStack
from tests.stack import API_KEY, running

CRISIS = "I am scared, my son said he wants to kill himself tonight"


@pytest.fixture(scope="module")
def stack(tmp_path_factory, twilio):
    made = SmsStack.with_twilio(tmp_path_factory.mktemp("limits"), twilio,
                                IEP_RATE_CONVERSATION="3/60", IEP_RATE_ADDRESS="8/60", IEP_RATE_API_KEY="8/60")
    with running(made, "actions", "rasa", "links", "site"):
        yield made


def _user_turns(stack: SmsStack, name: str) -> list[str]:
    history = requests.get(f"{stack.rasa_url}/webhooks/web/messages", timeout=30,
                           headers={"X-API-Key": API_KEY, "Authorization": f"Bearer {stack.tokens[name]}"})
    history.raise_for_status()
    return [m["text"] for m in history.json()["messages"] if m["from"] == "parent"]


def test_a_conversation_or_an_address_that_sends_too_fast_is_asked_to_wait_and_loses_nothing(stack, knowledge):
    for n in range(3):
        stack.say("fast", f"question number {n} about his IEP")
    token = stack.tokens["fast"]
    refused = stack.post("messages", token, text="and one more")
    assert refused.status_code == 429
    body = refused.json()
    assert body["error"] == "slow_down" and body["token"] == token  # the same conversation, kept
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert body["message"] == knowledge.message("slow_down", "en", seconds=refused.headers["Retry-After"])
    assert "and one more" not in _user_turns(stack, "fast")  # not half-taken: the widget keeps it in the box

    danger = stack.post("messages", token, text=CRISIS)  # over the limit, and still answered first
    assert danger.status_code == 200
    assert "988" in " ".join(m["text"] for m in danger.json()["messages"] if m["from"] == "bot")

    # 5 requests with this server's API key so far; three more fit, then even a new conversation must wait.
    for n in range(3):
        assert stack.post("messages", None, text=f"hello {n}").status_code == 200
    assert stack.post("messages", None, text="hello again").status_code == 429
    assert stack.post("conversations").status_code == 429
    # A browser on the site is counted by its address, apart from the site's server and its key.
    browser = {"Origin": stack.site_url}
    for n in range(8):
        assert requests.post(f"{stack.rasa_url}/webhooks/web/messages", json={"text": f"hi {n}"}, headers=browser,
                             timeout=60).status_code == 200
    assert requests.post(f"{stack.rasa_url}/webhooks/web/messages", json={"text": "hi again"}, headers=browser,
                         timeout=60).status_code == 429


def test_a_number_that_texts_too_fast_hears_it_once_and_danger_still_gets_through(stack, twilio, knowledge):
    number = "+15550107777"
    for n in range(6):
        assert stack.text(number, f"text number {n} about the IEP meeting").status_code == 200
    assert stack.text(number, CRISIS).status_code == 200
    assert stack.text(number, "HELP").status_code == 200  # carrier keywords are never held back
    deadline = time.time() + 90
    while not any(HELP_MARK in body for body in twilio.to(number)) and time.time() < deadline:
        time.sleep(0.1)
    bodies = twilio.to(number)
    wait = knowledge.message("sms_slow_down", "en")
    assert sum(wait in body for body in bodies) == 1, bodies  # one "please wait" for three texts over the limit
    assert any("988" in body for body in bodies), bodies
    assert [t for t in stack.user_texts(number) if t.startswith("text number")] == [
        f"text number {n} about the IEP meeting" for n in range(3)]


def test_oversized_requests_are_refused_before_any_work(stack):
    huge = "x" * (2 * 1024 * 1024)
    web = requests.post(f"{stack.rasa_url}/webhooks/web/messages", data=huge, timeout=30,
                        headers={"X-API-Key": API_KEY, "Content-Type": "application/json"})
    assert web.status_code == 413
    api = requests.post(f"{stack.rasa_url}/conversations/someone/tracker/events", data=huge, timeout=30)
    assert api.status_code == 413
    sms = requests.post(f"{stack.rasa_url}/webhooks/sms/webhook", data={"Body": "x" * 100_000}, timeout=30)
    assert sms.status_code == 413
    actions = requests.post(f"http://127.0.0.1:{stack.action_port}/webhook", data="x" * (9 * 1024 * 1024), timeout=30,
                            headers={"Authorization": f"Bearer {stack.settings.action_token(stack.env)}"})
    assert actions.status_code == 413


def test_an_opted_out_number_that_writes_about_danger_still_hears_where_help_is(stack, twilio, knowledge):
    number = "+15550108888"
    assert stack.text(number, "STOP").status_code == 200
    deadline = time.time() + 60
    while not twilio.to(number) and time.time() < deadline:
        time.sleep(0.1)
    stopped = len(twilio.to(number))
    assert stack.text(number, "when is the next meeting").status_code == 200  # opted out: silence
    assert stack.text(number, CRISIS).status_code == 200  # but never silence about danger
    while len(twilio.to(number)) == stopped and time.time() < deadline:
        time.sleep(0.1)
    time.sleep(1)  # had the ordinary text been answered, it would be here by now (texts are answered in order)
    after = twilio.to(number)[stopped:]
    assert after == notice("crisis", knowledge, "en").bodies  # the crisis information, and only that
    assert "988" in " ".join(after)
    assert stack.user_texts(number) == []  # nothing stored while opted out


@pytest.mark.parametrize("where", ["links", "site"])
def test_the_link_server_and_the_site_refuse_large_bodies(stack, where):
    url = f"http://127.0.0.1:{stack.link_port}/health" if where == "links" else f"{stack.site_url}/training/practice/eval_denied_verbal_upset"
    answer = requests.post(url, data="x" * (2 * 1024 * 1024), timeout=30)
    assert 400 <= answer.status_code < 500
