"""The SMS channel end to end: real Rasa, real action server, a fake Twilio API on loopback that
records what would have been texted. Webhooks are signed as Twilio signs them, over the public URL."""
from __future__ import annotations

import signal
import subprocess
import time
from datetime import datetime

import pytest
from sqlalchemy import update

from bot.cases.reminders import ReminderQueue
from bot.cases.store import CaseStore
from bot.channels.twilio import signature
from bot.storage.schema import ReminderRow
from tests.fake_twilio import ACCOUNT_SID, FROM
from tests.sms_stack import PUBLIC_URL, SmsStack, settle
from tests.stack import ROOT, VENV, running


@pytest.fixture(scope="module")
def sms(tmp_path_factory, twilio):
    made = SmsStack.with_twilio(tmp_path_factory.mktemp("sms"), twilio,
                                IEP_HELP_CONTACT="the Sample Family Center at 555-0100, weekdays 9 to 5")
    with running(made, "actions", "rasa"):
        yield made


def test_a_forged_or_unsigned_webhook_gets_403_and_reaches_nothing(sms, twilio):
    number = "+15550100001"
    assert sms.text(number, "hi", sign=None).status_code == 403
    assert sms.text(number, "hi", sign="bm90IGEgc2lnbmF0dXJl").status_code == 403
    forged = signature("wrong-token", PUBLIC_URL, {"Body": "hi", "From": number})
    assert sms.text(number, "hi", sign=forged).status_code == 403
    time.sleep(1)
    assert twilio.to(number) == [] and sms.user_texts(number) == []
    assert CaseStore(sms.engine).get(sms.case_key(number)) is None


def test_the_webhook_answers_at_once_and_the_reply_comes_through_the_api(sms, twilio):
    number = "+15550100002"
    answer = sms.text(number, "¡Hola! My daughter is 7 and has an IEP. Her school stopped her speech therapy in "
                              "October and nobody told me why.")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/xml")
    assert "<Message>" not in answer.text  # nothing said in the webhook's answer: the replies go by the API
    bodies = twilio.wait_for(number, 1)
    assert bodies[0].startswith("IEP Navigator here") and "STOP" in bodies[0]  # the first text names us
    assert all(len(body) <= 320 for body in bodies)
    sent = [m for m in twilio.sent if m["to"] == number][0]
    assert sent["from"] == FROM and sent["path"] == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert sms.user_texts(number)[0].startswith("¡Hola! My daughter")  # arrived as typed, not as "@Hola"
    later = settle(sms, twilio, number)
    assert not any(b.startswith("IEP Navigator here") for b in later[len(bodies):])  # named only once


def test_a_replayed_webhook_is_answered_once(sms, twilio):
    number = "+15550100003"
    first = sms.text(number, "what is an IEP", sid="SMreplay0000000000000000000000001")
    before = settle(sms, twilio, number)
    again = sms.text(number, "what is an IEP", sid="SMreplay0000000000000000000000001")
    assert first.status_code == again.status_code == 200
    after = settle(sms, twilio, number)
    assert len(after) == len(before) + 1  # only the second HELP's answer was added
    assert sum("what is an IEP" in t for t in sms.user_texts(number)) == 1


def test_quick_replies_become_numbers_and_a_number_picks_one(sms, twilio):
    number = "+15550100004"
    sms.text(number, "My son is in 5th grade with an IEP for ADHD. I asked the school for a copy of his records and "
                     "files three weeks ago and they still have not given me anything.")
    bodies = settle(sms, twilio, number)
    offered = [b for b in bodies if "Reply with a number:\n1 for" in b]
    assert offered, bodies
    sms.text(number, "1")
    settle(sms, twilio, number)
    picked = sms.user_texts(number)[-1]
    assert picked.startswith(("/make_letter", "/advocate_check", "/choose_situation")), picked


def test_stop_in_any_case_confirms_once_then_silence_until_start(sms, twilio):
    number = "+15550100005"
    sms.text(number, "hi, my son has autism and the school keeps calling me to pick him up early")
    twilio.wait_for(number, 1)
    key = sms.case_key(number)
    sms.text(number, "  stop  ")
    bodies = twilio.wait_for(number, len(twilio.to(number)) + 1)
    assert "won't get any more texts" in bodies[-1]
    assert CaseStore(sms.engine).get(key).reminders_off  # reminders dropped too
    quiet = len(twilio.to(number))
    sms.text(number, "STOP")
    sms.text(number, "are you there? he got suspended again today")
    time.sleep(3)
    assert len(twilio.to(number)) == quiet  # nothing more, not even a second confirmation
    assert not any("suspended again" in t for t in sms.user_texts(number))  # and nothing stored
    sms.text(number, "Start")
    bodies = twilio.wait_for(number, quiet + 1)
    assert "Welcome back" in bodies[-1]
    sms.text(number, "he got suspended again today for 3 days")
    twilio.wait_for(number, quiet + 2)


def test_help_says_who_we_are_how_to_stop_and_where_a_person_is(sms, twilio):
    number = "+15550100006"
    sms.text(number, "help")
    [body] = twilio.wait_for(number, 1)
    assert "IEP Navigator" in body and "STOP" in body and "parentcenterhub.org" in body and "555-0100" in body


def test_a_picture_without_words_and_emoji_only_get_clear_replies(sms, twilio):
    number = "+15550100007"
    sms.text(number, "", media=1)
    first = settle(sms, twilio, number)
    assert "only read text" in " ".join(first)
    sms.text(number, "😭😭🙏")
    more = settle(sms, twilio, number)
    assert len(more) >= len(first) + 2 and all(len(b) <= 320 for b in more)  # a reply, then HELP's


