"""A scenario's annotated walkthrough: the assistant's own replies, each with why it was given."""
from __future__ import annotations

import yaml

from bot.guidance.conversation import Conversation, State
from bot.training.scenarios import parse_scenario
from bot.training.walkthrough import to_html, to_markdown, walk

CASE = {
    "id": "suspended_again", "title": "Suspended <again>", "difficulty": "hard",
    "tags": {"topics": ["discipline"], "language": "en", "risk": "high"},
    "persona": {"who": "A mother of a 5th grader with ADHD", "voice": "upset"},
    "opening": ("My son is 10 and has ADHD and an IEP. He has been suspended four times since October, "
                "twelve days in all, and now the school says he may be moved to another program."),
    "facts": [{"ask": ["days", "how", "many"], "answer": "Twelve days in all."}],
    "key": {"situations": ["behavior_discipline", "placement_change"],
            "rights": ["discipline_10_days", "manifestation_determination"], "letter": "meeting_request",
            "advocate": {"level": "recommended", "signs": ["repeated_suspensions"]},
            "why": "More than ten days out of school brings in protections."},
    "mistakes": ["Focusing on the behavior alone."],
}


def test_the_walkthrough_is_the_conversation_with_its_reasons(nlu, knowledge):
    scenario = parse_scenario(yaml.safe_load(yaml.safe_dump(CASE)), "suspended_again.yml", knowledge)
    parse = nlu.parse(scenario.opening)
    walkthrough = walk(scenario, parse, knowledge)
    said = Conversation(knowledge).triage(parse["triage"], parse["intent"]["name"], State())
    assert [s.text for s in walkthrough.steps[1:]] == [r.text for r in said.replies]  # exactly what a parent reads
    why = "\n".join(line for step in walkthrough.steps for line in step.why)
    right = knowledge.rights["discipline_10_days"]
    assert f"{right.name.get()}: {right.citation}." in why
    assert "What it found: " in why and "How sure: 0." in why
    assert "repeated_suspensions" in why and knowledge.levels["recommended"].get() in why
    markdown = to_markdown(walkthrough, knowledge)
    assert markdown.startswith("# Suspended <again>") and "> What it found:" in markdown
    assert "More than ten days out of school" in markdown and "• Focusing on the behavior alone." in markdown
    html = to_html(walkthrough, knowledge)
    assert "Suspended &lt;again&gt;" in html and "<again>" not in html
    assert right.citation in html and 'lang="en"' in html
