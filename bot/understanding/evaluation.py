"""Scoring triage against labelled messages: intent precision, recall and F1 per intent, and
multi-situation story scores. Plain Python: bot/serving/reports.py runs the trained model and prints."""
from __future__ import annotations

import json
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
