"""A person when needed: the referral to the organisation's helpline and the state's parent center, and
how many turns in a row the assistant has not understood (two in a row bring the referral).

The referral is built from configuration (IEP_HELPLINE_*, or the older one-line IEP_HELP_CONTACT) and never
ends in nothing: with no helpline set, it points to the state's Parent Training and Information Center
through the national directory. We keep no list of centers, so we never name one we have not checked.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Mapping, Sequence

from bot.knowledge import Knowledge
from bot.knowledge.states import all_states

if TYPE_CHECKING:
    from bot.ops.settings import Settings

MISSES_SLOT = "misunderstood_turns"  # set on a turn the assistant did not understand: how many in a row
MISSES_FOR_REFERRAL = 2
PARENT_CENTERS = "parentcenterhub.org/find-your-center"  # the official directory of parent centers


@dataclass(frozen=True)
class Helpline:
    """How the deploying organisation's people can be reached; every part optional."""

    name: str = ""
    phone: str = ""
    email: str = ""
    hours: str = ""  # "weekdays 9 am to 5 pm Eastern"
    callback: str = ""  # "within one business day"
    contact: str = ""  # IEP_HELP_CONTACT: one free line, used when no phone or email is set

    @classmethod
    def from_settings(cls, settings: "Settings") -> "Helpline":
        return cls(settings.helpline_name, settings.helpline_phone, settings.helpline_email,
                   settings.helpline_hours, settings.helpline_callback, settings.help_contact)

    @property
    def reachable(self) -> bool:
        return bool(self.phone or self.email or self.contact)


def referral_lines(knowledge: Knowledge, helpline: Helpline, state_code: str | None, language: str) -> list[str]:
    """Who to reach, when, how soon they call back, and the state's parent center: always something to do."""
    k = knowledge
    lines: list[str] = []
    ways = [k.message("handoff_call", language, phone=helpline.phone) if helpline.phone else "",
            k.message("handoff_email", language, email=helpline.email) if helpline.email else ""]
    ways = [w for w in ways if w]
    if ways:
        name = helpline.name or k.message("handoff_our_helpline", language)
        lines.append(k.message("handoff_reach", language, name=name,
                               ways=k.message("handoff_or", language).join(ways)))
    elif helpline.contact:
        lines.append(k.message("handoff_contact", language, contact=helpline.contact))
    if helpline.reachable and helpline.hours:
        lines.append(k.message("handoff_hours", language, hours=helpline.hours))
    if helpline.reachable and helpline.callback:
        lines.append(k.message("handoff_callback", language, callback=helpline.callback))
    if not helpline.reachable:
        lines.append(k.message("handoff_no_helpline", language))
    lines.append(k.message("handoff_parent_center", language))
    state = state_name(state_code)
    if state:
        lines.append(k.message("handoff_parent_center_state", language, state=state, url=PARENT_CENTERS))
    else:
        lines.append(k.message("handoff_parent_center_find", language, url=PARENT_CENTERS))
    return lines


def state_name(code: str | None) -> str | None:
    if not code:
        return None
    return next((s.name for s in all_states() if s.code == code.upper()), None)


def misses_before(events: Sequence[Mapping]) -> int:
    """How many turns in a row, up to the one before the parent's latest message, the assistant did not
    understand: read from the slot such a turn sets. A turn that did not set it was understood."""
    users = 0
    for event in reversed(events):
        kind = event.get("event")
        if kind == "user":
            users += 1
            if users == 2:  # back at the previous message and no miss was recorded after it
                return 0
        elif users == 1 and kind == "slot" and event.get("name") == MISSES_SLOT:
            try:
                return max(int(event.get("value") or 0), 0)
            except (TypeError, ValueError):
                return 0
    return 0
