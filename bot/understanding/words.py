"""Whole-word phrase matching in a parent's words, shared by every part that reads an answer."""
from __future__ import annotations

import re
from typing import Iterable


def mentions(plain: str, phrases: Iterable[str]) -> bool:
    """True if any phrase stands as whole words somewhere in `plain` (an answer's words, lower case)."""
    return any(re.search(rf"(?<!\w){re.escape(p)}(?!\w)", plain) for p in phrases)
