"""The web channel's API against the real stack: identity from signed tokens only, origins and API
keys, kind answers to bad input, and a conversation that reads back the same after a reload."""
from __future__ import annotations

import pytest
import requests

from bot.knowledge import load_knowledge
from tests.stack import API_KEY, Stack, running


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    with running(Stack(tmp_path_factory.mktemp("web")), "actions", "rasa") as made:
        yield made


def _url(web: Stack, path: str) -> str:
    return f"{web.rasa_url}/webhooks/web/{path}"


def _history(web: Stack, token: str, after: int = 0, **headers: str) -> requests.Response:
    return requests.get(_url(web, "messages"), params={"after": after}, timeout=30,
                        headers={"X-API-Key": API_KEY, "Authorization": f"Bearer {token}", **headers})


def test_a_conversation_starts_with_a_server_issued_token_and_reads_back_the_same_after_a_reload(web):
    started = web.post("conversations")
    assert started.status_code == 201
    token = started.json()["token"]
    turn = web.post("messages", token, text="My son is 8 and has an IEP. The school wants to cut his speech "
                                            "therapy minutes in half and I don't agree.").json()
    assert turn["token"] == token and turn["new_conversation"] is False
    assert turn["messages"][0] == {"index": 0, "from": "parent", "buttons": [], "letter": None,
                                   "text": "My son is 8 and has an IEP. The school wants to cut his speech therapy "
                                           "minutes in half and I don't agree."}
    assert [m["from"] for m in turn["messages"][1:]] and all(m["from"] == "bot" for m in turn["messages"][1:])
    reloaded = _history(web, token).json()
    assert reloaded["messages"] == turn["messages"] and reloaded["next"] == turn["next"]
    assert _history(web, token, after=turn["next"]).json()["messages"] == []


def test_a_quick_reply_is_shown_by_its_title_whatever_its_payload(web):
    first = web.post("messages", None, text="the school won't give me my daughter's records").json()
    buttons = [b for m in first["messages"] for b in m["buttons"]]
    assert buttons, first
    chosen = web.post("messages", first["token"], payload=buttons[0]["payload"], title=buttons[0]["title"]).json()
    assert chosen["messages"][0] == {"index": first["next"], "from": "parent", "text": buttons[0]["title"],
                                     "buttons": [], "letter": None}
    plain = web.post("messages", chosen["token"], payload="Skip", title="Skip for now").json()  # a form's Skip
    assert plain["messages"][0]["text"] == "Skip for now" and plain["messages"][1]["from"] == "bot"


def test_a_tampered_or_guessed_token_starts_a_fresh_conversation_and_reads_nothing_of_another(web):
    secret = "My daughter Maya Lopez has epilepsy and the nurse at Oak Street School refuses her plan."
    owner = web.post("messages", None, text=secret).json()
    body, signature = owner["token"].split(".")
    tampered = f"{body}.{signature[::-1]}"
    guessed = "web-AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    for bad in (tampered, guessed, owner["token"] + "x", "Bearer", ""):
        assert _history(web, bad).status_code == 401
        fresh = web.post("messages", bad, text="hello").json()
        assert fresh["new_conversation"] is True and fresh["token"] != owner["token"]
        assert secret not in str(fresh) and fresh["messages"][0]["index"] == 0
        assert secret not in str(_history(web, fresh["token"]).json())
    assert _history(web, owner["token"]).json()["messages"][0]["text"] == secret  # the owner's is intact


def test_browsers_need_a_configured_origin_and_servers_an_api_key(web):
    site, evil = web.site_url, "https://evil.example"
    ok = requests.post(_url(web, "messages"), json={"text": "hi"}, headers={"Origin": site}, timeout=60)
    assert ok.status_code == 200 and ok.headers["Access-Control-Allow-Origin"] == site
    refused = requests.post(_url(web, "messages"), json={"text": "hi"}, headers={"Origin": evil}, timeout=30)
    assert refused.status_code == 403 and "Access-Control-Allow-Origin" not in refused.headers
    assert requests.post(_url(web, "messages"), json={"text": "hi"}, timeout=30).status_code == 401
    assert requests.post(_url(web, "messages"), json={"text": "hi"}, headers={"X-API-Key": "guess"},
                         timeout=30).status_code == 401
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"}
    allowed = requests.options(_url(web, "messages"), headers={"Origin": site, **preflight}, timeout=30)
    assert allowed.headers.get("Access-Control-Allow-Origin") == site
    blocked = requests.options(_url(web, "messages"), headers={"Origin": evil, **preflight}, timeout=30)
    assert "Access-Control-Allow-Origin" not in blocked.headers


