"""Starts `rasa run` after checking the deployment, with its HTTP API locked by a JWT secret read from
the environment or a file (so the secret never appears in the process list), and with CORS open only
to the sites configured in IEP_WEB_ORIGINS, on the widget's paths only (bot/serving/cors.py). Everything else
is passed through to Rasa.

    python -m bot.serving.rasa_server --model models/current.tar.gz --endpoints endpoints.yml ...

A wrong or unreachable TRACKER_STORE_URL, LOCK_STORE_URL or DATABASE_URL stops it here with one line
naming the variable (bot/ops/deployment.py); Rasa itself would retry forever or fall back to memory.

Logs carry no parent's words, names or phone numbers unless IEP_DEBUG_LOGS allows it (bot/ops/log_privacy.py).
The action token goes into this process's environment for endpoints.yml, which sends it in a header.
Rasa's `--auth-token` is refused: it is checked in the query string, where URLs and logs would keep it.
"""
from __future__ import annotations

import os
import sys

from bot.ops.deployment import DeploymentError, check, rasa_workers
from bot.ops.log_privacy import LogPolicy, install
from bot.ops.settings import Settings, SettingsError

QUERY_TOKEN_FLAGS = ("--auth-token", "-t")

REQUEST_MAX_BYTES = 1024 * 1024  # every HTTP endpoint of the Rasa server: channels and the worker's API calls


def main() -> None:
    try:
        settings = Settings.from_env()
        problems = check(os.environ)
        workers = rasa_workers(os.environ)
    except (SettingsError, DeploymentError) as err:
        problems = [str(err)]
    if any(arg.split("=")[0] in QUERY_TOKEN_FLAGS for arg in sys.argv[1:]):
        problems.append("--auth-token puts the API's secret in URLs; the API takes a JWT in a header")
    if problems:
        for problem in problems:
            print(f"IEP Navigator cannot start: {problem}", file=sys.stderr)
        raise SystemExit(2)
    # Rasa reads SANIC_WORKERS; bot.ops.deployment.check has made sure the lock store can be shared.
    os.environ["SANIC_WORKERS"] = str(workers)
    # Sanic would read 100 MB before our channels see a request; the largest we take is a 256 KB web turn.
    os.environ.setdefault("SANIC_REQUEST_MAX_SIZE", str(REQUEST_MAX_BYTES))
    install(LogPolicy.from_env(), env=os.environ)  # before Rasa, which reads LOG_LEVEL* and adds its handlers
    os.environ["IEP_ACTION_TOKEN"] = settings.action_token()  # endpoints.yml: action_endpoint.headers
    secret = settings.rasa_jwt_secret().decode("utf-8")
    allowed_sites = ["--cors", *settings.web_origins]
    sys.argv = ["rasa", "run", "--enable-api", "--jwt-secret", secret, "--jwt-method", "HS256", *allowed_sites,
                *sys.argv[1:]]
    from rasa.__main__ import main as rasa_main

    from bot.serving import auth, cors, outage, speedups, whole_turns

    speedups.install()
    auth.install()  # any unacceptable JWT is a 401, not a 500
    cors.install()  # CORS on the widget's paths only, each with its own methods
    outage.install()
    whole_turns.install()  # a caller hanging up never leaves half a turn
    rasa_main()


if __name__ == "__main__":
    main()
