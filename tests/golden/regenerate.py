"""Re-writes the golden letters in tests/golden/letters/ from the current templates.

Run by hand when a letter's wording changes on purpose, never from the tests:

    .venv/bin/python tests/golden/regenerate.py

Then read every letter it reports as changed (`git diff tests/golden/letters`) before committing.
The cases (letters, meeting reasons and their details) live in tests/test_letters.py; the Spanish-speaking
family's details for the same cases, in tests/test_letters_es.py (written to tests/golden/letters/es/).
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.knowledge import load_knowledge  # noqa: E402
from bot.letters.files import LetterFiles  # noqa: E402
from tests.test_letters import GOLDEN, case_names, golden_path, render_case  # noqa: E402
from tests.test_letters_es import GOLDEN_ES, golden_es, render_es  # noqa: E402


def main() -> int:
    knowledge = load_knowledge()
    names = case_names(knowledge)
    for folder, path_of, render, what in ((GOLDEN, golden_path, render_case, "English"),
                                          (GOLDEN_ES, golden_es, render_es, "Spanish-speaking parents'")):
        folder.mkdir(parents=True, exist_ok=True)
        changed = []
        for name in names:
            _, letter = render(name, knowledge)
            path = path_of(name)
            body = LetterFiles().render(letter, "text")
            if not path.exists() or path.read_bytes() != body:
                path.write_bytes(body)
                changed.append(path.name)
        stale = sorted(p for p in folder.glob("*.txt") if p.stem not in names)
        for path in stale:
            path.unlink()
        print(f"{len(names)} {what} golden letters; written: {', '.join(changed) or 'none'}; "
              f"removed: {', '.join(p.name for p in stale) or 'none'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
