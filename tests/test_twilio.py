from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

import pytest
from aiohttp import web

from bot.channels.twilio import TwilioClient, TwilioError, signature, url_variants, valid_signature

# Twilio's documented validation example (docs and twilio-python's tests).
TOKEN = "12345"
URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
DOC_PARAMS = {"CallSid": "CA1234567890ABCDE", "Caller": "+14158675310", "Digits": "1234",
              "From": "+14158675310", "To": "+18005551212"}
DOC_SIGNATURE = "GvWf1cFY/Q7PnoempGyD5oXAezc="


# --- signatures ------------------------------------------------------------------------------

def test_documented_example():
    assert signature(TOKEN, URL, DOC_PARAMS) == DOC_SIGNATURE
    assert valid_signature(TOKEN, URL, DOC_PARAMS, DOC_SIGNATURE)


@pytest.mark.parametrize(("number", "expected"), [
    ("+12349013030", "0/KCTR6DLpKmkAf8muzZqo1nDgQ="),  # the same example with the older docs' numbers
    ("+14158675309", "RSOYDt4T1cUTdK1PDd93/VVr8B8="),  # twilio-python's test_compute_signature
])
def test_other_published_vectors(number, expected):
    params = {**DOC_PARAMS, "Caller": number, "From": number}
    assert signature(TOKEN, URL, params) == expected


def test_parameter_order_does_not_matter():
    assert signature(TOKEN, URL, dict(reversed(list(DOC_PARAMS.items())))) == DOC_SIGNATURE


def test_repeated_parameters_are_sorted_by_value():
    # twilio-python's test_compute_signature_duplicate_multi_dict
    params = {"Sid": "CA123", "SidAccount": "AC123", "Digits": ["5678", "1234"]}
    assert signature(TOKEN, URL, params) == "IK+Dwps556ElfBT0I3Rgjkr1wJU="
    assert signature(TOKEN, URL, {**params, "Digits": ("1234", "5678")}) == "IK+Dwps556ElfBT0I3Rgjkr1wJU="


def test_a_changed_parameter_fails():
    assert not valid_signature(TOKEN, URL, {**DOC_PARAMS, "Digits": "9999"}, DOC_SIGNATURE)
    assert not valid_signature(TOKEN, URL, {**DOC_PARAMS, "Extra": ""}, DOC_SIGNATURE)


def test_a_changed_url_fails():
    assert not valid_signature(TOKEN, URL.replace("foo=1", "foo=2"), DOC_PARAMS, DOC_SIGNATURE)
    assert not valid_signature(TOKEN, URL.replace("https", "http"), DOC_PARAMS, DOC_SIGNATURE)
    assert not valid_signature(TOKEN, URL.replace("mycompany", "evil"), DOC_PARAMS, DOC_SIGNATURE)


@pytest.mark.parametrize("given", [None, "", "not base64 ¡", DOC_SIGNATURE[:-1], "AAAA" + DOC_SIGNATURE[4:]])
def test_missing_or_wrong_signature_fails(given):
    assert not valid_signature(TOKEN, URL, DOC_PARAMS, given)


def test_wrong_or_empty_token_fails():
    assert not valid_signature("54321", URL, DOC_PARAMS, DOC_SIGNATURE)
    assert not valid_signature("", URL, DOC_PARAMS, signature("", URL, DOC_PARAMS))


def test_default_port_added_or_dropped():
    with_port = URL.replace(".com", ".com:443")
    # Signed without the port, received with it, and the other way round.
    assert valid_signature(TOKEN, with_port, DOC_PARAMS, DOC_SIGNATURE)
    assert valid_signature(TOKEN, URL, DOC_PARAMS, signature(TOKEN, with_port, DOC_PARAMS))
    http = URL.replace("https", "http")
    assert valid_signature(TOKEN, http, DOC_PARAMS, signature(TOKEN, http.replace(".com", ".com:80"), DOC_PARAMS))
    # The wrong scheme's default port is not a variant.
    assert not valid_signature(TOKEN, URL, DOC_PARAMS, signature(TOKEN, URL.replace(".com", ".com:80"), DOC_PARAMS))


def test_port_vectors_from_twilio_python():
    params = {**DOC_PARAMS, "Caller": "+14158675309", "From": "+14158675309"}
    assert valid_signature(TOKEN, URL, params, "kvajT1Ptam85bY51eRf/AJRuM3w=")  # signed with :443
    assert valid_signature(TOKEN, URL.replace("https", "http"), params, "0ZXoZLH/DfblKGATFgpif+LLRf4=")  # :80
    # Like Twilio's validator, a non-default port may also have been dropped on the way.
    assert valid_signature(TOKEN, URL.replace(".com", ".com:1234"), params, "RSOYDt4T1cUTdK1PDd93/VVr8B8=")


