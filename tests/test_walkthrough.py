"""A scenario's annotated walkthrough: the assistant's own replies, each with why it was given."""
from __future__ import annotations

import pytest
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


SPANISH_CASE = {
    "id": "reportes_iguales", "title": "Same number on two reports", "difficulty": "easy",
    "tags": {"topics": ["reading"], "language": "es", "risk": "low"},
    "persona": {"who": "A mother of a 4th grader with dyslexia", "voice": "texting"},
    "opening": "mi hijo tiene IEP y en los dos reportes de progreso sale lo mismo, no avanza en lectura",
    "facts": [{"ask": ["grado", "grade"], "answer": "Cuarto grado."}],
    "key": {"situations": ["stalled_progress"], "rights": ["iep_review_revision"], "letter": "meeting_request",
            "advocate": {"level": "recommended", "signs": ["flat_progress"]},
            "why": "Two flat reports in a row."},
    "mistakes": ["Telling her to wait for the annual review."],
}


def _parse(text: str, language: str | None) -> dict:
    """A parse as the trained model gives it, for one situation: a walkthrough needs no model to be checked."""
    triage = {"text": text, "situations": [{"id": "stalled_progress", "confidence": 0.9}],
              "applies": ["stalled_progress"], **({"language": language} if language else {})}
    return {"text": text, "intent": {"name": "stalled_progress", "confidence": 0.9}, "triage": triage}


@pytest.mark.parametrize("language,heard,spoken", [
    ("es", "es", "es"),
    ("es-en", None, "es"),  # Spanglish the message alone cannot place: the parent's Spanish holds
    ("en", None, "en"),
])
def test_the_assistant_speaks_the_parents_language_and_the_notes_the_volunteers(knowledge, language, heard, spoken):
    data = yaml.safe_load(yaml.safe_dump(SPANISH_CASE))
    data["tags"]["language"] = language
    scenario = parse_scenario(data, "reportes_iguales.yml", knowledge)
    parse = _parse(scenario.opening, heard)
    walkthrough = walk(scenario, parse, knowledge)  # an English-speaking volunteer's walkthrough
    said = Conversation(knowledge).triage(parse["triage"], "stalled_progress", State(language=spoken))
    assert [s.text for s in walkthrough.steps[1:]] == [r.text for r in said.replies]
    assert walkthrough.steps[1].text == knowledge.situations["stalled_progress"].reflection.get(spoken)
    assert all(step.language == spoken for step in walkthrough.steps)
    rights_step = next(s for s in walkthrough.steps if s.text.startswith(knowledge.message("rights_intro", spoken)))
    right = knowledge.rights["iep_review_revision"]
    # The notes are in the volunteer's English, whatever language the parent reads.
    assert f"{right.name.get('en')}: {right.citation}." in "\n".join(rights_step.why)
    assert any(step.why and "flat_progress" in " ".join(step.why) for step in walkthrough.steps)
    assert knowledge.situations["stalled_progress"].title.get("en") in walkthrough.key_lines
    assert knowledge.levels["recommended"].get("en") in walkthrough.key_lines
