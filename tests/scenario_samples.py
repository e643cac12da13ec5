"""Small practice stories shared by the training tests: written out as scenario files where a test needs a folder."""
from __future__ import annotations

from pathlib import Path

import yaml

# Three small stories: enough to filter by tag, difficulty and situation.
STORIES = {
    "pwn_phone_refusal": {
        "id": "pwn_phone_refusal", "title": "They said no on the phone", "difficulty": "medium",
        "tags": {"topics": ["evaluation"], "language": "en", "risk": "medium"},
        "persona": {"who": "A father of a girl in 2nd grade", "voice": "upset"},
        "opening": "I asked for testing and the principal called and said no, she is doing fine.",
        "facts": [{"ask": ["writing", "wrote", "letter", "email"], "answer": "I asked by email in March."},
                  {"ask": ["grade", "age", "old"], "answer": "She is 7, in 2nd grade."}],
        "key": {"situations": ["evaluation_denied", "evaluation_request"],
                "rights": ["prior_written_notice", "initial_evaluation"], "letter": "pwn_request",
                "advocate": {"level": "worth_considering", "signs": ["evaluation_denied_unwritten"]},
                "why": "The school refused in a phone call, and a refusal must come in writing with its reasons."},
        "mistakes": ["Telling the father to ask again next year."],
    },
    "reading_stalled": {
        "id": "reading_stalled", "title": "Reading has not moved", "difficulty": "easy",
        "tags": {"topics": ["reading"], "language": "en", "risk": "low"},
        "persona": {"who": "A mother of a boy in 4th grade", "voice": "texting"},
        "opening": "my son is 9 and his reading has not moved all year, the school says wait",
        "facts": [{"ask": ["grade", "age"], "answer": "He is 9, in 4th grade."}],
        "key": {"situations": ["stalled_progress"], "rights": ["iep_review_revision"], "letter": "meeting_request",
                "advocate": {"level": "worth_considering", "signs": ["flat_progress"]},
                "why": "The plan is not working, and the team must look at it again."},
        "mistakes": ["Telling the parent to wait for the yearly meeting."],
    },
    "sent_home_again": {
        "id": "sent_home_again", "title": "Sent home again", "difficulty": "hard",
        "tags": {"topics": ["behavior"], "language": "es-en", "risk": "high"},
        "persona": {"who": "A grandmother raising a boy in 6th grade", "voice": "mixed-language"},
        "opening": "They sent mi nieto home again, the fourth time this month. He has an IEP for autism.",
        "facts": [{"ask": ["days", "times", "many"], "answer": "Eleven days this year, I counted."}],
        "key": {"situations": ["behavior_discipline"], "rights": ["discipline_10_days", "manifestation_determination"],
                "letter": None, "advocate": {"level": "recommended", "signs": []},
                "why": "More than ten days out of school is a change of placement with its own protections."},
        "mistakes": ["Treating each day home as a separate small thing."],
    },
}


def write_stories(folder: Path) -> Path:
    """The sample stories as YAML files in `folder` (also used by the browser tests)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in STORIES.items():
        (folder / f"{name}.yml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return folder
