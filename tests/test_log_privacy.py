"""Private logs: phone numbers, email addresses and tokens masked in every line; DEBUG (the parent's words)
never written unless IEP_DEBUG_LOGS allows it on this machine. Real processes, no mocks."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.ops.log_privacy import LogPolicy, redact

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("line,hidden", [
    ("call me at (555) 013-4477 please", "013-4477"), ("text 555.013.4477", "013.4477"),
    ("number +1 555 013 4477", "013 4477"), ("intl +44 20 7946 0958", "7946"), ("mail zq@example.org", "zq@"),
    ("GET http://h:5005/conversations/x/tracker?token=abc123", "abc123"), ("Authorization: Bearer s3cr3t", "s3cr3t"),
    ("jwt eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyIjoiYSJ9.sig", "eyJ1c2VyIjoiYSJ9"), ("api_key=k-9 sent", "k-9"),
])
def test_log_lines_are_masked(line, hidden):
    assert hidden not in redact(line)


def test_ordinary_log_lines_are_left_alone():
    for line in ("reminder 12 delivered", "daily purge: 3 cases, 2 conversations", "2026-03-02 09:30:00,123",
                 "Rasa server is up and running on http://127.0.0.1:5005", "erased a conversation (41 events)"):
        assert redact(line) == line


def test_debug_logs_are_refused_unless_the_assistant_is_local():
    assert not LogPolicy.from_env({}).debug
    assert LogPolicy.from_env({"IEP_DEBUG_LOGS": "1"}).debug  # make run: everything on 127.0.0.1
    refused = LogPolicy.from_env({"IEP_DEBUG_LOGS": "1", "IEP_PUBLIC_URL": "https://navigator.example.org"})
    assert not refused.debug and "REFUSED" in refused.notice


_LOGGING_PROCESS = """
import logging, os, sys
from bot.ops.log_privacy import LogPolicy, install
install(LogPolicy.from_env(), env=os.environ)
lib = logging.getLogger("rasa.core.processor")
lib.setLevel(logging.DEBUG)  # as `rasa run --debug` would
lib.debug("Received user message 'I am Zebulon Quillfeather'")
lib.info("turn for (555) 013-4477")
try:
    raise ValueError("bad phone (555) 013-4477")
except ValueError:
    lib.exception("action failed")
import warnings; warnings.warn("slot value 555-013-4477")
print("LEVELS", os.environ["LOG_LEVEL"], os.environ["LOG_LEVEL_LIBRARIES"], file=sys.stderr)
"""


@pytest.mark.parametrize("env,leaks", [({}, False), ({"IEP_PUBLIC_URL": "https://navigator.example.org",
                                                      "IEP_DEBUG_LOGS": "1"}, False), ({"IEP_DEBUG_LOGS": "1"}, True)])
def test_a_process_logs_no_words_or_numbers_unless_debug_is_allowed_locally(env, leaks):
    base = {k: v for k, v in os.environ.items() if k not in ("IEP_DEBUG_LOGS", "IEP_PUBLIC_URL")}
    done = subprocess.run([sys.executable, "-c", _LOGGING_PROCESS], cwd=ROOT, capture_output=True, text=True,
                          env={**base, "LOG_LEVEL": "DEBUG", "LOG_LEVEL_LIBRARIES": "DEBUG", **env}, timeout=60)
    logged = done.stdout + done.stderr
    assert done.returncode == 0, logged
    assert "action failed" in logged and "ValueError" in logged and "turn for" in logged
    assert "013-4477" not in logged  # masked in every mode
    assert ("Quillfeather" in logged) is leaks
    assert ("LEVELS DEBUG DEBUG" in logged) is leaks
    if env.get("IEP_PUBLIC_URL"):
        assert "IEP_DEBUG_LOGS is REFUSED" in logged