def test_a_1600_character_text_is_read_and_answered_in_texts_of_at_most_320(sms, twilio):
    number = "+15550100008"
    story = ("My son is 10 and has dyslexia and ADHD. He has had an IEP since 2nd grade. This year his reading "
             "has not moved at all and his teacher says he is falling further behind. ") * 9
    story = story[:1600]
    assert sms.text(number, story).status_code == 200
    bodies = twilio.wait_for(number, 1)
    assert all(len(b) <= 320 for b in bodies)
    assert story[:200] in sms.user_texts(number)[0]


def test_the_number_is_kept_only_sealed_and_never_as_a_conversation_id(sms, twilio):
    number = "+15550100009"
    sms.text(number, "my daughter's IEP meeting is next week, what should I bring")
    twilio.wait_for(number, 1)
    digits = number.lstrip("+").encode()
    for db in ("cases.db", "tracker.db"):
        for path in sms.dir.glob(db + "*"):  # the database and its write-ahead log
            assert digits not in path.read_bytes(), path
    assert digits.decode() not in sms.conversation(number)


def test_deleting_by_text_forgets_the_number(sms, twilio):
    number = "+15550100010"
    sms.text(number, "my son's school suspended him for 5 days and I want to know my rights")
    settle(sms, twilio, number)
    key = sms.case_key(number)
    assert CaseStore(sms.engine).count_rows(key)["sms_contacts"] == 1
    sms.text(number, "please delete my data")
    bodies = settle(sms, twilio, number)
    assert "Delete it all?" in " ".join(bodies)
    choice = [b for b in bodies if "Reply with a number:" in b][-1]
    assert "\n1 for Yes" in choice, choice
    sms.text(number, "1")
    twilio.wait_for(number, len(bodies) + 1)
    time.sleep(1)
    assert "I deleted everything" in twilio.to(number)[-1]
    assert CaseStore(sms.engine).count_rows(key) == {t: 0 for t in CaseStore(sms.engine).count_rows(key)}


def _letter_sent(sms: SmsStack, twilio, number: str) -> None:
    """A texting parent tells us the letter went out: the follow-up reminder is scheduled."""
    sms.text(number, "I sent the school a letter asking for a meeting about my son's reading")
    settle(sms, twilio, number)
    sms.set_slot(number, "letter_id", sms.letter(number))
    sms.text(number, "I sent the letter today")
    assert "I'll check in with you on" in " ".join(settle(sms, twilio, number))


def test_a_reminder_is_texted_once_by_the_worker_and_never_after_stop(sms, twilio):
    number = "+15550100011"
    _letter_sent(sms, twilio, number)
    key = sms.case_key(number)
    [reminder] = [r for r in CaseStore(sms.engine).get(key).reminders if r.kind == "follow_up"]
    with sms.engine.begin() as db:  # bring the week forward: due now
        db.execute(update(ReminderRow).where(ReminderRow.id == reminder.id).values(due_at=datetime.now()))
    before = len(twilio.to(number))
    worker = [str(VENV / "python"), "-m", "bot.channels.reminder_worker", "--once"]
    subprocess.run(worker, cwd=ROOT, env=sms.env, check=True, timeout=120, capture_output=True)
    reminded = twilio.to(number)[before:]
    assert len(reminded) >= 1 and "Has the school answered?" in " ".join(reminded)
    assert "Reply with a number:\n1 for" in reminded[-1]  # its quick replies, as numbers
    subprocess.run(worker, cwd=ROOT, env=sms.env, check=True, timeout=120, capture_output=True)
    assert len(twilio.to(number)) == before + len(reminded)  # once
    sms.text(number, "STOP")
    twilio.wait_for(number, before + len(reminded) + 1)
    assert {r.status for r in CaseStore(sms.engine).get(key).reminders} <= {"delivered", "cancelled"}


def test_a_worker_killed_while_twilio_holds_the_reminder_text_is_followed_by_exactly_one_text(sms, twilio):
    number = "+15550100012"
    _letter_sent(sms, twilio, number)
    [reminder] = [r for r in CaseStore(sms.engine).get(sms.case_key(number)).reminders if r.kind == "follow_up"]
    queue, before = ReminderQueue(sms.engine), len(twilio.to(number))
    lease = sms.env.get("IEP_REMINDER_LEASE_SECONDS")
    sms.env["IEP_REMINDER_LEASE_SECONDS"] = "5"  # a killed worker's claims run out soon
    twilio.hold(number)  # Twilio gets the reminder's text and never answers
    try:
        with sms.engine.begin() as db:
            db.execute(update(ReminderRow).where(ReminderRow.id == reminder.id).values(due_at=datetime.now()))
        sms.start("worker")
        parked = twilio.wait_held(number)
        sms.stop("worker", signal.SIGKILL)  # mid-send: the reminder is marked delivered, its text not accepted
        twilio.release(number)
        assert queue.status(reminder.id) == "delivered" and queue.text_status(reminder.id) == ("pending", 0)
        assert len(twilio.to(number)) == before
        sms.start("worker")  # a new worker texts it once the dead one's lease runs out
        deadline = time.time() + 90
        while queue.text_status(reminder.id)[0] == "pending" and time.time() < deadline:
            time.sleep(0.2)
        sms.stop("worker")
    finally:
        twilio.release(number)
        sms.env.pop("IEP_REMINDER_LEASE_SECONDS")
        if lease is not None:
            sms.env["IEP_REMINDER_LEASE_SECONDS"] = lease
    reminded = twilio.to(number)[before:]
    assert queue.text_status(reminder.id) == ("texted", len(reminded))
    assert reminded[:len(parked)] == parked  # the text that was held, sent now
    assert sum("Has the school answered?" in body for body in reminded) == 1  # once
