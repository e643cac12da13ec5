"""Deadlines are asked, not guessed: the findings of shared/legal-review.md about dates (1, 2, 18, 19, 20).

Each test fails on the old behaviour: the evaluation counted from the day the parent asked, a one-day
suspension given a meeting date, Pennsylvania's date falling in the summer break, and the records'
outer limit given as their due date.
"""
from __future__ import annotations

from datetime import date

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.deadlines import ActionAskDeadlineEvent, ActionAskDeadlineStart, ActionStartDeadline, ValidateDeadlineForm
from bot.cases.deadline_flow import NO_CONSENT_YET, REMOVAL, DeadlineFlow
from bot.cases.deadlines import deadlines_for, describe, load_deadlines, undated_for

ASKED_ON_A_DATE = "I asked the school to evaluate my son on March 2. When does the evaluation have to be done?"
ONE_DAY = "my daughter got a 1 day suspension yesterday, when do they have to meet with me?"
FOURTH = "He got suspended again on March 9, his fourth this year, that's 12 days out in all. When is the meeting due?"


def tracker(text: str = "", slots: dict | None = None, situations: list[str] | None = None) -> Tracker:
    return Tracker(sender_id="legal-deadlines", slots={"situations": situations or [], **(slots or {})},
                   latest_message={"intent": {"name": "ask_deadline", "confidence": 0.9}, "text": text,
                                   "entities": [], "triage": {}},
                   events=[], paused=False, followup_action=None, active_loop={"name": "deadline_form"},
                   latest_action_name=None)


def slots_of(events: list) -> dict:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


async def start(text: str, situations: list[str] | None = None) -> dict:
    return slots_of(await ActionStartDeadline().run(CollectingDispatcher(), tracker(text, situations=situations), {}))


# --- finding 1 and 18: the evaluation clock runs from the school's receipt of consent -----------------

async def test_a_request_date_does_not_start_the_evaluation_clock():
    slots = await start(ASKED_ON_A_DATE)
    assert slots["deadline_event"] == "consent_signed"
    assert slots["deadline_start"] is None  # was 2026-03-02, counted as if it were consent


async def test_the_parent_is_asked_the_day_the_school_got_consent(knowledge):
    dispatcher = CollectingDispatcher()
    await ActionAskDeadlineStart().run(dispatcher, tracker(slots={"deadline_event": "consent_signed"}), {})
    [asked] = dispatcher.messages
    assert asked["text"] == "What day did the school get your signed consent for testing? If you handed it in, that is the day."
    assert [b["payload"] for b in asked["buttons"]] == [NO_CONSENT_YET]


async def test_a_date_the_school_got_consent_is_taken_from_the_message():
    slots = await start("The school got my signed consent form on March 2. When is the evaluation due?")
    assert slots["deadline_event"] == "consent_signed" and slots["deadline_start"] is not None
    assert slots["deadline_start"].endswith("-03-02")


async def test_no_consent_yet_explains_the_clock_and_sets_no_date(knowledge):
    dispatcher = CollectingDispatcher()
    changes = await ValidateDeadlineForm().validate_deadline_start(
        NO_CONSENT_YET, dispatcher, tracker(slots={"deadline_event": "consent_signed"}), {})
    assert changes["requested_slot"] is None and changes["deadline_event"] is None
    [said] = dispatcher.messages
    assert "gets your signed consent" in said["text"] and "34 CFR 300.301(c)" in said["text"]


def test_the_evaluation_date_says_it_counts_from_the_schools_receipt():
    [d] = deadlines_for("consent_signed", date(2026, 3, 2))
    text = describe(d, date(2026, 3, 3))
    assert "after you signed consent" not in text
    assert "60 days after the school got your signed consent" in text


@pytest.mark.parametrize("key", ["ask_deadline_start_meeting_requested", "ask_deadline_start_evaluation_requested"])
def test_request_clocks_ask_when_the_school_got_the_request(knowledge, key):
    assert "school get" in knowledge.message(key)


def test_arizona_counts_from_the_schools_receipt_of_the_request():
    text = load_deadlines().rule("meeting_review_az").texts["text"].get()
    assert "the day the school got your written request" in text


# --- finding 2: only a change of placement starts the manifestation clock ------------------------------

@pytest.mark.parametrize("text, situations", [
    (ONE_DAY, []), (FOURTH, []), ("Is there a deadline after a suspension?", []),
    ("When is that due?", ["behavior_discipline"]), ("placement_change_decided", []),
    ("When is the meeting due?", ["behavior_discipline"]),
])
async def test_discipline_words_never_start_the_meeting_clock_by_themselves(text, situations):
    slots = await start(text, situations)
    assert slots["deadline_event"] is None and slots["deadline_start"] is None
    assert slots["deadline_removal"] is True


