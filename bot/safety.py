"""Spots messages about danger to a parent or child, which get crisis information before anything else."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

SAFETY_FILE = Path(__file__).resolve().parent / "knowledge" / "safety.yml"


@dataclass(frozen=True)
class CrisisDetector:
    patterns: tuple[re.Pattern[str], ...]
    figures_of_speech: tuple[re.Pattern[str], ...]

    @classmethod
    def from_file(cls, path: Path = SAFETY_FILE) -> "CrisisDetector":
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        compile_all = lambda items: tuple(re.compile(p, re.I) for p in items or ())  # noqa: E731
        return cls(compile_all(spec["patterns"]), compile_all(spec.get("not_if")))

    def is_crisis(self, text: str) -> bool:
        text = text.replace("\u2019", "'")
        harmless = [m.span() for f in self.figures_of_speech for m in f.finditer(text)]
        for pattern in self.patterns:
            for match in pattern.finditer(text):
                if not any(start <= match.start() and match.end() <= end for start, end in harmless):
                    return True
        return False
