"""Reports that run the trained model through Rasa, the conversation's own NLU path, for `make test`:
the held-out split of our own examples (`heldout`). Each fails the run below its floor."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

from bot.serving.rasa_model import open_nlu
from bot.understanding.evaluation import HELDOUT, intent_scores, load_examples, load_stories, story_scores


def heldout(args: argparse.Namespace) -> int:
    """The held-out report: intents per label and multi-situation stories, against tests/data/heldout/floor.yml."""
    nlu = open_nlu(args.model)
    examples = load_examples()
    predicted = [p["intent"]["name"] for p in nlu.parse_all(text for text, _ in examples)]
    per, macro = intent_scores([g for _, g in examples], predicted)
    stories = load_stories()
    story = story_scores(stories, list(nlu.parse_all(s["text"] for s in stories)))
    nlu.close()

    print(f"Held-out intents: {len(examples)} examples")
    print(f"{'intent':<26}{'precision':>10}{'recall':>8}{'f1':>7}{'n':>5}")
    for label, (p, r, f, n) in per.items():
        print(f"{label:<26}{p:>10.3f}{r:>8.3f}{f:>7.3f}{n:>5}")
    print(f"{'macro F1':<26}{macro:>25.3f}")
    print("Held-out multi-situation stories: " + ", ".join(
        f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in story.items()))
    floor = yaml.safe_load((HELDOUT / "floor.yml").read_text())
    if args.json:
        Path(args.json).write_text(json.dumps({"macro_f1": macro, "per_intent": per, "stories": story}, indent=2))
    failed = macro < floor["macro_f1"] or story["recall_at_3"] < floor["story_recall_at_3"]
    print(f"Floor: macro F1 {floor['macro_f1']}, story recall@3 {floor['story_recall_at_3']}: "
          + ("BELOW FLOOR" if failed else "ok"))
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.serving.reports", description=__doc__)
    parser.add_argument("report", choices=["heldout"])
    parser.add_argument("--model", default=None)
    parser.add_argument("--json", help="also write the numbers here")
    args = parser.parse_args(argv)
    return heldout(args)


if __name__ == "__main__":
    sys.exit(main())
