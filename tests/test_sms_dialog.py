"""What an SMS means (keywords, numbered choices) and how replies are written as texts."""
from __future__ import annotations

import re

import pytest

from bot.channels.sms_dialog import Inbound, bodies, decide, keyword, notice, write
from bot.channels.sms_text import encoding
from bot.guidance.replies import rights

CHOICES = [("Write a records request", '/make_letter{"letter": "records_request"}'),
           ("Do I need an advocate?", "/advocate_check")]


@pytest.mark.parametrize("body", ["STOP", "stop", "  stop  ", "Stop.", "sToP!", "UNSUBSCRIBE", "cancel", "End",
                                  "quit", "STOPALL", "stop\n"])
def test_stop_words_stop(body):
    assert keyword(body) == "stop" and decide(Inbound(body), False, CHOICES).kind == "stop"


@pytest.mark.parametrize("body", ["please stop texting me about the bus", "they won't stop calling me",
                                  "cancel the meeting?", "the end of the year", "stop it now"])
def test_stop_inside_a_sentence_is_an_ordinary_message(body):
    assert decide(Inbound(body), False, CHOICES).kind == "assistant"


def test_after_stop_only_start_and_help_are_answered():
    assert decide(Inbound("my son needs help with reading"), True, CHOICES).kind == "ignore"
    assert decide(Inbound("1"), True, CHOICES).kind == "ignore"
    assert decide(Inbound("START"), True, CHOICES).kind == "start"
    assert decide(Inbound("yes"), True, CHOICES).kind == "start"
    assert decide(Inbound("help"), True, CHOICES).kind == "help"
    assert decide(Inbound("yes"), False, CHOICES) == decide(Inbound("yes"), False, CHOICES)
    assert decide(Inbound("yes"), False, CHOICES).text == "yes"  # an answer, not an opt-in


@pytest.mark.parametrize("body,expected", [("1", 0), (" 2 ", 1), ("2.", 1), ("#1", 0), ("1)", 0)])
def test_a_number_picks_the_choice_offered(body, expected):
    decision = decide(Inbound(body), False, CHOICES)
    assert (decision.text, decision.title) == (CHOICES[expected][1], CHOICES[expected][0])


@pytest.mark.parametrize("body", ["3", "0", "12", "1 2", "I have 1 child"])
def test_other_numbers_are_words_for_the_assistant(body):
    assert decide(Inbound(body), False, CHOICES) == decide(Inbound(body), False, CHOICES)
    assert decide(Inbound(body), False, CHOICES).text == body.strip()


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_long_list_of_choices_is_cut_between_choices_never_inside_one(knowledge, language):
    """A letter summary offers a choice per detail; in Spanish (UCS-2, 201 characters a body) it runs over a body."""
    titles = [knowledge.message("button_change", language, label=f"{knowledge.fields[field].label.get(language)}")
              for field in list(knowledge.fields)[:9]]
    buttons = [{"title": title, "payload": f"/change_field{{\"n\": {n}}}"} for n, title in enumerate(titles)]
    out = write([{"text": knowledge.message("summary_question", language), "buttons": buttons}], knowledge, language)
    assert len(out.bodies) > 1
    for number, title in enumerate(titles, start=1):
        choice = knowledge.message("sms_choice", language, number=number, title=title)
        assert sum(choice in body.splitlines() for body in out.bodies) == 1, (choice, out.bodies)


def test_a_long_reply_is_cut_before_its_choices_not_between_them_and_their_heading(knowledge):
    text = " ".join(["Here is one more thing to know about the meeting and the papers."] * 5)  # 329 characters
    out = write([{"text": text, "buttons": [{"title": t, "payload": p} for t, p in CHOICES]}], knowledge, "en")
    heading = knowledge.message("sms_choices", "en")
    holding = [body for body in out.bodies if heading in body]
    assert len(holding) == 1 and holding[0].split(heading, 1)[1].startswith("\n1 for "), out.bodies


def test_a_picture_with_no_words_gets_its_own_reply():
    assert decide(Inbound("", media_count=1), False, CHOICES).kind == "no_text"
    assert decide(Inbound("   "), False, CHOICES).kind == "no_text"


def test_buttons_become_numbered_choices_and_replies_share_texts(knowledge):
    out = write([{"text": "Here is what the rules say:\n• You can ask for records (34 CFR 300.613)"},
                 {"text": "What can help next:", "buttons": [{"title": t, "payload": p} for t, p in CHOICES]}],
                knowledge, "en")
    assert out.choices == CHOICES
    assert len(out.bodies) == 1 and "Reply with a number:\n1 for Write a records request\n2 for Do I need an advocate?" in out.bodies[0]
    assert "- You can ask" in out.bodies[0] and encoding(out.bodies[0]) == "GSM-7"  # the bullet costs no UCS-2


def test_the_first_text_names_the_service_and_how_to_stop(knowledge):
    first = write([{"text": "Hi"}], knowledge, "en", intro=True).bodies[0]
    assert first.startswith("IEP Navigator") and "STOP" in first
    assert "STOP" not in write([{"text": "Hi"}], knowledge, "en").bodies[0]


def test_long_replies_are_split_between_words_within_320(knowledge):
    long = " ".join(f"word{i}" for i in range(400))
    bodies = write([{"text": long}], knowledge, "en").bodies
    assert all(len(b) <= 320 for b in bodies) and " ".join(bodies).split() == long.split()


def test_help_names_us_how_to_stop_and_where_to_find_a_person(knowledge):
    [body] = notice("sms_help", knowledge, "en", "our helpline at 555-0100").bodies
    assert "IEP Navigator" in body and "STOP" in body and "parentcenterhub.org" in body and "555-0100" in body


def test_no_right_sends_its_citation_as_a_text_of_its_own(knowledge):
    """Every right said by SMS, in English and in Spanish (UCS-2, 201 characters a body): no body is a citation
    alone, away from the words it backs."""
    for language in ("en", "es"):
        for key in knowledge.rights:
            for body in bodies([rights([key], knowledge, language).text]):
                words = re.sub(r"\([^()]*(?:\([^()]*\)[^()]*)*\)", "", body).strip(" .\n")
                assert len(words) >= 20, (language, key, body)
