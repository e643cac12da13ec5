"""Configuration from the environment: the stores are checked for real before Rasa starts, a bad value
stops start-up with one line naming its variable, and the documented list of variables is complete."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.ops.deployment import VARIABLES, DeploymentError, check, parse_lock_store_url, rasa_workers
from tests.services import free_port_nobody_listens_on
from tests.stack import MODEL, ROOT

GOOD = {"ACTION_SERVER_URL": "http://127.0.0.1:5055/webhook", "LOCK_STORE_URL": "memory"}


def _env(tmp_path: Path, **changes: str) -> dict[str, str]:
    return {**GOOD, "TRACKER_STORE_URL": f"sqlite:///{tmp_path / 'tracker.db'}",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'cases.db'}", **changes}


def test_the_embedded_defaults_pass(tmp_path):
    assert check(_env(tmp_path)) == []


@pytest.mark.parametrize("changes, variable", [
    ({"TRACKER_STORE_URL": "nonsense"}, "TRACKER_STORE_URL"),
    ({"TRACKER_STORE_URL": ""}, "TRACKER_STORE_URL"),
    ({"TRACKER_STORE_URL": "mysql://root@127.0.0.1/rasa"}, "TRACKER_STORE_URL"),
    ({"TRACKER_STORE_URL": "sqlite://"}, "TRACKER_STORE_URL"),  # in memory: would forget everything
    ({"DATABASE_URL": "postgresql://postgres@127.0.0.1:{port}/cases"}, "DATABASE_URL"),
    ({"TRACKER_STORE_URL": "postgresql://iep:s3cret@127.0.0.1:{port}/rasa"}, "TRACKER_STORE_URL"),
    ({"LOCK_STORE_URL": "redis://127.0.0.1:{port}/0"}, "LOCK_STORE_URL"),
    ({"LOCK_STORE_URL": "memcached://127.0.0.1"}, "LOCK_STORE_URL"),
    ({"LOCK_STORE_URL": "redis://127.0.0.1:6379/x"}, "LOCK_STORE_URL"),
    ({"LOCK_STORE_URL": "redis://127.0.0.1:6379/0?key_prefix=a-b"}, "LOCK_STORE_URL"),
    ({"ACTION_SERVER_URL": "127.0.0.1:5055"}, "ACTION_SERVER_URL"),
    ({"IEP_RASA_WORKERS": "two"}, "IEP_RASA_WORKERS"),
    ({"IEP_RASA_WORKERS": "2"}, "IEP_RASA_WORKERS"),  # several workers need Redis
])
def test_a_bad_or_unreachable_value_is_one_line_naming_its_variable_and_never_the_password(tmp_path, changes,
                                                                                            variable):
    port = free_port_nobody_listens_on()
    problems = check(_env(tmp_path, **{k: v.format(port=port) for k, v in changes.items()}))
    assert len(problems) == 1 and problems[0].startswith(variable), problems
    assert "\n" not in problems[0] and "s3cret" not in problems[0]


def test_lock_store_urls():
    assert parse_lock_store_url("memory").kind == "memory"
    url = parse_lock_store_url("rediss://:pw@redis.example.org:6380/2?key_prefix=iep1")
    assert (url.kind, url.host, url.port, url.db, url.password, url.tls, url.key_prefix) == (
        "redis", "redis.example.org", 6380, 2, "pw", True, "iep1")
    with pytest.raises(DeploymentError, match=r"\*\*\*"):
        parse_lock_store_url("http://:pw@example.org")
    assert rasa_workers({}) == 1 and rasa_workers({"IEP_RASA_WORKERS": "4"}) == 4


def test_the_rasa_server_refuses_to_start_on_an_unreachable_store(tmp_path):
    env = {**_env(tmp_path, TRACKER_STORE_URL=f"postgresql://postgres@127.0.0.1:{free_port_nobody_listens_on()}/x"),
           "RASA_TELEMETRY_ENABLED": "false", "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-m", "bot.serving.rasa_server", "--port", "1"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [done.stderr.strip()]  # one line
    assert done.stderr.startswith("IEP Navigator cannot start: TRACKER_STORE_URL: cannot connect to postgresql://")


def test_a_rasa_that_fell_back_to_memory_stops_instead_of_forgetting_conversations(tmp_path):
    """Rasa replaces a tracker store it cannot load with one in memory, with only a warning."""
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text((ROOT / "endpoints.yml").read_text().replace("ErasableSQLTrackerStore", "Missing"))
    env = {**_env(tmp_path), "RASA_TELEMETRY_ENABLED": "false", "IEP_RASA_JWT_SECRET": "x" * 32,
           "IEP_API_KEYS": "k", "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-m", "bot.serving.rasa_server", "--model", str(MODEL), "--endpoints",
                           str(endpoints), "--credentials", "credentials.yml", "--interface", "127.0.0.1",
                           "--port", str(free_port_nobody_listens_on())],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 2
    assert "IEP Navigator cannot start: the tracker store is InMemoryTrackerStore" in done.stdout + done.stderr


def test_every_variable_in_use_is_documented_once():
    named = {v.name for v in VARIABLES}
    assert len(named) == len(VARIABLES)
    used = set(re.findall(r"\$\{(\w+)\}", (ROOT / "endpoints.yml").read_text()))
    used |= set(re.findall(r'"([A-Z][A-Z0-9_]{3,})"', (ROOT / "bot" / "ops" / "settings.py").read_text()))
    used |= set(re.findall(r"^export (\w+)=", (ROOT / "scripts" / "defaults.sh").read_text(), re.M))
    assert used <= named, f"not in bot/ops/deployment.py VARIABLES: {sorted(used - named)}"
    guide = (ROOT / "deploy" / "README.md").read_text()
    assert not [name for name in named if f"`{name}`" not in guide], "deploy/README.md misses some variables"
