"""A live stack that also takes texts: signed Twilio webhooks, and a fake Twilio (tests/fake_twilio.py) that
records what would have been texted. Used by every test module that texts the assistant."""
from __future__ import annotations

import json
import time
from itertools import count
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

from bot.channels.tokens import PhoneHasher
from bot.channels.twilio import signature
from bot.letters.store import conversation_key
from tests.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FROM, FakeTwilio
from tests.stack import Stack

PUBLIC_URL = "https://iep.example.org/webhooks/sms/webhook"  # as Twilio sees it, behind a proxy
_sids = count(1)
HELP_MARK = "parentcenterhub.org"


class SmsStack(Stack):
    def text(self, number: str, body: str, media: int = 0, sid: str | None = None,
             sign: str | None = "valid") -> requests.Response:
        params = {"MessageSid": sid or f"SM{next(_sids):032d}", "AccountSid": ACCOUNT_SID, "From": number, "To": FROM,
                  "Body": body, "NumMedia": str(media)}
        headers = {}
        if sign == "valid":
            headers["X-Twilio-Signature"] = signature(AUTH_TOKEN, PUBLIC_URL, params)
        elif sign:
            headers["X-Twilio-Signature"] = sign
        return requests.post(f"{self.rasa_url}/webhooks/sms/webhook", data=params, headers=headers, timeout=30)

    def conversation(self, number: str) -> str:
        return PhoneHasher.from_settings(self.settings, self.env).conversation_id(number)

    sender = conversation  # an SMS conversation is named by its number

    def case_key(self, number: str) -> str:
        return conversation_key(self.conversation(number), self.settings.id_secret(self.env))

    def user_texts(self, number: str) -> list[str]:
        tracker, sender = create_engine(self.env["TRACKER_STORE_URL"], future=True), self.conversation(number)
        with tracker.connect() as db:
            return [json.loads(self.open_event(row.data, sender))["text"] for row in db.execute(text(
                "SELECT data FROM events WHERE sender_id = :s AND type_name = 'user' ORDER BY id"), {"s": sender})]

    @classmethod
    def with_twilio(cls, workdir: Path, twilio: FakeTwilio, **extra_env: str) -> "SmsStack":
        """SMS on, pointed at the fake Twilio, with the webhook signed over PUBLIC_URL."""
        return cls(workdir, {"IEP_SMS_PUBLIC_URL": PUBLIC_URL, "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
                             "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "TWILIO_FROM_NUMBER": FROM,
                             "TWILIO_API_BASE": twilio.url, **extra_env})


def settle(sms: SmsStack, twilio: FakeTwilio, number: str) -> list[str]:
    """Everything texted to `number` once every turn sent so far has been answered: one sender's texts are
    answered in order, so when the answer to a HELP sent now arrives, everything before it has too."""
    helped = sum(HELP_MARK in body for body in twilio.to(number))
    assert sms.text(number, "HELP").status_code == 200
    deadline = time.time() + 90
    while sum(HELP_MARK in body for body in twilio.to(number)) <= helped and time.time() < deadline:
        time.sleep(0.1)
    bodies = twilio.to(number)
    assert sum(HELP_MARK in body for body in bodies) == helped + 1, bodies
    return bodies
