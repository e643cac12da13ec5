"""The letter conversation as plain values: pick a letter, ask for its details, check each answer,
sum up, deliver, and ask whether it was sent. The Rasa form actions only call these.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Iterable, Mapping, Sequence

from bot.guidance.replies import Button, Reply, letters_for, letters_offered
from bot.knowledge import Knowledge
from bot.knowledge.dates import add_school_days, format_date, is_school_day
from bot.letters.bilingual import LetterSet
from bot.letters.details import details_from_story, read_answer
from bot.letters.drafting import SCHOOL_LANGUAGE, LetterRequest, letter_fields, reason_for

SMS_CHANNELS = ("twilio", "sms")
SMS_PART_CHARS = 1200  # Twilio joins up to 1,600 characters into one message; stay well under
DATE_KINDS = ("date_past", "date_future")
LANGUAGE_FIELD = "home_language"  # the parent's language, named for them when the conversation is in it


@dataclass(frozen=True)
class Links:
    docx: str
    pdf: str
    expires: date


@dataclass(frozen=True)
class Checked:
    """The outcome of one answer: a value to keep (None: ask again), what to say, and the new failure count."""

    value: str | None
    replies: tuple[Reply, ...]
    failures: int


@dataclass(frozen=True)
class LetterFlow:
    knowledge: Knowledge

    def choose(self, text: str, situations: Sequence[str] = ()) -> str | None:
        """The letter a parent names ("the 504 letter"), else the first one their situations call for."""
        lowered = f" {' '.join((text or '').lower().split())} "
        # Longest name first ("evaluación independiente" before "evaluación"); a letter `named_first` before all
        # others ("un intérprete para la reunión" asks for the interpreter, not for a meeting).
        named = sorted(((alias, letter.id, letter.named_first) for letter in self.knowledge.letters.values()
                        for alias in letter.aliases), key=lambda named: (not named[2], -len(named[0])))
        for alias, letter, _ in named:
            if re.search(rf"(?<!\w){re.escape(alias)}(?!\w)", lowered):
                return letter
        suggested = letters_for([s for s in situations if s in self.knowledge.situations], self.knowledge)
        return suggested[0] if suggested else None

    def which(self, situations: Sequence[str], language: str) -> Reply:
        k = self.knowledge
        suggested = letters_offered([s for s in situations if s in k.situations], "", language, k)
        ordered = suggested + [letter for letter in k.letters if letter not in suggested]
        return Reply(k.message("letter_which", language), tuple(self.letter_button(l, language) for l in ordered))

    def letter_button(self, letter: str, language: str) -> Button:
        return Button(self.knowledge.letters[letter].button.get(language), f'/make_letter{{"letter": "{letter}"}}')

    def start(self, letter: str, language: str) -> Reply:
        return Reply(self.knowledge.message("letter_start", language, letter=self.knowledge.letters[letter].name.get(language)))

    def prefill(self, letter: str, situations: Sequence[str], stories: Iterable[tuple[str, list]],
                known: Mapping[str, object], language: str) -> dict[str, str]:
        """Details the conversation already gave, for fields not yet filled: never asked twice."""
        found: dict[str, str] = {}
        for text, entities in stories:
            for key, value in details_from_story(text, entities, self.knowledge, language).items():
                found.setdefault(key, value)
        if letter == "meeting_request":
            reason = reason_for(situations, self.knowledge)
            if reason:
                found["meeting_reason"] = reason
        found.update(self.language_details(letter, language))
        return {key: value for key, value in found.items() if known.get(key) is None}

    def language_details(self, letter: str, language: str) -> dict[str, str]:
        """What the conversation's language tells a letter: a parent writing Spanish asks for papers in
        "español" (the languages of letter_terms.yml are keyed by their language codes)."""
        spec = self.knowledge.fields.get(LANGUAGE_FIELD)
        if language == SCHOOL_LANGUAGE or spec is None or LANGUAGE_FIELD not in self.knowledge.letters[letter].fields:
            return {}
        named = [term for group in spec.terms for term in self.knowledge.letter_terms.groups.get(group, ())
                 if term.key == language]
        return {LANGUAGE_FIELD: named[0].words.get(language)} if named else {}

    def fields(self, letter: str, details: Mapping[str, object]) -> list[str]:
        reason = details.get("meeting_reason") if letter == "meeting_request" else None
        return letter_fields(letter, str(reason) if reason else None, self.knowledge)

    def language_switched(self, language: str) -> Reply:
        """Said when the parent asks for the other language mid-letter; the open question follows, in it."""
        return Reply(self.knowledge.message("language_switched_letter", language))

    def ask(self, field: str, language: str) -> Reply:
        k = self.knowledge
        spec = k.fields[field]
        if spec.kind == "choice":
            buttons = tuple(Button(r.label.get(language), r.label.get(language)) for r in k.reasons.values())
        elif spec.kind == "yes_no":
            buttons = tuple(Button(k.message(b, language), k.message(b, language)) for b in ("button_yes", "button_no"))
        elif spec.optional:
            buttons = (Button(k.message("button_skip", language), k.message("button_skip", language)),)
        else:
            buttons = ()
        if spec.kind == "long_text" and language != SCHOOL_LANGUAGE:
            # Their own words go into the English letter as they write them: say so, and offer English instead.
            return Reply(f"{spec.ask.get(language)}\n{k.message('letter_own_words_offer', language)}", buttons)
        return Reply(spec.ask.get(language), buttons)

    def check(self, field: str, text: str, failures: int, language: str, today: date) -> Checked:
        """Reads one answer. The first miss asks again with an example; every second miss explains why
        the detail matters and offers to keep going or stop."""
        k = self.knowledge
        spec = k.fields[field]
        answer = read_answer(spec, text, k, language, today)
        if answer.value is not None:
            return Checked(answer.value, (), 0)
        failures += 1
        if failures % 2 == 1:
            lead = [Reply(k.message("letter_needed", language))] if answer.problem == "needed" else []
            return Checked(None, tuple(lead) + (Reply(spec.retry.get(language), self.ask(field, language).buttons),), failures)
        buttons = (Button(k.message("button_keep_going", language), "/continue_letter"),
                   Button(k.message("button_stop_letter", language), "/stop_letter"),
                   Button(k.message("button_talk_to_person", language), "/human_handoff"))  # never a dead end
        return Checked(None, (Reply(f"{spec.why.get(language)} {k.message('letter_keep_going_question', language)}", buttons),),
                       failures)

    def summary(self, letter: str, details: Mapping[str, object], language: str) -> Reply:
        k = self.knowledge
        lines = [k.message("summary_intro", language)]
        buttons = [Button(k.message("button_make_letter", language), "/confirm_letter")]
        for field in self.fields(letter, details):
            spec = k.fields[field]
            lines.append(k.message("summary_line", language, label=spec.label.get(language),
                                   value=self.shown(field, details.get(field), language)))
            buttons.append(Button(k.message("button_change", language, label=spec.label.get(language)),
                                  f'/change_field{{"field": "{field}"}}'))
        lines.append(k.message("summary_question", language))
        return Reply("\n".join(lines), tuple(buttons))

    def shown(self, field: str, value: object, language: str) -> str:
        """A detail as the parent reads it in the summary."""
        k = self.knowledge
        kind = k.fields[field].kind
        if value in (None, ""):
            return k.message("summary_blank", language)
        if kind in DATE_KINDS:
            return format_date(date.fromisoformat(str(value)), language)
        if kind == "choice":
            return k.reasons[str(value)].label.get(language) if value in k.reasons else str(value)
        if kind == "yes_no":
            return k.message("button_yes" if value == "yes" else "button_no", language)
        return str(value)

    def request(self, letter: str, details: Mapping[str, object], language: str, today: date,
                school_days: int) -> LetterRequest:
        """The letter to render, with the reply date: N school days out, or the day before a meeting that comes sooner."""
        fields = self.fields(letter, details)
        clean = {field: str(details.get(field) or "") for field in fields}
        respond_by = add_school_days(today, school_days)
        meeting = clean.get("meeting_date")
        if meeting:  # a letter about a meeting that is set (records, an advocate, an interpreter)
            before = date.fromisoformat(meeting) - timedelta(days=1)
            while not is_school_day(before) and before > today:  # the school day before the meeting
                before -= timedelta(days=1)
            respond_by = max(min(respond_by, before), today + timedelta(days=1))
        return LetterRequest(letter, clean, today, respond_by, language)

    def delivery(self, letters: LetterSet, links: Links, channel: str, language: str) -> list[Reply]:
        k = self.knowledge
        expires = format_date(links.expires, language)
        with_copy = "_with_copy" if letters.copy else ""
        if channel in SMS_CHANNELS:
            return [Reply(k.message(f"letter_ready_sms{with_copy}", language, pdf=links.pdf, docx=links.docx,
                                    expires=expires)),
                    Reply(k.message(f"letter_parts_offer{with_copy}", language),
                          (Button(k.message("button_send_parts", language), "/letter_in_parts"),))]
        link_lines = [k.message("letter_links", language, expires=expires),
                      k.message("letter_link_line", language, label=k.message("format_docx", language), url=links.docx),
                      k.message("letter_link_line", language, label=k.message("format_pdf", language), url=links.pdf)]
        # Each letter travels whole, as one structured message: Rasa's text replies split at blank lines. The
        # letter sent comes first; a parent's copy follows it, marked as the copy, with the same two files.
        shown = [Reply("", custom={"letter": {"type": letter.letter, "subject": letter.subject, "text": letter.text,
                                              "language": letter.language, "copy": letter.language != SCHOOL_LANGUAGE,
                                              "docx": links.docx, "pdf": links.pdf}})
                 for letter in letters.letters]
        return [Reply(k.message(f"letter_ready{with_copy}", language)), *shown, Reply("\n".join(link_lines))]

    def parts(self, letters: LetterSet, language: str) -> list[Reply]:
        """The text in SMS-sized parts, numbered through: the letter sent first, then the parent's copy."""
        chunks = [chunk for letter in letters.letters for chunk in split_text(letter.text, SMS_PART_CHARS)]
        return [Reply(self.knowledge.message("letter_part", language, number=i, total=len(chunks), text=chunk))
                for i, chunk in enumerate(chunks, start=1)]

    def after(self, letter: str, respond_by: date, language: str) -> list[Reply]:
        k = self.knowledge
        due = format_date(respond_by, language)
        buttons = (Button(k.message("button_sent", language), "/letter_sent"),
                   Button(k.message("button_not_sent", language), "/letter_not_sent"))
        return [Reply(k.message("how_to_send", language)), Reply(k.letters[letter].next.get(language).format(due=due)),
                Reply(k.message("ask_sent", language), buttons)]

    def sent(self, sent_on: date, respond_by: date, language: str) -> Reply:
        return Reply(self.knowledge.message("sent_recorded", language, date=format_date(sent_on, language),
                                            due=format_date(respond_by, language)))


def split_text(text: str, limit: int) -> list[str]:
    """Paragraph-sized pieces of at most `limit` characters; a longer paragraph is cut between words."""
    pieces: list[str] = []
    for paragraph in text.split("\n\n"):
        while len(paragraph) > limit:
            cut = paragraph.rfind(" ", 0, limit)
            cut = cut if cut > limit // 2 else limit
            pieces.append(paragraph[:cut].rstrip())
            paragraph = paragraph[cut:].lstrip()
        pieces.append(paragraph)
    chunks: list[str] = []
    for piece in pieces:
        if chunks and len(chunks[-1]) + 2 + len(piece) <= limit:
            chunks[-1] += "\n\n" + piece
        else:
            chunks.append(piece)
    return chunks
