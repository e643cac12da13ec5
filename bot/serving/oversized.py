"""An oversized request (its headers past Sanic's limit, or its body past SANIC_REQUEST_MAX_SIZE) is answered with
the web API's documented JSON and a kind message, on every path, instead of Sanic's plain-text page.

Sanic refuses these before any route is found, so the answer is installed on the app (by the web channel when the
server starts), not on a blueprint.
"""
from __future__ import annotations

from typing import Any

from sanic import response
from sanic.exceptions import PayloadTooLarge
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.knowledge import Knowledge, load_knowledge

NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def answer(knowledge: Knowledge, language: str = "en") -> HTTPResponse:
    body = {"error": "too_large", "message": knowledge.message("web_request_too_large", language)}
    return response.json(body, status=413, headers=NO_STORE)


def install(app: Any, knowledge: Knowledge | None = None) -> None:
    words = knowledge or load_knowledge()

    def too_large(request: Request, _: Exception) -> HTTPResponse:
        return answer(words)  # the language is not read: the request was never parsed

    app.error_handler.add(PayloadTooLarge, too_large)
