"""What an SMS turn means and how the replies are written as texts. Plain Python: the SMS channel
(bot/channels/sms.py) does the I/O; everything it decides is decided here, where tests can reach it.

Carrier keywords are whole messages: "stop", " Stop. " and "STOP" stop; "please stop texting me
about the bus" is an ordinary message for the assistant.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping, Sequence

from bot.channels.sms_text import UCS2_MULTI, encoding, pack, segments, to_gsm_friendly
from bot.knowledge import Knowledge

STOP_WORDS = frozenset({"stop", "stopall", "unsubscribe", "cancel", "end", "quit"})
START_WORDS = frozenset({"start", "unstop"})
RESUME_WHEN_STOPPED = frozenset({"yes"})  # a carrier opt-in word, only read so while opted out
HELP_WORDS = frozenset({"help", "info"})
# Twilio's own keywords are English only: these Spanish ones we answer ourselves, and in Spanish.
SPANISH_STOP_WORDS = frozenset({"parar", "alto", "cancelar", "basta", "detener"})
SPANISH_HELP_WORDS = frozenset({"ayuda"})
# The first text offers Spanish as choice 2 (after English) when the reply itself offers at most one choice.
SWITCH = '/switch_language{{"language":"{}"}}'
MAX_BODY_CHARS = 320  # per SMS body: two or three segments, read comfortably on any phone
MAX_BODY_SEGMENTS = segments("x" * MAX_BODY_CHARS)  # 3: what a body may cost, in any encoding
# Spanish with á, í, ó or ú is sent as UCS-2, 67 characters a segment: the same three segments hold 201.
UCS2_BODY_CHARS = MAX_BODY_SEGMENTS * UCS2_MULTI
_CHOICE = re.compile(r"^\s*#?(\d{1,2})\s*[.)]?\s*$")


@dataclass(frozen=True)
class Inbound:
    """One webhook, as the parent sent it."""

    body: str
    media_count: int = 0


@dataclass(frozen=True)
class Decision:
    kind: str  # "stop", "start", "help", "no_text", "ignore" (opted out) or "assistant"
    text: str = ""  # for "assistant": what the assistant reads (a choice's payload, or the parent's words)
    title: str = ""  # for a numbered choice: the button title, kept for the transcript
    language: str | None = None  # a keyword's own language (PARAR, AYUDA: Spanish), None when it has none


@dataclass(frozen=True)
class Outbound:
    bodies: list[str]
    choices: list[tuple[str, str]] = field(default_factory=list)  # what "1", "2", ... mean next time


def keyword(body: str) -> str | None:
    word = re.sub(r"[\s.!¡?¿,;:]+", " ", body.strip().lower()).strip()
    if word in STOP_WORDS or word in SPANISH_STOP_WORDS:
        return "stop"
    if word in START_WORDS:
        return "start"
    if word in HELP_WORDS or word in SPANISH_HELP_WORDS:
        return "help"
    if word in RESUME_WHEN_STOPPED:
        return "yes"
    return None


def keyword_language(body: str) -> str | None:
    """"es" for a Spanish keyword (PARAR, AYUDA), "en" for an English one, None for anything else."""
    word = re.sub(r"[\s.!¡?¿,;:]+", " ", body.strip().lower()).strip()
    if word in SPANISH_STOP_WORDS or word in SPANISH_HELP_WORDS:
        return "es"
    return "en" if word in STOP_WORDS | HELP_WORDS | START_WORDS else None


def decide(inbound: Inbound, opted_out: bool, choices: Sequence[tuple[str, str]]) -> Decision:
    word, said_in = keyword(inbound.body), keyword_language(inbound.body)
    if word == "stop":
        return Decision("stop", language=said_in)
    if word == "start" or (word == "yes" and opted_out):
        return Decision("start", language=said_in)
    if word == "help":
        return Decision("help", language=said_in)
    if opted_out:  # after STOP we send nothing and store nothing until START
        return Decision("ignore")
    if not inbound.body.strip():
        return Decision("no_text")  # an MMS with only a picture, or an empty text
    picked = _CHOICE.match(inbound.body)
    if picked and 1 <= int(picked.group(1)) <= len(choices):
        title, payload = choices[int(picked.group(1)) - 1]
        return Decision("assistant", payload, title)
    return Decision("assistant", inbound.body.strip())


def write(replies: Sequence[Mapping], knowledge: Knowledge, language: str, intro: bool = False) -> Outbound:
    """The assistant's replies for one turn as SMS bodies. Quick replies become numbered choices, one a line
    under "Reply with a number:"; a letter shown in full on the web arrives by SMS as its link (the letter flow
    sends that) and is skipped here.
    The first text (`intro`) says who we are, how to stop, and how to have it all in the other language."""
    texts = [knowledge.message("sms_intro", language)] if intro else []
    choices: list[tuple[str, str]] = []
    for reply in replies:
        text = (reply.get("text") or "").strip()
        buttons = [(str(b.get("title", "")), str(b.get("payload", ""))) for b in reply.get("buttons") or ()
                   if b.get("payload")]
        if buttons:
            choices = buttons  # only the latest choices can be answered with a number
            # The choices are a text of their own, one a line: a long reply is cut before "Reply with a number:",
            # never between it and the first choice, and a long list between choices, never inside one.
            offered = [knowledge.message("sms_choice", language, number=i, title=title)
                       for i, (title, _) in enumerate(buttons, start=1)]
            if text:
                texts.append(text)
            text = "\n".join((knowledge.message("sms_choices", language), *offered))
        if text:
            texts.append(text)
    if intro:
        choices = _offer_other_language(texts, choices, knowledge, language)
    return Outbound(bodies(texts), choices)


def _offer_other_language(texts: list[str], choices: list[tuple[str, str]], knowledge: Knowledge,
                          language: str) -> list[tuple[str, str]]:
    """"Responda 2 para español" on the first text (or "Reply 2 for English" to a parent who wrote in Spanish):
    choice 2 when the reply offers at most one choice of its own; with more, the word ("ESPAÑOL", "ENGLISH")."""
    other = "en" if language == "es" else "es"
    if len(choices) <= 1:
        own = choices or [(knowledge.message(f"button_{_NAMES[language]}", language), SWITCH.format(language))]
        texts.append(knowledge.message("sms_offer_other_language", language))
        return [own[0], (knowledge.message(f"button_{_NAMES[other]}", other), SWITCH.format(other))]
    texts.append(knowledge.message("sms_offer_other_language_word", language))
    return choices


_NAMES = {"en": "english", "es": "spanish"}


def notice(message_key: str, knowledge: Knowledge, language: str, contact: str = "") -> Outbound:
    """A reply the channel gives itself (STOP, START, HELP, a picture with no words)."""
    texts = [knowledge.message(message_key, language)]
    if message_key == "sms_help" and contact:
        texts.append(knowledge.message("sms_help_contact", language, contact=contact))
    return Outbound(bodies([" ".join(texts)]))


def bodies(texts: Sequence[str]) -> list[str]:
    """One turn's texts packed into SMS bodies of at most three segments each, whatever the encoding."""
    friendly = [to_gsm_friendly(t) for t in texts]
    gsm = encoding("".join(friendly)) == "GSM-7"
    return pack(friendly, MAX_BODY_CHARS if gsm else UCS2_BODY_CHARS)