def test_url_variants_keep_userinfo_and_ipv6_hosts():
    assert url_variants("https://user:pw@Host.example/x?a=1") == (
        "https://user:pw@Host.example/x?a=1", "https://user:pw@Host.example:443/x?a=1")
    assert url_variants("http://[::1]:8080/hook") == ("http://[::1]:8080/hook", "http://[::1]/hook")
    assert url_variants("ftp://host/x") == ("ftp://host/x",)


# --- sending ---------------------------------------------------------------------------------

@dataclass
class FakeTwilio:
    """A real HTTP server on 127.0.0.1 that answers like Twilio's Messages API and remembers requests."""

    status: int = 201
    payload: dict = field(default_factory=lambda: {"sid": "SM0123456789abcdef", "status": "queued"})
    requests: list[dict] = field(default_factory=list)
    base: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        self.requests.append({"method": request.method, "path": request.path, "raw": raw,
                              "authorization": request.headers.get("Authorization", ""),
                              "content_type": request.headers.get("Content-Type", "")})
        return web.json_response(self.payload, status=self.status)


@pytest.fixture
async def fake_twilio() -> AsyncIterator[FakeTwilio]:
    fake = FakeTwilio()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", fake.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)  # port 0: the OS picks a free one
    await site.start()
    host, port = runner.addresses[0][:2]
    fake.base = f"http://{host}:{port}"
    try:
        yield fake
    finally:
        await runner.cleanup()


def client_for(fake: FakeTwilio) -> TwilioClient:
    return TwilioClient(api_base=fake.base, account_sid="AC123", auth_token="secret-token", from_number="+15005550006")


async def test_send_posts_the_message_form(fake_twilio):
    sid = await client_for(fake_twilio).send("+15551234567", "¡Hola! ¿Cómo está? 👍\nSí.")
    assert sid == "SM0123456789abcdef"
    [request] = fake_twilio.requests
    assert request["method"] == "POST"
    assert request["path"] == "/2010-04-01/Accounts/AC123/Messages.json"
    assert request["authorization"] == "Basic " + base64.b64encode(b"AC123:secret-token").decode()
    assert request["content_type"].startswith("application/x-www-form-urlencoded")
    form = dict(parse_qsl(request["raw"].decode("ascii"), keep_blank_values=True, strict_parsing=True))
    assert form == {"To": "+15551234567", "From": "+15005550006", "Body": "¡Hola! ¿Cómo está? 👍\nSí."}


async def test_body_arrives_byte_exact(fake_twilio):
    await client_for(fake_twilio).send("+15551234567", "¡Hola!")
    raw = fake_twilio.requests[0]["raw"]
    assert b"Body=%C2%A1Hola%21" in raw  # ¡ is U+00A1, UTF-8 C2 A1
    assert dict(parse_qsl(raw.decode("ascii")))["Body"].encode("utf-8") == "¡Hola!".encode("utf-8")


async def test_api_base_with_a_trailing_slash(fake_twilio):
    client = TwilioClient(api_base=fake_twilio.base + "/", account_sid="AC123", auth_token="t", from_number="+1")
    await client.send("+2", "x")
    assert fake_twilio.requests[0]["path"] == "/2010-04-01/Accounts/AC123/Messages.json"


async def test_unauthorized_raises_twilio_error(fake_twilio):
    fake_twilio.status = 401
    fake_twilio.payload = {"code": 20003, "message": "Authenticate", "status": 401}
    with pytest.raises(TwilioError) as raised:
        await client_for(fake_twilio).send("+15551234567", "¡Hola!")
    assert raised.value.status == 401
    assert raised.value.code == 20003
    # The error names no number, no body and no token.
    for private in ("+15551234567", "Hola", "secret-token"):
        assert private not in str(raised.value) and private not in repr(raised.value)


async def test_server_error_without_json_raises_twilio_error(fake_twilio):
    fake_twilio.status = 503
    fake_twilio.payload = None
    with pytest.raises(TwilioError) as raised:
        await client_for(fake_twilio).send("+15551234567", "x")
    assert raised.value.status == 503 and raised.value.code is None


async def test_response_without_sid_gives_none(fake_twilio):
    fake_twilio.payload = {"status": "queued"}
    assert await client_for(fake_twilio).send("+15551234567", "x") is None


def test_client_repr_hides_the_token():
    assert "secret-token" not in repr(TwilioClient(account_sid="AC1", auth_token="secret-token", from_number="+1"))
