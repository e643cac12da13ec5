"""The intent model's fast probabilities are scikit-learn's probabilities."""
from __future__ import annotations

import tarfile

import numpy as np
import pytest

from bot.classifier import MODEL_FILE, IntentModel
from tests.stack import MODEL

TEXTS = ["My son is 9 and has an IEP for ADHD.", "his reading has not improved all year",
         "the school stopped his speech therapy last month and nobody told us", "what is an IEE", "gracias", "",
         "hola, mi hijo no recibe sus servicios de terapia", "zzzz qqqq", "I want my son tested for dyslexia"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> IntentModel:
    """The intent model inside the trained Rasa model."""
    folder = tmp_path_factory.mktemp("model")
    with tarfile.open(MODEL) as archive:
        member = next(m for m in archive.getmembers() if m.name.endswith(MODEL_FILE))
        archive.extract(member, folder)
    return IntentModel.load((folder / member.name).parent)


def test_the_trained_model_gives_scikit_learns_probabilities(trained):
    ours = trained.probabilities(TEXTS)
    theirs = trained.pipeline.predict_proba(TEXTS)
    assert np.allclose([[row[label] for label in trained.labels] for row in ours], theirs, rtol=0, atol=1e-12)


def test_a_small_model_too():
    texts = ["reading stalled", "no progress in reading", "speech therapy missed", "services not given",
             "test him please", "I want an evaluation"]
    model = IntentModel.train(texts, ["stalled", "stalled", "services", "services", "eval", "eval"])
    ours = model.probabilities(["my son's reading stalled", "no speech therapy"])
    theirs = model.pipeline.predict_proba(["my son's reading stalled", "no speech therapy"])
    assert np.allclose([[row[label] for label in model.labels] for row in ours], theirs, rtol=0, atol=1e-12)
