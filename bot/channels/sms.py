"""The SMS channel: a Twilio-compatible webhook at /webhooks/sms/webhook.

The webhook is answered at once with an empty TwiML response; the turn runs afterwards and its
replies go out through the Twilio REST API, so a slow turn never meets Twilio's 15-second limit.
A request without a valid X-Twilio-Signature (computed over IEP_SMS_PUBLIC_URL) gets 403 and reaches
nothing. The conversation id is a keyed hash of the number; the number itself is kept sealed, only
to reply. What each text means and how replies are written is decided in bot/channels/sms_dialog.py.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Awaitable, Callable, Mapping
from urllib.parse import parse_qs

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.cases.store import CaseStore
from bot.channels.sms_dialog import Inbound, Outbound, decide, notice, write
from bot.channels.sms_outbox import SmsOutbox, twilio_client
from bot.channels.tokens import PhoneHasher
from bot.channels.twilio import valid_signature
from bot.knowledge import Knowledge, load_knowledge
from bot.letters.store import conversation_key
from bot.ops.rate_limits import RateLimiter, Verdict
from bot.ops.settings import Settings
from bot.serving.store_guard import guard
from bot.storage.contacts import SmsContacts
from bot.storage.schema import make_engine
from bot.storage.sealing import Sealer
from bot.understanding.inputs import as_client_message
from bot.understanding.language import language_after
from bot.understanding.safety import CrisisDetector

logger = logging.getLogger(__name__)
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
MAX_BODY = 64 * 1024  # a Twilio webhook is a few hundred bytes; 1,600 characters of text fit many times over
LANGUAGE = "en"  # until a sender chooses or writes otherwise (bot/understanding/language.py)


class SmsChannel(InputChannel):
    def __init__(self, settings: Settings | None = None, knowledge: Knowledge | None = None) -> None:
        self.settings = settings or Settings.from_env()
        self.knowledge = knowledge or load_knowledge()
        self.id_secret = self.settings.id_secret()
        self.hasher = PhoneHasher.from_settings(self.settings)
        engine = make_engine(self.settings.database_url, migrate=False)  # `case-db upgrade` runs before start
        self.contacts = SmsContacts(engine, Sealer(self.settings.data_keys()))
        self.cases = CaseStore(engine)
        twilio = twilio_client(self.settings)
        self.outbox = SmsOutbox(self.contacts, twilio, self.knowledge, self.id_secret, LANGUAGE)
        self.per_number = RateLimiter(self.settings.rate_conversation)  # a number is one conversation
        self.crisis = CrisisDetector.from_file()
        self._turns: dict[str, _Turns] = {}  # one sender's texts are answered in the order they came
        if not self.settings.sms_ready:
            logger.warning("SMS is off: set IEP_SMS_PUBLIC_URL, TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, "
                           "TWILIO_FROM_NUMBER to turn it on")

    @classmethod
    def name(cls) -> str:
        return "sms"

    @classmethod
    def from_credentials(cls, credentials: Mapping[str, Any] | None) -> "SmsChannel":
        return cls()  # settings and secrets come from the environment (bot/ops/settings.py)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        sms = Blueprint("sms_channel", url_prefix="/webhooks/sms")
        sms.listener("after_server_start")(guard)

        @sms.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.settings.sms_ready else "not_configured"})

        @sms.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if not self.settings.sms_ready:
                return response.text("SMS is not configured on this server.", status=503)
            if len(request.body or b"") > MAX_BODY:
                return response.text("Request too large.", status=413)
            # Parsed here, blank values kept: Twilio signs "Body=" of a picture-only MMS, and Sanic's form drops it.
            params = parse_qs((request.body or b"").decode("latin-1"), keep_blank_values=True, encoding="utf-8",
                              errors="replace")
            if not valid_signature(self.settings.twilio_auth_token, self.settings.sms_public_url, params,
                                   request.headers.get("x-twilio-signature")):
                return response.text("Forbidden.", status=403)  # forged: nothing reaches the assistant
            sid, number = _first(params, "MessageSid") or _first(params, "SmsSid"), _first(params, "From")
            if not sid or not number:
                return response.text("MessageSid and From are required.", status=400)
            if not await asyncio.to_thread(self.contacts.first_time, sid, datetime.now()):
                return _twiml()  # a replay or a retry of a text already answered
            media = _first(params, "NumMedia") or "0"
            inbound = Inbound(_first(params, "Body") or "", int(media) if media.isdigit() else 0)
            request.app.add_task(self._turn(number, inbound, on_new_message))
            return _twiml()

        return sms

    async def _turn(self, number: str, inbound: Inbound, on_new_message: Callable[[UserMessage], Awaitable[Any]]
                    ) -> None:
        conversation_id = self.hasher.conversation_id(number)
        turn = self._turns.setdefault(conversation_id, _Turns())
        turn.waiting += 1
        try:
            async with turn.lock:
                await self._answer(number, conversation_id, inbound, on_new_message)
        except Exception:  # noqa: BLE001 - logged without the number or the text; the parent hears we had trouble
            logger.exception("an SMS turn failed")
            await self._send(number, notice("sms_trouble", self.knowledge, LANGUAGE))  # a fault: no language known
        finally:
            turn.waiting -= 1
            if turn.waiting == 0:
                self._turns.pop(conversation_id, None)

    async def _answer(self, number: str, conversation_id: str, inbound: Inbound,
                      on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        key = conversation_key(conversation_id, self.id_secret)
        now = datetime.now()
        contact = await asyncio.to_thread(self.contacts.arrive, key, number, now)
        decision = decide(inbound, contact.opted_out, contact.choices)
        k = self.knowledge
        # The sender's language so far; a keyword answers in its own (PARAR: Spanish), a turn in the one it ends in.
        spoken = contact.language or LANGUAGE
        said_in = decision.language or language_after(spoken, inbound.body)
        if decision.kind == "ignore":
            if self.crisis.is_crisis(inbound.body):  # opted out still hears where help is; nothing is stored
                await self._send(number, notice("crisis", k, said_in))
            return
        if decision.kind == "stop":
            confirmed = await asyncio.to_thread(self.contacts.set_opted_out, key, True, now)
            await asyncio.to_thread(self.cases.stop_reminders, key, now)
            if confirmed:  # STOP is confirmed once; after that, silence
                await self._send(number, notice("sms_stopped", k, said_in))
            return
        if decision.kind == "start":
            await asyncio.to_thread(self.contacts.set_opted_out, key, False, now)
            await self._send(number, notice("sms_started", k, spoken))
            await asyncio.to_thread(self.contacts.after_reply, key, [], now)
            return
        if decision.kind == "help":
            await self._send(number, notice("sms_help", k, said_in, self.settings.help_contact))
            return
        if decision.kind == "assistant":
            verdict = self.per_number.check(conversation_id)
            if verdict is not Verdict.ALLOWED and not self.crisis.is_crisis(decision.text):
                if verdict is Verdict.REFUSED:  # said once per window: a flood is not answered text for text
                    await self._send(number, notice("sms_slow_down", k, spoken))
                return
        language = language_after(spoken, decision.text)  # what the conversation's `language` slot becomes too
        if decision.kind == "no_text":
            replies = [{"text": k.message("sms_no_text", spoken)}]
            language = spoken
        else:
            collector = CollectingOutputChannel()
            metadata = {"title": decision.title} if decision.title else {}
            metadata["language"] = spoken
            # Only a numbered choice (it has a title) is a command; typed text is words (bot/understanding/inputs.py).
            await on_new_message(UserMessage(as_client_message(decision.text, bool(decision.title)), collector,
                                             conversation_id,
                                             input_channel=self.name(), metadata=metadata))
            replies = collector.messages
        outbound = write(replies, k, language, intro=not contact.welcomed)
        await self._send(number, outbound)
        await asyncio.to_thread(self.contacts.after_reply, key, outbound.choices, now, language)

    async def _send(self, number: str, outbound: Outbound) -> None:
        await self.outbox.deliver(number, outbound)


@dataclass
class _Turns:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    waiting: int = 0


def _first(params: Mapping[str, list[str]], name: str) -> str | None:
    values = params.get(name) or []
    return values[0] if values else None


def _twiml() -> HTTPResponse:
    return response.text(EMPTY_TWIML, content_type="text/xml; charset=utf-8")
