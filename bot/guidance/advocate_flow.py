"""The advocate conversation: one short question at a time, then the verdict with its reasons,
what an advocate does and costs, how to choose one, how to bring one in, and where to look."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

from bot.guidance.advocate import AdvocateJudgement, judge
from bot.guidance.replies import Button, Reply
from bot.knowledge import Knowledge

NOTICE_LETTER = "advocate_attendance_notice"


@dataclass(frozen=True)
class AdvocateFlow:
    knowledge: Knowledge

    def judgement(self, stories: Sequence[str], situations: Sequence[str], answers: Mapping[str, bool | None],
                  language: str) -> AdvocateJudgement:
        """The rubric over everything the parent told us, with their answers (None: "not sure", still asked no more)."""
        settled = {sign: value for sign, value in answers.items() if value is not None}
        found = judge(" \n".join(stories), situations, self.knowledge, language, settled)
        return AdvocateJudgement(found.level, found.signs, found.reasons,
                                 tuple(q for q in found.open_questions if q not in answers))

    def question(self, sign_id: str, language: str, retry: bool = False, first: bool = False) -> list[Reply]:
        k = self.knowledge
        sign = k.signs[sign_id]
        if sign.answer == "count":
            buttons = (Button(k.message("button_count_low", language), "1"),
                       Button(k.message("button_count_two", language), "2"),
                       Button(k.message("button_count_more", language), "3"))
        else:
            buttons = (Button(k.message("button_yes", language), k.answer_words(language).yes[0]),
                       Button(k.message("button_no", language), k.answer_words(language).no[0]))
        buttons += (Button(k.message("button_not_sure", language), k.message("button_not_sure", language).lower()),)
        text = sign.question.get(language)
        if retry:
            text = k.message("advocate_retry_count" if sign.answer == "count" else "advocate_retry_yes_no", language)
        out = [Reply(k.message("advocate_intro", language))] if first else []
        return out + [Reply(text, buttons)]

    def no_story(self, language: str) -> list[Reply]:
        k = self.knowledge
        return [Reply(k.message("advocate_watch_for", language)), Reply(k.message("advocate_need_story", language))]

    def verdict(self, judgement: AdvocateJudgement, language: str) -> list[Reply]:
        k = self.knowledge
        guide = k.advocate_guide
        level = k.levels[judgement.level].get(language)
        out = [Reply(k.message("advocate_line", language, level=level, reasons=" ".join(judgement.reasons)).strip())]
        if judgement.level == "not_needed_yet":
            out.append(Reply(k.message("advocate_watch_for", language)))
            out.append(Reply(guide["find"].get(language)))
            return out
        out.append(Reply("\n\n".join(guide[part].get(language) for part in ("what", "liaison", "cost"))))
        out.append(Reply("\n\n".join(guide[part].get(language) for part in ("choose", "find"))))
        out.append(Reply(guide["bring_in"].get(language),
                         (Button(k.message("button_advocate_notice", language),
                                 f'/make_letter{{"letter": "{NOTICE_LETTER}"}}'),)))
        return out
