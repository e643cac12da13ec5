"""What the assistant says about the case it remembers: a returning parent's recall, reminders,
the school's answer, meeting tips, stopping reminders and deleting everything."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.cases.deadlines import describe
from bot.cases.store import Started
from bot.guidance.replies import Button, Reply, rights
from bot.knowledge import Knowledge
from bot.knowledge.dates import format_date
from bot.letters.store import StoredLetter

FOLLOW_UP_LETTER = "follow_up"


@dataclass(frozen=True)
class CaseFlow:
    knowledge: Knowledge

    def _answer_buttons(self, language: str) -> tuple[Button, ...]:
        k = self.knowledge
        return (Button(k.message("button_school_answered", language), "/school_answered"),
                Button(k.message("button_school_no_answer", language), "/school_no_answer"),
                Button(k.message("button_meeting_set", language), "/meeting_scheduled"))

    def recall(self, letter: StoredLetter, language: str) -> Reply:
        """One or two lines for a returning parent, about the request still open."""
        k = self.knowledge
        text = k.message("recall_letter", language, letter=k.letters[letter.letter].name.get(language),
                         sent=format_date(letter.sent_on or letter.letter_date, language))
        return Reply(text, self._answer_buttons(language))

    def follow_up_reminder(self, letter: StoredLetter, language: str) -> list[Reply]:
        k = self.knowledge
        text = k.message("reminder_follow_up", language, letter=k.letters[letter.letter].name.get(language),
                         sent=format_date(letter.sent_on or letter.letter_date, language))
        return [Reply(text, self._answer_buttons(language)), Reply(k.message("reminder_stop_note", language))]

    def deadline_reminder(self, described: str, language: str) -> list[Reply]:
        k = self.knowledge
        return [Reply(k.message("reminder_deadline", language, deadline=described), self._answer_buttons(language)),
                Reply(k.message("reminder_stop_note", language))]

    def answered(self, language: str) -> Reply:
        return Reply(self.knowledge.message("school_answered_reply", language),
                     (Button(self.knowledge.message("button_meeting_set", language), "/meeting_scheduled"),))

    def no_answer(self, language: str) -> Reply:
        k = self.knowledge
        return Reply(k.message("school_no_answer_reply", language),
                     (Button(k.message("button_draft_follow_up", language),
                             f'/make_letter{{"letter": "{FOLLOW_UP_LETTER}"}}'),))

    def meeting_prep(self, language: str) -> list[Reply]:
        k = self.knowledge
        offer = [letter for letter in ("records_request", "advocate_attendance_notice") if letter in k.letters]
        # A meeting is coming: a parent who writes in an offer's language (Spanish) can ask for an interpreter,
        # and hears the right the letter rests on.
        ours = [o for o in k.language_offers.values() if language in o.languages]
        offer += [o.letter for o in ours]
        buttons = tuple(Button(k.letters[letter].button.get(language), f'/make_letter{{"letter": "{letter}"}}')
                        for letter in offer)
        keys = [o.right for o in ours if o.right]
        return ([rights(keys, k, language)] if keys else []) + [Reply(k.message("meeting_prep", language), buttons)]

    def after_sent(self, started: "Started | None", today: date, language: str) -> list[Reply]:
        """After "I sent it": the legal clocks it started, then the check-in (or how to come back)."""


        out = [Reply(describe(d, today, language)) for d in (started.deadlines if started else ()) if d.legal]
        if started and started.follow_up is not None:
            on = started.follow_up.due_at.date()
            out.append(Reply(self.knowledge.message("follow_up_reminder_set", language, date=format_date(on, language))))
        else:
            out.append(Reply(self.knowledge.message("sent_no_reminder", language)))
        return out

    def remind_set(self, on: date, letter: StoredLetter, language: str) -> Reply:
        k = self.knowledge
        return Reply(k.message("remind_set", language, date=format_date(on, language),
                               letter=k.letters[letter.letter].name.get(language)))

    def delete_confirm(self, language: str) -> Reply:
        k = self.knowledge
        return Reply(k.message("delete_confirm", language),
                     (Button(k.message("button_delete_yes", language), "/confirm_delete"),
                      Button(k.message("button_delete_no", language), "/deny")))

    def say(self, key: str, language: str, **values: object) -> Reply:
        return Reply(self.knowledge.message(key, language, **values))
