"""Checks a message before triage: empty, emoji only, too long, or not in English."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from lingua import Language, LanguageDetectorBuilder

MAX_CHARS = 4000  # we read this much closely; a 20,000-character paste is cut here, with a note
# Languages that families in the US commonly write in; a short list keeps the detector small and fast.
_LANGUAGES = {Language.ENGLISH: "en", Language.SPANISH: "es", Language.FRENCH: "fr", Language.PORTUGUESE: "pt",
              Language.CHINESE: "zh", Language.VIETNAMESE: "vi", Language.ARABIC: "ar", Language.RUSSIAN: "ru",
              Language.KOREAN: "ko", Language.TAGALOG: "tl", Language.SOMALI: "so"}


@dataclass(frozen=True)
class InputCheck:
    text: str  # what triage reads: stripped and, if needed, shortened
    problem: str | None = None  # "empty_message" or "emoji_only": nothing to triage
    notes: tuple[str, ...] = field(default=())  # "too_long", "mixed_language"
    language: str = "en"
    whole: str = ""  # the cleaned message, never shortened: the safety check reads all of it


class InputChecker:
    """Build once: the language detector takes a moment to set up."""

    def __init__(self) -> None:
        self._detector = LanguageDetectorBuilder.from_languages(*_LANGUAGES).with_preloaded_language_models().build()

    def check(self, raw: str | None) -> InputCheck:
        whole = text = _clean(raw or "")
        if not text:
            return InputCheck(text="", problem="empty_message")
        if not any(ch.isalnum() for ch in text):
            return InputCheck(text=text, problem="emoji_only", whole=whole)
        notes = []
        if len(text) > MAX_CHARS:
            text = text[:MAX_CHARS].rsplit(" ", 1)[0]
            notes.append("too_long")
        language = self.language(text)
        return InputCheck(text=text, notes=tuple(notes), language=language, whole=whole)

    def language(self, text: str) -> str:
        """'en' unless the message is clearly in another language (short messages count as English)."""
        if len(re.findall(r"[^\W\d_]{2,}", text)) < 4:
            return "en"
        values = self._detector.compute_language_confidence_values(text)
        best = values[0]
        if best.language is Language.ENGLISH or best.value < 0.6:
            return "en"
        return _LANGUAGES[best.language]


def _clean(text: str) -> str:
    # Drop control characters (but keep line breaks) and normalise the curly apostrophe.
    kept = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    return kept.replace("\u2019", "'").strip()
