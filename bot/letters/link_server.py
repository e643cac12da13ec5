"""Serves letter downloads at /letters/<token>/letter.<docx|pdf|txt|html>. Part of `make run`.

Tokens are secrets, so there is no access log (it would write them down) and no caching. The
database lookup and the rendering run in a worker thread; the event loop never waits on them.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
from datetime import datetime

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, select_autoescape

from bot.knowledge import Knowledge, load_knowledge
from bot.letters.drafting import TEMPLATES
from bot.letters.service import LetterService
from bot.ops.log_privacy import LogPolicy, install
from bot.ops.settings import Settings
from bot.understanding.language import LANGUAGES

SUFFIX_FORMATS = {"pdf": "pdf", "docx": "docx", "txt": "text", "html": "html"}
PRIVATE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
           "X-Robots-Tag": "noindex"}
logger = logging.getLogger(__name__)
MAX_BODY = 16 * 1024  # links are GET only: nothing a parent sends here needs a body


def page_language(accept_language: str | None) -> str:
    """The language of a link's own page: the parent's browser's first choice of ours (Accept-Language), else English.
    A broken or expired link tells us nothing about whose it was, so the phone's language is the best evidence."""
    best, best_q = "en", 0.0
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        language = tag.strip().lower().split("-", 1)[0]
        if language not in LANGUAGES:
            continue
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q > best_q:
            best, best_q = language, q
    return best


def make_app(service: LetterService, knowledge: Knowledge) -> web.Application:
    pages = Environment(loader=FileSystemLoader(str(TEMPLATES / "pages")), autoescape=select_autoescape(["j2", "html"]))

    def page(request: web.Request, status: int, message_key: str) -> web.Response:
        language = page_language(request.headers.get("Accept-Language"))
        html = pages.get_template("link.html.j2").render(
            language=language, title=knowledge.message("link_page_title", language),
            message=knowledge.message(message_key, language))
        return web.Response(status=status, text=html, content_type="text/html", charset="utf-8", headers=PRIVATE)

    async def letter(request: web.Request) -> web.Response:
        token = request.match_info["token"]
        fmt = SUFFIX_FORMATS.get(request.match_info["suffix"])
        if fmt is None:
            return page(request, 404, "link_unknown")
        try:
            found = await asyncio.to_thread(service.file, token, fmt, datetime.now())
        except Exception:  # noqa: BLE001 - never show a trace to a parent; the log has no token
            logger.exception("could not serve a letter file")
            return page(request, 500, "letter_failed")
        if found.status == "expired":
            return page(request, 410, "link_expired")
        if found.status != "ok":
            return page(request, 404, "link_unknown")
        headers = dict(PRIVATE, **{"Content-Disposition": f'attachment; filename="{found.filename}"'})
        return web.Response(body=found.body, headers=headers, content_type=found.media_type.split(";")[0],
                            charset="utf-8" if "charset" in found.media_type else None)

    async def health(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application(client_max_size=MAX_BODY)
    app.add_routes([web.get(r"/letters/{token}/letter.{suffix}", letter), web.get("/health", health)])
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve letter downloads for IEP Navigator.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5056)
    args = parser.parse_args()
    install(LogPolicy.from_env())  # no parent's words, names, numbers or link tokens in the log
    for noisy in ("fontTools", "weasyprint"):  # font subsetting chatter on every PDF
        logging.getLogger(noisy).setLevel(logging.WARNING)
    knowledge = load_knowledge()
    app = make_app(LetterService(knowledge, Settings.from_env()), knowledge)
    logger.info("letter link server on http://%s:%s", args.host, args.port)
    web.run_app(app, host=args.host, port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
