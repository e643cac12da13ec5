"""The data keys (IEP_DATA_KEYS), with Fernet. They seal each conversation's own key (bot/storage/keyring.py),
which in turn seals what could identify or reach a person: letters (names, school, phone), reminder addresses,
SMS numbers, and the conversation events Rasa stores (the parent's words and slots). They also open values
sealed with them directly before conversation keys, and seal the few values that belong to no conversation
(a letter made in the CLI).

Keys come newest first, so a rotated-out key still opens old rows while new rows use the newest.
`iep-navigator case-db rotate-keys` (bot/storage/resealing.py) re-wraps every conversation key with the newest key.
"""
from __future__ import annotations

import json
from typing import Mapping, Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

# Every Fernet token starts with its version byte 0x80 and a 64-bit timestamp whose high bytes are zero
# until the year 2106, so base64 gives this prefix; JSON and letter text never start with it.
SEALED_PREFIX = "gAAAAA"


class SealError(ValueError):
    """A sealed value cannot be opened with the keys we have."""


class Sealer:
    def __init__(self, keys: Sequence[bytes]):
        if not keys:
            raise SealError("no data key: set IEP_DATA_KEYS or IEP_DATA_KEY_FILE")
        self._newest = Fernet(keys[0])
        self._fernet = MultiFernet([self._newest, *(Fernet(key) for key in keys[1:])])

    def seal(self, value: Mapping[str, str]) -> str:
        return self.seal_text(json.dumps(dict(value), sort_keys=True))

    def open(self, sealed: str) -> dict[str, str]:
        return json.loads(self.open_text(sealed))

    def seal_text(self, text: str) -> str:
        return self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def open_text(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode("utf-8")
        except (InvalidToken, ValueError) as err:
            raise SealError("a stored value cannot be opened with the current data keys") from err

    def open_json(self, stored: str) -> dict:
        """A JSON object stored sealed, or plain from before sealing (an older server, or not yet re-sealed)."""
        return json.loads(self.open_text(stored) if is_sealed(stored) else stored)

    def reseal(self, sealed: str) -> str:
        """The same value under the newest key (for key rotation)."""
        try:
            return self._fernet.rotate(sealed.encode("ascii")).decode("ascii")
        except (InvalidToken, ValueError) as err:
            raise SealError("a stored value cannot be opened with the current data keys") from err

    def is_current(self, sealed: str) -> bool:
        """Sealed with the newest key. Checks the signature only, without decrypting."""
        try:
            self._newest.extract_timestamp(sealed.encode("ascii"))
        except (InvalidToken, ValueError):
            return False
        return True


def is_sealed(value: str) -> bool:
    return value.startswith(SEALED_PREFIX)
