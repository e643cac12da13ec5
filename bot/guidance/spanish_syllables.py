"""Syllables of a Spanish word, counted by rule, for the Spanish readability scores.

textstat counts Spanish syllables with a hyphenation dictionary (Pyphen), which marks where a word may be
broken at the end of a line, not how many syllables it has, so it undercounts: "evaluación" 3 instead of 5,
"guía" 1, "reunión" 2. These rules count the vowel nuclei instead:

- Vowels side by side are one syllable (a diphthong) when one of them is a weak vowel without an accent
  (i, u, ü; y at the end of a word): "cuan-do", "bue-no", "ciu-dad", "hoy". A strong vowel between two weak
  ones is one syllable too (a triphthong): "U-ru-guay", "buey".
- They are two (a hiatus) when both are strong (a, e, o, with or without an accent: "le-er", "pa-se-o"),
  when the weak one carries the accent (í, ú: "dí-a", "pa-ís", "re-ú-ne"), or when the same weak vowel
  is doubled ("chi-i-ta").
- The u of "qu", and of "gu" before e or i, is not said: "que" 1, "guía" 2; "gü" is said: "bi-lin-güe" 3.
- y is a vowel only alone ("y") or at the end of a word ("muy"); elsewhere a consonant ("a-yu-da").
- h is a consonant here: "pro-hi-bi-do" 4.

Two hiatuses of careful speech that the spelling does not show, as rules on the word's parts:

- The -uar verbs conjugated with ú (evalúa, actúa, sitúa, continúa, gradúa...) keep the u apart from the
  next vowel in the verb and in the words made from it: "e-va-lu-a-ción" 5, "e-va-lu-ar" 4,
  "si-tu-a-ción" 4, "ac-tu-a-ción" 4, "gra-du-a-ción" 4, "con-ti-nu-ar" 4. Only after one of those stems
  (`_UAR_STEMS`) and before one of the verb's own endings (`_UAR_ENDINGS`: -ar, -ación, -ado, -ando,
  -able, -amos, -aba, -aron, -ó, -é, -emos...). Other words on the same letters keep the diphthong of the
  spelling, as the RAE divides them: "ac-tual", "gra-dual", "ha-bi-tual", "con-ti-nuo", "in-di-vi-dual",
  "in-di-vi-dua-li-za-do" 7 ("individuar" is not on the list).
- The prefix re- before the i or u of the word it joins: "re-u-nión" 3, "re-u-ti-li-zar", "re-in-te-grar";
  "rei-na", "rei-no", "reu-ma" keep theirs.

Rough on purpose: a word in capitals of two to four letters is an acronym, spelled out at one syllable a
letter (IEP 3, FAPE 4; a plural s is not said: IEPs 3); longer ones are words in capitals, read by the
rules (AYUDA 3). A digit is one syllable (504: 3).
"""
from __future__ import annotations

import re

STRONG = frozenset("aeoáéó")
ACCENTED_WEAK = frozenset("íú")
WEAK = frozenset("iuüy")

# -uar verbs whose u is stressed alone in the present (evalúa, not *evalua): a hiatus in the verb's family.
# "valu" covers evaluar, devaluar, revaluar, avaluar.
_UAR_STEMS = ("acentu", "actu", "atenu", "conceptu", "consensu", "continu", "desvirtu", "efectu", "exceptu",
              "extenu", "fluctu", "gradu", "habitu", "infatu", "insinu", "menstru", "perpetu", "preceptu",
              "puntu", "reditu", "situ", "tatu", "usufructu", "valu")
# The verb's endings after the u (as beginnings: "ar" covers -ar, -aron, -ará, -aría, -arse; "ad" -ado,
# -ada, -ador): not "a", "o", "al", "amente", "ario", which belong to other words (continua, actual,
# continuamente, actuario).
_UAR_ENDINGS = r"ar(?!i)|aci[oó]n|ad|ando|amos|ab|aste|ase|aje|ó|é|emos|éis|áis"
_UAR_HIATUS = re.compile(rf"(?:{'|'.join(_UAR_STEMS)})(?={_UAR_ENDINGS})")
_RE_HIATUS = re.compile(r"^re(?=un|util|us[aá]|in[^aeiouáéíóú]|im[^aeiouáéíóú])")
_ACRONYM = re.compile(r"[A-ZÁÉÍÓÚÜÑ]{2,4}s?")


def _is_vowel(word: str, i: int) -> bool:
    """Whether the letter at `i` of the lower-case `word` is a vowel that is said."""
    ch = word[i]
    if ch == "y":
        return i == len(word) - 1
    if ch not in STRONG | ACCENTED_WEAK | WEAK:
        return False
    if ch == "u" and i > 0:
        after = word[i + 1] if i + 1 < len(word) else ""
        if word[i - 1] == "q" or (word[i - 1] == "g" and after in ("e", "i", "é", "í")):
            return False
    return True


def _joins(before: str, vowel: str) -> bool:
    """Whether two vowels side by side are said in one syllable."""
    if before == vowel:
        return False
    heavy = STRONG | ACCENTED_WEAK
    return not (before in heavy and vowel in heavy)


def _forced_hiatus(word: str) -> set[int]:
    """Positions of a vowel that the next vowel is kept apart from by the -uar and re- rules."""
    apart = {m.end() - 1 for m in _UAR_HIATUS.finditer(word)}
    if _RE_HIATUS.match(word):
        apart.add(1)
    return apart


def _nuclei(word: str) -> int:
    """The syllables of a lower-case word of letters: one per vowel nucleus."""
    apart = _forced_hiatus(word)
    count = 0
    before = ""  # the vowel just before, "" after a consonant
    heavy_in_syllable = False  # a syllable holds one strong (or accented) vowel at most
    for i, ch in enumerate(word):
        if not _is_vowel(word, i):
            before = ""
            continue
        heavy = ch in STRONG or ch in ACCENTED_WEAK
        if before and i - 1 not in apart and _joins(before, ch) and not (heavy and heavy_in_syllable):
            heavy_in_syllable = heavy_in_syllable or heavy
        else:
            count += 1
            heavy_in_syllable = heavy
        before = ch
    return count


def syllables(word: str) -> int:
    """The syllables of one Spanish word (a run of letters and digits; other characters are ignored)."""
    digits = sum(ch.isdigit() for ch in word)
    letters = "".join(ch for ch in word if ch.isalpha())
    if not letters:
        return digits
    if _ACRONYM.fullmatch(letters):
        return digits + sum(ch.isupper() for ch in letters)
    return digits + max(1, _nuclei(letters.lower()))
