"""Conversation identity comes only from tokens the server signed."""
from __future__ import annotations

from bot.conversation_tokens import PhoneHasher, TokenSigner


def test_a_token_names_the_conversation_it_was_issued_for():
    signer = TokenSigner(b"k" * 32)
    token, conversation_id = signer.issue()
    assert signer.verify(token) == conversation_id
    assert conversation_id.startswith("web-") and conversation_id in token


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
    assert signer.verify(f"{other_id}.{signature}") is None  # a real id with another's signature
    assert signer.verify(f"{body}.") is None and signer.verify(body) is None
    assert signer.verify(TokenSigner(b"x" * 32).issue()[0]) is None  # signed with another deployment's key
    assert signer.verify("sms-abc.def") is None  # never an SMS conversation
    for junk in (None, "", ".", "..", "a.b.c", "web-" + "a" * 500 + ".x", "wéb-ü.ß"):
        assert signer.verify(junk) is None


def test_a_phone_number_becomes_a_keyed_hash_the_same_for_any_formatting():
    hasher = PhoneHasher(b"p" * 32)
    one = hasher.conversation_id("+1 (555) 010-2000")
    assert one == hasher.conversation_id("+15550102000")
    assert one.startswith("sms-") and "5550102000" not in one
    assert one != hasher.conversation_id("+15550102001")
    assert one != PhoneHasher(b"q" * 32).conversation_id("+15550102000")
