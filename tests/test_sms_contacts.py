"""SMS senders: sealed numbers, STOP kept for good, choices, webhooks answered once."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from bot.cases.store import CaseStore
from bot.storage.contacts import SmsContacts, purge_contacts
from bot.storage.schema import make_engine
from bot.storage.sealing import Sealer

NOW = datetime(2026, 3, 2, 10, 0)
NUMBER = "+15550102000"


@pytest.fixture
def contacts(tmp_path):
    return SmsContacts(make_engine(f"sqlite:///{tmp_path / 'cases.db'}"), Sealer([Fernet.generate_key()]))


def test_the_number_is_stored_only_sealed(contacts):
    contacts.arrive("k1", NUMBER, NOW)
    with contacts.engine.connect() as db:
        [stored] = db.execute(text("SELECT number FROM sms_contacts")).scalars()
    assert NUMBER not in stored and "5550102000" not in stored
    assert contacts.get("k1").number == NUMBER


def test_a_webhook_id_is_answered_once(contacts):
    assert contacts.first_time("SM1", NOW) is True
    assert contacts.first_time("SM1", NOW) is False
    assert contacts.first_time("SM2", NOW) is True


def test_stop_is_confirmed_once_and_start_undoes_it(contacts):
    contacts.arrive("k1", NUMBER, NOW)
    assert contacts.set_opted_out("k1", True, NOW) is True
    assert contacts.set_opted_out("k1", True, NOW) is False  # a second STOP changes nothing: no second confirmation
    assert contacts.get("k1").opted_out
    assert contacts.set_opted_out("k1", False, NOW) is True and not contacts.get("k1").opted_out


def test_choices_are_remembered_and_a_deleted_sender_is_never_recreated(contacts):
    contacts.arrive("k1", NUMBER, NOW)
    contacts.after_reply("k1", [("Yes", "/affirm"), ("No", "/deny")], NOW)
    assert contacts.get("k1").choices == (("Yes", "/affirm"), ("No", "/deny")) and contacts.get("k1").welcomed
    CaseStore(contacts.engine).delete("k1")
    contacts.after_reply("k1", [("Yes", "/affirm")], NOW)
    assert contacts.get("k1") is None


def test_deleting_or_purging_keeps_a_stop_but_forgets_the_number(contacts):
    for key in ("stopped", "active", "recent"):
        contacts.arrive(key, NUMBER, NOW)
    contacts.set_opted_out("stopped", True, NOW)
    CaseStore(contacts.engine).delete("stopped")
    assert contacts.get("stopped").opted_out and contacts.get("stopped").number is None
    contacts.arrive("recent", NUMBER, NOW + timedelta(days=100))
    assert purge_contacts(contacts.engine, NOW + timedelta(days=90)) == 1  # "active" was quiet 90 days
    assert contacts.get("active") is None and contacts.get("recent").number == NUMBER
    assert contacts.get("stopped").opted_out
