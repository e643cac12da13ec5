"""Rasa's lock store chosen by one URL, `LOCK_STORE_URL`: `memory` (one Rasa server, the default) or
`redis://[:password@]host:6379/0` (`rediss://` for TLS; `?key_prefix=name` to share a Redis).

Rasa's lock store entry in `endpoints.yml` cannot switch between its in-process and Redis kinds from
one variable, so this class stands in for both: Rasa calls it with the endpoint config and gets
Rasa's own `InMemoryLockStore`, or its `RedisLockStore` made safe for several servers.

Rasa's Redis lock store keeps each conversation's ticket queue as one value that it reads, changes and
writes back in separate steps. Two servers taking tickets for the same conversation at the same moment
(a parent who taps send twice behind a load balancer) can then overwrite each other: one server's turn
fails with "Could not acquire lock" because the other deleted a queue it thought empty, or both hold
ticket 0 and run the same conversation at once. `AtomicRedisLockStore` makes each change a Redis
transaction on that one key (WATCH, then MULTI/EXEC, retried if another server changed it first), with
Rasa's own ticket rules. Rasa also talks to Redis from the event loop, so every turn on the server
waited on each round trip; here they run in a worker thread.
"""
from __future__ import annotations

import asyncio
import json
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, Callable, Optional, TypeVar

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockError, LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from bot.ops.deployment import LockStoreUrl, parse_lock_store_url

T = TypeVar("T")


class LockStoreFromUrl:
    def __new__(cls, endpoint_config: EndpointConfig | None = None, **_: Any) -> LockStore:  # type: ignore[misc]
        return lock_store_for(parse_lock_store_url((endpoint_config.url if endpoint_config else None) or "memory"))


def lock_store_for(url: LockStoreUrl) -> LockStore:
    if url.kind == "memory":
        return InMemoryLockStore()
    return AtomicRedisLockStore(host=url.host, port=url.port, db=url.db, username=url.username,
                                password=url.password, use_ssl=url.tls, key_prefix=url.key_prefix,
                                socket_timeout=url.socket_timeout)


class AtomicRedisLockStore(RedisLockStore):
    """Rasa's Redis lock store whose every change to a conversation's tickets is atomic."""

    @asynccontextmanager
    async def lock(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME,
                   wait_time_in_seconds: float = 1) -> AsyncGenerator[TicketLock, None]:
        """Rasa's `lock`, with Redis off the event loop."""
        ticket = await asyncio.to_thread(self.issue_ticket, conversation_id, lock_lifetime)
        try:
            yield await self._acquire_lock(conversation_id, ticket, wait_time_in_seconds)
        finally:
            await asyncio.to_thread(self.cleanup, conversation_id, ticket)

    async def _acquire_lock(self, conversation_id: str, ticket: int, wait_time_in_seconds: float) -> TicketLock:
        """Rasa's loop: served when the ticket is first in the queue; a queue gone means it expired."""
        while True:
            lock = await asyncio.to_thread(self.get_lock, conversation_id)
            if not lock:
                raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")
            if not lock.is_locked(ticket):
                return lock
            await asyncio.sleep(wait_time_in_seconds)
            await asyncio.to_thread(self.update_lock, conversation_id)

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        try:
            return self._change(conversation_id, lambda lock: lock.issue_ticket(lock_lifetime), create=True)
        except Exception as err:  # noqa: BLE001 - Rasa's contract: any failure here is a LockError
            raise LockError(f"Error while acquiring lock. Error:\n{err}") from err

    def update_lock(self, conversation_id: str) -> None:
        self._change(conversation_id, lambda lock: lock.remove_expired_tickets())

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        self._change(conversation_id, lambda lock: lock.remove_ticket_for(ticket_number))

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        # One step: Rasa's "remove my ticket, then delete the queue if nobody waits" in two steps could
        # delete a ticket another server issued in between.
        self.finish_serving(conversation_id, ticket_number)

    def _change(self, conversation_id: str, change: Callable[[TicketLock], T], create: bool = False
                ) -> Optional[T]:
        """Applies `change` to the stored queue as one transaction; a queue left empty is deleted, so
        a waiter whose ticket expired meanwhile gets Rasa's LockError instead of waiting forever."""
        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    stored = pipe.get(key)
                    if stored is None and not create:
                        return None
                    lock = (TicketLock.from_dict(json.loads(stored)) if stored is not None
                            else self.create_lock(conversation_id))
                    result = change(lock)
                    pipe.multi()
                    if lock.is_someone_waiting():
                        pipe.set(key, lock.dumps())
                    else:
                        pipe.delete(key)
                    pipe.execute()
                    return result
                except redis.WatchError:  # another server changed this queue first: read it again
                    continue
