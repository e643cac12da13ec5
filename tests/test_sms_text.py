from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.channels.sms_text import (
    GSM7_BASIC,
    GSM7_EXTENDED,
    encoding,
    length,
    pack,
    segments,
    split_words,
    to_gsm_friendly,
)

EMOJI = "\U0001F600"  # 😀, a surrogate pair in UTF-16


# --- alphabet and encoding -------------------------------------------------------------------

def test_alphabet_has_the_gsm_03_38_sizes():
    assert len(GSM7_BASIC) == 127  # 128 codes less the escape
    assert GSM7_EXTENDED == frozenset("\f^{}\\[~]|€")
    assert not GSM7_BASIC & GSM7_EXTENDED


@pytest.mark.parametrize("char", list("¡¿ñÑüÜéèùìòÇäöÄÖÅåÆæßÉ£¥§Δ"))
def test_spanish_and_european_letters_in_the_basic_set(char):
    assert char in GSM7_BASIC
    assert encoding(f"x{char}x") == "GSM-7"


@pytest.mark.parametrize("char", list("áíóúÁÍÓÚ`º°•’") + [EMOJI, "\t"])
def test_characters_outside_gsm7_force_ucs2(char):
    assert encoding(f"Hola {char}") == "UCS-2"


def test_spanish_greetings():
    assert encoding("¡Hola! ¿Cómo está?") == "UCS-2"  # ó and á
    assert encoding("¡Hola! Mañana") == "GSM-7"
    assert encoding("") == "GSM-7"


# --- length and segments ---------------------------------------------------------------------

def test_length_counts_septets_or_utf16_units():
    assert length("") == 0
    assert length("abc") == 3
    assert length("a€[") == 5  # extension characters cost two septets
    assert length("á" + EMOJI) == 3  # UCS-2: the emoji is two code units
    assert length("€" + "á") == 2  # once UCS-2, € is one code unit like any other


def test_empty_text_is_no_segment():
    assert segments("") == 0


@pytest.mark.parametrize(("size", "expected"), [
    (1, 1), (160, 1), (161, 2), (306, 2), (307, 3), (459, 3), (460, 4),
])
def test_gsm7_segment_boundaries(size, expected):
    assert segments("a" * size) == expected


@pytest.mark.parametrize(("size", "expected"), [
    (1, 1), (70, 1), (71, 2), (134, 2), (135, 3),
])
def test_ucs2_segment_boundaries(size, expected):
    assert segments("á" * size) == expected


def test_extension_characters_count_double():
    assert segments("€" * 80) == 1  # 160 septets
    assert segments("a" * 159 + "€") == 2  # 161 septets
    assert segments("[" * 152) == 2  # 304 septets, 76 escape pairs per segment
    assert segments("[" * 153) == 3  # 306 septets, but no segment can hold 76.5 pairs


def test_extension_character_is_not_split_across_segments():
    text = "a" * 152 + "€" + "a" * 152  # 306 septets, but € cannot take the 153rd slot
    assert length(text) == 306
    assert segments(text) == 3
    assert segments("a" * 151 + "€" + "a" * 153) == 2  # the same total, with € fitting exactly


def test_emoji_is_not_split_across_segments():
    assert segments(EMOJI * 35) == 1  # 70 code units
    assert segments(EMOJI * 35 + "a") == 2
    text = "á" * 66 + EMOJI + "á" * 66  # 134 units; the emoji would straddle the first boundary
    assert length(text) == 134
    assert segments(text) == 3
    assert segments("á" * 65 + EMOJI + "á" * 67) == 2


# --- to_gsm_friendly -------------------------------------------------------------------------

def test_typography_becomes_gsm7():
    text = "It’s ‘fine’ – “really” — ok…\u00a0• item\u2009x\u200b"
    friendly = to_gsm_friendly(text)
    assert friendly == "It's 'fine' - \"really\" - ok... - item x"
    assert encoding(friendly) == "GSM-7"


