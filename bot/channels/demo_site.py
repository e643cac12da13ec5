"""A sample host page with the chat widget on it: what a family-support organisation's site looks like
with IEP Navigator embedded. Part of `make run`; the browser tests drive the widget through it.

    python -m bot.channels.demo_site --port 8080 [--host 127.0.0.1]

The widget is loaded from IEP_PUBLIC_URL (the assistant's public address, default http://127.0.0.1:5005)
with one script tag. The page's Content-Security-Policy lets scripts, styles and requests reach only
that address, and styles inline on this page only with the nonce it was rendered with.

The volunteer-training pages (/training, bot/training/site.py) are served by this process too.
"""
from __future__ import annotations

import argparse
import logging
import os
import secrets
from pathlib import Path

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, select_autoescape

from bot.serving.rasa_model import open_nlu
from bot.training.site import add_training

PAGES = Path(__file__).resolve().parents[2] / "templates" / "pages"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:5005"
MAX_BODY = 1024 * 1024  # aiohttp's default, set on purpose; the training forms stop at 64 KB themselves
HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY",
           "X-Robots-Tag": "noindex"}


def public_url(env: dict[str, str] | None = None) -> str:
    return ((env if env is not None else os.environ).get("IEP_PUBLIC_URL") or DEFAULT_PUBLIC_URL).rstrip("/")


def content_policy(public: str, nonce: str) -> str:
    return "; ".join([
        "default-src 'none'",
        f"script-src {public}",
        f"style-src 'nonce-{nonce}' {public}",
        f"connect-src {public}",
        "img-src 'self' data:",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ])


def make_app(public: str) -> web.Application:
    pages = Environment(loader=FileSystemLoader(str(PAGES)), autoescape=select_autoescape(["j2", "html"]))
    template = pages.get_template("demo.html.j2")

    async def home(_: web.Request) -> web.Response:
        nonce = secrets.token_urlsafe(16)
        html = template.render(public=public, nonce=nonce, language="en")
        headers = dict(HEADERS, **{"Content-Security-Policy": content_policy(public, nonce)})
        return web.Response(text=html, content_type="text/html", charset="utf-8", headers=headers)

    async def health(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application(client_max_size=MAX_BODY)
    app.add_routes([web.get("/", home), web.get("/health", health)])
    add_training(app, HEADERS, load_parser=open_nlu)  # the volunteer-training pages, /training (bot/training/site.py)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve a sample page with the IEP Navigator chat widget.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    web.run_app(make_app(public_url()), host=args.host, port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
