"""Checks a message before triage: empty, emoji only, too long, or not in English; and, at the channels,
the quick-reply commands a client may send."""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field

from lingua import Language, LanguageDetectorBuilder

from bot.understanding.language import Votes, asked_for, decided, fold, haitian_in, votes_in
from bot.understanding.safety import as_shown, digits_as_letters

# The whole message is one command ("/restart", "/make_letter{...}") or an intent's name ("EXTERNAL_reminder").
_TYPED_COMMAND = re.compile(r"/[A-Za-z_][\w-]*(?:[@{].*)?|[A-Za-z]+_[A-Za-z_]+(?:\{.*\})?", re.S)
# Database commands and the marks of an injection: never how a parent writes about school.
_CODE = re.compile(r"\bunion\s+(?:all\s+)?select\b|\b(?:delete\s+from|drop\s+table|insert\s+into|truncate\s+table)\b"
                   r"|;\s*--|'\s*or\s+'?\d+'?\s*=\s*'?\d+", re.I)
# The detector (low-accuracy mode, see InputChecker) guesses wildly on a few Latin-script words: "stop checking in
# on me" came out Tagalog. Below this length such a message keeps the language our own evidence gives.
MIN_DETECT_CHARS = 40
ENGLISH_SHARE = 0.2  # English function words in an English message: a third and more; Vietnamese without accents 0.17
SPANISH_SHARE = 0.1  # words only Spanish writes, in a Spanish or Spanglish message: a fifth and more; Portuguese 0
# Spanish function words Portuguese and French do not write (they write "com", "uma", "meu", "muito", "avec"...).
_SPANISH_ONLY = frozenset("""
el los las y del al con una unos unas mi mis pero muy hay usted ustedes ella ellos ellas yo tengo tiene tienen
quiero quiere quieren puede pueden dijo dijeron dice dicen hace hacer hizo necesita necesito hijo hija hijos hijas
nino nina ninos escuela maestra maestro ayuda cuando donde tambien ya ahora algo todos sin hasta entonces ni
estoy estan ese esa eso esto lo nos
""".split())
_NON_LATIN = re.compile(r"[^\W\d_a-zA-Z\u00C0-\u024F\u1E00-\u1EFF]")  # a letter of another script: no guessing
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
    language: str = ""  # "en" or "es" on clear evidence, another code for another language, "" when unclear
    asked: str | None = None  # the whole message asks for a language ("Español", "English please")
    whole: str = ""  # the cleaned message, never shortened: the safety check reads all of it


class InputChecker:
    """Build once: the language detector takes a moment to set up."""

    def __init__(self) -> None:
        # Low-accuracy mode reads trigrams only: 20 MB for these eleven languages instead of 266 MB (measured). It
        # only ever adds a third language to our own evidence, and on short Latin-script text not at all (`language`).
        self._detector = (LanguageDetectorBuilder.from_languages(*_LANGUAGES).with_low_accuracy_mode()
                          .with_preloaded_language_models().build())

    def check(self, raw: str | None) -> InputCheck:
        whole = text = _clean(raw or "")
        if not text:
            return InputCheck(text="", problem="empty_message")
        if not any(ch.isalnum() for ch in text):
            return InputCheck(text=text, problem="emoji_only", whole=whole)
        shape = _odd_shape(text)
        if shape:
            return InputCheck(text=text, problem=shape, whole=whole)
        notes = []
        if len(text) > MAX_CHARS:
            text = text[:MAX_CHARS].rsplit(" ", 1)[0]
            notes.append("too_long")
        text = digits_as_letters(text)
        asked = asked_for(text)
        if asked:
            return InputCheck(text=text, language=asked, asked=asked, whole=whole)
        return InputCheck(text=text, notes=tuple(notes), language=self.language(text), whole=whole)

    def language(self, text: str) -> str:
        """'en' or 'es' on clear evidence (bot/understanding/language.py); the code of a third language when the
        detector is sure of one (Portuguese, Vietnamese...) or Haitian Creole's own words show; else ""."""
        words = fold(text).split()  # folded once, for every count below
        if haitian_in(words):  # the detector does not know Haitian Creole
            return "ht"
        counted = votes_in(words, text)
        clear = decided(counted) or ""
        letters = re.findall(r"[^\W\d_]{2,}", text)
        latin = not _NON_LATIN.search(text)
        if len(letters) < 4 or (latin and len(text) < MIN_DETECT_CHARS):
            return clear
        share = _shares(words, counted)
        if latin and clear == "en" and share.english >= ENGLISH_SHARE:  # plainly English, whatever the guess
            return clear
        if share.spanish_only > SPANISH_SHARE:  # a good share of words only Spanish writes: it keeps its Spanish
            return clear
        best = self._detector.compute_language_confidence_values(text)[0]
        # The detector reads Spanglish as English, so it only ever adds a third language, never picks en or es.
        if best.language not in (Language.ENGLISH, Language.SPANISH) and best.value >= 0.6:
            return _LANGUAGES[best.language]
        return clear


