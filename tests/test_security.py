"""Each refusal the assistant makes to an outsider, proved on the live stack (real processes, a fake Twilio API).

What "replay" means here, and how it is refused (bot/channels/tokens.py):
- A web conversation is named only by a token the server signed: `<id>~<issued>.<HMAC>`. The id is random
  and the HMAC covers the id and the issue time, so a token can be neither guessed nor altered.
- A token replayed after its conversation was deleted at the parent's request is dead. The deleting turn
  stores a revocation record named by a keyed hash of the old id (one event in the tracker store, which
  every Rasa server shares) and answers with a token for a new, empty conversation. Any later use of an
  old token reads nothing (401) and continues nothing (a fresh conversation).
- A token older than the retention period (IEP_RETENTION_DAYS) is refused for its age. The channel renews
  the token it hands back (at most daily), so only a token unused that long ages out; the revocation
  record is purged with everything else after the same period, when the old tokens are too old anyway.
- An SMS webhook is replayed with its MessageSid: it is answered once. A forged one gets 403.

Nothing here prints a token, a name or a number.
"""
from __future__ import annotations

import secrets
import time
from datetime import datetime, timedelta

import jwt
import pytest
import requests

from bot.cases.store import CaseStore
from bot.channels.tokens import TokenSigner
from bot.channels.twilio import signature
from bot.knowledge import load_knowledge
from bot.letters.drafting import LetterRequest
from bot.letters.service import LetterService
from tests.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FROM
from tests.sms_stack import PUBLIC_URL, SmsStack, settle
from tests.stack import API_KEY, running
from tests.test_privacy import NAME, _write_letter

SECRET = "My daughter Wilhelmina Ostrowski has epilepsy and the nurse at Juniper Hollow School refuses her plan."
MARKS = ("Wilhelmina", "Ostrowski", "Juniper Hollow")  # none of these may reach anyone but the owner
DAY = 24 * 3600


@pytest.fixture(scope="module")
def stack(tmp_path_factory, twilio):
    made = SmsStack.with_twilio(tmp_path_factory.mktemp("security"), twilio,
                                IEP_RATE_CONVERSATION="99999/1", IEP_RATE_ADDRESS="99999/1")
    with running(made, "actions", "rasa", "links"):
        yield made


def _history(stack: SmsStack, token: str | bytes) -> requests.Response:
    return requests.get(f"{stack.rasa_url}/webhooks/web/messages", timeout=30,
                        headers={"X-API-Key": API_KEY, "Authorization": b"Bearer " + _bytes(token)})


def _send(stack: SmsStack, token: str | bytes, text: str, **extra: object) -> requests.Response:
    return requests.post(f"{stack.rasa_url}/webhooks/web/messages", json={"text": text, **extra}, timeout=90,
                         headers={"X-API-Key": API_KEY, "Authorization": b"Bearer " + _bytes(token)})


def _bytes(token: str | bytes) -> bytes:
    return token if isinstance(token, bytes) else token.encode("latin-1", "replace")


def _web_id(stack: SmsStack, name: str) -> str:
    """The Rasa conversation id behind a web conversation of this test (SmsStack.sender is for numbers)."""
    return TokenSigner.from_settings(stack.settings, stack.env).verify(stack.tokens[name])


def _owner(stack: SmsStack, name: str) -> str:
    stack.say(name, SECRET)
    return stack.tokens[name]


def _assert_fresh_and_blind(stack: SmsStack, token: str | bytes, original: str) -> None:
    """The token reads nothing, and writing with it starts a new conversation holding none of the original."""
    read = _history(stack, token)
    assert read.status_code == 401 and read.json()["message"], read.text
    assert not any(mark in read.text for mark in MARKS)
    fresh = _send(stack, token, "hello")
    assert fresh.status_code == 200
    answer = fresh.json()
    assert answer["new_conversation"] is True and answer["token"] != original
    assert answer["messages"][0]["index"] == 0
    assert not any(mark in fresh.text for mark in MARKS)
    assert not any(mark in _history(stack, answer["token"]).text for mark in MARKS)


# ---------------------------------------------------------------- (1) tampered tokens


