"""Starts `rasa run` with its HTTP API locked by a JWT secret read from the environment or a file,
so the secret never appears in the process list, and with CORS open only to the sites configured in
IEP_WEB_ORIGINS (Rasa answers every browser preflight itself, so the origins must be given to it).
Everything else is passed through to Rasa.

    python -m bot.rasa_server --model models/current.tar.gz --endpoints endpoints.yml ...
"""
from __future__ import annotations

import sys

from bot.settings import Settings


def main() -> None:
    settings = Settings.from_env()
    secret = settings.rasa_jwt_secret().decode("utf-8")
    cors = ["--cors", *settings.web_origins]
    sys.argv = ["rasa", "run", "--enable-api", "--jwt-secret", secret, "--jwt-method", "HS256", *cors, *sys.argv[1:]]
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
