"""Sends texts through the Twilio API: a turn's replies (from the SMS channel) and reminders (from the
reminder worker, which has no webhook to answer). Never to a sender who said STOP.

A reminder is texted body by body from where an earlier attempt stopped, and each body Twilio accepts is
reported to the caller before the next is sent: the worker records it in the reminder outbox
(bot/cases/reminders.py), so a worker killed mid-reminder is followed by one that sends only the rest."""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Mapping, Sequence

from bot.channels.sms_dialog import Outbound, write
from bot.channels.twilio import TwilioClient
from bot.knowledge import Knowledge
from bot.letters.store import conversation_key
from bot.ops.settings import Settings
from bot.storage.contacts import SmsContacts

logger = logging.getLogger(__name__)


def twilio_client(settings: Settings) -> TwilioClient:
    return TwilioClient(api_base=settings.twilio_api_base, account_sid=settings.twilio_account_sid,
                        auth_token=settings.twilio_auth_token, from_number=settings.twilio_from_number)


@dataclass(frozen=True)
class Texted:
    """How far a reminder's texts got."""

    reachable: bool  # False: opted out, no number kept, or no such sender; nothing was sent
    sent: int  # bodies Twilio has accepted, counting those accepted before this attempt
    total: int  # bodies the replies make

    @property
    def done(self) -> bool:
        return self.reachable and self.sent >= self.total


def _keep_going(_: int) -> bool:
    return True


@dataclass
class SmsOutbox:
    contacts: SmsContacts
    twilio: TwilioClient
    knowledge: Knowledge
    id_secret: bytes
    language: str = "en"

    async def deliver(self, number: str, outbound: Outbound) -> int:
        """Sends the bodies in order; stops at the first refusal (the rest would read out of order). Sent count."""
        sent = 0
        for body in outbound.bodies:
            try:
                await self.twilio.send(number, body)
            except Exception as err:  # noqa: BLE001 - Twilio down or refusing: logged without number or text
                logger.error("an SMS could not be sent: %s", err.__class__.__name__)
                break
            sent += 1
        return sent

    def remind(self, conversation_id: str, replies: Sequence[Mapping], now: datetime, already: int = 0,
               accepted: Callable[[int], bool] = _keep_going) -> Texted:
        """A reminder's replies, texted to the sender of this conversation unless they opted out, starting after
        the `already` bodies sent before. `accepted(n)` is called once Twilio took n bodies; False stops (the
        caller lost its claim). Stops at the first refusal too: the rest would read out of order."""
        key = conversation_key(conversation_id, self.id_secret)
        contact = self.contacts.get(key)
        if contact is None or contact.opted_out or not contact.number:
            return Texted(False, already, 0)
        outbound = write(replies, self.knowledge, contact.language or self.language)  # choices "1 for ..." in theirs
        sent = already
        for body in outbound.bodies[already:]:
            try:  # one body per event loop: the caller's database write runs between bodies, outside any loop
                asyncio.run(self.twilio.send(contact.number, body))
            except Exception as err:  # noqa: BLE001 - Twilio down or refusing: logged without number or text
                logger.error("a reminder text could not be sent: %s", err.__class__.__name__)
                break
            sent += 1
            if not accepted(sent):
                break
        if sent >= len(outbound.bodies):  # "1", "2" answer the reminder's choices only once it all arrived
            self.contacts.after_reply(key, outbound.choices, now)
        return Texted(True, sent, len(outbound.bodies))
