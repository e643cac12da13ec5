"""CORS for the web channel only, each path granting the methods it serves. Installed by `bot.serving.rasa_server`.

Rasa opens every path to the given origins for every method, and answers a preflight with
`Access-Control-Max-Age: None` and a credentials grant. Only the widget's paths need a browser from another
site: its API, and its own files, are open to the sites in IEP_WEB_ORIGINS. Rasa's own HTTP API and the SMS
webhook are server-to-server, so they get no CORS at all. The widget sends a bearer token, never a cookie, so no
credentials are granted.
"""
from __future__ import annotations

from typing import Sequence

PREFLIGHT_SECONDS = 600  # how long a browser may reuse a preflight's answer
# The web channel's paths a browser on another site calls, and the methods each serves (bot/channels/web.py).
WIDGET_PATHS = {
    # A script or stylesheet tag needs no CORS, but scripts on the page may read the widget's files too (an
    # accessibility checker reads its CSS).
    r"/webhooks/web/widget\.(?:js|css)": ("GET", "HEAD"),
    r"/webhooks/web/messages/?": ("GET", "POST"),
    r"/webhooks/web/conversations/?": ("POST",),
    r"/webhooks/web/strings/?": ("GET",),
}
ALLOWED_HEADERS = ("Content-Type", "Authorization")
EXPOSED_HEADERS = ("Retry-After",)


def resources(origins: Sequence[str]) -> dict[str, dict]:
    """Sanic-CORS resources: each widget path for `origins`, with its own methods (and OPTIONS)."""
    allowed = [origin for origin in origins if origin]
    return {path: {"origins": allowed, "methods": [*methods, "OPTIONS"], "allow_headers": list(ALLOWED_HEADERS),
                   "expose_headers": list(EXPOSED_HEADERS), "max_age": PREFLIGHT_SECONDS,
                   "supports_credentials": False, "automatic_options": True}
            for path, methods in WIDGET_PATHS.items()}


def configure_cors(app: object, cors_origins: str | list[str] | None = "") -> None:
    """Rasa's `configure_cors`, with CORS only where a browser needs it."""
    from sanic_cors import CORS

    origins = [cors_origins] if isinstance(cors_origins, str) else list(cors_origins or [])
    CORS(app, resources=resources(origins), automatic_options=True)
    app.register_middleware(_empty_preflight, "response")


async def _empty_preflight(request: object, response: object) -> None:
    """A preflight's answer has no body: 204, so no `Content-Type: None` (Sanic writes a missing type as that)."""
    if getattr(request, "method", "") == "OPTIONS" and getattr(response, "content_type", "") is None \
            and not getattr(response, "body", b""):
        response.status = 204


def install() -> None:
    import rasa.server

    rasa.server.configure_cors = configure_cors