def test_accents_and_emoji_are_kept_as_typed():
    text = "¡Hola! ¿Cómo está? Mañana a las 3 👍 Ça va, Ärger, ß"
    assert to_gsm_friendly(text) == text


def test_line_breaks_survive():
    assert to_gsm_friendly("one\ntwo\n\nthree\u2028four") == "one\ntwo\n\nthree\nfour"


def test_joiners_inside_emoji_are_kept_and_stray_ones_dropped():
    family = "\U0001F468\u200d\U0001F469\u200d\U0001F467"
    assert to_gsm_friendly(f"Hi {family}!") == f"Hi {family}!"
    assert to_gsm_friendly("ab\u200dc\u200c") == "abc"


def test_a_friendly_curly_quote_reply_is_cheaper():
    reply = "You’re right – the school has 10 days."
    assert segments(reply) == 1 and encoding(reply) == "UCS-2"
    assert encoding(to_gsm_friendly(reply)) == "GSM-7"


# --- split_words -----------------------------------------------------------------------------

def test_split_words_keeps_short_text_whole():
    assert split_words("  Hello there.  ", 20) == ["Hello there."]
    assert split_words(" \n ", 20) == []


def test_split_words_prefers_line_breaks_then_sentences_then_spaces():
    line1 = "First line is here."
    line2 = "Second line. Another sentence here!"
    text = f"{line1}\n{line2}"
    assert split_words(text, len(text)) == [text]
    assert split_words(text, len(line2)) == [line1, line2]  # not "First line is here.\nSecond line."
    assert split_words(text, 22) == [line1, "Second line.", "Another sentence here!"]
    assert split_words(text, 12) == ["First line", "is here.", "Second line.", "Another", "sentence", "here!"]


def test_split_words_does_not_cut_after_abbreviations():
    text = "Ask for e.g. an evaluation now."
    assert split_words(text, 20) == ["Ask for e.g. an", "evaluation now."]


def test_split_words_leaves_a_long_url_whole():
    url = "https://example.org/" + "a" * 60
    assert split_words(f"Read {url} today", 30) == ["Read", url, "today"]


def test_split_words_rejects_a_nonsense_limit():
    with pytest.raises(ValueError):
        split_words("text", 0)


# --- pack ------------------------------------------------------------------------------------

def test_pack_joins_short_replies_with_a_blank_line():
    assert pack(["¡Hola!", "¿Cómo está?", "Estoy aquí para ayudar."]) == [
        "¡Hola!\n\n¿Cómo está?\n\nEstoy aquí para ayudar."]


def test_pack_skips_empty_replies_and_strips():
    assert pack(["", "  Hi.  ", " \n ", "Bye.\n"]) == ["Hi.\n\nBye."]
    assert pack([]) == []
    assert pack(["   "]) == []


def test_pack_starts_a_new_body_when_the_next_reply_does_not_fit():
    first, second = "a" * 200, "b" * 150
    assert pack([first, second]) == [first, second]
    assert pack([first, "b" * 118]) == [first + "\n\n" + "b" * 118]  # exactly 320


def test_pack_keeps_line_breaks_inside_a_reply():
    reply = "Your rights:\n- an evaluation\n- a meeting"
    assert pack([reply, "Anything else?"]) == [reply + "\n\nAnything else?"]


def test_pack_cuts_a_1600_character_text_into_bodies_of_at_most_320():
    sentence = "The school has to answer your request in writing within ten school days. "
    text = (sentence * 22)[:1600]
    bodies = pack([text])
    assert len(bodies) >= 5
    assert all(len(body) <= 320 for body in bodies)
    assert " ".join(bodies).split() == text.split()
    assert all(body.endswith(".") for body in bodies[:-1])  # cut at sentence ends


def test_pack_puts_an_over_long_word_alone():
    url = "https://example.org/letters/" + "x" * 400
    assert pack(["See:", url, "Thanks."]) == ["See:", url, "Thanks."]