@dataclass(frozen=True)
class Shares:
    spanish_only: float  # of the words, the share that only Spanish writes (`_SPANISH_ONLY`)
    english: float  # of the words, the share that are English function words (bot/understanding/language.py)


def _shares(words: list[str], counted: Votes) -> Shares:
    """How much of a message (its folded words and votes) is Spanish function words that Portuguese and French do
    not write ("de", "que", "para" they do), and how much English function words: Spanish and Spanglish are full
    of the first, English of the second, and Portuguese, French or Vietnamese typed without accents have little of
    either."""
    n = max(len(words), 1)
    return Shares(sum(w in _SPANISH_ONLY for w in words) / n, counted.english / n)


def _odd_shape(text: str) -> str | None:
    """A message with nothing in it to triage, named for the honest answer it gets: only digits and signs
    ("1", "2."), a command typed as text ("/restart", "EXTERNAL_reminder") or computer code ("' UNION SELECT").
    A number picks from a list only through the channel's menu."""
    if not any(ch.isalpha() for ch in text):
        return "number_only"
    if _TYPED_COMMAND.fullmatch(text):
        return "typed_command"
    if _CODE.search(text):
        return "looks_like_code"
    return None


def _clean(text: str) -> str:
    # Read as a screen shows it (a right-to-left override reverses what follows), then drop control characters
    # (but keep line breaks) and normalise the curly apostrophe.
    shown = as_shown(text)
    # Each distinct character is looked at once, not each time it is written.
    dropped = {ord(ch): None for ch in set(shown) if ch not in "\n\t" and unicodedata.category(ch)[0] == "C"}
    return shown.translate(dropped).replace("\u2019", "'").strip()


# Rasa reads "/intent@confidence{entities}" as an intent given directly: that is how quick replies work. The
# same pattern as Rasa's (YAMLStoryReader._regex_message_pattern), so this sees what Rasa will see.
_COMMAND = re.compile(r"^/(?P<intent>[^{@]+)(?P<confidence>@[0-9.]+)?(?P<entities>\{.+\})?")
SERVER_INTENTS = ("EXTERNAL_",)  # never a client's to send: the reminder worker's wake-ups, through the API
# Invisible, and dropped before triage (a format character): put before a typed "/", Rasa reads words, not a
# command, and the conversation shows what the parent typed.
AS_WORDS = "\u2060"


def as_client_message(text: str, pressed: bool) -> str:
    """The message as a parent's client may send it. Only a pressed quick reply ("/make_letter{...}") is a
    command; typed text is always words, "/restart" included. A pressed one is words too when it names an
    intent only the server sends, or carries entities that are not plain strings or numbers (an object there
    reaches the actions, which expect a word). Words of that shape get an honest "that looks like a command"
    (bot/understanding/inputs.py: typed_command); the actions never see the odd value."""
    stripped = text.strip()
    match = _COMMAND.match(stripped)
    if match is None:
        return text
    if (not pressed or match.group("intent").strip().startswith(SERVER_INTENTS)
            or not _plain_entities(match.group("entities"))):
        return AS_WORDS + stripped
    return text


def _plain_entities(raw: str | None) -> bool:
    if raw is None:
        return True
    try:
        parsed = json.loads(raw)
    except RecursionError:  # nested too deep: Rasa's own reader would fail on it
        return False
    except ValueError:  # unreadable: Rasa drops these entities itself
        return True
    if not isinstance(parsed, dict):
        return True  # Rasa drops it
    return all(_plain(value) or (isinstance(value, list) and all(_plain(v) for v in value))
               for value in parsed.values())


def _plain(value: object) -> bool:
    return isinstance(value, (str, int, float))
