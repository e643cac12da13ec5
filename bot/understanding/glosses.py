"""Spanish words glossed with the English a parent would write in their place, inside the intent model's
features only: "la escuela no quiere evaluar a mi hijo" is also read as "school", "not", "want", "evaluate",
"my", "son", so a Spanish story meets what the model learned from thousands of English ones.

Nothing here is shown to anyone or translates anything a parent reads. The table is data
(bot/understanding/data/glosses.yml); the model keeps the table it was trained with.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import yaml

from bot.understanding.language import fold, votes

GLOSSES = Path(__file__).resolve().parent / "data" / "glosses.yml"
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


@dataclass(frozen=True)
class Glosser:
    table: Mapping[str, str] = field(default_factory=dict)  # folded Spanish word -> English words

    @classmethod
    def from_file(cls, path: Path = GLOSSES) -> "Glosser":
        table = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("glosses") or {}
        if not all(isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in table.items()):
            raise ValueError(f"{path}: every gloss maps a word to English words")
        return cls({fold(k).strip(): " ".join(v.lower().split()) for k, v in table.items()})

    def applies(self, text: str) -> bool:
        """Whether a message is glossed: any Spanish in it. An English story is read exactly as it always was
        (Spanish "son", "no" and "me" are English words too)."""
        return votes(text).spanish > 0

    def gloss(self, text: str) -> str:
        """`text` with the English words after each Spanish word that has them. Word by word, so glossing the
        pieces of a message and joining them is glossing the message."""
        table = self.table
        return _WORD.sub(lambda m: f"{m.group(0)} {table[w]}" if (w := fold(m.group(0)).strip()) in table
                         else m.group(0), text)
