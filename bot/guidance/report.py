"""The triage interface of shared/README.md: one JSON object per message, from a Rasa parse."""
from __future__ import annotations

from typing import Any, Mapping

from bot.guidance.advocate import judge
from bot.guidance.replies import letters_offered, rights_offered
from bot.knowledge import Knowledge

TOP = 5  # the contract asks for at least the top three


def report(message_id: Any, parse: Mapping[str, Any], knowledge: Knowledge) -> dict[str, Any]:
    found = parse.get("triage") or {}
    ranked = [s for s in found.get("situations") or [] if s["id"] in knowledge.situations]
    if len(ranked) < TOP:  # empty or unreadable input: list the rest at zero so the shape holds
        seen = {s["id"] for s in ranked}
        ranked += [{"id": s, "confidence": 0.0} for s in knowledge.situations if s not in seen]
    applies = [s for s in found.get("applies") or [] if s in knowledge.situations]
    if not applies and ranked[0]["confidence"] > 0:
        applies = [ranked[0]["id"]]
    text = found.get("text") or parse.get("text") or ""
    advocate = judge(text, applies, knowledge)
    letters = letters_offered(applies, text, found.get("language") or "", knowledge)
    return {
        "id": message_id,
        "situations": [{"id": s["id"], "confidence": round(float(s["confidence"]), 4)} for s in ranked[:TOP]],
        "advocate": {"level": advocate.level, "reasons": list(advocate.reasons)},
        "rights": rights_offered(applies, letters, knowledge) if applies else [],
        "letters": letters,
        "applies": applies,
    }
