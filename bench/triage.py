"""How fast triage reads a parent's story, through the trained model (issue 19's budget).

Run from the repo root:  .venv/bin/python -m bench.triage

- load: seconds to load the trained model (the Rasa NLU pipeline, as the CLI and the servers load it);
- story: milliseconds for one ~700-character story through the NLU pipeline, p50/p95 of 200 runs after a
  warm-up (budget: under 10 ms);
- jsonl: messages a second for `iep-navigator triage --jsonl` over the held-out long stories, its start-up
  (a run of one story) taken out (budget: 100 or more).
The stories are our own held-out long stories (tests/data/heldout/long_stories.jsonl), never the dev set's.
"""
from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a file, sys.path[0] is bench/, not the repo root
    sys.path.insert(0, str(ROOT))

from bot.serving.rasa_model import open_nlu  # noqa: E402

STORIES = ROOT / "tests" / "data" / "heldout" / "long_stories.jsonl"
RUNS = 200


def _stories() -> list[str]:
    return [json.loads(line)["text"] for line in STORIES.read_text(encoding="utf-8").splitlines() if line.strip()]


def _closest_to(texts: list[str], length: int) -> str:
    return min(texts, key=lambda t: abs(len(t) - length))


def _jsonl_run(texts: list[str]) -> float:
    """Seconds for `iep-navigator triage --jsonl` to answer `texts`, start-up included."""
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", encoding="utf-8") as batch:
        batch.writelines(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(texts))
        batch.flush()
        began = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "bot", "triage", "--jsonl", batch.name, "--model",
                               str(ROOT / "models" / "current.tar.gz")], check=True, capture_output=True, cwd=ROOT)
        took = time.perf_counter() - began
    if len(done.stdout.splitlines()) != len(texts):
        raise RuntimeError(f"triage answered {len(done.stdout.splitlines())} of {len(texts)} stories")
    return took


def main() -> int:
    texts = _stories()
    began = time.perf_counter()
    nlu = open_nlu(str(ROOT / "models" / "current.tar.gz"))
    load = time.perf_counter() - began
    story = _closest_to(texts, 700)
    nlu.parse(story)  # warm-up
    took = []
    for _ in range(RUNS):
        start = time.perf_counter()
        nlu.parse(story)
        took.append((time.perf_counter() - start) * 1000)
    nlu.close()
    took.sort()

    # The command's own start-up (Python, Rasa, the model) is a run of one story; the rest is the reading.
    one = min(_jsonl_run(texts[:1]) for _ in range(2))
    whole = _jsonl_run(texts)
    rate = (len(texts) - 1) / max(whole - one, 1e-9)

    print(f"model load                 {load:6.1f} s")
    print(f"one {len(story)}-character story  p50 {statistics.median(took):5.1f} ms   "
          f"p95 {took[int(0.95 * len(took))]:5.1f} ms   (budget 10 ms)")
    print(f"triage --jsonl             {rate:6.0f} messages a second over {len(texts)} stories, "
          f"start-up taken out (budget 100)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
