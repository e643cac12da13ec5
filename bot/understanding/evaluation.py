"""Scoring triage against labelled messages: intent precision, recall and F1 per intent, and
multi-situation story scores. Plain Python: bot/serving/reports.py runs the trained model and prints."""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
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


@dataclass(frozen=True)
class RealScores:
    """Triage answers scored against labelled real messages (shared/dev/README.md): the first situation is
    right when either annotator would accept it as the primary; advocate only where both agreed."""

    messages: int
    top1: float
    top3: float
    advocate: float
    advocate_messages: int
    recall: dict[str, tuple[int, int]]  # primary -> (first situation right, messages)
    confusions: list[tuple[str, str, int]]  # (primary, answered first, count), most common first


def real_scores(gold: list[dict], answers: dict[str, dict]) -> RealScores:
    """`gold`: labelled messages (id, primary, acceptable, advocate); `answers`: triage answers by id, as
    `iep-navigator triage --jsonl` prints them."""
    top1 = top3 = agreed = rated = 0
    right: Counter[str] = Counter()
    seen: Counter[str] = Counter()
    confused: Counter[tuple[str, str]] = Counter()
    for item in gold:
        answer = answers[item["id"]]
        ranked = [s["id"] for s in answer["situations"]]
        acceptable = set(item["acceptable"])
        first = bool(ranked) and ranked[0] in acceptable
        top1 += first
        top3 += bool(acceptable & set(ranked[:3]))
        seen[item["primary"]] += 1
        right[item["primary"]] += first
        if not first and ranked:
            confused[(item["primary"], ranked[0])] += 1
        if item.get("advocate"):
            rated += 1
            agreed += answer["advocate"]["level"] == item["advocate"]
    n = max(len(gold), 1)
    return RealScores(len(gold), top1 / n, top3 / n, agreed / max(rated, 1), rated,
                      {s: (right[s], seen[s]) for s in sorted(seen, key=lambda s: (-seen[s], s))},
                      [(a, b, c) for (a, b), c in confused.most_common()])


def primary_f1(gold: list[dict], answers: dict[str, dict]) -> float:
    """Macro F1 of the first situation over labelled stories: each situation's precision and recall as the answer."""
    primaries = [item["primary"] for item in gold]
    firsts = [(answers[item["id"]]["situations"] or [{"id": ""}])[0]["id"] for item in gold]
    return intent_scores(primaries, firsts)[1]
