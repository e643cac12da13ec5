"""The machine's PostgreSQL and Redis for live tests: a fresh database per test module, dropped after,
and a TCP proxy that a test can cut to take a store away mid-conversation and bring it back.

On CI they are reachable and a test that needs them fails if they are not; on a developer's machine
without them, those tests are skipped with the reason."""
from __future__ import annotations

import os
import secrets
import socket
import threading
from contextlib import contextmanager
from typing import Iterator

import pytest
from sqlalchemy import create_engine, text

PG_ADMIN = os.environ.get("IEP_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("IEP_TEST_REDIS", "127.0.0.1:6379")


def require_services() -> None:
    """PostgreSQL and Redis must answer: on CI a failure, elsewhere a skip that says why."""
    missing = [name for name, (host, port) in (("PostgreSQL", ("127.0.0.1", 5432)),
                                               ("Redis", tuple(REDIS.split(":")))) if not _open(host, int(port))]
    if missing:
        reason = f"{' and '.join(missing)} not reachable on this machine"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


@contextmanager
def postgres_database(port: int | None = None) -> Iterator[str]:
    """A new, empty database; its URL (through `port` if given, e.g. a proxy's). Dropped afterwards."""
    name = f"iep_test_{secrets.token_hex(4)}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as db:
        db.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql://postgres@127.0.0.1:{port or 5432}/{name}"
    finally:
        with admin.connect() as db:
            db.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name})
            db.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def redis_url(port: int | None = None) -> str:
    """A lock store URL with a key prefix of its own, so tests never share locks."""
    host, default_port = REDIS.split(":")
    return f"redis://{host}:{port or default_port}/0?key_prefix=test{secrets.token_hex(4)}"


class TcpProxy:
    """Forwards a local port to a service; `cut()` drops every connection and refuses new ones, as a
    database that went away would, and `restore()` lets them through again."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream = ("127.0.0.1", upstream_port)
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.open = True
        self.sockets: set[socket.socket] = set()
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def cut(self) -> None:
        with self.lock:
            self.open = False
            for sock in self.sockets:
                _close(sock)
            self.sockets.clear()

    def restore(self) -> None:
        with self.lock:
            self.open = True

    def close(self) -> None:
        self.cut()
        _close(self.server)

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            with self.lock:
                if not self.open:
                    _close(client)
                    continue
                try:
                    upstream = socket.create_connection(self.upstream, timeout=5)
                except OSError:
                    _close(client)
                    continue
                upstream.settimeout(None)
                self.sockets.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            _close(source)
            _close(sink)


def free_port_nobody_listens_on() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


def _open(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=2).close()
        return True
    except OSError:
        return False