def test_pack_fills_the_tail_of_a_long_reply_with_the_next_one():
    long_reply = " ".join(["word"] * 70)  # 349 characters
    bodies = pack([long_reply, "Next."])
    assert len(bodies) == 2
    assert bodies[1].endswith("word\n\nNext.")


_WORDS = st.text(alphabet="abcñáé¡¿.!?,-:/😀€", min_size=1, max_size=40)
_GAPS = st.sampled_from([" ", "  ", "\n", "\n\n", " \n", "\t", "\u00a0", "\r\n"])


@st.composite
def _replies(draw: st.DrawFn) -> str:
    words = draw(st.lists(_WORDS, max_size=30))
    gaps = draw(st.lists(_GAPS, min_size=len(words) + 1, max_size=len(words) + 1))
    return "".join(gap + word for gap, word in zip(gaps, words)) + gaps[-1]


def _check_packing(texts: list[str], bodies: list[str], limit: int) -> None:
    # Every word whole and in order: a cut inside a word would show up as two words here.
    assert " ".join(bodies).split() == " ".join(texts).split()
    for body in bodies:
        assert body and body == body.strip()
        assert len(body) <= limit or len(body.split()) == 1


@settings(max_examples=300, deadline=None)
@given(st.lists(_replies(), max_size=6), st.integers(min_value=1, max_value=120))
def test_pack_never_splits_a_word(texts, limit):
    _check_packing(texts, pack(texts, limit), limit)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=200), max_size=4), st.integers(min_value=1, max_value=60))
def test_pack_never_splits_a_word_in_any_unicode(texts, limit):
    _check_packing(texts, pack(texts, limit), limit)


@settings(max_examples=200, deadline=None)
@given(_replies(), st.integers(min_value=1, max_value=120))
def test_split_words_never_splits_a_word(text, limit):
    _check_packing([text], split_words(text, limit), limit)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_to_gsm_friendly_only_touches_typography(text):
    friendly = to_gsm_friendly(text)
    # Anything already GSM-7 is left alone, and so is every letter, digit and emoji.
    if encoding(text) == "GSM-7":
        assert friendly == text
    kept = [c for c in friendly if c.isalnum() or ord(c) > 0xFFFF]
    assert kept == [c for c in text if c.isalnum() or ord(c) > 0xFFFF]


def test_a_citation_stays_with_the_sentence_it_backs():
    sentence = "Su hijo no tiene que terminar estos pasos antes de que le hagan las pruebas."
    backed = f"{sentence} (34 CFR 300.301)"
    bodies = pack([f"{backed} Este punto viene de las guías."], limit=len(backed) + 5)
    assert bodies == [backed, "Este punto viene de las guías."]  # a sentence still starts after the citation
    # Where even the sentence and its citation do not fit, the cut falls between words, never before "(".
    assert pack([backed], limit=len(sentence) - 10) == [sentence[:sentence.rindex(" las ")],
                                                       "las pruebas. (34 CFR 300.301)"]
    # A long parenthesis, or one on a line of its own, is cut as before.
    long = "(" + "muy " * 20 + "largo)"
    assert pack([f"Una frase. {long}"], limit=40)[0] == "Una frase."
    assert pack(["Una frase.\n(34 CFR 300.301)"], limit=20) == ["Una frase.", "(34 CFR 300.301)"]


def test_a_long_parenthesis_is_cut_before_it_not_inside_it():
    # A link in parentheses too long to stay with the word before it starts the next body, whole, rather than
    # leaving "(Word file:" at the end of one body and the link at the start of the next.
    link = "https://example.org/letters/" + "x" * 40 + "/letter.docx"
    text = f"Open it here: https://example.org/letters/abc/letter.pdf (Word file: {link}). The links last a month."
    bodies = pack([text], limit=120)
    assert bodies[0] == "Open it here: https://example.org/letters/abc/letter.pdf"
    assert bodies[1].startswith(f"(Word file: {link})")
    # Where the parenthesis fits with the rest, nothing changes.
    assert pack([text], limit=len(text)) == [text]
