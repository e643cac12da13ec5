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
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.utils.extmath import softmax

from bot.understanding.glosses import Glosser

MODEL_FILE = "intent_model.joblib"
GLOSS_FILE = "glosses.json"  # the gloss table the model was trained with: it reads messages with the same one
CHAR_WORDS_KEPT = 20_000  # words whose character n-gram columns are kept (`_char_grams`): a few MB at most
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
    # Each word's character n-gram columns, as read (`_char_grams`); at most CHAR_WORDS_KEPT words.
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
        if not self._countable:
            texts = [whole, *(" ".join(pieces[i] for i in unit) for unit in units)]
            return self._rows(self.pipeline.named_steps["features"].transform(texts))
        (_, words), (_, chars) = self._vectorizers
        read = [whole, *pieces]
        tokenize, preprocess = words.build_tokenizer(), words.build_preprocessor()
        tokens = [tokenize(preprocess(text)) for text in read]
        word_grams = [self._word_grams(words, t) for t in tokens]
        char_grams = [self._char_grams(chars, text) for text in read]
        rows = [(word_grams[0], char_grams[0])]
        for unit in units:
            rows.append((np.concatenate([word_grams[1 + i] for i in unit] + [self._joins(words, tokens, unit)]),
                         np.concatenate([char_grams[1 + i] for i in unit])))
        return self._rows(self._tfidf_rows(rows))

    def _tfidf_rows(self, rows: Sequence[tuple[np.ndarray, np.ndarray]]) -> sp.csr_matrix:
        """The features of texts given as the word and character n-gram columns each holds (repeats counted): what
        the union of the two TfidfVectorizers gives them (sublinear tf times idf, each part to unit length), as one
        matrix built once instead of a dozen along the way."""
        (_, words), (_, chars) = self._vectorizers
        offset = len(words.vocabulary_)
        width = offset + len(chars.vocabulary_)
        keys = np.concatenate([np.concatenate((w, c + offset)) + r * width for r, (w, c) in enumerate(rows)])
        found, counts = np.unique(keys, return_counts=True)  # sorted: row by row, word columns first
        row, column = np.divmod(found, width)
        is_char = column >= offset
        values = np.log(counts.astype(np.float64))
        values += 1
        word_idf, char_idf = self._idfs
        values[~is_char] *= word_idf[column[~is_char]]
        values[is_char] *= char_idf[column[is_char] - offset]
        part = 2 * row + is_char  # each row's words, then its characters, to unit length
        values /= np.sqrt(np.bincount(part, weights=values * values, minlength=2 * len(rows)))[part]
        indptr = np.concatenate(([0], np.cumsum(np.bincount(row, minlength=len(rows)))))
        return sp.csr_matrix((values, column, indptr), shape=(len(rows), width))

    @staticmethod
    def _word_grams(words: TfidfVectorizer, tokens: list[str]) -> np.ndarray:
        """The word n-gram columns of a text's tokens, as CountVectorizer counts them (unknown n-grams dropped)."""
        vocabulary = words.vocabulary_
        grams = words._word_ngrams(tokens)
        return np.array([vocabulary[g] for g in grams if g in vocabulary], dtype=np.int64)

    def _char_grams(self, chars: TfidfVectorizer, text: str) -> np.ndarray:
        """The character n-gram columns of a text, word by word: a char_wb n-gram never leaves its word, so a
        text's are its words' and each word's columns are looked up once, not each time it is written (the same
        counts; a story's words are mostly words read before)."""
        known = self._char_columns
        if len(known) > CHAR_WORDS_KEPT:  # a bound on what is kept, not a cache policy worth more
            known.clear()
        words = chars.build_preprocessor()(text).split()
        columns = [known[w] if w in known else self._char_word(chars, w) for w in words]
        return np.concatenate(columns) if columns else _NO_COLUMNS

    def _char_word(self, chars: TfidfVectorizer, word: str) -> np.ndarray:
        vocabulary = chars.vocabulary_
        grams = chars._char_wb_ngrams(word)
        columns = np.array([vocabulary[g] for g in grams if g in vocabulary], dtype=np.int64)
        self._char_columns[word] = columns
        return columns

    @staticmethod
    def _joins(words: TfidfVectorizer, tokens: Sequence[list[str]], unit: Sequence[int]) -> np.ndarray:
        """The word pairs that span the joins of a unit of pieces ("...his speech." + "They..." gives "speech
        they"); `tokens`: the whole's, then each piece's."""
        joined = [tokens[1 + i] for i in unit if tokens[1 + i]]
        spans = (words.vocabulary_.get(f"{before[-1]} {after[0]}") for before, after in zip(joined, joined[1:]))
        return np.array([column for column in spans if column is not None], dtype=np.int64)

    @cached_property
    def _countable(self) -> bool:
        """True when the features are the ones `rows_of_joined` counts itself (else it asks the pipeline)."""
        (_, words), (_, chars) = self._vectorizers
        return (isinstance(chars, TfidfVectorizer) and chars.analyzer == "char_wb" and words.analyzer == "word"
                and words.ngram_range == (1, 2) and words.stop_words is None
                and all(v.sublinear_tf and v.use_idf and v.norm == "l2" and not v.binary for v in (words, chars)))

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
