"""Reading a parent's answers and the letter conversation, without Rasa."""
from __future__ import annotations

from datetime import date

import pytest

from bot.letters.bilingual import LetterSet, draft
from bot.letters.details import details_from_story, read_answer
from bot.letters.drafting import LetterWriter
from bot.letters.flow import LetterFlow, Links, split_text

TODAY = date(2026, 11, 24)  # a Tuesday


@pytest.fixture(scope="module")
def flow(knowledge):
    return LetterFlow(knowledge)


def answer(knowledge, field, text):
    return read_answer(knowledge.fields[field], text, knowledge, "en", TODAY)


@pytest.mark.parametrize("text, expected", [
    ("Ana Ruiz", "Ana Ruiz"), ("my name is maria lopez", "Maria Lopez"), ("O'Brien", "O'Brien"),
    ("José Nguyễn-Smith", "José Nguyễn-Smith"), ("it's Liam O’Connor", "Liam O’Connor"),
])
def test_names_are_read_as_typed(knowledge, text, expected):
    assert answer(knowledge, "parent_name", text).value == expected


@pytest.mark.parametrize("text", ["12345", "ana@example.org", "", "   ", "👍",
                                  "he is falling behind in class and nobody seems to care about it at all"])
def test_things_that_are_not_names_are_asked_again(knowledge, text):
    assert answer(knowledge, "child_name", text).value is None


def test_skip_and_dont_know(knowledge):
    assert answer(knowledge, "grade", "skip").value == ""
    assert answer(knowledge, "grade", "I don't know").value == ""
    needed = answer(knowledge, "school", "idk")
    assert needed.value is None and needed.problem == "needed"


@pytest.mark.parametrize("text, expected", [
    ("last tuesday", "2026-11-17"), ("3/4", "2026-03-04"), ("two weeks ago", "2026-11-10"), ("today", "2026-11-24"),
])
def test_past_dates_in_a_parents_words(knowledge, text, expected):
    assert answer(knowledge, "earlier_request_date", text).value == expected


@pytest.mark.parametrize("text", ["next tuesday", "tomorrow", "sometime in the fall", "2/30", "I don't remember"])
def test_a_past_date_that_is_in_the_future_or_unreadable_is_asked_again(knowledge, text):
    assert answer(knowledge, "earlier_request_date", text).value is None


def test_future_dates(knowledge):
    assert answer(knowledge, "meeting_date", "next tuesday").value == "2026-12-01"
    assert answer(knowledge, "meeting_date", "3/4").value == "2027-03-04"
    assert answer(knowledge, "meeting_date", "yesterday").value is None
    assert answer(knowledge, "meeting_date", "skip").value == ""


def test_yes_no_contact_and_choice(knowledge):
    assert answer(knowledge, "urgent", "Yes").value == "yes"
    assert answer(knowledge, "urgent", "nope").value == "no"
    assert answer(knowledge, "urgent", "maybe?").value is None
    assert answer(knowledge, "parent_contact", "555-201-3344").value == "555-201-3344"
    assert answer(knowledge, "parent_contact", "call me").value is None
    label = knowledge.reasons["behavior"].label.get()
    assert answer(knowledge, "meeting_reason", label).value == "behavior"
    assert answer(knowledge, "meeting_reason", "something else entirely").value is None


def test_a_long_concern_keeps_its_paragraphs(knowledge):
    text = "First part of the story.\r\n\r\nSecond part,   with  spaces.\x00"
    assert answer(knowledge, "concern", text).value == "First part of the story.\n\nSecond part, with spaces."


def test_the_story_fills_what_it_already_says(knowledge):
    story = ("My daughter, Maya, is in 3rd grade at Jefferson Elementary School. Her IEP says 30 minutes of OT "
             "a week but she hasn't had it since October.")
    def entity(label, value):
        start = story.index(value)
        return {"entity": label, "value": value, "start": start, "end": start + len(value)}

    entities = [entity("grade", "3rd grade"), entity("minutes", "30 minutes"), entity("service", "OT"),
                entity("frequency", "a week")]
    found = details_from_story(story, entities, knowledge)
    assert found["child_name"] == "Maya"
    assert found["school"] == "Jefferson Elementary School"
    assert found["grade"] == "3rd grade"
    assert found["service"] == "30 minutes of OT a week"


