"""Starts `rasa run` with its HTTP API locked by a JWT secret read from the environment or a file,
so the secret never appears in the process list. Everything else is passed through to Rasa.

    python -m bot.rasa_server --model models/current.tar.gz --endpoints endpoints.yml ...
"""
from __future__ import annotations

import sys

from bot.settings import Settings


def main() -> None:
    secret = Settings.from_env().rasa_jwt_secret().decode("utf-8")
    sys.argv = ["rasa", "run", "--enable-api", "--jwt-secret", secret, "--jwt-method", "HS256", *sys.argv[1:]]
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
