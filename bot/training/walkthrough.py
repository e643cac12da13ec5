"""An annotated walkthrough of a scenario: the assistant's own conversation for its opening, each reply
with why it was given (the situation and its confidence, each right with its citation, the rubric
signs), then the key a volunteer should see. Exported as Markdown or HTML.

The replies come from bot/guidance/conversation.py, the same code the Rasa actions call, fed by the trained
model's parse: a walkthrough says exactly what a parent would be told, in the parent's language (Spanish for a
Spanish or Spanglish scenario), while the annotations and the key are in the volunteer's.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Protocol

from jinja2 import Environment, FileSystemLoader, select_autoescape

from bot.guidance.advocate import judge
from bot.guidance.conversation import Conversation, State
from bot.guidance.replies import MAX_LETTERS, letters_offered, rights_offered
from bot.guidance.report import report
from bot.knowledge import Knowledge
from bot.letters.drafting import TEMPLATES
from bot.training.scenarios import Scenario


class Parser(Protocol):
    """The trained model's NLU, as the process that shows a walkthrough loads it (bot.serving.rasa_model):
    training never imports Rasa itself."""

    def parse(self, text: str) -> dict[str, Any]: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Step:
    speaker: str  # "parent" or "assistant"
    text: str
    buttons: tuple[str, ...] = ()
    why: tuple[str, ...] = field(default=())  # the annotations: why this reply was given, in the volunteer's language
    language: str = "en"  # the language of `text` and `buttons`: the parent's (Spanish for Spanglish too)


@dataclass(frozen=True)
class Walkthrough:
    scenario: Scenario
    steps: tuple[Step, ...]
    key_lines: tuple[str, ...]  # the key, in words: situations, rights, letter, advocate, why, mistakes


def walk(scenario: Scenario, parse: Mapping[str, Any], knowledge: Knowledge, language: str = "en") -> Walkthrough:
    """`language` is the volunteer's: the annotations and the key. The assistant answers in the parent's language,
    as it would in a conversation that started in it (a Spanish-speaking parent's: Spanish)."""
    k = knowledge
    confidence = {s["id"]: s["confidence"] for s in report(scenario.id, parse, k)["situations"]}
    text = (parse.get("triage") or {}).get("text") or scenario.opening
    intent = (parse.get("intent") or {}).get("name") or ""
    turn = Conversation(k).triage(parse.get("triage") or {}, intent,  # as the action does
                                  State(language=scenario.parent_language))
    spoken = turn.state.language  # the replies' language: the parent's, unless this message clearly is the other
    applies = list(turn.state.situations)
    advocate = judge(text, applies, k, language)
    say = lambda message, **values: k.message(message, language, **values)  # noqa: E731 - local shorthand

    offered = letters_offered(applies, text, spoken, k)
    why_situations = tuple(say("walk_situation", situation=k.situations[s].title.get(language),
                               confidence=f"{confidence.get(s, 0.0):.2f}") for s in applies)
    why_rights = tuple(say("walk_right", right=k.rights[r].name.get(language), citation=k.rights[r].citation)
                       for r in rights_offered(applies, offered, k))
    letters = [k.letters[x].name.get(language) for x in offered[:MAX_LETTERS]]
    signs = ", ".join(advocate.signs) or say("walk_no_signs")
    why_next = (say("walk_letters", letters=", ".join(letters)) if letters else "",
                say("walk_advocate", level=k.levels[advocate.level].get(language), signs=signs))

    steps = [Step("parent", scenario.opening, language=scenario.parent_language)]
    for reply in turn.replies:
        if reply.text.startswith(k.message("rights_intro", spoken)):
            why = why_rights
        elif reply.text.startswith(k.message("next_step_intro", spoken)):
            why = tuple(line for line in why_next if line)
        elif not any(step.speaker == "assistant" and step.why for step in steps) and applies:
            why = why_situations  # the first reply reflects the situations found
        else:
            why = ()
        steps.append(Step("assistant", reply.text, tuple(b.title for b in reply.buttons), why, spoken))
    return Walkthrough(scenario, tuple(steps), _key_lines(scenario, k, language))


def _key_lines(scenario: Scenario, k: Knowledge, language: str) -> tuple[str, ...]:
    key = scenario.key
    lines = [k.situations[s].title.get(language) for s in key.situations]
    lines += [f"{k.rights[r].name.get(language)} ({k.rights[r].citation})" for r in key.rights]
    if key.letter:
        lines.append(k.letters[key.letter].name.get(language))
    lines.append(k.levels[key.advocate_level].get(language))
    lines.append(key.why)
    lines.append(k.message("practice_mistakes", language))
    lines += [f"• {m}" for m in scenario.mistakes]
    return tuple(lines)


def to_markdown(walkthrough: Walkthrough, knowledge: Knowledge, language: str = "en") -> str:
    s = walkthrough.scenario
    out = [f"# {s.title}", "", f"*{s.who}* · {s.difficulty} · {', '.join(s.tags)}", ""]
    for step in walkthrough.steps:
        speaker = knowledge.message("walk_parent" if step.speaker == "parent" else "web_assistant", language)
        out.append(f"**{speaker.rstrip(':')}:** " + step.text.replace("\n", "  \n"))
        if step.buttons:
            out.append("")
            out.append(" · ".join(f"[{b}]" for b in step.buttons))
        for why in step.why:
            out.append(f"> {why}")
        out.append("")
    out.append(f"## {knowledge.message('walk_key', language).rstrip(':')}")
    out.append("")
    out += [line if line.startswith("•") else f"- {line}" for line in walkthrough.key_lines]
    return "\n".join(out) + "\n"


def to_html(walkthrough: Walkthrough, knowledge: Knowledge, language: str = "en") -> str:
    pages = Environment(loader=FileSystemLoader(str(TEMPLATES / "pages")), autoescape=select_autoescape(["j2"]))
    return pages.get_template("walkthrough.html.j2").render(
        walk=walkthrough, language=language, you=knowledge.message("walk_parent", language).rstrip(":"),
        assistant=knowledge.message("web_assistant", language).rstrip(":"),
        key_heading=knowledge.message("walk_key", language).rstrip(":"))