def test_tampered_tokens_start_a_fresh_conversation_that_reads_nothing_of_the_original(stack):
    token = _owner(stack, "tamper-a")
    other = _owner(stack, "tamper-b")
    body, signature_ = token.split(".")
    conversation_id, issued = body.split("~")
    flip = {"A": "B"}
    flipped_id = conversation_id[:-1] + flip.get(conversation_id[-1], "A")
    flipped_sig = signature_[:-1] + flip.get(signature_[-1], "A")
    tampered = {
        "a character of the id changed": f"{flipped_id}~{issued}.{signature_}",
        "a character of the signature changed": f"{body}.{flipped_sig}",
        "another conversation's signature": f"{body}.{other.split('.')[1]}",
        "another conversation's id with this signature": f"{other.split('.')[0]}.{signature_}",
        "the issue time moved": f"{conversation_id}~{issued[:-1] + ('1' if issued[-1] != '1' else '2')}.{signature_}",
        "the id alone, unsigned": conversation_id,
        "format 1 (no issue time)": f"{conversation_id}.{signature_}",
        "a wrong prefix": f"sms-{body[4:]}.{signature_}",
        "an SMS conversation's id": f"{stack.conversation('+15550170000')}.{signature_}",
        "oversize": token + "A" * 5000,
        "non-ASCII": (body[:-1] + "é").encode("utf-8") + b"." + signature_.encode("ascii"),
        "guessed": "web-AAAAAAAAAAAAAAAAAAAAAA~" + issued + "." + "A" * 43,
    }
    for what, bad in tampered.items():
        assert TokenSigner.from_settings(stack.settings, stack.env).verify(
            bad.decode("utf-8") if isinstance(bad, bytes) else bad) is None, what
        _assert_fresh_and_blind(stack, bad, token)
    assert SECRET in _history(stack, token).text  # the owner's conversation is intact


# ---------------------------------------------------------------- (2) replayed tokens


def test_a_token_replayed_after_the_parent_deleted_everything_reads_and_continues_nothing(stack):
    token = _owner(stack, "deleter")
    old_sender = _web_id(stack, "deleter")
    asked = stack.say("deleter", "please delete my data")
    assert "Delete it all?" in " ".join(m["text"] for m in asked)
    done = stack.post("messages", stack.tokens["deleter"], payload="/confirm_delete")
    assert done.status_code == 200
    assert "I deleted everything" in " ".join(m["text"] for m in done.json()["messages"])
    new_token = done.json()["token"]
    assert new_token != token and TokenSigner.from_settings(stack.settings, stack.env).verify(new_token) != old_sender
    assert stack.raw_events(old_sender) == []  # the conversation itself is gone
    record = TokenSigner.from_settings(stack.settings, stack.env).revocation_id(old_sender)
    assert [kind for kind, _ in stack.raw_events(record)] == ["pause"]  # the record, named by a keyed hash

    _assert_fresh_and_blind(stack, token, token)
    assert stack.raw_events(old_sender) == []  # the replay continued nothing there
    # The parent carries on with the token the deletion gave: a new, empty conversation.
    assert _history(stack, new_token).json()["messages"] == []
    carry_on = _send(stack, new_token, "hi")
    assert carry_on.status_code == 200 and carry_on.json()["new_conversation"] is False


def test_a_token_older_than_the_retention_period_is_refused(stack):
    _owner(stack, "old-parent")
    sender = _web_id(stack, "old-parent")
    signer = TokenSigner.from_settings(stack.settings, stack.env)
    days = stack.settings.retention_days
    young = signer.renew(sender, now=time.time() - (days - 1) * DAY)
    assert SECRET in _history(stack, young).text  # the same conversation, read with a token a day short of the limit
    stale = signer.renew(sender, now=time.time() - (days + 1) * DAY)
    _assert_fresh_and_blind(stack, stale, stack.tokens["old-parent"])


# ---------------------------------------------------------------- (3) SMS signatures and replays


def test_forged_missing_or_misapplied_sms_signatures_get_403_and_reach_nothing(stack, twilio):
    number = "+15550170001"
    params = {"MessageSid": "SM" + "1" * 32, "AccountSid": ACCOUNT_SID, "From": number, "To": FROM,
              "Body": SECRET, "NumMedia": "0"}
    webhook = f"{stack.rasa_url}/webhooks/sms/webhook"
    forged = {
        "missing": None,
        "garbage": "bm90IGEgc2lnbmF0dXJl",
        "signed with another auth token": signature("not-the-auth-token", PUBLIC_URL, params),
        "signed for another URL": signature(AUTH_TOKEN, "https://evil.example/webhooks/sms/webhook", params),
        "signed for another body": signature(AUTH_TOKEN, PUBLIC_URL, {**params, "Body": "hi"}),
        "signed for another sender": signature(AUTH_TOKEN, PUBLIC_URL, {**params, "From": "+15550170002"}),
    }
    for what, sig in forged.items():
        headers = {"X-Twilio-Signature": sig} if sig else {}
        answer = requests.post(webhook, data=params, headers=headers, timeout=30)
        assert answer.status_code == 403, what
        assert len(answer.text) < 100 and "Traceback" not in answer.text
    time.sleep(1)
    assert twilio.to(number) == [] and stack.user_texts(number) == []
    assert CaseStore(stack.engine).get(stack.case_key(number)) is None


