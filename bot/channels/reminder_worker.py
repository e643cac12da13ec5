"""The reminder worker: wakes each due reminder's conversation through the Rasa HTTP API, once.

`make run` starts it. It survives restarts because the reminders live in the case database, not
in Rasa's memory: a reminder due while the worker or Rasa was down is sent when both are back.
An SMS reminder has no open connection to speak into: the action that delivers it stores its texts in
the reminder outbox with the delivered mark, and each round texts what the outbox holds (bot/cases/reminders.py
says how that stays exactly once). It also runs the daily retention purge. Run: `python -m bot.channels.reminder_worker`.
"""
from __future__ import annotations

import argparse
import logging
import signal
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote

import jwt
import requests
from sqlalchemy.engine import Engine

from bot.cases.reminders import Claim, ReminderQueue, TextClaim
from bot.cases.retention import claim_job, purge
from bot.channels.sms_outbox import SmsOutbox, twilio_client
from bot.knowledge import load_knowledge
from bot.ops.log_privacy import LogPolicy, install
from bot.ops.settings import Settings
from bot.storage.contacts import SmsContacts
from bot.storage.schema import make_engine, tracker_engine_from_env
from bot.storage.sealing import Sealer, SealError

logger = logging.getLogger("bot.channels.reminder_worker")
WAKE_INTENT = "EXTERNAL_reminder"


@dataclass(frozen=True)
class RasaWaker:
    """Triggers the reminder intent in the parent's conversation, signed with a short-lived admin token."""

    base_url: str
    secret: bytes
    timeout: float = 30.0

    def wake(self, conversation_id: str, reminder_id: int) -> list[dict] | None:
        """The replies the reminder produced (empty if it stayed silent), or None if Rasa could not be reached."""
        token = jwt.encode({"user": {"username": "reminder-worker", "role": "admin"},
                            "exp": int(time.time()) + 300}, self.secret, algorithm="HS256")
        url = f"{self.base_url}/conversations/{quote(conversation_id, safe='')}/trigger_intent"
        try:
            response = requests.post(url, params={"output_channel": "latest"},
                                     json={"name": WAKE_INTENT, "entities": {"reminder_id": reminder_id}},
                                     headers={"Authorization": f"Bearer {token}"}, timeout=self.timeout)
        except requests.RequestException as err:
            logger.warning("Rasa not reachable for reminder %s: %s", reminder_id, err.__class__.__name__)
            return None
        if response.status_code != 200:
            logger.warning("Rasa answered %s for reminder %s", response.status_code, reminder_id)
            return None
        return list(response.json().get("messages") or [])


@dataclass
class Worker:
    queue: ReminderQueue
    sealer: Sealer
    waker: RasaWaker
    engine: Engine
    tracker_engine: Engine | None
    retention: timedelta
    texts: SmsOutbox | None = None  # SMS has no open connection: the worker texts the reminder itself
    lease: timedelta = timedelta(minutes=2)  # a crashed worker's claims run out after this

    def run_once(self, now: datetime) -> dict[str, int]:
        counts = {"delivered": 0, "retry": 0, "failed": 0}
        started = time.monotonic()
        for claim in self.queue.claim_due(now, self.lease):
            status = self._deliver(claim, now)
            counts[status if status in counts else "retry"] += 1
        # Waking can take a while: the texts' leases start from the time it is now, not at the round's start.
        for status, count in self.text_pending(now + timedelta(seconds=time.monotonic() - started)).items():
            counts[f"sms_{status}"] = count
        if claim_job(self.engine, "purge", timedelta(days=1), now):
            report = purge(self.engine, self.tracker_engine, self.retention, now)
            logger.info("daily purge: %d cases, %d conversations", report.cases, report.conversations)
        return counts

    def _deliver(self, claim: Claim, now: datetime) -> str:
        reminder = claim.reminder
        try:
            address = self.sealer.open(reminder.address)
        except SealError:
            logger.error("reminder %s: its address cannot be opened with the current data keys", reminder.id)
            return self.queue.retry_later(reminder.id, now + timedelta(hours=1))
        replies = self.waker.wake(address["conversation_id"], reminder.id)  # by SMS they wait in the outbox
        status = self.queue.status(reminder.id)
        if replies is not None and status == "delivered":
            logger.info("reminder %s delivered", reminder.id)
            return "delivered"
        if status != "pending":  # cancelled or deleted meanwhile: nothing to do
            return status or "deleted"
        return self.queue.retry_later(reminder.id, now + _backoff(reminder.attempts))

    def text_pending(self, now: datetime) -> dict[str, int]:
        """Texts every SMS reminder the outbox holds that no live worker is texting: those just delivered, and
        those a killed worker left (once its lease ran out). Counts by outcome."""
        counts: dict[str, int] = {}
        if self.texts is None:  # SMS not configured here: the rows wait for a worker that can text
            return counts
        for claim in self.queue.claim_texts(now, self.lease):
            status = self._text(self.texts, claim, now)
            counts[status] = counts.get(status, 0) + 1
        return counts

    def _text(self, texts: SmsOutbox, claim: TextClaim, now: datetime) -> str:
        try:
            owed = self.sealer.open_json(claim.replies)
        except SealError:
            logger.error("reminder %s: its texts cannot be opened with the current data keys", claim.reminder_id)
            return self.queue.retry_texts(claim, now + timedelta(hours=1), now)
        texted = texts.remind(owed["conversation_id"], owed["replies"], now, claim.sent,
                              lambda sent: self.queue.record_sent(claim, sent))
        if not texted.reachable:  # opted out or gone: nothing to send, ever
            return "unreachable" if self.queue.close_texts(claim, "unreachable", now) else "lost"
        if texted.done:
            logger.info("reminder %s texted", claim.reminder_id)
            return "texted" if self.queue.close_texts(claim, "texted", now) else "lost"
        return self.queue.retry_texts(claim, now + _backoff(claim.attempts), now)


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** attempts, 3600))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.channels.reminder_worker", description=__doc__.splitlines()[0])
    parser.add_argument("--once", action="store_true", help="deliver what is due now, then stop")
    args = parser.parse_args(argv)
    install(LogPolicy.from_env())  # no parent's words, names, numbers or link tokens in the log
    settings = Settings.from_env()
    engine = make_engine(settings.database_url)
    sealer = Sealer(settings.data_keys())
    texts = None
    if settings.sms_ready:
        twilio = twilio_client(settings)
        texts = SmsOutbox(SmsContacts(engine, sealer), twilio, load_knowledge(), settings.id_secret())
    worker = Worker(ReminderQueue(engine), sealer, RasaWaker(settings.rasa_url, settings.rasa_jwt_secret()), engine,
                    tracker_engine_from_env(), timedelta(days=settings.retention_days), texts,
                    timedelta(seconds=settings.reminder_lease_seconds))
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    logger.info("reminder worker started (every %ss)", settings.reminder_poll_seconds)
    while not stopping.is_set():
        try:
            worker.run_once(datetime.now())
        except Exception:  # noqa: BLE001 - a database hiccup must not end reminders for everyone
            logger.exception("reminder round failed; trying again")
        if args.once:
            break
        stopping.wait(settings.reminder_poll_seconds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
