"""Seals the few stored values that could reach a person (where to send a reminder), with Fernet.

Keys come newest first, so a rotated-out key still opens old rows while new rows use the newest.
"""
from __future__ import annotations

import json
from typing import Mapping, Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class SealError(ValueError):
    """A sealed value cannot be opened with the keys we have."""


class Sealer:
    def __init__(self, keys: Sequence[bytes]):
        if not keys:
            raise SealError("no data key: set IEP_DATA_KEYS or IEP_DATA_KEY_FILE")
        self._fernet = MultiFernet([Fernet(key) for key in keys])

    def seal(self, value: Mapping[str, str]) -> str:
        return self._fernet.encrypt(json.dumps(dict(value), sort_keys=True).encode("utf-8")).decode("ascii")

    def open(self, sealed: str) -> dict[str, str]:
        try:
            return json.loads(self._fernet.decrypt(sealed.encode("ascii")))
        except (InvalidToken, ValueError) as err:
            raise SealError("a stored value cannot be opened with the current data keys") from err

    def reseal(self, sealed: str) -> str:
        """The same value under the newest key (for key rotation)."""
        return self._fernet.rotate(sealed.encode("ascii")).decode("ascii")