async def test_the_parent_is_asked_which_kind_of_removal_it_was(knowledge):
    dispatcher = CollectingDispatcher()
    await ActionAskDeadlineEvent().run(dispatcher, tracker(slots={"deadline_removal": True}), {})
    [asked] = dispatcher.messages
    assert asked["text"] == knowledge.message("ask_deadline_removal")
    assert [b["payload"] for b in asked["buttons"]] == ["removal_long", "removal_pattern", "removal_placement",
                                                        "removal_short"]


async def test_a_short_suspension_gets_the_ten_day_rule_and_no_date(knowledge):
    dispatcher = CollectingDispatcher()
    changes = await ValidateDeadlineForm().validate_deadline_event(
        "removal_short", dispatcher, tracker(slots={"deadline_removal": True}), {})
    assert changes["requested_slot"] is None and changes["deadline_event"] is None
    [said] = dispatcher.messages
    assert said["text"] == knowledge.message("deadline_short_removal")
    assert "does not set a meeting deadline" in said["text"] and "300.536" in said["text"]


@pytest.mark.parametrize("choice", ["removal_long", "removal_pattern", "removal_placement"])
async def test_a_confirmed_change_of_placement_starts_the_clock(choice):
    changes = await ValidateDeadlineForm().validate_deadline_event(
        choice, CollectingDispatcher(), tracker(slots={"deadline_removal": True}), {})
    assert changes["deadline_event"] == "placement_change_decided"


async def test_an_answer_that_is_not_a_choice_shows_the_choices_again(knowledge):
    dispatcher = CollectingDispatcher()
    changes = await ValidateDeadlineForm().validate_deadline_event(
        "it was bad", dispatcher, tracker(slots={"deadline_removal": True}), {})
    assert changes["deadline_event"] is None and changes["deadline_failures"] == {"deadline_event": 1}
    assert dispatcher.messages[0]["text"] == knowledge.message("ask_deadline_removal")
    assert len(dispatcher.messages[0]["buttons"]) == 4


def test_the_discipline_button_asks_before_counting(knowledge):
    flow = DeadlineFlow(knowledge)
    assert flow.event_for("removal", []) == REMOVAL
    assert knowledge.message("button_deadline_removal") != "A meeting after a suspension"


def test_the_manifestation_text_names_the_change_of_placement():
    [d] = deadlines_for("placement_change_decided", date(2026, 3, 9))
    assert "change your child's placement" in describe(d, date(2026, 3, 10))


# --- finding 19: Pennsylvania's 60 days skip the summer break ------------------------------------------

def test_pennsylvania_gives_no_date_in_the_summer_break_it_cannot_see():
    found = deadlines_for("consent_signed", date(2026, 5, 4), state="PA")
    assert [d.rule for d in found] == []  # was "by Friday, July 3, 2026", inside the summer break
    [rule] = undated_for("consent_signed", date(2026, 5, 4), state="PA")
    assert rule.id == "evaluation_pa"


def test_pennsylvania_skips_the_summer_break_when_the_school_days_are_known():
    [d] = deadlines_for("consent_signed", date(2026, 5, 4), state="PA", summer=(date(2026, 6, 12), date(2026, 8, 26)))
    # May 5 - June 12 is 39 days; the other 21 run from August 26.
    assert d.due == date(2026, 9, 15)


def test_pennsylvania_outside_the_summer_is_plain_calendar_days():
    [d] = deadlines_for("consent_signed", date(2026, 10, 1), state="PA")
    assert d.due == date(2026, 11, 30) and undated_for("consent_signed", date(2026, 10, 1), state="PA") == []


def test_the_undated_pennsylvania_answer_says_why_and_cites_the_rule(knowledge):
    flow = DeadlineFlow(knowledge)
    [reply, *_] = flow.tell([], [], date(2026, 5, 5), "en", undated_for("consent_signed", date(2026, 5, 4), "PA"))
    assert "summer break" in reply.text and "last day in the spring" in reply.text
    assert "(22 Pa. Code 14.123(b))" in reply.text


# --- finding 20: the records' 45 days are the outer limit ----------------------------------------------

def test_records_are_due_without_unnecessary_delay_and_at_the_latest_by_the_date():
    [d, *_] = deadlines_for("records_requested", date(2026, 3, 2))
    text = describe(d, date(2026, 3, 3))
    assert "45 days after you asked" not in text
    assert "without unnecessary delay, before any meeting, and at the latest by Thursday, April 16, 2026" in text