def test_no_header_but_the_api_key_stands_in_for_it(web):
    """A keyless caller may do what the widget on an allowed site does; a browser-only header or an allowed
    Origin never makes a wrong key good (README: "Who is who")."""
    site = web.site_url
    post = lambda **headers: requests.post(_url(web, "messages"), json={"text": "hi"}, headers=headers,  # noqa: E731
                                           timeout=60)
    assert post(**{"Sec-Fetch-Site": "same-origin"}).status_code == 401
    assert post(**{"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "cors"}).status_code == 401
    assert post(Origin=site, **{"X-API-Key": "guess"}).status_code == 401
    assert post(Origin=site, **{"X-API-Key": ""}).status_code == 401
    assert post(Origin=site).status_code == 200  # a browser on the site: the widget's own calls
    assert post(**{"X-API-Key": API_KEY, "Origin": "https://evil.example"}).status_code == 200  # a server's key


def test_a_preflight_grants_only_what_each_path_serves(web):
    site = web.site_url

    def preflight(path: str, method: str, origin: str = site) -> requests.Response:
        return requests.options(f"{web.rasa_url}{path}", timeout=30, headers={
            "Origin": origin, "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "content-type"})

    def methods(answer: requests.Response) -> set[str]:
        return set(answer.headers["Access-Control-Allow-Methods"].replace(" ", "").split(","))

    messages = preflight("/webhooks/web/messages", "POST")
    assert messages.headers["Access-Control-Allow-Origin"] == site
    assert methods(messages) == {"GET", "POST", "OPTIONS"}
    assert messages.headers["Access-Control-Max-Age"] == "600"
    assert "Access-Control-Allow-Credentials" not in messages.headers
    conversations = preflight("/webhooks/web/conversations", "POST")
    assert methods(conversations) == {"POST", "OPTIONS"}
    for path, method in (("/webhooks/web/conversations", "DELETE"), ("/webhooks/web/strings", "POST")):
        assert "Access-Control-Allow-Methods" not in preflight(path, method).headers
    for path in ("/model/parse", "/conversations/x/tracker", "/webhooks/sms/webhook", "/status"):
        refused = preflight(path, "POST")
        assert "Access-Control-Allow-Origin" not in refused.headers, path  # server-to-server: no CORS at all
    for answer in (messages, conversations):
        assert "None" not in str(dict(answer.headers))


def test_an_oversized_header_or_body_gets_the_documented_json(web):
    k = load_knowledge()
    big_header = requests.post(_url(web, "messages"), json={"text": "hi"}, timeout=30,
                               headers={"X-API-Key": API_KEY, "X-Padding": "x" * 20_000})
    big_body = requests.post(_url(web, "messages"), data=b'{"text": "' + b"x" * 2_000_000 + b'"}', timeout=30,
                             headers={"X-API-Key": API_KEY, "Content-Type": "application/json"})
    for answer in (big_header, big_body):
        assert answer.status_code == 413
        assert answer.json() == {"error": "too_large", "message": k.message("web_request_too_large", "en")}
    assert web.post("messages", None, text="hi").status_code == 200  # and the server carries on


def test_bad_input_gets_a_clear_answer_and_loses_nothing(web):
    k = load_knowledge()
    start = web.post("messages", None, text="hi").json()
    token, count = start["token"], start["next"]
    long = web.post("messages", token, text="word " * 4000)  # 20,000 characters
    assert long.status_code == 413 and long.json()["limit"] == 10000
    assert long.json()["message"] == k.message("web_too_long", "en", limit=10000)
    for bad in ({"text": ""}, {"text": "   "}, {"text": 42}, {"payload": "  "}, {"payload": 5}, {}):
        answer = web.post("messages", token, **bad)
        assert answer.status_code == 400 and answer.json()["message"] == k.message("web_bad_request", "en")
    raw = requests.post(_url(web, "messages"), data=b"\xff\xfe{not json", timeout=30,
                        headers={"X-API-Key": API_KEY, "Authorization": f"Bearer {token}"})
    assert raw.status_code == 400
    huge = requests.post(_url(web, "messages"), data=b"x" * 300_000, timeout=30, headers={"X-API-Key": API_KEY})
    assert huge.status_code == 413
    assert _history(web, token).json()["next"] == count  # nothing was added to the conversation
    emoji = web.post("messages", token, text="😭😭🙏").json()
    assert emoji["messages"][-1]["from"] == "bot" and emoji["messages"][-1]["text"]


def test_the_widget_and_its_words_are_served(web):
    js = requests.get(_url(web, "widget.js"), timeout=30)
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    css = requests.get(_url(web, "widget.css"), timeout=30)
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    words = requests.get(_url(web, "strings"), params={"language": "en"}, headers={"Origin": web.site_url},
                         timeout=30).json()["strings"]
    k = load_knowledge()
    assert words["launcher"] == k.message("web_launcher", "en") and "welcome" in words
    assert requests.get(_url(web, "strings"), headers={"Origin": "https://evil.example"}, timeout=30).status_code == 403
