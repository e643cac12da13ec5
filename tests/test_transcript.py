"""What a parent sees of a conversation, read from Rasa's stored events."""
from __future__ import annotations

from bot.channels import transcript

LETTER = {"letter": {"type": "records_request", "subject": "Request for records", "text": "Dear ...",
                     "docx": "http://x/letters/t/letter.docx", "pdf": "http://x/letters/t/letter.pdf"}}


def _events():
    return [
        {"event": "action", "name": "action_session_start"},
        {"event": "user", "text": "my son's school won't give me his file", "message_id": "m1"},
        {"event": "bot", "text": "I hear you.", "data": {"buttons": [
            {"title": "Ask for his records", "payload": '/make_letter{"letter": "records_request"}'}]}},
        {"event": "user", "text": '/make_letter{"letter": "records_request"}', "message_id": "m2"},
        {"event": "bot", "text": "", "data": {"custom": LETTER}},
        {"event": "user", "text": "/letter_sent", "message_id": "m3"},
        {"event": "bot", "text": "I'll check in with you.", "data": {}},
        {"event": "user", "text": "EXTERNAL: EXTERNAL_reminder", "message_id": "m4"},
        {"event": "bot", "text": "Has the school answered?", "data": {}},
        {"event": "user", "text": "/school_answered", "message_id": "m5", "metadata": {"title": "Yes, they answered"}},
    ]


def test_a_button_press_shows_its_title_never_the_payload():
    shown = transcript.read(_events()).messages
    assert [m.text for m in shown if m.sender == "parent"] == [
        "my son's school won't give me his file", "Ask for his records", "Yes, they answered"]
    assert not any(m.text.startswith("/") or "EXTERNAL" in m.text for m in shown)


def test_a_letter_travels_whole_with_its_links():
    [letter] = [m.letter for m in transcript.read(_events()).messages if m.letter]
    assert letter.subject == "Request for records" and letter.pdf.endswith(".pdf")


def test_messages_are_numbered_and_a_turn_is_found_even_when_its_own_message_is_hidden():
    said = transcript.read(_events())
    assert [m.index for m in said.messages] == list(range(len(said.messages)))
    assert [m.text for m in said.since("m3")] == ["I'll check in with you.", "Has the school answered?",
                                                  "Yes, they answered"]
    assert said.since("unknown") == []


def test_json_shape_is_what_the_widget_reads():
    shown = transcript.read(_events()).messages[1].as_json()
    assert shown == {"index": 1, "from": "bot", "text": "I hear you.", "letter": None,
                     "buttons": [{"title": "Ask for his records", "payload": '/make_letter{"letter": "records_request"}'}]}


def test_replies_of_an_erased_conversation_come_from_what_was_sent():
    sent = [{"recipient_id": "x", "text": "I deleted everything."}, {"recipient_id": "x", "text": None}]
    assert [m.text for m in transcript.replies(sent)] == ["I deleted everything."]
