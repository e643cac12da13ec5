"""The intent model: TF-IDF over words and character n-grams with a logistic regression.

Chosen over DIET because it trains in seconds, gives the same model for the same data, reads typos
through character n-grams, and scores the dozens of sentence windows of a long story in one call.
Retrieval intents are learned at full depth ("general_info/what_is_iep") so the FAQ answer comes
from the same model; `base_probabilities` folds them back into their intent. A message with Spanish in
it is read with English glosses beside its Spanish words (bot/understanding/glosses.py), so Spanish
stories share what the English ones taught.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
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

from bot.understanding.glosses import Glosser

MODEL_FILE = "intent_model.joblib"
GLOSS_FILE = "glosses.json"  # the gloss table the model was trained with: it reads messages with the same one


def _pipeline(seed: int) -> Pipeline:
    features = FeatureUnion([
        ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1, lowercase=True,
                                  token_pattern=r"(?u)\b\w[\w']*\b")),
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2,
                                  lowercase=True)),
    ])
    classifier = LogisticRegression(C=12.0, max_iter=4000, random_state=seed)  # weighted per example: see below
    return Pipeline([("features", features), ("classifier", classifier)])


def intent_weights(labels: Sequence[str]) -> np.ndarray:
    """Each example's weight, so that every intent weighs the same in all, its retrieval keys sharing its share.
    Balanced per full label instead, general_info's fifteen FAQ keys weighed fifteen situations: on real parents'
    stories it was the first answer far too often."""
    bases = [label.split("/", 1)[0] for label in labels]
    counts = Counter(bases)
    return np.array([len(bases) / (len(counts) * counts[base]) for base in bases])


@dataclass
class IntentModel:
    pipeline: Pipeline
    glosser: Glosser = field(default_factory=Glosser)  # empty: a model trained without glosses reads without them

    @classmethod
    def train(cls, texts: Sequence[str], labels: Sequence[str], seed: int = 42,
              glosser: Glosser | None = None) -> "IntentModel":
        if len(set(labels)) < 2:
            raise ValueError("the intent model needs examples of at least two intents")
        glosser = Glosser.from_file() if glosser is None else glosser
        pipeline = _pipeline(seed)
        pipeline.fit([_read(glosser, t) for t in texts], list(labels),
                     classifier__sample_weight=intent_weights(labels))
        for _, vectorizer in pipeline.named_steps["features"].transformer_list:
            vectorizer.stop_words_ = None  # every n-gram min_df dropped, kept only to be looked at: tens of MB
        return cls(pipeline, glosser)

    def __post_init__(self) -> None:
        # The weights laid out feature by feature (see `_weights`), once: the same numbers, and no second copy.
        classifier = self.pipeline.named_steps["classifier"]
        if hasattr(classifier, "coef_"):
            classifier.coef_ = np.asfortranarray(classifier.coef_)

    @property
    def labels(self) -> list[str]:
        return list(self.pipeline.classes_)

    def probabilities(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """Probability of each full label (retrieval intents at full depth) for each text."""
        read = [_read(self.glosser, t) for t in texts]
        return self._probabilities(self.pipeline.named_steps["features"].transform(read))

    def probabilities_of_joined(self, whole: str, pieces: Sequence[str], units: Sequence[Sequence[int]]
                                ) -> list[dict[str, float]]:
        """The probabilities of `whole`, then of each unit: the pieces it lists joined by one space."""
        labels = self.labels
        return [dict(zip(labels, map(float, row))) for row in self.rows_of_joined(whole, pieces, units)]

    def rows_of_joined(self, whole: str, pieces: Sequence[str], units: Sequence[Sequence[int]]) -> np.ndarray:
        """`probabilities_of_joined` as one row per text, one column per label (`labels`).

        The same numbers as scoring `[whole, *joined units]`, for less: each piece is read once instead of once
        per unit holding it (a long story's sentence pairs read every sentence twice more). Character n-grams
        stay inside a word and word tokens never cross a space, so a joined unit's counts are the sum of its
        pieces' counts, plus, for words, the one pair that spans each join. Glosses go word by word, decided
        once for the whole message, so the same holds for a glossed message."""
        if self.glosser.table and self.glosser.applies(whole):
            whole, pieces = self.glosser.gloss(whole), [self.glosser.gloss(p) for p in pieces]
        texts = [whole, *(" ".join(pieces[i] for i in unit) for unit in units)]
        (_, words), (_, chars) = self._vectorizers
        if not isinstance(chars, TfidfVectorizer) or chars.analyzer != "char_wb" or words.analyzer != "word" \
                or words.ngram_range != (1, 2) or words.stop_words is not None:
            return self._rows(self.pipeline.named_steps["features"].transform(texts))
        read = [whole, *pieces]
        rows = [0, *(row for row, unit in enumerate(units, start=1) for _ in unit)]
        columns = [0, *(1 + i for unit in units for i in unit)]
        compose = sp.csr_matrix((np.ones(len(rows)), (rows, columns)), shape=(len(texts), len(read)))
        word_counts = compose @ CountVectorizer.transform(words, read) + self._joins(words, pieces, units, len(texts))
        char_counts = compose @ CountVectorizer.transform(chars, read)  # raw counts, as TfidfVectorizer makes them
        return self._rows(sp.hstack([words._tfidf.transform(word_counts, copy=False),
                                     chars._tfidf.transform(char_counts, copy=False)]).tocsr())

    @staticmethod
    def _joins(words: TfidfVectorizer, pieces: Sequence[str], units: Sequence[Sequence[int]], n_rows: int
               ) -> sp.csr_matrix:
        """The word pairs that span the joins of each unit ("...his speech." + "They..." gives "speech they")."""
        preprocess, tokenize = words.build_preprocessor(), words.build_tokenizer()
        tokens = [tokenize(preprocess(piece)) for piece in pieces]
        rows, columns = [], []
        for row, unit in enumerate(units, start=1):
            joined = [tokens[i] for i in unit if tokens[i]]
            for before, after in zip(joined, joined[1:]):
                column = words.vocabulary_.get(f"{before[-1]} {after[0]}")
                if column is not None:
                    rows.append(row)
                    columns.append(column)
        return sp.csr_matrix((np.ones(len(rows)), (rows, columns)), shape=(n_rows, len(words.vocabulary_)))

    def _probabilities(self, features: sp.spmatrix) -> list[dict[str, float]]:
        labels = self.labels
        return [dict(zip(labels, map(float, row))) for row in self._rows(features)]

    def _rows(self, features: sp.spmatrix) -> np.ndarray:
        weights, intercept = self._weights
        return softmax(np.asarray(features @ weights) + intercept)

    @cached_property
    def intents(self) -> tuple[tuple[str, ...], np.ndarray]:
        """The intents with retrieval keys folded in ("general_info/cost" into "general_info"), and the 0/1
        matrix that folds a row of label probabilities into them: `rows @ matrix`."""
        bases = tuple(dict.fromkeys(label.split("/", 1)[0] for label in self.labels))
        fold = np.zeros((len(self.labels), len(bases)))
        for i, label in enumerate(self.labels):
            fold[i, bases.index(label.split("/", 1)[0])] = 1.0
        return bases, fold

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
        contiguous array give the same probabilities (a test checks) in a fraction of that. `__post_init__` stores
        `coef_` column-major, so its transpose is that array itself, not a copy beside it."""
        classifier = self.pipeline.named_steps["classifier"]
        if len(classifier.classes_) < 3 or classifier.multi_class not in ("auto", "multinomial"):
            raise ValueError("the intent model is a multinomial logistic regression over three or more intents")
        return np.ascontiguousarray(classifier.coef_.T), classifier.intercept_

    def save(self, directory: Path) -> None:
        joblib.dump(self.pipeline, Path(directory) / MODEL_FILE)
        (Path(directory) / GLOSS_FILE).write_text(json.dumps(dict(self.glosser.table), ensure_ascii=False),
                                                  encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> "IntentModel":
        glosses = Path(directory) / GLOSS_FILE
        table = json.loads(glosses.read_text(encoding="utf-8")) if glosses.exists() else {}
        return cls(joblib.load(Path(directory) / MODEL_FILE), Glosser(table))


def _read(glosser: Glosser, text: str) -> str:
    """A message as the model reads it: with glosses when it has Spanish in it."""
    return glosser.gloss(text) if glosser.table and glosser.applies(text) else text


def base_probabilities(full: dict[str, float]) -> dict[str, float]:
    """Folds retrieval sub-intents ("general_info/cost") into their intent ("general_info")."""
    folded: dict[str, float] = {}
    for label, p in full.items():
        base = label.split("/", 1)[0]
        folded[base] = folded.get(base, 0.0) + p
    return folded
