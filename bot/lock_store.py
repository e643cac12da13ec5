"""Rasa's lock store chosen by one URL, `LOCK_STORE_URL`: `memory` (one Rasa server, the default) or
`redis://[:password@]host:6379/0` (`rediss://` for TLS; `?key_prefix=name` to share a Redis).

Rasa's lock store entry in `endpoints.yml` cannot switch between its in-process and Redis kinds from
one variable, so this class stands in for both: Rasa calls it with the endpoint config and gets
Rasa's own `InMemoryLockStore` or `RedisLockStore` back.
"""
from __future__ import annotations

from typing import Any

from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from bot.deployment import LockStoreUrl, parse_lock_store_url


class LockStoreFromUrl:
    def __new__(cls, endpoint_config: EndpointConfig | None = None, **_: Any) -> LockStore:  # type: ignore[misc]
        return lock_store_for(parse_lock_store_url((endpoint_config.url if endpoint_config else None) or "memory"))


def lock_store_for(url: LockStoreUrl) -> LockStore:
    if url.kind == "memory":
        return InMemoryLockStore()
    return RedisLockStore(host=url.host, port=url.port, db=url.db, username=url.username, password=url.password,
                          use_ssl=url.tls, key_prefix=url.key_prefix, socket_timeout=url.socket_timeout)