def test_a_replayed_sms_webhook_is_answered_once(stack, twilio):
    number = "+15550170003"
    sid = "SM" + "2" * 32
    assert stack.text(number, "what is an IEP", sid=sid).status_code == 200
    before = settle(stack, twilio, number)
    for _ in range(3):  # Twilio's retry, or someone who captured the request, byte for byte
        assert stack.text(number, "what is an IEP", sid=sid).status_code == 200
    assert stack.text(number, "and something else", sid=sid).status_code == 200  # the same sid, re-signed
    after = settle(stack, twilio, number)
    assert len(after) == len(before) + 1  # only the second HELP's answer was added
    assert sum("what is an IEP" in t for t in stack.user_texts(number)) == 1
    assert "and something else" not in stack.user_texts(number)


# ---------------------------------------------------------------- (4) guessed letter links


def _link_token(url: str) -> str:
    return url.split("/letters/", 1)[1].split("/", 1)[0]


def _made_letter(stack: SmsStack, made_at: datetime, parent: str) -> str:
    service = LetterService(load_knowledge(), stack.settings, stack.engine)
    request = LetterRequest("meeting_request", {"parent_name": parent, "child_name": "Sam Rivera",
                                                "grade": "3rd grade", "school": "Lincoln Elementary",
                                                "meeting_reason": "general_concern", "concern": "his reading",
                                                "availability": "after 3 pm"},
                            made_at.date(), made_at.date() + timedelta(days=14), "en")
    return service.make(request, None, made_at).links.pdf


def test_guessed_truncated_foreign_or_expired_letter_links_reveal_nothing(stack):
    letter = next(r["letter"] for r in _write_letter(stack, "links-parent") if r.get("letter"))
    real = _link_token(letter["pdf"])
    base = f"http://127.0.0.1:{stack.link_port}/letters"
    own = requests.get(f"{base}/{real}/letter.txt", timeout=60)
    assert own.status_code == 200 and NAME in own.text

    unknown = {"random": secrets.token_urlsafe(32), "truncated": real[:-1], "the first half": real[:20],
               "one character more": real + "A", "one character changed": real[:-1] + ("A" if real[-1] != "A" else "B"),
               "upper-cased": real.upper() if real.upper() != real else real.lower(), "a space": "%20",
               "very long": "A" * 5000}
    pages = set()
    for what, guess in unknown.items():
        answer = requests.get(f"{base}/{guess}/letter.txt", timeout=30)
        assert answer.status_code == 404, what
        assert NAME not in answer.text and real not in answer.text
        assert answer.headers["Cache-Control"] == "no-store" and answer.headers["Referrer-Policy"] == "no-referrer"
        pages.add(answer.text)
    assert len(pages) == 1  # one page for every miss: nothing tells a near guess from a far one
    assert requests.get(f"{base}/{real}/letter.exe", timeout=30).status_code == 404

    other = _link_token(_made_letter(stack, datetime.now(), "Another Parent"))
    theirs = requests.get(f"{base}/{other}/letter.txt", timeout=60)
    assert theirs.status_code == 200 and "Another Parent" in theirs.text and NAME not in theirs.text

    expired = _link_token(_made_letter(stack, datetime.now() - timedelta(days=stack.settings.link_days + 1),
                                       "Expired Parent"))
    gone = requests.get(f"{base}/{expired}/letter.pdf", timeout=30)
    assert gone.status_code == 410 and "Expired Parent" not in gone.text and gone.headers["Cache-Control"] == "no-store"


# ---------------------------------------------------------------- (5) the action server


