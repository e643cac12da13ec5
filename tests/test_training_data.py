"""The triage training data in the shape of real messages (issue 19): enough of it per situation, long
stories in it, every story labelled, no near-duplicates, and none of the dev set's words."""
from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml
from sklearn.feature_extraction.text import TfidfVectorizer

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
STORIES = DATA / "triage" / "stories"
DEV = ROOT.parent / "shared" / "dev" / "parent_messages_dev.jsonl"
SITUATIONS = list(yaml.safe_load((ROOT.parent / "shared" / "situations.yml").read_text())["situations"])
LEVELS = {"recommended", "worth_considering", "not_needed_yet"}


def _examples() -> list[tuple[str, str, dict]]:
    """(text, situation, metadata) for every NLU example under data/, retrieval intents folded."""
    found = []
    for path in sorted(DATA.rglob("*.yml")):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            if "intent" not in block:
                continue
            intent = block["intent"].split("/")[0]
            examples = block["examples"]
            if isinstance(examples, str):
                found += [(line.strip()[2:], intent, {}) for line in examples.splitlines() if line.strip().startswith("- ")]
            else:
                found += [(e["text"], intent, e.get("metadata") or {}) for e in examples]
    return found


EXAMPLES = _examples()
STORY_EXAMPLES = [(t, s, m) for t, s, m in EXAMPLES if m]


@pytest.mark.parametrize("situation", SITUATIONS)
def test_every_situation_has_200_examples_at_least_half_of_them_long_stories(situation):
    mine = [t for t, s, _ in EXAMPLES if s == situation]
    long = [t for t in mine if 300 <= len(t) <= 1200]
    assert len(mine) >= 200, f"{situation}: {len(mine)} examples"
    assert len(long) >= len(mine) / 2, f"{situation}: {len(long)} of {len(mine)} are 300-1,200 characters"


def test_every_story_is_labelled_with_its_primary_first_and_an_advocate_level():
    for text, situation, meta in STORY_EXAMPLES:
        assert meta["labels"][0] == situation, text[:80]
        assert set(meta["labels"]) <= set(SITUATIONS), text[:80]
        assert meta["advocate"] in LEVELS, text[:80]


def test_stories_mix_problems_and_carry_real_texture():
    multi = sum(1 for _, _, m in STORY_EXAMPLES if len(m["labels"]) > 1)
    assert multi >= len(STORY_EXAMPLES) / 3
    shorthand = re.compile(r"\b(DS|DD|IEP mtg|SpEd|sped|OT|PT|SLP|para|CST|ARD|PPT|504|BIP)\b")
    assert sum(1 for t, _, _ in STORY_EXAMPLES if shorthand.search(t)) >= len(STORY_EXAMPLES) / 4
    assert Counter(m["advocate"] for _, _, m in STORY_EXAMPLES).keys() == LEVELS


def test_no_two_stories_are_near_duplicates():
    texts = [t for t, _, _ in STORY_EXAMPLES]
    vectors = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit_transform(texts)
    similar = (vectors @ vectors.T).tocoo()
    pairs = [(texts[i][:60], texts[j][:60]) for i, j, v in zip(similar.row, similar.col, similar.data) if i < j and v > 0.75]
    assert pairs == []


def _nine_words(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9']+", text.lower().replace("\u2019", "'"))
    return {tuple(words[i:i + 9]) for i in range(len(words) - 8)}


def _shares_nine_words_with_a_dev_message(texts: list[str]) -> list[str]:
    dev = set().union(*(_nine_words(json.loads(line)["text"]) for line in DEV.read_text(encoding="utf-8").splitlines()))
    return [text[:80] for text in texts if _nine_words(text) & dev]


def test_no_training_example_shares_nine_words_in_a_row_with_a_dev_message():
    """The dev set is other people's words: we measure on it, never train on it."""
    assert _shares_nine_words_with_a_dev_message([t for t, _, _ in EXAMPLES]) == []


def test_held_out_stories_are_neither_training_stories_nor_dev_messages():
    """The held-out stories measure what was never trained on: none is a near-duplicate of a training story, and,
    like the training data, none shares nine words in a row with a dev message."""
    held = [json.loads(line)["text"] for name in ("long_stories.jsonl", "long_stories_es.jsonl")
            for line in (ROOT / "tests" / "data" / "heldout" / name).read_text(encoding="utf-8").splitlines()
            if line.strip()]
    trained = [t for t, _, _ in STORY_EXAMPLES]
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit(trained + held)
    similar = (vectorizer.transform(held) @ vectorizer.transform(trained).T).tocoo()
    assert [(held[i][:60], trained[j][:60]) for i, j, v in zip(similar.row, similar.col, similar.data) if v > 0.75] == []
    assert _shares_nine_words_with_a_dev_message(held) == []
