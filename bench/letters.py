"""How long a letter takes to make and to download, per format.

Run from the repo root:  .venv/bin/python -m bench.letters   (or .venv/bin/python bench/letters.py)

The letter is a realistic meeting_request (reason: lack_of_progress, a two-paragraph concern, non-ASCII
names), about one page. Every row is 20 timed runs after one untimed warm-up, so imports, font loading
and template compilation are not counted. The database is a throwaway SQLite file, never var/cases.db.
"""
from __future__ import annotations

import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a file, sys.path[0] is bench/, not the repo root
    sys.path.insert(0, str(ROOT))

from bot.knowledge import load_knowledge  # noqa: E402
from bot.letters.files import FORMATS  # noqa: E402
from bot.letters.flow import LetterFlow  # noqa: E402
from bot.letters.service import LetterService  # noqa: E402
from bot.letters.store import make_engine  # noqa: E402
from bot.ops.settings import Settings  # noqa: E402

RUNS = 20
LETTER = "meeting_request"
DETAILS = {
    "meeting_reason": "lack_of_progress", "parent_name": "José Nguyễn-Smith", "child_name": "Maya Nguyễn-Smith",
    "grade": "3rd grade", "school": "Lincoln Elementary", "goal_area": "reading fluency",
    "progress_reports": "November and February",
    "concern": "Maya hides under her desk when the fire drill bell rings, and her teacher says she has stopped "
               "joining the reading group.\n\nHer reading scores have not moved since September, and homework "
               "that used to take twenty minutes now takes over an hour, most nights ending in tears.",
    "availability": "Tuesday or Thursday after 3 pm", "recipient": "", "parent_contact": "jose@example.org",
    "urgent": "no",
}


def timed(action: Callable[[], object], runs: int = RUNS) -> list[float]:
    """Milliseconds per run, after one warm-up run that is thrown away."""
    action()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def p90(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=10)[-1]  # the 9th decile cut point


def main() -> None:
    knowledge = load_knowledge()
    now = datetime.now()
    request = LetterFlow(knowledge).request(LETTER, DETAILS, "en", date.today(), 10)
    with tempfile.TemporaryDirectory(prefix="iep-bench-") as scratch:
        settings = Settings(database_url=f"sqlite:///{Path(scratch) / 'cases.db'}",
                            secret_file=str(Path(scratch) / "id.secret"), link_base_url="http://links.test")
        engine = make_engine(settings.database_url)
        service = LetterService(knowledge, settings, engine)
        letter = service.writer.render(request)
        author = DETAILS["parent_name"]

        rows = [("draft (template -> text)", timed(lambda: service.writer.render(request)))]
        # The files are built from the drafted letter, as the link server does: this is the per-format cost.
        rows += [(f"file: {fmt}", timed(lambda fmt=fmt: service.files.render(letter, fmt, author))) for fmt in FORMATS]
        # What the bot pays once per letter: draft + audit copy + download token (two SQLite transactions).
        rows.append(("LetterService.make", timed(lambda: service.make(request, "+15551234567", now))))
        # What one PDF download costs the link server, minus HTTP: token lookup + PDF from the stored text.
        token = service.make(request, None, now).links.pdf.split("/letters/", 1)[1].split("/", 1)[0]
        rows.append(("LetterService.file(pdf)", timed(lambda: service.file(token, "pdf", now))))
        engine.dispose()

    print(f"Letter: {LETTER} (reason lack_of_progress), {len(letter.text)} characters, "
          f"{len(letter.paragraphs)} paragraphs")
    print(f"Machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, {RUNS} runs after 1 warm-up\n")
    width = max(len(name) for name, _ in rows)
    print(f"{'step':<{width}}  {'median ms':>10}  {'p90 ms':>8}")
    for name, samples in rows:
        print(f"{name:<{width}}  {statistics.median(samples):>10.3f}  {p90(samples):>8.3f}")


if __name__ == "__main__":
    main()
