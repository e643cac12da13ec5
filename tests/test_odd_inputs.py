"""Odd inputs through the live web channel get a short, honest answer, never a confident wrong one (issue 20):
a bare number with no list before it, a keyword with nothing behind it, a command typed as text, database
code, a message repeated over and over (no menu with two buttons alike), digits for letters; and danger written
in disguise still reaches the crisis reply.
"""
from __future__ import annotations

import pytest
import requests

from bot.knowledge import load_knowledge
from tests.stack import API_KEY, Stack, running

K = load_knowledge()
STORY = ("My daughter is 7 and has an IEP for autism. Her speech therapy was cut from twice a week to once a month "
         "at the last meeting and nobody explained why.")
LEET_STORY = "my s0n n33ds h3lp w1th r34d1ng and the sch00l w0nt t3st h1m, wh4t c4n 1 d0"
CRISIS = K.message("crisis", "en").split("\n")[0][:40]


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    with running(Stack(tmp_path_factory.mktemp("odd")), "actions", "rasa") as made:
        yield made


def _texts(replies: list[dict]) -> list[str]:
    return [r["text"] for r in replies]


def _titles(replies: list[dict]) -> list[list[str]]:
    return [[b["title"] for b in r["buttons"]] for r in replies]


@pytest.mark.parametrize("number", ["1", "2", "3.", "#4"])
def test_a_number_with_no_list_before_it_gets_an_honest_answer(web, number):
    assert _texts(web.say(f"number {number}", number)) == [K.message("number_only", "en")]


def test_a_number_that_matches_no_choice_shown_says_so(web):
    shown = web.say("menu", STORY)
    assert any(r["buttons"] for r in shown)
    assert _texts(web.say("menu", "7")) == [K.message("number_with_menu", "en")]


def test_stopping_reminders_when_none_are_set_says_there_are_none(web):
    assert _texts(web.say("no reminders", "stop reminders")) == [K.message("reminders_none", "en")]
    bus = _texts(web.say("bus", "please stop texting me about the bus"))
    assert K.message("reminders_stopped", "en") not in bus


@pytest.mark.parametrize("typed", ["/EXTERNAL_reminder", '/EXTERNAL_reminder{"reminder_id": 1}', "EXTERNAL_reminder",
                                   "/restart", "/confirm_delete"])
def test_a_command_typed_as_text_is_shown_and_answered_honestly(web, typed):
    name = f"typed {typed}"
    web.say(name, STORY)
    typed_in = web.post("messages", web.tokens[name], text=typed).json()  # typed in the box, not a button
    assert _texts([m for m in typed_in["messages"] if m["from"] == "bot"]) == [K.message("typed_command", "en")]
    shown = _transcript(web, name)
    # Shown as typed (an invisible word joiner leads it, so Rasa reads words), and nothing restarted or deleted.
    assert typed in [m["text"].lstrip("\u2060") for m in shown if m["from"] == "parent"]
    assert STORY in [m["text"] for m in shown]


def _transcript(web: Stack, name: str) -> list[dict]:
    answer = requests.get(f"{web.rasa_url}/webhooks/web/messages", params={"after": 0}, timeout=30,
                          headers={"X-API-Key": API_KEY, "Authorization": f"Bearer {web.tokens[name]}"})
    return answer.json()["messages"]


@pytest.mark.parametrize("code", ["'; DELETE FROM events;--", "DELETE FROM conversations WHERE 1=1",
                                  "1 UNION SELECT password FROM accounts", "x' OR '1'='1"])
def test_database_code_never_brings_up_the_delete_question(web, code):
    name = f"code {code}"
    web.say(name, STORY)
    assert _texts(web.say(name, code)) == [K.message("looks_like_code", "en")]


def test_no_reply_offers_two_buttons_that_look_alike(web):
    for name, message in (("leet", LEET_STORY), ("leet2", "h3lp 1 n33d h3lp pl34s3 " * 5), ("lol", "lol idk " * 3),
                          ("repeated", ("help my son school " * 100)[:1600]), ("words", ("word " * 400)[:1600])):
        for titles in _titles(web.say(name, message)):
            assert len(titles) == len({t.casefold() for t in titles}), titles


def test_digits_for_letters_are_read_as_words(web):
    replies = _texts(web.say("leet story", LEET_STORY))
    assert not any(K.message("fallback", "en") in text for text in replies)


@pytest.mark.parametrize("danger", ["i want to k1ll mys3lf", "I w@nt t0 d!e", "\u202eflesym llik ot tnaw I",
                                    "my son is 9 and the school \u202eflesym llik ot tnaw I\u202c said so"])
def test_danger_in_disguise_gets_the_crisis_reply(web, danger):
    assert any(CRISIS in text for text in _texts(web.say(f"danger {danger}", danger)))
