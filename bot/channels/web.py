"""The web channel: the widget's API and a documented REST API for a site's own server.

Identity comes from a token the server signed (bot/channels/tokens.py), never from the client.
Browsers are let in by their Origin (IEP_WEB_ORIGINS), servers by an API key (IEP_API_KEYS). A turn's
replies and a reloaded page are both read from the tracker store, so they always agree.

What a caller without a key may do: exactly what the widget does on an allowed site (start a conversation,
send its messages, read its own conversation with its token, fetch the widget's words), counted per network
address. Any program can send an allowed Origin, so an Origin grants nothing a browser on that site would not
have. A key is judged on its own: a wrong key is refused whatever Origin comes with it, and a header only a
browser sets (Sec-Fetch-Site) lets no one in. Only a key lifts the per-address count: a site's server relays many
parents from one address, so its calls count per key (IEP_RATE_API_KEY).

    GET  /webhooks/web/                  health
    GET  /webhooks/web/widget.js|.css    the widget (public, cacheable)
    GET  /webhooks/web/strings?language= the widget's words
    POST /webhooks/web/conversations     a new conversation: {"token"}
    POST /webhooks/web/messages          {"text"} or {"payload", "title"}: the turn's messages
    GET  /webhooks/web/messages?after=N  messages from index N (a reload, or reminders since)
"""
from __future__ import annotations

import hmac
import json
import logging
import re
import uuid
from pathlib import Path
from typing import Any, Awaitable, Callable, Mapping

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.shared.core.events import ConversationPaused
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import transcript
from bot.channels.tokens import TokenSigner
from bot.knowledge import Knowledge, load_knowledge
from bot.ops.rate_limits import RateLimiter, Verdict
from bot.ops.settings import Settings
from bot.serving import oversized
from bot.serving.oversized import NO_STORE
from bot.serving.store_guard import guard
from bot.serving.tracker_store import ErasableSQLTrackerStore
from bot.understanding.inputs import as_client_message
from bot.understanding.language import LANGUAGES
from bot.understanding.safety import CrisisDetector

logger = logging.getLogger(__name__)
WEB = Path(__file__).resolve().parent / "widget"
STATIC = {"widget.js": "text/javascript", "widget.css": "text/css"}
MAX_BODY = 256 * 1024  # bytes; well above the longest message we accept, far below Sanic's 100 MB
STRING_PREFIX = "web_"
_SURROGATE = re.compile("[\ud800-\udfff]")  # left after JSON decoding only when unpaired


