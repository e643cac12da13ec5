"""The plain text of sealed conversation events this process has already opened or sealed, kept in memory
for a while, so that each stored event is decrypted about once instead of on every later turn.

Rasa rebuilds a conversation from all its stored events on every turn, and the web channel then reads the
turn's messages; with every event sealed (bot/storage/sealing.py), opening them was a fifth of the Rasa server's
time under load. A sealed value is its own key: Fernet seals each value with a fresh random IV, so two
stored values never share a ciphertext, and a value nobody can read from the database can no longer be
looked up here. The memory is bounded (least recently used goes first), and erasing a conversation
drops its entries at once.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Callable, Iterable

DEFAULT_LIMIT_CHARS = 32 * 1024 * 1024  # about 200 long conversations; a few tens of MB at most


class OpenedEvents:
    """Sealed value -> its plain text, least recently used dropped first beyond `limit_chars`.
    Safe to use from several threads (the tracker store runs its queries in worker threads)."""

    def __init__(self, limit_chars: int = DEFAULT_LIMIT_CHARS) -> None:
        self._limit = limit_chars
        self._texts: OrderedDict[str, str] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()

    def open(self, sealed: str, opener: Callable[[str], str]) -> str:
        with self._lock:
            text = self._texts.get(sealed)
            if text is not None:
                self._texts.move_to_end(sealed)
                return text
        text = opener(sealed)  # outside the lock: decrypting is the slow part, and threads may share it
        self.remember(sealed, text)
        return text

    def remember(self, sealed: str, text: str) -> None:
        size = len(sealed) + len(text)
        if size > self._limit:
            return
        with self._lock:
            if sealed in self._texts:
                return
            self._texts[sealed] = text
            self._chars += size
            while self._chars > self._limit:
                old, old_text = self._texts.popitem(last=False)
                self._chars -= len(old) + len(old_text)

    def forget(self, sealed_values: Iterable[str]) -> None:
        with self._lock:
            for sealed in sealed_values:
                text = self._texts.pop(sealed, None)
                if text is not None:
                    self._chars -= len(sealed) + len(text)

    def __len__(self) -> int:
        return len(self._texts)
