"""Which language a parent is writing in, read only from clear evidence, and the words that switch it.

The assistant answers in English or Spanish. A parent's language is sticky (a slot): it changes when
the parent asks ("Español", "English", a widget button, "2" on the first text) or when a message
clearly is the other language. Clear means several function words (mi, el, la, que, no quiere...),
accents or ¿ ¡; English special-education nouns ("el IEP meeting", "mi hijo needs speech") do not vote,
so Spanglish reads as Spanish. "si", "no", "ok" and "1" carry no language at all.

Plain Python, no Rasa; the NLU component and the SMS channel both read it, so they always agree.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

LANGUAGES = ("en", "es")
# Words that only show which language a sentence is in. Nouns of special education (IEP, speech,
# meeting, school, PWN) are left out on purpose: Spanish-speaking parents use them too.
# Words both languages write the same way ("no", "me", "a", "son", "solo", "he") vote for neither.
_SPANISH = frozenset("""
el la los las un una unos unas mi mis su sus nuestro nuestra de del al en con por para que porque pero y
es esta estan estoy este ese esa eso esto hay tiene tienen tengo quiere quieren quiero puede pueden dijo
dijeron dice dicen hace hacer hizo necesita necesito le lo les se nos yo usted ustedes ella ellos ellas
hijo hija hijos hijas nino nina ninos escuela maestra maestro ayuda como cuando donde muy mas tambien ya
ahora nada algo todo todos sin desde hasta sobre entonces aqui ni ano anos grado junta reunion servicios
evaluacion carta escribir gracias hola buenos buenas dias tardes noches favor senora senor pregunta
mande mandaron manda llamo llame quisiera saber ayudar apoyo clases sabe
""".split())
_ENGLISH = frozenset("""
the an my his her our their your is are was were be been has have had do does did not and or but of to
in on at for with from about he she they we i it this that these those what when why how can will would
should could want wants wanted said says need needs help please thanks thank hi hello just so if there
them him get got because been any some very also now than then who which where
""".split())
# One of these alone is enough: greetings and thanks nobody writes in the other language.
_SPANISH_ALONE = frozenset({"hola", "gracias", "buenos dias", "buenas tardes", "buenas noches", "por favor",
                            "muchas gracias", "buen dia"})
_ENGLISH_ALONE = frozenset({"hi", "hey", "hello", "hi there", "thank you", "thanks", "good morning",
                            "good afternoon", "good evening"})
_SPANISH_MARKS = re.compile(r"[áéíóúñ¿¡]", re.I)
# A request for a language, as the whole message: "Español", "en español por favor", "English please".
_ASKS = {
    "es": re.compile(r"(?:(?:en|quiero|hablar|escriba|escribame|responda|respondame|prefiero|in|spanish)\s+)*"
                     r"(?:espanol|spanish|castellano)(?:\s+(?:por favor|porfa|pls|please))?"),
    "en": re.compile(r"(?:(?:en|in|quiero|prefiero|write|speak|answer)\s+)*(?:english|ingles)"
                     r"(?:\s+(?:por favor|porfa|pls|please))?"),
}
_PUNCTUATION = re.compile(r"[^\w\s]|_")
MIN_VOTES = 2  # at least this many function words (or a mark) for a language to count as clear


@dataclass(frozen=True)
class Votes:
    spanish: int
    english: int


def fold(text: str) -> str:
    """Lower case, accents off, punctuation as spaces: how parents type without accents."""
    plain = text.lower()
    if not plain.isascii():  # ASCII has no accents to take off: most messages skip this step
        plain = plain.translate({ord(ch): _accent_off(ch) for ch in set(plain) if not ch.isascii()})
    return _PUNCTUATION.sub(" ", plain)


@lru_cache(maxsize=4096)
def _accent_off(ch: str) -> str:
    """One character decomposed (NFKD) without its combining marks. Character by character gives the same text as
    the whole message at once: decomposing a text only reorders combining marks, and they all go."""
    return "".join(part for part in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(part))


def asked_for(text: str) -> str | None:
    """The language a whole message asks for ("Español", "english please"), else None."""
    words = " ".join(fold(text).split())
    if not words or len(words) > 40:
        return None
    for language, pattern in _ASKS.items():
        if pattern.fullmatch(words):
            return language
    return None


def votes(text: str) -> Votes:
    return votes_in(fold(text).split(), text)


def votes_in(words: Sequence[str], text: str) -> Votes:
    """`votes` for a text whose folded words are already at hand."""
    spanish = sum(w in _SPANISH for w in words)
    english = sum(w in _ENGLISH for w in words)
    if _SPANISH_MARKS.search(text):
        spanish += MIN_VOTES  # an accent or ¿ ¡ is Spanish, whatever else is mixed in
    joined = " ".join(words)
    if joined in _SPANISH_ALONE or any(f" {p} " in f" {joined} " for p in _SPANISH_ALONE if " " in p):
        spanish += MIN_VOTES
    if joined in _ENGLISH_ALONE:
        english += MIN_VOTES
    return Votes(spanish, english)


def evidence(text: str) -> str | None:
    """'es' or 'en' when the message clearly is that language; None when it could be either."""
    return decided(votes(text))


def decided(counted: Votes) -> str | None:
    """`evidence` from a message's votes."""
    if counted.spanish >= MIN_VOTES and counted.spanish > counted.english:
        return "es"
    if counted.english >= MIN_VOTES and counted.english > 2 * counted.spanish:
        return "en"
    return None


# The quick reply of a language button: `/switch_language{"language":"es"}`.
SWITCH_PAYLOAD = re.compile(r'/switch_language\{\s*"language"\s*:\s*"(en|es)"\s*\}')


def language_after(current: str | None, text: str) -> str:
    """The conversation's language after `text`: a button or words asking for one, else clear evidence, else
    unchanged. The NLU component decides the same way (bot/serving/nlu_components.py), so the channel's answer
    and the conversation's `language` slot agree."""
    pressed = SWITCH_PAYLOAD.fullmatch(text.strip())
    chosen = pressed.group(1) if pressed else asked_for(text) or evidence(text)
    if chosen in LANGUAGES:
        return chosen
    return current if current in LANGUAGES else "en"


# Haitian Creole words no English or Spanish message uses; the language detector has no Haitian Creole.
_HAITIAN = frozenset("mwen pitit lekol timoun konnen paske kounye pwofese vle gen bezwen ede anpil".split())


def haitian_in(words: Sequence[str]) -> bool:
    """True when a message's folded words show three or more Haitian Creole words."""
    return sum(w in _HAITIAN for w in words) >= 3
