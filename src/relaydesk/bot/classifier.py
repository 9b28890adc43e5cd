"""Intent classifiers: a small protocol, and the n-gram model that ships by default.

The protocol is what the NLU needs from any backend: fit on texts, rank intents for one
text with calibrated confidences. Backends may add batch methods for the benchmark
(`labels`, `predict_proba`, `oos_scores`); relaydesk.bot.backends describes them.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from scipy.special import expit
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.svm import LinearSVC


@dataclass(frozen=True)
class IntentScore:
    intent: str
    confidence: float  # 0..1; the scores of one ranking sum to 1


class IntentClassifier(Protocol):
    def fit(self, texts: Sequence[str], intents: Sequence[str]) -> None: ...

    def rank(self, text: str) -> list[IntentScore]:
        """Every known intent, most likely first."""
        ...


class NgramClassifier:
    """TF-IDF word 1-2-grams and char_wb 2-5-grams into a linear SVM, Platt-calibrated.

    Word n-grams carry meaning ("charged twice"); character n-grams carry typos, casual
    spellings and Indonesian affixes ("nyampe", "pembyaran", "terkuncinya"). Each class's
    SVM score is mapped to a probability by a sigmoid fitted on out-of-fold scores (Platt
    scaling, as scikit-learn's CalibratedClassifierCV does), so the out-of-scope threshold
    is set against probabilities rather than raw margins. Training takes well under a second.
    """

    def __init__(self, *, c: float = 0.5, folds: int = 5, random_state: int = 0) -> None:
        self._c, self._folds, self._random_state = c, folds, random_state
        self._labels: tuple[str, ...] = ()
        self._features: list[_OneText] = []
        self._vectorizers: list[TfidfVectorizer] = []

    @property
    def labels(self) -> tuple[str, ...]:
        """The intents, in the column order of `predict_proba`."""
        return self._labels

    def fit(self, texts: Sequence[str], intents: Sequence[str]) -> None:
        smallest = min(Counter(intents).values(), default=0)
        if smallest < 2 or len(set(intents)) < 2:
            raise ValueError("need two or more intents with at least two examples each")
        vectorizers = ngram_vectorizers()
        matrix = sparse.hstack([v.fit_transform(texts) for v in vectorizers], format="csr")
        fitted = fit_calibrated_svm(
            matrix, intents, c=self._c, folds=min(self._folds, smallest),
            random_state=self._random_state,
        )  # fmt: skip
        self._labels, self._platt, self._bias = fitted.labels, fitted.platt, fitted.bias
        self._weights = fitted.weights
        offsets = np.cumsum([0] + [len(v.vocabulary_) for v in vectorizers])[:-1]
        self._features = [
            _OneText(v, int(off)) for v, off in zip(vectorizers, offsets, strict=True)
        ]
        self._vectorizers = vectorizers

    def rank(self, text: str) -> list[IntentScore]:
        self._check_fitted("rank")
        scores = self._bias.copy()
        for features in self._features:
            indices, values = features(text)
            if len(indices):
                scores += values @ self._weights[indices]
        probabilities = self._calibrate(scores[None, :])[0]
        order = np.argsort(-probabilities, kind="stable")
        return [IntentScore(self._labels[i], float(probabilities[i])) for i in order]

    def predict_proba(self, texts: Sequence[str]) -> NDArray[np.float64]:
        """`rank`'s probabilities for many texts at once: one row per text, columns in
        `labels` order. The same numbers as `rank`, through scikit-learn's batch transform."""
        self._check_fitted("predict_proba")
        matrix = sparse.hstack([v.transform(texts) for v in self._vectorizers], format="csr")
        return self._calibrate(np.asarray(matrix @ self._weights) + self._bias)

    def _check_fitted(self, method: str) -> None:
        if not self._labels:
            raise RuntimeError(f"NgramClassifier.{method} called before fit")

    def _calibrate(self, scores: NDArray[np.float64]) -> NDArray[np.float64]:
        slope, intercept = self._platt
        probabilities: NDArray[np.float64] = expit(slope * scores + intercept)
        return probabilities / probabilities.sum(axis=1, keepdims=True)


def ngram_vectorizers() -> list[TfidfVectorizer]:
    """Word 1-2-grams (meaning) and character 2-5-grams (typos, affixes), unfitted."""
    return [
        TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True,
                        token_pattern=r"(?u)\b\w+\b"),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
    ]  # fmt: skip


@dataclass(frozen=True)
class CalibratedSvm:
    labels: tuple[str, ...]
    platt: tuple[NDArray[np.float64], NDArray[np.float64]]
    weights: NDArray[np.float64]  # (n_features, n_classes), contiguous for row gathers
    bias: NDArray[np.float64]
    held_out: NDArray[np.float64]  # out-of-fold SVM scores of the training rows


def fit_calibrated_svm(
    matrix: Any, intents: Sequence[str], *, c: float, folds: int, random_state: int
) -> CalibratedSvm:
    """A linear SVM on `matrix`, with per-class Platt scaling fitted on out-of-fold scores."""
    labels = np.asarray(intents)
    splits = StratifiedKFold(folds, shuffle=True, random_state=random_state)
    svm = LinearSVC(C=c, random_state=random_state)
    held_out = cross_val_predict(svm, matrix, labels, cv=splits, method="decision_function")
    svm.fit(matrix, labels)
    coef, bias = svm.coef_, svm.intercept_
    if held_out.ndim == 1:  # two classes: one score, positive for the second class
        held_out = np.column_stack([-held_out, held_out])
        coef, bias = np.vstack([-coef, coef]), np.concatenate([-bias, bias])
    names = tuple(str(label) for label in svm.classes_)
    platt = _fit_platt(held_out, labels, names)
    return CalibratedSvm(names, platt, np.ascontiguousarray(coef.T), bias, held_out)


class _OneText:
    """One message's TF-IDF row, computed directly from a fitted vectorizer.

    Same arithmetic as `TfidfVectorizer.transform` (sublinear tf, idf, l2 norm), without
    its per-call checks and sparse-matrix building, which cost ten times the arithmetic
    for one short text. tests/bot/test_nlu.py holds the two to the same numbers.
    """

    def __init__(self, vectorizer: TfidfVectorizer, offset: int) -> None:
        self._analyze: Callable[[str], list[str]] = vectorizer.build_analyzer()
        self._vocabulary: dict[str, int] = vectorizer.vocabulary_
        self._idf: NDArray[np.float64] = vectorizer.idf_
        self._offset = offset

    def __call__(self, text: str) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
        counts = Counter(self._analyze(text))
        known = [(self._vocabulary[t], n) for t, n in counts.items() if t in self._vocabulary]
        if not known:
            return np.empty(0, dtype=np.intp), np.empty(0)
        indices = np.fromiter((i for i, _ in known), dtype=np.intp, count=len(known))
        tf = np.fromiter((1.0 + math.log(n) for _, n in known), dtype=float, count=len(known))
        values = tf * self._idf[indices]
        return indices + self._offset, values / np.linalg.norm(values)


def _fit_platt(
    scores: NDArray[np.float64], labels: NDArray[np.str_], classes: tuple[str, ...]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """A sigmoid per class from held-out SVM scores to "is this the class" (Platt 1999)."""
    slopes, intercepts = np.empty(len(classes)), np.empty(len(classes))
    for k, label in enumerate(classes):
        model = LogisticRegression(C=1e4).fit(scores[:, k : k + 1], labels == label)
        slopes[k], intercepts[k] = model.coef_[0, 0], model.intercept_[0]
    return slopes, intercepts
