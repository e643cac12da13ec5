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
from sklearn.preprocessing import normalize
from sklearn.utils.extmath import softmax

from bot.understanding.glosses import Glosser

MODEL_FILE = "intent_model.joblib"
GLOSS_FILE = "glosses.json"  # the gloss table the model was trained with: it reads messages with the same one
CHAR_WORDS_KEPT = 20_000  # words whose character n-gram columns are kept (`_char_counts`): a few MB at most
_NO_COLUMNS = np.zeros(0, dtype=np.int64)


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
    # Each word's character n-gram columns, as read (`_char_counts`); at most CHAR_WORDS_KEPT words.
    _char_columns: dict[str, np.ndarray] = field(default_factory=dict, init=False, repr=False, compare=False)

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
                or words.ngram_range != (1, 2) or words.stop_words is not None \
                or not all(v.sublinear_tf and v.use_idf and v.norm == "l2" for v in (words, chars)):
            return self._rows(self.pipeline.named_steps["features"].transform(texts))
        read = [whole, *pieces]
        rows = [0, *(row for row, unit in enumerate(units, start=1) for _ in unit)]
        columns = [0, *(1 + i for unit in units for i in unit)]
        compose = sp.csr_matrix((np.ones(len(rows)), (rows, columns)), shape=(len(texts), len(read)))
        word_counts = compose @ CountVectorizer.transform(words, read) + self._joins(words, pieces, units, len(texts))
        char_counts = compose @ self._char_counts(chars, read)  # raw counts, as TfidfVectorizer makes them
        word_idf, char_idf = self._idfs
        return self._rows(sp.hstack([_tfidf(word_counts, word_idf), _tfidf(char_counts, char_idf)], format="csr"))

    def _char_counts(self, chars: TfidfVectorizer, texts: Sequence[str]) -> sp.csr_matrix:
        """CountVectorizer.transform for the character n-grams, word by word: a char_wb n-gram never leaves its
        word, so a text's counts are the sum of its words' and each word's columns are looked up once, not each
        time it is written (the same counts; a story's words are mostly words read before)."""
        preprocess, known = chars.build_preprocessor(), self._char_columns
        if len(known) > CHAR_WORDS_KEPT:  # a bound on what is kept, not a cache policy worth more
            known.clear()
        data, indices, indptr = [], [], [0]
        for text in texts:
            columns = [known[w] if w in known else self._char_word(chars, w) for w in preprocess(text).split()]
            found, counts = np.unique(np.concatenate(columns) if columns else _NO_COLUMNS, return_counts=True)
            indices.append(found)
            data.append(counts)
            indptr.append(indptr[-1] + len(found))
        return sp.csr_matrix((np.concatenate(data), np.concatenate(indices), indptr),
                             shape=(len(texts), len(chars.vocabulary_)), dtype=chars.dtype)

    def _char_word(self, chars: TfidfVectorizer, word: str) -> np.ndarray:
        vocabulary = chars.vocabulary_
        grams = chars._char_wb_ngrams(word)
        columns = np.array([vocabulary[g] for g in grams if g in vocabulary], dtype=np.int64)
        self._char_columns[word] = columns
        return columns

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
    def _idfs(self) -> tuple[np.ndarray, np.ndarray]:
        """Each vectorizer's idf vector, once. scikit-learn's TfidfTransformer derives it from its diagonal matrix
        (a sum over every feature) on each call, to check it is fitted: over a millisecond of every message."""
        (_, words), (_, chars) = self._vectorizers
        return words.idf_, chars.idf_

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


def _tfidf(counts: sp.spmatrix, idf: np.ndarray) -> sp.csr_matrix:
    """TfidfTransformer.transform with sublinear tf, idf and l2 norm, as the vectorizers were trained: the same
    products, each count's 1 + log(count) times its feature's idf, then each row to unit length."""
    weighted = sp.csr_matrix(counts, dtype=np.float64, copy=True)
    np.log(weighted.data, out=weighted.data)
    weighted.data += 1
    weighted.data *= idf[weighted.indices]
    return normalize(weighted, norm="l2", copy=False)


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
