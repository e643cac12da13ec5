"""The intent model's fast probabilities are scikit-learn's probabilities."""
from __future__ import annotations

import json
import tarfile
from pathlib import Path

import numpy as np
import pytest
import yaml

from bot.understanding.classifier import GLOSS_FILE, MODEL_FILE, IntentModel
from bot.understanding.terms import TermFinder
from tests.stack import MODEL

HELDOUT = Path(__file__).parent / "data" / "heldout"
SCENARIOS = Path(__file__).parents[1] / "data" / "scenarios"

TEXTS = ["My son is 9 and has an IEP for ADHD.", "his reading has not improved all year",
         "the school stopped his speech therapy last month and nobody told us", "what is an IEE", "gracias", "",
         "hola, mi hijo no recibe sus servicios de terapia", "zzzz qqqq", "I want my son tested for dyslexia"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> IntentModel:
    """The intent model inside the trained Rasa model."""
    folder = tmp_path_factory.mktemp("model")
    with tarfile.open(MODEL) as archive:
        member = next(m for m in archive.getmembers() if m.name.endswith(MODEL_FILE))
        glosses = member.name[:-len(MODEL_FILE)] + GLOSS_FILE  # the table it was trained with, beside it
        archive.extractall(folder, [m for m in archive.getmembers() if m.name in (member.name, glosses)])
    return IntentModel.load((folder / member.name).parent)


def _as_read(model: IntentModel, whole: str, texts: list[str]) -> list[str]:
    """The texts as the model reads them: glossed word by word when the whole message has Spanish in it."""
    on = bool(model.glosser.table) and model.glosser.applies(whole)
    return [model.glosser.gloss(t) if on else t for t in texts]


def test_the_trained_model_gives_scikit_learns_probabilities(trained):
    ours = trained.probabilities(TEXTS)
    theirs = trained.pipeline.predict_proba([_as_read(trained, t, [t])[0] for t in TEXTS])
    assert np.allclose([[row[label] for label in trained.labels] for row in ours], theirs, rtol=0, atol=1e-12)


def test_a_small_model_too():
    texts = ["reading stalled", "no progress in reading", "speech therapy missed", "services not given",
             "test him please", "I want an evaluation"]
    model = IntentModel.train(texts, ["stalled", "stalled", "services", "services", "eval", "eval"])
    ours = model.probabilities(["my son's reading stalled", "no speech therapy"])
    theirs = model.pipeline.predict_proba(["my son's reading stalled", "no speech therapy"])
    assert np.allclose([[row[label] for label in model.labels] for row in ours], theirs, rtol=0, atol=1e-12)


def test_the_weights_are_held_once(trained, tmp_path):
    """The model's largest part, a float per feature and label, is scikit-learn's `coef_` itself, laid out so that
    scoring needs no second copy; and the n-grams min_df dropped are not kept, nor saved."""
    for model in (trained, IntentModel.train(["reading stalled", "speech missed", "test him"], ["a", "b", "c"])):
        coef = model.pipeline.named_steps["classifier"].coef_
        assert coef.flags.f_contiguous and np.shares_memory(model._weights[0], coef)
    model.save(tmp_path)
    again = IntentModel.load(tmp_path)
    assert all(v.stop_words_ is None for _, v in again.pipeline.named_steps["features"].transformer_list)
    assert np.shares_memory(again._weights[0], again.pipeline.named_steps["classifier"].coef_)


def test_joined_units_give_the_probabilities_of_the_joined_texts(trained):
    """Triage's shortcut (a sentence pair's word and character counts summed from its sentences, plus the word pair
    across the join) changes no number, on every held-out story and scenario opening, each cut into sentences as
    triage cuts it."""
    finder = TermFinder()
    stories = [json.loads(line)["text"] for path in sorted(HELDOUT.glob("stories_*.jsonl"))
               for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    stories += [str(yaml.safe_load(path.read_text(encoding="utf-8"))["opening"]) for path in SCENARIOS.glob("*.yml")]
    stories += ["Él tiene 8 años.  His IEP  says\\tspeech twice a week;\\nthey   stopped it!!", "one sentence only"]
    assert len(stories) > 100
    for story in stories:
        pieces = finder.sentences(story)
        units = [(i,) for i in range(len(pieces))] + [(i, i + 1) for i in range(len(pieces) - 1)]
        ours = trained.probabilities_of_joined(story, pieces, units)
        plain = trained.pipeline.predict_proba(
            _as_read(trained, story, [story, *(" ".join(pieces[i] for i in unit) for unit in units)]))
        assert len(ours) == len(plain) == 1 + len(units)
        assert np.allclose([[row[label] for label in trained.labels] for row in ours], plain, rtol=0, atol=1e-12), story


def test_a_spanish_message_is_read_with_english_glosses_and_an_english_one_as_it_is(trained):
    assert trained.glosser.table, "the trained model keeps its gloss table"
    spanish = "la escuela no quiere evaluar a mi hijo"
    assert trained.glosser.applies(spanish) and "school" in trained.glosser.gloss(spanish).split()
    english = "My son is 8 and the school said no to testing"
    assert not trained.glosser.applies(english)
    # Word by word: glossing the pieces of a message and joining them is glossing the message.
    a, b = "Mi hijo tiene autismo.", "La maestra no le da su terapia"
    assert trained.glosser.gloss(f"{a} {b}") == f"{trained.glosser.gloss(a)} {trained.glosser.gloss(b)}"


def test_words_read_before_give_the_same_counts_and_what_is_kept_stays_bounded(monkeypatch):
    """The character n-grams of each word are looked up once and kept, up to a bound: past it, what is kept starts
    again, and every number is still scikit-learn's."""
    import bot.understanding.classifier as classifier

    monkeypatch.setattr(classifier, "CHAR_WORDS_KEPT", 5)
    model = IntentModel.train(["reading stalled again", "no progress in reading", "speech therapy missed",
                               "services not given", "test him please", "I want an evaluation"],
                              ["stalled", "stalled", "services", "services", "eval", "eval"])
    story = "His reading stalled. Speech therapy was missed twice, and nobody told me. Can you test him?"
    pieces = ["His reading stalled.", "Speech therapy was missed twice, and nobody told me.", "Can you test him?"]
    units = [(0,), (1,), (2,), (0, 1), (1, 2)]
    for _ in range(3):
        ours = model.probabilities_of_joined(story, pieces, units)
        plain = model.pipeline.predict_proba([story, *(" ".join(pieces[i] for i in u) for u in units)])
        assert np.allclose([[row[label] for label in model.labels] for row in ours], plain, rtol=0, atol=1e-12)
        assert len(model._char_columns) <= 5 + len(story.split())


def test_sentences_split_by_the_extractor_give_the_same_understanding(trained):
    """The classifier reads the sentences the term extractor split (TermFinder.read) when the text is the one it
    reads, and splits them again when the input check changed it."""
    from bot.knowledge import load_knowledge
    from bot.understanding.triage import Triage

    triage = Triage(trained, load_knowledge().situations)
    stories = [json.loads(line)["text"] for line in (HELDOUT / "long_stories.jsonl").read_text(
        encoding="utf-8").splitlines()[:40]]
    stories += ["My s0n n33ds h3lp with r3ading.\nThey won't test him", "  padded story. With two sentences.  "]
    for story in stories:
        reading = triage.finder.read(story)
        assert triage.understand(story, reading) == triage.understand(story), story
    wrong = triage.finder.read("A different text altogether. About a bus.")
    assert triage.understand(stories[0], wrong) == triage.understand(stories[0])
