"""Sends texts through the Twilio API: a turn's replies (from the SMS channel) and reminders (from the
reminder worker, which has no webhook to answer). Never to a sender who said STOP."""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Mapping, Sequence

from bot.knowledge import Knowledge
from bot.settings import Settings
from bot.sms_contacts import SmsContacts
from bot.sms_dialog import Outbound, write
from bot.store import conversation_key
from bot.twilio import TwilioClient

logger = logging.getLogger(__name__)


def twilio_client(settings: Settings) -> TwilioClient:
    return TwilioClient(api_base=settings.twilio_api_base, account_sid=settings.twilio_account_sid,
                        auth_token=settings.twilio_auth_token, from_number=settings.twilio_from_number)


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

    def remind(self, conversation_id: str, replies: Sequence[Mapping], now: datetime) -> int:
        """A reminder's replies, texted to the sender of this conversation unless they opted out."""
        key = conversation_key(conversation_id, self.id_secret)
        contact = self.contacts.get(key)
        if contact is None or contact.opted_out or not contact.number:
            return 0
        outbound = write(replies, self.knowledge, self.language)
        sent = asyncio.run(self.deliver(contact.number, outbound))
        self.contacts.after_reply(key, outbound.choices, now)
        return sent
