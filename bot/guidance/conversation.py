"""What the assistant says at each kind of turn, as plain values: replies plus the memory to keep.

The Rasa actions only read the tracker, call one of these, and send the result.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Mapping, Sequence

from bot.guidance import replies
from bot.guidance.advocate import judge
from bot.guidance.handoff import MISSES_FOR_REFERRAL, Helpline, referral_lines
from bot.guidance.replies import Button, Reply
from bot.knowledge import Knowledge
from bot.understanding.language import LANGUAGES

SMALL_TALK = {"help": "help", "bot_challenge": "bot_challenge", "goodbye": "goodbye", "thanks": "thanks",
              "affirm": "affirm_open", "deny": "deny_close", "share_background": "share_background_reply"}
# What picks a paused question flow back up after a crisis reply or a referral (letter forms: see _resume).
RESUME = {"advocate_form": "/advocate_check", "deadline_form": "/ask_deadline"}
CARRY_ON = "/carry_on"
TALK_TO_PERSON = "/human_handoff"


@dataclass(frozen=True)
class State:
    """What the conversation remembers between turns (Rasa slots)."""

    language: str = "en"
    disclaimer_shown: bool = False
    last_term: str | None = None
    situations: tuple[str, ...] = ()


@dataclass(frozen=True)
class Turn:
    replies: tuple[Reply, ...]
    state: State
    restart: bool = False
    misses: int = 0  # turns in a row, this one included, the assistant did not understand (0: understood)


@dataclass(frozen=True)
class Conversation:
    knowledge: Knowledge
    helpline: Helpline = field(default_factory=Helpline)

    def greet(self, state: State) -> Turn:
        k, lang = self.knowledge, state.language
        return self._turn([Reply(k.message("greeting", lang)), Reply(k.message("disclaimer", lang))],
                          replace(state, disclaimer_shown=True))

    def triage(self, found: Mapping, intent: str, state: State, misses: int = 1) -> Turn:
        """A story was told: reflect it, give the rights, say what helps next, or ask which is closer.
        `misses`: what this turn counts as in a row of misunderstood turns, if it turns out to be one."""
        language = found.get("language")  # clear evidence in this message; a third language leaves ours as it is
        state = replace(state, language=language if language in LANGUAGES else state.language)
        applies = [s for s in found.get("applies") or [] if s in self.knowledge.situations]
        if not applies and intent in self.knowledge.situations:
            applies = [intent]
        clarify = [s for s in found.get("clarify") or [] if s in self.knowledge.situations]
        if clarify and (len(applies) <= 1):
            return self._turn([replies.clarify(clarify, self.knowledge, state.language)], state)
        if not applies:
            return self.fallback(state, misses=misses)
        return self.explain(applies, found.get("text") or "", state, notes=found.get("notes") or (), misses=misses,
                            question=found.get("question_key"))

    def explain(self, situations: Sequence[str], text: str, state: State, notes: Sequence[str] = (),
                misses: int = 1, question: str | None = None) -> Turn:
        k, lang = self.knowledge, state.language
        situations = [s for s in situations if s != "out_of_scope"] or list(situations)
        if situations == ["out_of_scope"]:
            return self.fallback(state, "out_of_scope", misses)
        out: list[Reply] = [Reply(k.message(note, lang)) for note in notes if note in k.messages]
        out.append(replies.reflection(situations, k, lang, text))
        if question in k.faq:  # the story ended in a question we can answer: answer it, then the rest
            out.append(Reply(k.message("question_answer", lang, answer=self._faq_text(question, lang))))
        offered = replies.letters_offered(situations, text, lang, k)  # read from the story once, used twice
        right_keys = replies.rights_offered(situations, offered, k)
        if right_keys:
            out.append(replies.rights(right_keys, k, lang))
        out.append(replies.next_steps(situations, judge(text, situations, k, lang), k, lang, offered))
        if not state.disclaimer_shown:
            out.append(Reply(k.message("disclaimer", lang)))
        out.append(Reply(k.message("anything_else", lang)))
        return self._turn(out, replace(state, disclaimer_shown=True, situations=tuple(situations)))

    def choose(self, situation: str, story: str, state: State) -> Turn:
        if situation not in self.knowledge.situations:
            return self._turn([Reply(self.knowledge.message("ask_more", state.language))], state)
        return self.explain([situation], story, state)

    def faq(self, key: str | None, state: State) -> Turn:
        k, lang = self.knowledge, state.language
        entry = k.faq.get(key or "")
        if entry is None:
            return self._turn([Reply(k.message("faq_unknown", lang))], state)
        out = [Reply(self._faq_text(key, lang))]
        if not state.disclaimer_shown:
            out.append(Reply(k.message("disclaimer", lang)))
        out.append(Reply(k.message("anything_else", lang)))
        return self._turn(out, replace(state, disclaimer_shown=True))

    def _faq_text(self, key: str, language: str) -> str:
        """A FAQ answer with its rights' citations, and the guidance note where one is guidance."""
        k = self.knowledge
        entry = k.faq[key]
        cites = "; ".join(k.rights[r].citation for r in entry.rights)
        return entry.text.get(language) + (f" ({cites})" if cites else "") + replies.guidance_note(entry.rights, k, language)

    def explain_term(self, user_text: str, state: State) -> Turn:
        k, lang = self.knowledge, state.language
        asked = replies.find_terms(user_text, k)
        key = asked[0] if asked else state.last_term
        if key is None or key not in k.glossary:
            return Turn((Reply(k.message("explain_which", lang)),), state)
        term = k.glossary[key]
        text = k.message("explain_term", lang, name=term.name.get(lang), text=term.text.get(lang))
        if term.right:
            text += f" ({k.rights[term.right].citation})" + replies.guidance_note([term.right], k, lang)
        return Turn((Reply(text),), replace(state, last_term=key))

    def small_talk(self, intent: str, state: State) -> Turn:
        k, lang = self.knowledge, state.language
        # "Are you a bot?" is often the step before "can I talk to someone": offer it.
        buttons = (Button(k.message("button_talk_to_person", lang), TALK_TO_PERSON),) if intent == "bot_challenge" else ()
        return self._turn([Reply(k.message(SMALL_TALK[intent], lang), buttons)], state)

    def restart(self, state: State) -> Turn:
        fresh = State(language=state.language)
        greeting = self.greet(fresh)
        return Turn((Reply(self.knowledge.message("restart", state.language)),) + greeting.replies,
                    greeting.state, restart=True)

    def crisis(self, state: State, language: str, interrupted: str | None = None) -> Turn:
        """Crisis information first, then an offer to carry on (or to pick up the paused questions) or to
        talk to a person. `interrupted`: the form that was asking questions, if any."""
        lang = _spoken(language, state)
        k = self.knowledge
        carry_on = Reply(k.message("crisis_continue", lang), (self._resume(interrupted, lang), self._person(lang)))
        return self._turn([Reply(k.message("crisis", lang)), carry_on], state)

    def carry_on(self, found: Mapping | None, state: State) -> Turn:
        """After the crisis reply: answer the school story that came with the danger, or ask for it."""
        if found and found.get("applies"):
            return self.triage(found, "", state)
        return self._turn([Reply(self.knowledge.message("ask_more", state.language))], state)

    def handoff(self, state: State, language: str = "en", state_code: str | None = None,
                interrupted: str | None = None) -> Turn:
        """Talk to a person: the organisation's helpline if configured, always the state's parent center."""
        lang = _spoken(language, state)
        k = self.knowledge
        lines = [k.message("handoff_intro", lang)] + referral_lines(k, self.helpline, state_code, lang)
        return self._turn([Reply("\n".join(lines)),
                           Reply(k.message("handoff_continue", lang), (self._resume(interrupted, lang),))], state)

    def switch_language(self, state: State, language: str) -> Turn:
        """The parent asked for English or Spanish: say so in it, and carry on from where we were."""
        state = replace(state, language=language if language in LANGUAGES else state.language)
        follow = "anything_else" if state.situations else "language_switched_start"
        return self._turn([Reply(self.knowledge.message("language_switched", state.language)),
                           Reply(self.knowledge.message(follow, state.language))], state)

    def bad_input(self, problem: str, state: State, language: str = "en", misses: int = 1,
                  choices_shown: bool = False) -> Turn:
        """An honest word for a message with nothing to triage. `choices_shown`: our last reply offered choices,
        so a bare number was meant for them (the SMS channel maps one in range before we see it)."""
        if problem == "number_only" and choices_shown:
            problem = "number_with_menu"
        if problem == "non_english":  # a third language: say kindly, in both of ours, where help is; nothing is lost
            k = self.knowledge
            both = [Reply("\n".join([k.message(problem, lang)] + referral_lines(k, self.helpline, None, lang)))
                    for lang in LANGUAGES]
            return self._missed(both, state, misses, state.language)
        return self._turn([Reply(self.knowledge.message(problem, state.language))], state)

    def fallback(self, state: State, message_key: str = "fallback", misses: int = 1) -> Turn:
        return self._missed([replies.topics(self.knowledge, state.language, message_key)], state, misses, state.language)

    def _missed(self, out: Sequence[Reply], state: State, misses: int, language: str) -> Turn:
        """A turn the assistant did not understand. The second in a row (and every second after) brings
        the referral to a person; from then on every such reply offers one: never a dead end."""
        k = self.knowledge
        out = list(out)
        if misses >= MISSES_FOR_REFERRAL and misses % MISSES_FOR_REFERRAL == 0:
            lines = [k.message("handoff_after_misses", language)] + referral_lines(k, self.helpline, None, language)
            out.insert(0, Reply("\n".join(lines)))
        elif misses > MISSES_FOR_REFERRAL:
            last = out[-1]
            out[-1] = replace(last, buttons=last.buttons + (self._person(language),))
        return replace(self._turn(out, state), misses=max(misses, 1))

    def _resume(self, interrupted: str | None, language: str) -> Button:
        """The quick reply that carries on: back to the paused letter or questions, else to the parent's story."""
        k = self.knowledge
        letter = (interrupted or "").removesuffix("_form")
        if letter in k.letters:
            payload = "/continue_letter"  # the letter form picks up at its first unanswered question
        else:
            payload = RESUME.get(interrupted or "", CARRY_ON)
        return Button(k.message("button_carry_on", language), payload)

    def _person(self, language: str) -> Button:
        return Button(self.knowledge.message("button_talk_to_person", language), TALK_TO_PERSON)

    def _turn(self, out: Sequence[Reply], state: State) -> Turn:
        """Remembers the last glossary term the assistant used, for 'what does that mean?'."""
        mentions = replies.term_mentions(" ".join(r.text for r in out), self.knowledge)
        last = mentions[-1][1] if mentions else state.last_term
        return Turn(tuple(out), replace(state, last_term=last))


def _spoken(language: str | None, state: State) -> str:
    """The language of a reply that must be understood now (danger, a person): the message's own, if we have it."""
    return language if language in LANGUAGES else state.language