class WebChannel(InputChannel):
    def __init__(self, settings: Settings | None = None, knowledge: Knowledge | None = None) -> None:
        self.settings = settings or Settings.from_env()
        self.knowledge = knowledge or load_knowledge()
        self.signer = TokenSigner.from_settings(self.settings)
        self.api_keys = [key.encode("utf-8") for key in self.settings.api_keys()]
        self.per_conversation = RateLimiter(self.settings.rate_conversation)
        self.per_address = RateLimiter(self.settings.rate_address)
        self.per_key = RateLimiter(self.settings.rate_api_key)
        self.crisis = CrisisDetector.from_file()
        # Read once: small files, served from memory without touching the disk per request.
        self.static = {name: (WEB / name).read_bytes() for name in STATIC if (WEB / name).exists()}

    @classmethod
    def name(cls) -> str:
        return "web"

    @classmethod
    def from_credentials(cls, credentials: Mapping[str, Any] | None) -> "WebChannel":
        return cls()  # everything comes from the environment (bot/ops/settings.py)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        web = Blueprint("web_channel", url_prefix="/webhooks/web")
        web.listener("after_server_start")(guard)
        web.listener("before_server_start")(self._answer_oversized)

        @web.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @web.route("/<name:(widget\\.js|widget\\.css)>", methods=["GET", "HEAD"])
        async def static(_: Request, name: str) -> HTTPResponse:
            body = self.static.get(name)
            if body is None:
                return response.json({"error": "not_found"}, status=404)
            return response.raw(body, content_type=f"{STATIC[name]}; charset=utf-8",
                                headers={"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff",
                                         "Cross-Origin-Resource-Policy": "cross-origin"})

        @web.route("/strings", methods=["GET"])
        async def strings(request: Request) -> HTTPResponse:
            refused = self._refuse(request)
            if refused:
                return refused
            language = _language(request.args.get("language"))
            words = {key[len(STRING_PREFIX):]: self.knowledge.message(key, language, limit=self.settings.web_max_chars)
                     for key in self.knowledge.messages if key.startswith(STRING_PREFIX)}
            return response.json({"language": language, "strings": words},
                                 headers={"Cache-Control": "public, max-age=300"})

        @web.route("/conversations", methods=["POST"])
        async def start(request: Request) -> HTTPResponse:
            refused = self._refuse(request) or self._slow_down(request, None, "", "")
            if refused:
                return refused
            token, _ = self.signer.issue()
            return response.json({"token": token, "messages": [], "next": 0}, status=201, headers=NO_STORE)

        @web.route("/messages", methods=["POST"])
        async def send(request: Request) -> HTTPResponse:
            refused = self._refuse(request)
            if refused:
                return refused
            language = _language(request.args.get("language"))
            body, problem = self._read_body(request, language)
            if problem:
                return problem
            conversation_id = self.signer.verify(_bearer(request))
            token = _bearer(request) if conversation_id else None
            slow = self._slow_down(request, conversation_id, body["message"], token)
            if slow:  # before any store work
                return slow
            try:
                if conversation_id and await self._revoked(request, conversation_id):
                    conversation_id = None  # deleted at the parent's request: its tokens read and continue nothing
            except Exception:  # noqa: BLE001 - the store is down: nothing was taken, the words stay in the box
                logger.exception("checking a web conversation failed")
                return self._error(503, "not_saved", "web_not_saved", language, token=token)
            new = conversation_id is None
            if new:  # absent, guessed or altered: a fresh conversation that can read nothing of another's
                token, conversation_id = self.signer.issue()
                self.per_conversation.check(conversation_id)  # its first message counts too
            message_id = uuid.uuid4().hex
            metadata = {"title": body["title"]} if body.get("title") else {}
            # The page's language (its button, data-language, or the API's `language`): where this message starts
            # from. Asking for a language or writing clearly in one moves it; the reply says where it ended.
            if body.get("language"):
                metadata["language"] = body["language"]
            collector = CollectingOutputChannel()
            try:
                await on_new_message(UserMessage(body["message"], collector, conversation_id,
                                                 input_channel=self.name(), message_id=message_id, metadata=metadata))
                said = await self._transcript(request, conversation_id)
            except Exception:  # noqa: BLE001 - the parent gets a kind answer; the log has no message text
                # Most often the conversation store or the lock store is down: nothing of this turn was kept,
                # the widget puts the words back in the box, and the next try carries on where it was.
                logger.exception("a web turn failed")
                return self._error(503, "not_saved", "web_not_saved", language, token=token)
            turn = said.since(message_id)
            if message_id in said.turns:
                token = self.signer.renewed(token, conversation_id)  # its age counts from the last use
            else:  # the parent's data was deleted in this turn: only the replies remain, and the old token dies
                turn = transcript.replies(collector.messages)
                token = await self._after_deletion(request, conversation_id)
            return response.json({"token": token, "new_conversation": new, "next": len(said.messages),
                                  "language": said.language or body.get("language") or "en",
                                  "messages": [m.as_json() for m in turn]}, headers=NO_STORE)

        @web.route("/messages", methods=["GET"])
        async def history(request: Request) -> HTTPResponse:
            refused = self._refuse(request)
            if refused:
                return refused
            language = _language(request.args.get("language"))
            try:
                start_at = max(0, int(request.args.get("after", "0")))
            except ValueError:
                return self._error(400, "bad_request", "web_bad_request", language)
            try:
                conversation_id = await self._conversation(request)
                if conversation_id is None:  # not ours, too old, or deleted at the parent's request
                    return self._error(401, "unknown_conversation", "web_unknown_conversation", language)
                shown = (await self._transcript(request, conversation_id)).messages
            except Exception:  # noqa: BLE001 - the store is down; the page keeps what it shows and polls again
                logger.exception("reading a web conversation failed")
                return self._error(503, "unavailable", "web_error_network", language)
            reset = start_at > len(shown)  # the conversation was erased since the page last looked
            return response.json({"messages": [m.as_json() for m in shown[0 if reset else start_at:]],
                                  "next": len(shown), "reset": reset}, headers=NO_STORE)

        return web

    async def _conversation(self, request: Request) -> str | None:
        """The conversation the bearer token names: None if we did not sign it, it is too old, or the parent
        deleted that conversation."""
        conversation_id = self.signer.verify(_bearer(request))
        if conversation_id is None or await self._revoked(request, conversation_id):
            return None
        return conversation_id

    async def _revoked(self, request: Request, conversation_id: str) -> bool:
        """Whether the parent deleted this conversation: its revocation record is stored."""
        return await _stored(request.app.ctx.agent.tracker_store, self.signer.revocation_id(conversation_id))

    async def _after_deletion(self, request: Request, conversation_id: str) -> str:
        """Records that the deleted conversation's tokens are dead, and gives a token for a new, empty one."""
        # A pause event: were the old id ever reached some other way, Rasa itself would not answer it.
        record = DialogueStateTracker.from_events(self.signer.revocation_id(conversation_id), [ConversationPaused()])
        try:
            await request.app.ctx.agent.tracker_store.save(record)
        except Exception:  # noqa: BLE001 - the deletion itself is done; the parent still moves to a new conversation
            logger.exception("could not record a deleted conversation's token as revoked")
        return self.signer.issue()[0]

    async def _answer_oversized(self, app: Any, _loop: Any) -> None:
        oversized.install(app, self.knowledge)  # every path, the Rasa API's included

    async def _transcript(self, request: Request, conversation_id: str) -> transcript.Transcript:
        # The full history, all sessions: a returning parent sees the earlier talk, and a turn that opened a
        # new session is found by its message id (it comes before the session marker).
        store = request.app.ctx.agent.tracker_store
        if isinstance(store, ErasableSQLTrackerStore):  # always, once bot.serving.store_guard has run
            return transcript.read(await store.stored_events(conversation_id, transcript.SHOWN_EVENTS))
        tracker = await store.retrieve_full_tracker(conversation_id)
        return transcript.read(event.as_dict() for event in (tracker.events if tracker else ()))

    def _refuse(self, request: Request) -> HTTPResponse | None:
        """Servers by their API key, browsers by their Origin; anything else is refused before any work."""
        language = _language(request.args.get("language"))
        if request.headers.get("x-api-key") is not None:
            if self._key_index(request) is not None:
                return None
            return self._error(401, "api_key_required", "web_key_needed", language)
        origin = request.headers.get("origin")
        if origin is None:
            return self._error(401, "api_key_required", "web_key_needed", language)
        if origin.rstrip("/") in self.settings.web_origins:
            return None
        return self._error(403, "origin_not_allowed", "web_origin_refused", language)

    def _key_index(self, request: Request) -> int | None:
        """Which configured API key the request carries (compared in constant time), or None."""
        given = (request.headers.get("x-api-key") or "").encode("utf-8")
        if not given:
            return None
        return next((i for i, key in enumerate(self.api_keys) if hmac.compare_digest(given, key)), None)

    def _slow_down(self, request: Request, conversation_id: str | None, text: str, token: str | None
                   ) -> HTTPResponse | None:
        """429 with a kind word when this address or conversation sends too fast; the widget keeps the text.
        A message about danger is never held back: it is answered whatever the count."""
        key = self._key_index(request)
        checks = [(self.per_address, request.remote_addr or request.ip or "unknown") if key is None
                  else (self.per_key, f"key-{key}")]
        if conversation_id:
            checks.append((self.per_conversation, conversation_id))
        for limiter, key in checks:
            if limiter.check(key) is not Verdict.ALLOWED and not (text and self.crisis.is_crisis(text)):
                seconds = limiter.retry_after(key)
                refused = self._error(429, "slow_down", "slow_down", _language(request.args.get("language")),
                                      token=token, seconds=seconds)
                refused.headers["Retry-After"] = str(seconds)
                return refused
        return None

    def _read_body(self, request: Request, language: str) -> tuple[dict, HTTPResponse | None]:
        if len(request.body or b"") > MAX_BODY:
            return {}, self._error(413, "too_long", "web_too_long", language, limit=self.settings.web_max_chars)
        try:
            body = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError, RecursionError):  # not JSON, not UTF-8, or nested too deep
            body = None
        if not isinstance(body, dict):
            return {}, self._error(400, "bad_request", "web_bad_request", language)
        payload, text, title = body.get("payload"), body.get("text"), body.get("title")
        # A quick reply sends its payload ("/make_letter{...}", or a plain "Skip") and its title to show.
        pressed = isinstance(payload, str) and bool(payload.strip())
        message = payload if pressed else text
        if not isinstance(message, str) or not message.strip():
            return {}, self._error(400, "bad_request", "web_bad_request", language)
        if len(message) > self.settings.web_max_chars:
            return {}, self._error(413, "too_long", "web_too_long", language, limit=self.settings.web_max_chars)
        shown = _well_formed(title[:200]) if pressed and isinstance(title, str) else ""
        chosen = body.get("language")
        if chosen is not None and chosen not in LANGUAGES:
            return {}, self._error(400, "bad_language", "web_bad_language", language)
        return {"message": as_client_message(_well_formed(message), pressed), "title": shown, "language": chosen}, None

    def _error(self, status: int, error: str, message_key: str, language: str, token: str | None = None,
               **values: object) -> HTTPResponse:
        body: dict[str, Any] = {"error": error, "message": self.knowledge.message(message_key, language, **values)}
        if token:
            body["token"] = token
        if "limit" in values:
            body["limit"] = values["limit"]
        return response.json(body, status=status, headers=NO_STORE)


async def _stored(store: Any, sender_id: str) -> bool:
    """Whether the tracker store holds any event under this id (a revocation record is one event)."""
    if isinstance(store, ErasableSQLTrackerStore):
        return await store.holds(sender_id)
    return await store.retrieve(sender_id) is not None


def _well_formed(text: str) -> str:
    # JSON may carry "\ud800", half of a character: it cannot be stored or shown, so it becomes U+FFFD.
    return _SURROGATE.sub("\ufffd", text)


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization") or ""
    return header[7:].strip() if header.lower().startswith("bearer ") else None


def _language(raw: str | None) -> str:
    code = (raw or "en").strip().lower()[:2]
    return code if code.isalpha() else "en"
