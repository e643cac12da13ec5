"""The letter actions against real trackers: what the parent sees and what the conversation remembers.

Letters are stored in the test database that tests/conftest.py points DATABASE_URL at.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import actions, letters

STORY = ("My son Sam is in 4th grade at Lincoln Elementary. His IEP gives him speech therapy every week "
         "but he has not had a session since October.")
DETAILS = {"parent_name": "Ana Ruiz", "child_name": "Sam Ruiz", "grade": "4th grade", "school": "Lincoln Elementary",
           "decision": "They said no to testing for dyslexia.", "decision_date": "", "recipient": "",
           "parent_contact": "", "urgent": "no"}


def tracker(text="", intent="share_background", slots=None, events=None, entities=None, channel="rest",
            active_loop=None, sender="parent-1"):
    return Tracker(
        sender_id=sender, slots=slots or {},
        latest_message={"intent": {"name": intent, "confidence": 0.9}, "text": text, "entities": entities or [],
                        "triage": {}},
        events=(events or []) + [{"event": "user", "text": text, "input_channel": channel,
                                  "parse_data": {"entities": entities or []}}],
        paused=False, followup_action=None, active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


async def run(action, t):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, t, {})
    return dispatcher.messages, events


def slot_events(events):
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


async def test_start_uses_the_story_and_never_asks_twice():
    earlier = [{"event": "user", "text": STORY, "parse_data": {"entities": [
        {"entity": "grade", "value": "4th grade", "start": 19, "end": 28}]}}]
    messages, events = await run(letters.ActionStartLetter(), tracker(
        '/make_letter{"letter": "meeting_request"}', "make_letter", slots={"situations": ["services_not_delivered"]},
        events=earlier, entities=[{"entity": "letter", "value": "meeting_request"}]))
    slots = slot_events(events)
    assert slots["letter_type"] == "meeting_request"
    assert slots["meeting_reason"] == "services_not_delivered"
    assert slots["child_name"] == "Sam" and slots["school"] == "Lincoln Elementary" and slots["grade"] == "4th grade"
    assert "meeting" in messages[0]["text"]


async def test_a_full_name_in_the_story_is_not_asked_again():
    story = STORY.replace("My son Sam is", "My son Sam Ruiz is")
    earlier = [{"event": "user", "text": story, "parse_data": {"entities": []}}]
    messages, events = await run(letters.ActionStartLetter(), tracker(
        '/make_letter{"letter": "meeting_request"}', "make_letter", slots={"situations": ["services_not_delivered"]},
        events=earlier, entities=[{"entity": "letter", "value": "meeting_request"}]))
    assert slot_events(events)["child_name"] == "Sam Ruiz"


async def test_start_without_a_clear_letter_offers_them_all(knowledge):
    messages, events = await run(letters.ActionStartLetter(), tracker("can you write it", "make_letter"))
    assert slot_events(events)["letter_type"] is None
    assert len(messages[0]["buttons"]) == len(knowledge.letters)


async def test_a_long_story_asking_for_a_letter_is_triaged_first():
    story = STORY + " I have emailed twice and nobody answers. " * 4 + "Can you write a letter for me?"
    messages, events = await run(letters.ActionStartLetter(), tracker(story, "make_letter"))
    assert slot_events(events)["letter_type"] is None
    assert messages  # a kind answer, not a silent turn


def validator(letter):
    return next(a for a in letters.LetterFormValidation.__subclasses__() if a.letter == letter)()


async def test_validation_reads_the_answer_to_the_open_question():
    answer = [{"event": "slot", "name": "child_name", "value": "sam ruiz"}]
    t = tracker("sam ruiz", slots={"requested_slot": "child_name", "letter_type": "pwn_request"}, events=[],
                active_loop="pwn_request_form")
    t.events.extend(answer)
    messages, events = await run(validator("pwn_request"), t)
    assert slot_events(events)["child_name"] == "Sam Ruiz"
    assert messages == []


async def test_two_misses_explain_and_the_question_is_not_repeated(knowledge):
    slots = {"requested_slot": "child_name", "letter_type": "pwn_request"}
    t = tracker("12345", slots=dict(slots), active_loop="pwn_request_form")
    t.events.append({"event": "slot", "name": "child_name", "value": "12345"})
    messages, events = await run(validator("pwn_request"), t)
    state = slot_events(events)
    assert state["child_name"] is None and state["letter_failures"] == {"child_name": 1}
    ask = next(a for a in letters.AskField.__subclasses__() if a.field == "child_name")()
    retried = tracker(slots=dict(slots, letter_failures=state["letter_failures"]))
    retried.events.append({"event": "bot", "text": messages[0]["text"]})  # the retry, said this turn
    asked, _ = await run(ask, retried)
    assert asked == []  # the retry already asked
    # A message with no answer in it (another step's button) is not validated: the question is asked again.
    silent, _ = await run(ask, tracker("/confirm_letter", "confirm_letter",
                                       slots=dict(slots, letter_failures=state["letter_failures"])))
    assert silent and knowledge.fields["child_name"].ask.get() in silent[0]["text"]
    t2 = tracker("???", slots=dict(slots, letter_failures={"child_name": 1}), active_loop="pwn_request_form")
    t2.events.append({"event": "slot", "name": "child_name", "value": "???"})
    messages, events = await run(validator("pwn_request"), t2)
    assert knowledge.fields["child_name"].why.get() in messages[0]["text"]
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/continue_letter", "/stop_letter", "/human_handoff"]


async def test_meeting_form_asks_the_reason_fields():
    form = validator("meeting_request")
    fields = await form.required_slots([], CollectingDispatcher(), tracker(slots={"meeting_reason": "behavior"}), {})
    assert "incidents" in fields and "service" not in fields


async def test_summary_change_and_stop():
    slots = dict(DETAILS, letter_type="pwn_request")
    messages, _ = await run(letters.ActionLetterSummary(), tracker(slots=slots))
    assert "Ana Ruiz" in messages[0]["text"] and messages[0]["buttons"][0]["payload"] == "/confirm_letter"
    _, events = await run(letters.ActionChangeField(), tracker(
        '/change_field{"field": "school"}', "change_field", slots=slots, entities=[{"entity": "field", "value": "school"}]))
    assert slot_events(events)["school"] is None
    messages, events = await run(letters.ActionStopLetter(), tracker("/stop_letter", "stop_letter", slots=slots,
                                                                     active_loop="pwn_request_form"))
    assert any(e.get("event") == "active_loop" and e.get("name") is None for e in events)
    assert "saved" in messages[0]["text"]


async def test_crisis_mid_letter_stops_the_questions():
    _, events = await run(actions.ActionCrisis(), tracker("I want to end my life", "crisis",
                                                          active_loop="pwn_request_form"))
    assert ActiveLoop(None) in events and SlotSet("requested_slot", None) in events


async def test_make_deliver_split_and_record_sent(knowledge):
    slots = dict(DETAILS, letter_type="pwn_request")
    messages, events = await run(letters.ActionMakeLetter(), tracker("/confirm_letter", "confirm_letter", slots=slots))
    letter_id = slot_events(events)["letter_id"]
    letter = next(m["custom"]["letter"] for m in messages if m.get("custom"))
    assert letter["text"].startswith("Subject: Request for Prior Written Notice for Sam Ruiz")
    assert "/letters/" in letter["pdf"] and letter["docx"].endswith("/letter.docx")
    assert messages[-1]["buttons"][0]["payload"] == "/letter_sent"
    stored = letters.SERVICE.store.get(letter_id)
    assert stored.text == letter["text"] and stored.conversation_key != "parent-1"

    parts, _ = await run(letters.ActionLetterInParts(), tracker("/letter_in_parts", slots={"letter_id": letter_id}))
    assert parts[0]["text"].startswith("(1/")

    sms, _ = await run(letters.ActionMakeLetter(), tracker("/confirm_letter", "confirm_letter", slots=slots,
                                                            channel="twilio"))
    assert not any(m.get("custom") for m in sms) and "/letter.pdf" in sms[0]["text"]

    said, _ = await run(letters.ActionLetterSent(), tracker("I sent it yesterday", "letter_sent",
                                                             slots={"letter_id": letter_id}))
    yesterday = date.today() - timedelta(days=1)
    assert letters.SERVICE.store.get(letter_id).sent_on == yesterday
    assert "noted" in said[0]["text"]


async def test_make_with_missing_details_loses_nothing():
    messages, events = await run(letters.ActionMakeLetter(), tracker("/confirm_letter", "confirm_letter",
                                                                     slots={"letter_type": "pwn_request"}))
    assert events == [] and "write a letter" in messages[0]["text"]


@pytest.mark.parametrize("slots", [{}, {"letter_id": 999999}])
async def test_sent_without_a_letter_is_answered_kindly(slots, knowledge):
    messages, _ = await run(letters.ActionLetterSent(), tracker("/letter_sent", "letter_sent", slots=slots))
    assert messages[0]["text"] == knowledge.message("sent_no_letter")


async def test_a_future_sent_date_is_asked_again(knowledge):
    messages, _ = await run(letters.ActionLetterSent(), tracker("I'll send it next friday", "letter_sent",
                                                                 slots={"letter_id": 1}))
    assert messages[0]["text"] == knowledge.message("sent_unclear_date")


# --- a parent who speaks Spanish (issue 22) -------------------------------------------------------------

SPANISH = {"language": "es", "parent_name": "María José Peña", "child_name": "Sofía Núñez", "grade": "4.º grado",
           "school": "Lincoln Elementary", "decision": "Dijeron que no a las pruebas de dislexia.",
           "decision_date": "", "recipient": "", "parent_contact": "", "urgent": "no"}


async def test_an_answer_written_in_english_does_not_switch_a_spanish_letter(knowledge):
    """The question offers English for the parent's own words; answering in English keeps the questions, the
    summary and the copy in Spanish (the NLU read the English answer as clear English and set the slot)."""
    english = "They said no to testing her for dyslexia because her grades are fine."
    t = tracker(english, slots={"requested_slot": "decision", "letter_type": "pwn_request", "language": "en"},
                events=[{"event": "slot", "name": "language", "value": "es"}], active_loop="pwn_request_form")
    t.events.append({"event": "slot", "name": "language", "value": "en"})
    t.events.append({"event": "slot", "name": "decision", "value": english})
    messages, events = await run(validator("pwn_request"), t)
    assert slot_events(events)["language"] == "es" and slot_events(events)["decision"] == english
    assert messages == []


async def test_asking_for_english_mid_letter_still_switches(knowledge):
    t = tracker("English please", "switch_language", active_loop="pwn_request_form",
                slots={"requested_slot": "decision", "letter_type": "pwn_request", "language": "en"},
                events=[{"event": "slot", "name": "language", "value": "es"}])
    messages, events = await run(validator("pwn_request"), t)
    assert "language" not in slot_events(events) and messages


async def test_a_free_text_question_in_spanish_offers_english_words(knowledge):
    ask = next(a for a in letters.AskField.__subclasses__() if a.field == "decision")()
    asked, _ = await run(ask, tracker(slots={"language": "es", "letter_type": "pwn_request"}))
    assert knowledge.fields["decision"].ask.get("es") in asked[0]["text"]
    assert knowledge.message("letter_own_words_offer", "es") in asked[0]["text"]
    english, _ = await run(ask, tracker(slots={"language": "en", "letter_type": "pwn_request"}))
    assert "Spanish" not in english[0]["text"]
    name = next(a for a in letters.AskField.__subclasses__() if a.field == "child_name")()
    short, _ = await run(name, tracker(slots={"language": "es", "letter_type": "pwn_request"}))
    assert knowledge.message("letter_own_words_offer", "es") not in short[0]["text"]


async def test_a_spanish_speaking_parent_gets_both_letters_and_the_store_keeps_both(knowledge):
    slots = dict(SPANISH, letter_type="pwn_request")
    messages, events = await run(letters.ActionMakeLetter(), tracker("/confirm_letter", "confirm_letter", slots=slots))
    shown = [m["custom"]["letter"] for m in messages if m.get("custom")]
    assert [letter["language"] for letter in shown] == ["en", "es"] and [letter["copy"] for letter in shown] == [False, True]
    assert shown[0]["text"].startswith("Subject: Request for Prior Written Notice for Sofía Núñez")
    assert "a student in 4th grade" in shown[0]["text"] and "“Dijeron que no a las pruebas de dislexia.”" in shown[0]["text"]
    assert shown[1]["text"].startswith("Traducción para usted")
    stored = letters.SERVICE.store.get(slot_events(events)["letter_id"])
    assert stored.language == "es" and stored.text == f"{shown[0]['text']}\n\f\n{shown[1]['text']}"
    parts, _ = await run(letters.ActionLetterInParts(), tracker("/letter_in_parts", slots={
        "letter_id": stored.id, "language": "es"}))
    assert parts[0]["text"].startswith("(1/") and any("Traducción para usted" in p["text"] for p in parts)
