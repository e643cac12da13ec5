"""Conversation identity comes only from tokens the server signed, and a token ages out."""
from __future__ import annotations

import base64
import hashlib
import hmac
import time

from bot.channels.tokens import PhoneHasher, TokenSigner, _base36
from bot.ops.settings import Settings

DAY = 24 * 3600


def test_a_token_names_the_conversation_it_was_issued_for():
    signer = TokenSigner(b"k" * 32)
    token, conversation_id = signer.issue()
    assert signer.verify(token) == conversation_id
    assert conversation_id.startswith("web-") and token.startswith(conversation_id + "~")
    assert token.count(".") == 1  # one dot, as format 1: clients that split on it still work


def test_every_conversation_is_new_and_unguessable():
    signer = TokenSigner(b"k" * 32)
    ids = {signer.issue()[1] for _ in range(1000)}
    assert len(ids) == 1000
    assert all(len(i) >= 4 + 22 for i in ids)  # 128 random bits


def test_altered_guessed_or_foreign_tokens_name_no_conversation():
    signer = TokenSigner(b"k" * 32)
    token, conversation_id = signer.issue()
    other_token, other_id = signer.issue()
    body, signature = token.split(".")
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    assert signer.verify(f"{body}.{flipped}") is None
    assert signer.verify(f"{other_token.split('.')[0]}.{signature}") is None  # another's body with this signature
    assert signer.verify(f"{body}.") is None and signer.verify(body) is None
    assert signer.verify(TokenSigner(b"x" * 32).issue()[0]) is None  # signed with another deployment's key
    assert signer.verify("sms-abc.def") is None  # never an SMS conversation
    for junk in (None, "", ".", "..", "a.b.c", "web-" + "a" * 500 + ".x", "wéb-ü.ß", token + " ", " " + token,
                 token.replace("web-", "WEB-"), token.upper()):
        assert signer.verify(junk) is None


def test_the_issue_time_cannot_be_moved():
    signer = TokenSigner(b"k" * 32, max_age_seconds=DAY)
    token = signer.renew("web-" + "A" * 22, now=time.time() - 2 * DAY)
    assert signer.verify(token) is None
    body, signature = token.split(".")
    conversation_id, issued = body.split("~")
    moved = f"{conversation_id}~{_base36(int(issued, 36) + 2 * DAY)}.{signature}"  # a later time, the old signature
    assert signer.verify(moved) is None


def test_a_token_unused_for_the_retention_period_is_refused_and_a_renewed_one_is_not():
    signer = TokenSigner(b"k" * 32, max_age_seconds=90 * DAY)
    now = time.time()
    token, conversation_id = signer.issue(now=now - 91 * DAY)
    assert signer.verify(token, now=now) is None
    assert signer.verify(token, now=now - 2 * DAY) == conversation_id  # still young then
    assert signer.verify(signer.renew(conversation_id, now=now - 89 * DAY), now=now) == conversation_id
    assert signer.verify(signer.renew(conversation_id, now=now + 30 * DAY), now=now) is None  # from the future


def test_a_token_is_renewed_after_a_turn_at_most_daily():
    signer = TokenSigner(b"k" * 32)
    now = time.time()
    token, conversation_id = signer.issue(now=now - 3600)
    assert signer.renewed(token, conversation_id, now=now) == token  # the same token all day
    older, _ = signer.issue(now=now - 2 * DAY)
    renewed = signer.renewed(older, signer.verify(older, now=now), now=now)
    assert renewed != older and signer.verify(renewed, now=now + 89 * DAY) == signer.verify(older, now=now)


def test_the_age_limit_is_the_retention_period():
    settings = Settings.from_env({"IEP_RETENTION_DAYS": "7", "IEP_ID_SECRET": "s" * 64})
    signer = TokenSigner.from_settings(settings, {"IEP_ID_SECRET": "s" * 64})
    token, conversation_id = signer.issue(now=time.time() - 8 * DAY)
    assert signer.max_age_seconds == 7 * DAY and signer.verify(token) is None


def test_format_1_tokens_are_refused():
    signer = TokenSigner(b"k" * 32)
    conversation_id = "web-" + "A" * 22
    old = base64.urlsafe_b64encode(hmac.new(b"k" * 32, conversation_id.encode(), hashlib.sha256).digest())
    assert signer.verify(f"{conversation_id}.{old.rstrip(b'=').decode()}") is None


def test_a_revocation_record_is_named_by_a_keyed_hash():
    signer = TokenSigner(b"k" * 32)
    _, conversation_id = signer.issue()
    record = signer.revocation_id(conversation_id)
    assert record.startswith("revoked-") and conversation_id[4:] not in record
    assert record == signer.revocation_id(conversation_id) != signer.revocation_id(signer.issue()[1])
    assert record != TokenSigner(b"x" * 32).revocation_id(conversation_id)


def test_a_phone_number_becomes_a_keyed_hash_the_same_for_any_formatting():
    hasher = PhoneHasher(b"p" * 32)
    one = hasher.conversation_id("+1 (555) 010-2000")
    assert one == hasher.conversation_id("+15550102000")
    assert one.startswith("sms-") and "5550102000" not in one
    assert one != hasher.conversation_id("+15550102001")
    assert one != PhoneHasher(b"q" * 32).conversation_id("+15550102000")
