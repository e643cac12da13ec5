"""The intent model: TF-IDF over words and character n-grams with a logistic regression.

Chosen over DIET because it trains in seconds, gives the same model for the same data, reads typos
through character n-grams, and scores the dozens of sentence windows of a long story in one call.
Retrieval intents are learned at full depth ("general_info/what_is_iep") so the FAQ answer comes
from the same model; `base_probabilities` folds them back into their intent.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Sequence

import joblib
import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.utils.extmath import softmax

MODEL_FILE = "intent_model.joblib"


def _pipeline(seed: int) -> Pipeline:
    features = FeatureUnion([
        ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1, lowercase=True,
                                  token_pattern=r"(?u)\b\w[\w']*\b")),
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2,
                                  lowercase=True)),
    ])
    classifier = LogisticRegression(C=12.0, max_iter=4000, class_weight="balanced", random_state=seed)
    return Pipeline([("features", features), ("classifier", classifier)])


@dataclass
class IntentModel:
    pipeline: Pipeline

    @classmethod
    def train(cls, texts: Sequence[str], labels: Sequence[str], seed: int = 42) -> "IntentModel":
        if len(set(labels)) < 2:
            raise ValueError("the intent model needs examples of at least two intents")
        pipeline = _pipeline(seed)
        pipeline.fit(list(texts), list(labels))
        return cls(pipeline)

    @property
    def labels(self) -> list[str]:
        return list(self.pipeline.classes_)

    def probabilities(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """Probability of each full label (retrieval intents at full depth) for each text."""
        return self._probabilities(self.pipeline.named_steps["features"].transform(list(texts)))

    def probabilities_of_joined(self, whole: str, pieces: Sequence[str], units: Sequence[Sequence[int]]
                                ) -> list[dict[str, float]]:
        """The probabilities of `whole`, then of each unit: the pieces it lists joined by one space.

        The same numbers as `probabilities([whole, *joined units])`, for less: character n-grams stay
        inside a word, so a joined unit's character counts are the sum of its pieces' counts, and each
        piece is read once instead of once per unit holding it (a long story's sentence pairs read every
        sentence twice more). Word pairs can cross the join, so word features read every unit."""
        texts = [whole, *(" ".join(pieces[i] for i in unit) for unit in units)]
        (_, words), (_, chars) = self._vectorizers
        if not isinstance(chars, TfidfVectorizer) or chars.analyzer != "char_wb":
            return self.probabilities(texts)
        counts = CountVectorizer.transform(chars, [whole, *pieces])  # raw counts, as TfidfVectorizer makes them
        rows = [0, *(row for row, unit in enumerate(units, start=1) for _ in unit)]
        columns = [0, *(1 + i for unit in units for i in unit)]
        compose = sp.csr_matrix((np.ones(len(rows)), (rows, columns)), shape=(len(texts), 1 + len(pieces)))
        char_features = chars._tfidf.transform(compose @ counts, copy=False)
        return self._probabilities(sp.hstack([words.transform(texts), char_features]).tocsr())

    def _probabilities(self, features: sp.spmatrix) -> list[dict[str, float]]:
        weights, intercept = self._weights
        rows = softmax(np.asarray(features @ weights) + intercept)
        labels = self.labels
        return [dict(zip(labels, map(float, row))) for row in rows]

    @cached_property
    def _vectorizers(self) -> list[tuple[str, TfidfVectorizer]]:
        union = self.pipeline.named_steps["features"]
        if [name for name, _ in union.transformer_list] != ["words", "chars"] or union.transformer_weights:
            raise ValueError("the intent model's features are words then characters, unweighted")
        return union.transformer_list

    @cached_property
    def _weights(self) -> tuple[np.ndarray, np.ndarray]:
        """The classifier's weights laid out feature by feature. scikit-learn multiplies the sparse features
        by `coef_.T`, a strided view, which made predict_proba 8 ms of every message; the same sums over a
        contiguous copy give the same probabilities (a test checks) in a fraction of that."""
        classifier = self.pipeline.named_steps["classifier"]
        if len(classifier.classes_) < 3 or classifier.multi_class not in ("auto", "multinomial"):
            raise ValueError("the intent model is a multinomial logistic regression over three or more intents")
        return np.ascontiguousarray(classifier.coef_.T), classifier.intercept_

    def save(self, directory: Path) -> None:
        joblib.dump(self.pipeline, Path(directory) / MODEL_FILE)

    @classmethod
    def load(cls, directory: Path) -> "IntentModel":
        return cls(joblib.load(Path(directory) / MODEL_FILE))


def base_probabilities(full: dict[str, float]) -> dict[str, float]:
    """Folds retrieval sub-intents ("general_info/cost") into their intent ("general_info")."""
    folded: dict[str, float] = {}
    for label, p in full.items():
        base = label.split("/", 1)[0]
        folded[base] = folded.get(base, 0.0) + p
    return folded
