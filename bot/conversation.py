"""What the assistant says at each kind of turn, as plain values: replies plus the memory to keep.

The Rasa actions only read the tracker, call one of these, and send the result.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Mapping, Sequence

from bot import replies
from bot.advocate import judge
from bot.knowledge import Knowledge
from bot.replies import Reply

SMALL_TALK = {"help": "help", "bot_challenge": "bot_challenge", "goodbye": "goodbye", "thanks": "thanks",
              "affirm": "affirm_open", "deny": "deny_close", "share_background": "share_background_reply"}


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


@dataclass(frozen=True)
class Conversation:
    knowledge: Knowledge

    def greet(self, state: State) -> Turn:
        k, lang = self.knowledge, state.language
        return self._turn([Reply(k.message("greeting", lang)), Reply(k.message("disclaimer", lang))],
                          replace(state, disclaimer_shown=True))

    def triage(self, found: Mapping, intent: str, state: State) -> Turn:
        """A story was told: reflect it, give the rights, say what helps next, or ask which is closer."""
        language = found.get("language") or state.language
        state = replace(state, language=language if language in ("en", "es") else "en")
        applies = [s for s in found.get("applies") or [] if s in self.knowledge.situations]
        if not applies and intent in self.knowledge.situations:
            applies = [intent]
        clarify = [s for s in found.get("clarify") or [] if s in self.knowledge.situations]
        if clarify and (len(applies) <= 1):
            return self._turn([replies.clarify(clarify, self.knowledge, state.language)], state)
        if not applies:
            return self.fallback(state)
        return self.explain(applies, found.get("text") or "", state, notes=found.get("notes") or ())

    def explain(self, situations: Sequence[str], text: str, state: State, notes: Sequence[str] = ()) -> Turn:
        k, lang = self.knowledge, state.language
        situations = [s for s in situations if s != "out_of_scope"] or list(situations)
        if situations == ["out_of_scope"]:
            return self.fallback(state, "out_of_scope")
        out: list[Reply] = [Reply(k.message(note, lang)) for note in notes if note in k.messages]
        out.append(replies.reflection(situations, k, lang))
        right_keys = replies.rights_for(situations, k)
        if right_keys:
            out.append(replies.rights(right_keys, k, lang))
        out.append(replies.next_steps(situations, judge(text, situations, k, lang), k, lang))
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
        cites = "; ".join(k.rights[r].citation for r in entry.rights)
        text = entry.text.get(lang) + (f" ({cites})" if cites else "")
        out = [Reply(text)]
        if not state.disclaimer_shown:
            out.append(Reply(k.message("disclaimer", lang)))
        out.append(Reply(k.message("anything_else", lang)))
        return self._turn(out, replace(state, disclaimer_shown=True))

    def explain_term(self, user_text: str, state: State) -> Turn:
        k, lang = self.knowledge, state.language
        asked = replies.find_terms(user_text, k)
        key = asked[0] if asked else state.last_term
        if key is None or key not in k.glossary:
            return Turn((Reply(k.message("explain_which", lang)),), state)
        term = k.glossary[key]
        text = k.message("explain_term", lang, name=term.name.get(lang), text=term.text.get(lang))
        if term.right:
            text += f" ({k.rights[term.right].citation})"
        return Turn((Reply(text),), replace(state, last_term=key))

    def small_talk(self, intent: str, state: State) -> Turn:
        return self._turn([Reply(self.knowledge.message(SMALL_TALK[intent], state.language))], state)

    def restart(self, state: State) -> Turn:
        fresh = State(language=state.language)
        greeting = self.greet(fresh)
        return Turn((Reply(self.knowledge.message("restart", state.language)),) + greeting.replies,
                    greeting.state, restart=True)

    def crisis(self, state: State, language: str) -> Turn:
        lang = language if language in ("en", "es") else state.language
        k = self.knowledge
        return self._turn([Reply(k.message("crisis", lang)), Reply(k.message("crisis_continue", lang))], state)

    def bad_input(self, problem: str, state: State, language: str = "en") -> Turn:
        lang = language if problem == "non_english" else state.language
        return self._turn([Reply(self.knowledge.message(problem, lang))], state)

    def fallback(self, state: State, message_key: str = "fallback") -> Turn:
        return self._turn([replies.topics(self.knowledge, state.language, message_key)], state)

    def _turn(self, out: Sequence[Reply], state: State) -> Turn:
        """Remembers the last glossary term the assistant used, for 'what does that mean?'."""
        mentions = replies.term_mentions(" ".join(r.text for r in out), self.knowledge)
        last = mentions[-1][1] if mentions else state.last_term
        return Turn(tuple(out), replace(state, last_term=last))