@pytest.mark.parametrize("story,name", [
    ("My son Sam Ruiz is in 4th grade at Lincoln Elementary.", "Sam Ruiz"),
    ("my daughter Ana María López-Soto has an IEP for dyslexia", "Ana María López-Soto"),
    ("My son Sam Ruiz, 9, has autism.", "Sam Ruiz"),
    ("My son Sam is in 4th grade.", "Sam"),
])
def test_the_story_gives_the_childs_full_name_or_first_name(knowledge, story, name):
    assert details_from_story(story, [], knowledge)["child_name"] == name


def test_the_story_does_not_invent_a_name(knowledge):
    assert "child_name" not in details_from_story("my son is 8 and he Has trouble reading", [], knowledge)


def test_choose_a_letter_by_name_or_by_situation(flow):
    assert flow.choose("can you write the 504 letter") == "section_504_request"
    assert flow.choose("I want the IEE letter") == "iee_request"
    assert flow.choose("help me with prior written notice") == "pwn_request"
    assert flow.choose("write it please", ["stalled_progress"]) == "meeting_request"
    assert flow.choose("write it please") is None


def test_prefill_gives_the_meeting_reason_and_never_overwrites(flow):
    stories = [("My son Sam is in 4th grade at Lincoln Elementary.", [])]
    found = flow.prefill("meeting_request", ["services_not_delivered"], stories, {"child_name": "Samuel"}, "en")
    assert found["meeting_reason"] == "services_not_delivered"
    assert "child_name" not in found and found["school"] == "Lincoln Elementary"


def test_questions_offer_the_right_quick_replies(flow, knowledge):
    assert [b.title for b in flow.ask("grade", "en").buttons] == ["Skip"]
    assert [b.title for b in flow.ask("urgent", "en").buttons] == ["Yes", "No"]
    assert len(flow.ask("meeting_reason", "en").buttons) == len(knowledge.reasons)
    assert flow.ask("parent_name", "en").buttons == ()


def test_two_misses_explain_why_and_offer_to_stop_or_a_person(flow, knowledge):
    first = flow.check("child_name", "12345", 0, "en", TODAY)
    assert first.value is None and first.failures == 1
    assert first.replies[-1].text == knowledge.fields["child_name"].retry.get()
    second = flow.check("child_name", "???", first.failures, "en", TODAY)
    assert knowledge.fields["child_name"].why.get() in second.replies[0].text
    assert [b.payload for b in second.replies[0].buttons] == ["/continue_letter", "/stop_letter", "/human_handoff"]
    good = flow.check("child_name", "Sam Ruiz", second.failures, "en", TODAY)
    assert good.value == "Sam Ruiz" and good.failures == 0 and good.replies == ()


def test_summary_lists_each_detail_with_a_change_button(flow):
    details = {"parent_name": "Ana Ruiz", "child_name": "Sam", "school": "Lincoln", "grade": "",
               "decision": "No testing.", "decision_date": "2026-11-02", "urgent": "no"}
    reply = flow.summary("pwn_request", details, "en")
    assert "Monday, November 2, 2026" in reply.text and "(left out)" in reply.text
    assert reply.buttons[0].payload == "/confirm_letter"
    assert '/change_field{"field": "school"}' in [b.payload for b in reply.buttons]


def test_reply_date_is_ten_school_days_or_before_the_meeting(flow):
    details = {"parent_name": "A", "child_name": "B", "school": "C"}
    assert flow.request("pwn_request", details, "en", TODAY, 10).respond_by == date(2026, 12, 9)  # skips Thanksgiving
    soon = dict(details, meeting_date="2026-12-01")
    assert flow.request("records_request", soon, "en", TODAY, 10).respond_by == date(2026, 11, 30)


