"""Held-out NLU report: intent precision, recall and F1 per intent, and multi-situation story scores.

Run by `make test` through the trained model (the conversation's own NLU path). Fails when the
macro F1 drops below the floor recorded in tests/data/heldout/floor.yml.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml
from sklearn.metrics import precision_recall_fscore_support

HELDOUT = Path("tests/data/heldout")


def load_examples(directory: Path = HELDOUT) -> list[tuple[str, str]]:
    examples = []
    for path in sorted(directory.glob("nlu_*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            intent = block["intent"].split("/", 1)[0]
            for line in block["examples"].splitlines():
                line = line.strip()
                if line.startswith("- "):
                    examples.append((line[2:].strip(), intent))
    return examples


def load_stories(directory: Path = HELDOUT) -> list[dict]:
    return [json.loads(line) for path in sorted(directory.glob("stories_*.jsonl"))
            for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def intent_scores(gold: list[str], predicted: list[str]) -> tuple[dict[str, tuple[float, float, float, int]], float]:
    labels = sorted(set(gold))
    p, r, f, n = precision_recall_fscore_support(gold, predicted, labels=labels, zero_division=0)
    per = {label: (p[i], r[i], f[i], int(n[i])) for i, label in enumerate(labels)}
    return per, float(sum(f) / len(f))


def story_scores(stories: list[dict], parses: list[dict]) -> dict[str, float]:
    top1 = recall3 = tp = fp = fn = 0
    for story, parse in zip(stories, parses):
        triage = parse.get("triage") or {}
        ranked = [s["id"] for s in triage.get("situations") or []]
        applies = set(triage.get("applies") or ranked[:1])
        gold = set(story["situations"])
        top1 += bool(ranked) and ranked[0] == story["situations"][0]
        recall3 += len(gold & set(ranked[:3])) / len(gold)
        tp += len(gold & applies)
        fp += len(applies - gold)
        fn += len(gold - applies)
    n = max(len(stories), 1)
    precision = tp / max(tp + fp, 1)
    recall = tp / max(tp + fn, 1)
    return {"stories": len(stories), "main_situation_top1": top1 / n, "recall_at_3": recall3 / n,
            "label_precision": precision, "label_recall": recall,
            "label_f1": 2 * precision * recall / max(precision + recall, 1e-9)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=None)
    parser.add_argument("--json", help="also write the numbers here")
    args = parser.parse_args(argv)
    from bot.rasa_model import RasaNLU, model_path

    nlu = RasaNLU(model_path(args.model))
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


if __name__ == "__main__":
    sys.exit(main())
