"""SMS text mechanics: GSM-7 vs UCS-2, segment counts, and packing replies into message bodies.

Plain Python, no Rasa. Nothing here writes words for a parent: it only changes how text is
encoded and where it is cut. A message that is all GSM-7 costs a segment per 153-160 characters;
one character outside GSM-7 turns the whole message into UCS-2 at 67-70 per segment, so
`to_gsm_friendly` swaps our typography (curly quotes, dashes, bullets) for plain equivalents,
and keeps everything else (accents, emoji) exactly as typed.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

Encoding = Literal["GSM-7", "UCS-2"]

# GSM 03.38 default alphabet, in table order (0x00-0x7F). 0x1B is the escape to the extension
# table, not a character, so it is left out.
GSM7_BASIC: frozenset[str] = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞ" "ÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Extension table: each is sent as escape + character, so it costs two septets.
GSM7_EXTENDED: frozenset[str] = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE, GSM7_MULTI = 160, 153  # septets: one segment / per segment of a concatenated message
UCS2_SINGLE, UCS2_MULTI = 70, 67  # UTF-16 code units, likewise (the rest is the concatenation header)
DEFAULT_BODY_LIMIT = 320

# Typography our replies use -> GSM-7. Read-only so no caller can change it for everyone else.
_GSM_FRIENDLY = MappingProxyType({
    **{ord(c): "'" for c in "\u2018\u2019\u201a\u201b"},  # ‘ ’ ‚ ‛
    **{ord(c): '"' for c in "\u201c\u201d\u201e\u201f"},  # “ ” „ ‟
    **{ord(c): "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"},  # hyphens, – —, minus
    ord("\u2026"): "...",  # …
    ord("\u2022"): "-",  # • bullet
    # Tab and the unicode spaces are all just a space on a phone; tab is not in GSM-7 either.
    **{ord(c): " " for c in "\t\v\u00a0\u1680\u202f\u205f\u3000"},
    **{cp: " " for cp in range(0x2000, 0x200B)},  # en quad .. hair space
    ord("\u0085"): "\n", ord("\u2028"): "\n", ord("\u2029"): "\n\n",  # NEL, line/paragraph separator
    # Invisible and meaningless in a text message: zero-width space, word joiner, BOM, soft hyphen.
    **{ord(c): None for c in "\u200b\u2060\ufeff\u00ad"},
})
# Zero-width (non-)joiners carry meaning inside emoji sequences (👨‍👩‍👧) and some scripts (Persian),
# where the message is UCS-2 anyway. Next to a GSM-7 character they only force UCS-2, so go.
_JOINERS = frozenset("\u200c\u200d")

# Boundary strengths, strongest first: where a long text is best cut. Before a parenthesis too long to keep with the
# word before it ("...letter.pdf (archivo de Word: http://...)") is a better cut than inside it.
_REPLY, _PARAGRAPH, _LINE, _SENTENCE, _PARENTHESIS, _SPACE = 5, 4, 3, 2, 1, 0
_WORD = re.compile(r"(\s*)(\S+)")
_SENTENCE_END = re.compile(r"[.!?…]['\"’”»)\]]*$")
_SENTENCE_OPENERS = frozenset("¿¡\"'“‘«(")
KEPT_PARENTHESIS = 48  # characters: a parenthesis this short (a citation) is never cut from the word before it


def to_gsm_friendly(text: str) -> str:
    """Swap typographic characters for GSM-7 ones; keep every other character as typed."""
    text = text.translate(_GSM_FRIENDLY)
    if not _JOINERS.intersection(text):
        return text
    kept = [
        c for i, c in enumerate(text)
        if c not in _JOINERS or _joins_non_gsm(text[i - 1] if i else "", text[i + 1] if i + 1 < len(text) else "")
    ]
    return "".join(kept)


def _joins_non_gsm(before: str, after: str) -> bool:
    return bool(before) and bool(after) and not _is_gsm7(before) and not _is_gsm7(after)


def _is_gsm7(char: str) -> bool:
    return char in GSM7_BASIC or char in GSM7_EXTENDED


def encoding(text: str) -> Encoding:
    """GSM-7 when every character is in the GSM 03.38 alphabet (or its extension), else UCS-2."""
    return "GSM-7" if all(_is_gsm7(c) for c in text) else "UCS-2"


def length(text: str) -> int:
    """Septets for GSM-7 (extension characters count 2), UTF-16 code units for UCS-2 (emoji count 2)."""
    return sum(_unit_costs(text, encoding(text) == "GSM-7"))


def segments(text: str) -> int:
    """How many SMS segments the text is billed as; 0 for empty text (nothing is sent)."""
    if not text:
        return 0
    gsm = encoding(text) == "GSM-7"
    single, multi = (GSM7_SINGLE, GSM7_MULTI) if gsm else (UCS2_SINGLE, UCS2_MULTI)
    costs = _unit_costs(text, gsm)
    if sum(costs) <= single:
        return 1
    # Fill segments in order: an escape pair or a surrogate pair never straddles two segments,
    # so a 2-unit character that does not fit starts the next one.
    count, used = 1, 0
    for cost in costs:
        if used + cost > multi:
            count, used = count + 1, 0
        used += cost
    return count


def _unit_costs(text: str, gsm: bool) -> list[int]:
    if gsm:
        return [2 if c in GSM7_EXTENDED else 1 for c in text]
    return [2 if ord(c) > 0xFFFF else 1 for c in text]


@dataclass(frozen=True)
class _Word:
    """A run of non-space characters, with the whitespace before it and how good a cut that gap is."""

    text: str
    gap: str
    strength: int


def split_words(text: str, limit: int) -> list[str]:
    """Cut text into pieces of at most `limit` characters (len), never inside a word.

    Cuts at blank lines first, then line breaks, then sentence ends, then spaces; the whitespace
    at a cut is dropped and all other text is kept exactly. A word longer than `limit` (a long
    URL) becomes a piece of its own, unbroken. Whitespace-only text gives no pieces.
    """
    _check_limit(limit)
    return [_render(chunk) for chunk in _split(_tokenize(text), limit, _PARAGRAPH)]


def pack(texts: Sequence[str], limit: int = DEFAULT_BODY_LIMIT) -> list[str]:
    """Join one turn's replies into as few SMS bodies of at most `limit` characters as make sense.

    Replies are joined by a blank line while the body fits; a reply that does not fit on its own
    is cut as `split_words` does. Characters are counted with len(), so the caller applies
    `to_gsm_friendly` first (it changes lengths: … becomes ...). Empty replies are skipped;
    bodies are stripped; the words come out whole and in their original order.
    """
    _check_limit(limit)
    words: list[_Word] = []
    for reply in texts:
        reply_words = _tokenize(reply)
        if reply_words and words:
            reply_words[0] = _Word(reply_words[0].text, "\n\n", _REPLY)
        words.extend(reply_words)
    return [_render(chunk) for chunk in _split(words, limit, _REPLY)]


def _check_limit(limit: int) -> None:
    if limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit}")


def _tokenize(text: str) -> list[_Word]:
    words: list[_Word] = []
    for match in _WORD.finditer(text):
        gap, word = match.group(1), match.group(2)
        words.append(_Word(word, gap if words else "", _strength(gap, words[-1].text, word) if words else _REPLY))
    return _with_parentheses(words)


def _with_parentheses(words: list[_Word]) -> list[_Word]:
    """A short parenthesis on the same line as the word before it ("... de su hijo. (34 CFR 300.303)") becomes one
    word with it, so no cut falls between them: a citation never arrives as a text of its own."""
    kept: list[_Word] = []
    at = 0
    while at < len(words):
        word = words[at]
        end = _closing(words, at) if kept and word.text.startswith("(") else None
        if end is None:
            kept.append(word)
            at += 1
            continue
        before = kept[-1].text
        kept[-1] = _Word(before + "".join(w.gap + w.text for w in words[at:end + 1]), kept[-1].gap, kept[-1].strength)
        at = end + 1
        if at < len(words):  # "...pruebas. (34 CFR 300.301) Este punto...": a sentence still starts after it
            after = words[at]
            words[at] = _Word(after.text, after.gap, max(after.strength, _strength(after.gap, before, after.text)))
    return kept


def _closing(words: list[_Word], start: int) -> int | None:
    """The index of the word that closes the parenthesis `words[start]` opens, if it does so on the same line
    within KEPT_PARENTHESIS characters; else None."""
    depth = length = 0
    for at in range(start, len(words)):
        word = words[at]
        if "\n" in word.gap or "\r" in word.gap:
            return None
        length += len(word.gap) + len(word.text)
        depth += word.text.count("(") - word.text.count(")")
        if length > KEPT_PARENTHESIS:
            return None
        if depth <= 0:
            return at
    return None


def _strength(gap: str, before: str, after: str) -> int:
    breaks = gap.count("\n") + gap.count("\r") - gap.count("\r\n")
    if breaks >= 2:
        return _PARAGRAPH
    if breaks == 1:
        return _LINE
    # "e.g. the" is not a sentence end: the next word has to look like a sentence start.
    if _SENTENCE_END.search(before) and (after[0].isupper() or after[0].isdigit() or after[0] in _SENTENCE_OPENERS):
        return _SENTENCE
    return _PARENTHESIS if after.startswith("(") else _SPACE


def _split(words: list[_Word], limit: int, level: int) -> list[list[_Word]]:
    """Cut at the strongest boundaries that make the pieces fit, then refill pieces greedily."""
    if not words:
        return []
    if _measure(words) <= limit or level < _SPACE:
        return [words]  # fits, or a single word too long to fit anywhere
    pieces = [piece for group in _groups(words, level) for piece in _split(group, limit, level - 1)]
    return _merge(pieces, limit)


def _groups(words: list[_Word], level: int) -> Iterable[list[_Word]]:
    group: list[_Word] = []
    for word in words:
        if group and word.strength >= level:
            yield group
            group = []
        group.append(word)
    yield group


def _merge(pieces: list[list[_Word]], limit: int) -> list[list[_Word]]:
    # Neighbours that fit together share a body, keeping the whitespace that was between them.
    merged: list[list[_Word]] = []
    for piece in pieces:
        if merged and _measure(merged[-1]) + _measure(piece, leading_gap=True) <= limit:
            merged[-1] = merged[-1] + piece
        else:
            merged.append(piece)
    return merged


def _measure(words: list[_Word], leading_gap: bool = False) -> int:
    total = sum(len(w.text) + len(w.gap) for w in words)
    return total if leading_gap else total - len(words[0].gap)


def _render(words: list[_Word]) -> str:
    return words[0].text + "".join(w.gap + w.text for w in words[1:])