def test_the_action_server_answers_only_the_token_in_a_header(stack):
    url = f"http://127.0.0.1:{stack.action_port}"
    token = stack.settings.action_token(stack.env)
    call = {"next_action": "action_keep_data", "sender_id": "someone", "tracker": {"sender_id": "someone"},
            "domain": {}, "version": "3.6.21"}
    refused = {"no token": {}, "a wrong token": {"Authorization": "Bearer " + secrets.token_hex(16)},
               "the token without Bearer": {"Authorization": token}, "another scheme": {"Authorization": f"Basic {token}"}}
    for what, headers in refused.items():
        assert requests.get(f"{url}/actions", headers=headers, timeout=30).status_code == 401, what
        assert requests.post(f"{url}/webhook", json=call, headers=headers, timeout=30).status_code == 401, what
    assert requests.get(f"{url}/actions", params={"token": token}, timeout=30).status_code == 401  # not in the URL
    assert requests.get(f"{url}/health", timeout=30).status_code == 200  # the one open path
    listed = requests.get(f"{url}/actions", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert listed.status_code == 200 and {"name": "action_delete_data"} in listed.json()


# ---------------------------------------------------------------- (6) the Rasa HTTP API


def _jwt(secret: bytes | str, **claims: object) -> str:
    payload = {"user": {"username": "worker", "role": "admin"}, "exp": int(time.time()) + 120, **claims}
    return jwt.encode(payload, secret, algorithm="HS256")


def test_the_rasa_api_takes_only_a_signed_jwt_in_the_authorization_header(stack):
    _owner(stack, "api-target")
    url = f"{stack.rasa_url}/conversations/{_web_id(stack, 'api-target')}/tracker"
    secret = stack.settings.rasa_jwt_secret(stack.env)
    right = _jwt(secret)
    unsigned = jwt.encode({"user": {"username": "worker", "role": "admin"}}, None, algorithm="none")
    refused = {
        "no token": ({}, {}),
        "a JWT signed with another secret": ({"Authorization": f"Bearer {_jwt(b'another-secret-of-32-bytes-or-more')}"}, {}),
        "an unsigned JWT": ({"Authorization": f"Bearer {unsigned}"}, {}),
        "a JWT expired an hour ago": ({"Authorization": f"Bearer {_jwt(secret, exp=int(time.time()) - 3600)}"}, {}),
        "the right JWT in the query string": ({}, {"token": right}),
        "the JWT secret itself as a query token": ({}, {"token": secret.decode()}),
    }
    for what, (headers, params) in refused.items():
        answer = requests.get(url, headers=headers, params=params, timeout=30)
        assert answer.status_code == 401, what
        assert not any(mark in answer.text for mark in MARKS)
    # A JWT for one conversation ("user" role) cannot read another.
    other = _jwt(secret, user={"username": "web-another-conversation", "role": "user"})
    assert requests.get(url, headers={"Authorization": f"Bearer {other}"}, timeout=30).status_code == 403
    allowed = requests.get(url, headers={"Authorization": f"Bearer {right}"}, timeout=30)
    assert allowed.status_code == 200 and SECRET in allowed.text


# ---------------------------------------------------------------- (7) one parent, another's conversation


def test_one_parents_token_reads_only_its_own_conversation_and_never_another_parents_letter(stack):
    replies = _write_letter(stack, "parent-b")
    b_letter = _link_token(next(r["letter"] for r in replies if r.get("letter"))["pdf"])
    b_sender = _web_id(stack, "parent-b")
    a_token = _owner(stack, "parent-a")
    a_seen = _history(stack, a_token).text
    assert SECRET in a_seen and NAME not in a_seen and b_letter not in a_seen

    # The web API takes no other way of naming a conversation: every one of these lands in A's own.
    attempts = [({"sender": b_sender}, {}), ({"sender_id": b_sender, "conversation_id": b_sender}, {}),
                ({}, {"sender": b_sender, "conversation_id": b_sender})]
    for body, params in attempts:
        sent = requests.post(f"{stack.rasa_url}/webhooks/web/messages", params=params, timeout=90,
                             json={"text": "show me the letter", **body},
                             headers={"X-API-Key": API_KEY, "Authorization": f"Bearer {a_token}",
                                      "X-Conversation-Id": b_sender})
        assert sent.status_code == 200 and sent.json()["new_conversation"] is False
        assert NAME not in sent.text and b_letter not in sent.text
        read = requests.get(f"{stack.rasa_url}/webhooks/web/messages", params={"sender": b_sender, "after": 0},
                            headers={"X-API-Key": API_KEY, "Authorization": f"Bearer {a_token}"}, timeout=30)
        assert read.status_code == 200 and SECRET in read.text and NAME not in read.text and b_letter not in read.text
    assert all(mark not in _history(stack, stack.tokens["parent-b"]).text for mark in MARKS)  # nor the other way
    # Rasa's own channels, which let a client say who it is, are not there.
    for path in ("/webhooks/rest/webhook", "/webhooks/callback/webhook"):
        answer = requests.post(f"{stack.rasa_url}{path}", json={"sender": b_sender, "message": "hi"}, timeout=30)
        assert answer.status_code == 404, path
    assert requests.get(f"{stack.rasa_url}/socket.io/", params={"EIO": "4", "transport": "polling"},
                        timeout=30).status_code == 404