def test_delivery_on_the_web_carries_the_whole_letter_and_both_links(flow, knowledge):
    details = {"parent_name": "Ana Ruiz", "child_name": "Sam", "school": "Lincoln", "decision": "No testing."}
    letter = LetterWriter(knowledge).render(flow.request("pwn_request", details, "en", TODAY, 10))
    links = Links("https://x/letters/t/letter.docx", "https://x/letters/t/letter.pdf", date(2026, 12, 24))
    web = flow.delivery(LetterSet(letter), links, "rest", "en")
    assert web[1].custom["letter"]["text"] == letter.text and web[1].custom["letter"]["copy"] is False
    assert links.docx in web[2].text and links.pdf in web[2].text and "Thursday, December 24, 2026" in web[2].text
    sms = flow.delivery(LetterSet(letter), links, "twilio", "en")
    assert links.pdf in sms[0].text and letter.text not in sms[0].text and len(sms[0].text) < 320
    assert sms[1].buttons[0].payload == "/letter_in_parts"


LINKS = Links("https://x/letters/t/letter.docx", "https://x/letters/t/letter.pdf", date(2026, 12, 24))


def test_a_spanish_speaking_parent_gets_the_english_letter_then_the_spanish_copy_on_the_web(flow, knowledge):
    details = {"parent_name": "Ana Ruiz", "child_name": "Sam", "school": "Lincoln", "decision": "No testing."}
    letters = draft(LetterWriter(knowledge), flow.request("pwn_request", details, "es", TODAY, 10))
    web = flow.delivery(letters, LINKS, "rest", "es")
    assert web[0].text.startswith("Aquí está su carta en inglés")
    school, copy = web[1].custom["letter"], web[2].custom["letter"]
    assert school["text"] == letters.school.text and school["language"] == "en" and not school["copy"]
    assert copy["text"] == letters.copy.text and copy["language"] == "es" and copy["copy"]
    assert copy["text"].startswith("Traducción para usted: la carta que se envía a la escuela es la versión en inglés.")
    assert school["docx"] == copy["docx"] == LINKS.docx and school["pdf"] == copy["pdf"] == LINKS.pdf
    assert LINKS.pdf in web[3].text and "jueves 24 de diciembre de 2026" in web[3].text


def test_a_spanish_speaking_parent_gets_the_link_by_sms_and_both_texts_in_parts(flow, knowledge):
    details = {"parent_name": "Ana Ruiz", "child_name": "Sam", "school": "Lincoln", "decision": "No testing."}
    letters = draft(LetterWriter(knowledge), flow.request("pwn_request", details, "es", TODAY, 10))
    sms = flow.delivery(letters, LINKS, "twilio", "es")
    assert LINKS.pdf in sms[0].text and "copia en español" in sms[0].text and letters.school.text not in sms[0].text
    assert sms[1].buttons[0].payload == "/letter_in_parts"
    parts = flow.parts(letters, "es")
    assert parts[0].text.startswith(f"(1/{len(parts)}) Subject: ")
    assert any(p.text.split(") ", 1)[1].startswith("Traducción para usted") for p in parts)
    assert not any("\f" in p.text for p in parts)
    said = " ".join(" ".join(p.text.split(") ", 1)[1].split()) for p in parts)
    assert said == " ".join(" ".join(letter.text.split()) for letter in letters.letters)


def test_after_the_letter_how_to_send_what_next_and_was_it_sent(flow):
    out = flow.after("pwn_request", date(2026, 12, 9), "en")
    assert "certified mail" in out[0].text and "Wednesday, December 9, 2026" in out[1].text
    assert [b.payload for b in out[2].buttons] == ["/letter_sent", "/letter_not_sent"]


def test_text_in_parts_keeps_every_word():
    text = "\n\n".join(["Short paragraph."] * 5 + ["word " * 700])
    chunks = split_text(text, 1200)
    assert all(len(c) <= 1200 for c in chunks)
    assert " ".join(" ".join(chunks).split()) == " ".join(text.split())
