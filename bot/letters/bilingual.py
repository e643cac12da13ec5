"""A letter as the parent receives it: the English letter the school gets and, for a parent who speaks
Spanish, the Spanish copy they read, both drafted from the same request (details, dates, citations).

One text carries both, English first, then a form feed (the plain-text page break) on a line of its own, then
the copy. A parent's answers never hold a form feed (`clean_value` removes control characters) and no template
writes one, so the text always splits back into the same two letters: the stored audit copy, the download
links and the text sent in parts all come from it.
"""
from __future__ import annotations

from dataclasses import dataclass

from bot.letters.drafting import SCHOOL_LANGUAGE, LetterRequest, LetterWriter, RenderedLetter

PAGE_BREAK = "\f"
_BETWEEN = f"\n{PAGE_BREAK}\n"


@dataclass(frozen=True)
class LetterSet:
    school: RenderedLetter  # in English: the letter that is sent
    copy: RenderedLetter | None = None  # the parent's translation, when they speak another language

    @property
    def letter(self) -> str:
        return self.school.letter

    @property
    def language(self) -> str:
        """The parent's language: the copy's, or English when there is no copy."""
        return self.copy.language if self.copy else self.school.language

    @property
    def subject(self) -> str:
        return self.school.subject

    @property
    def letters(self) -> tuple[RenderedLetter, ...]:
        """In the order they are read: the letter sent first, the copy after it."""
        return (self.school, self.copy) if self.copy else (self.school,)

    @property
    def text(self) -> str:
        return _BETWEEN.join(letter.text for letter in self.letters)

    @classmethod
    def from_text(cls, letter: str, language: str, text: str) -> "LetterSet":
        """The set back from its text; `language` is the parent's language the set was made in."""
        school, between, copy = text.partition(_BETWEEN)
        if not between:  # an English letter, or one made before copies existed (it was English too)
            return cls(RenderedLetter.from_text(letter, SCHOOL_LANGUAGE, school))
        return cls(RenderedLetter.from_text(letter, SCHOOL_LANGUAGE, school),
                   RenderedLetter.from_text(letter, language, copy))


def draft(writer: LetterWriter, request: LetterRequest) -> LetterSet:
    """The English letter, and the copy in the parent's language when it is not English."""
    school = writer.render(request, SCHOOL_LANGUAGE)
    if request.language == SCHOOL_LANGUAGE:
        return LetterSet(school)
    return LetterSet(school, writer.render(request))
