"""Intent backends by name, and the optional batch methods a backend may offer.

Every backend is an `IntentClassifier` (`fit`, `rank`). Scoring thousands of benchmark
messages one `rank` at a time is slow, so a backend may also offer, and the benchmark
uses when present:

- `labels: tuple[str, ...]`: the intents, in column order of `predict_proba`;
- `predict_proba(texts) -> ndarray`: n_texts x n_labels, each row sums to 1;
- `oos_scores(texts) -> ndarray`: one score per text, higher = more likely out of scope.

Without them, `probabilities` falls back to `rank` per text and `oos_scores` to
1 - the highest probability (the baseline of Hendrycks & Gimpel 2017).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from relaydesk.bot.classifier import IntentClassifier

BACKENDS = ("ngram", "embeddings")
DEFAULT_BACKEND = "ngram"
EMBEDDINGS_INSTALL = "pip install 'relaydesk[embeddings]'"


class BackendError(ValueError):
    """An unknown backend, or one whose optional dependencies are not installed."""


@runtime_checkable
class BatchProbabilities(Protocol):
    @property
    def labels(self) -> tuple[str, ...]: ...

    def predict_proba(self, texts: Sequence[str]) -> NDArray[np.float64]: ...


@runtime_checkable
class OutOfScopeScorer(Protocol):
    def oos_scores(self, texts: Sequence[str]) -> NDArray[np.float64]: ...


def forget_remembered_texts() -> None:
    """Backends that remember the texts they encoded forget them, so that a latency
    measurement sees every message as new, as a customer's message always is."""
    embeddings = sys.modules.get("relaydesk.bot.embeddings")
    if embeddings is not None:
        embeddings.shared_encoder().forget()


def make_classifier(name: str, **options: Any) -> IntentClassifier:
    """An unfitted classifier of backend `name`; `options` go to its constructor."""
    # Backends are imported on demand: the command line imports this module for its
    # names, and scikit-learn alone takes seconds to load.
    if name == "ngram":
        from relaydesk.bot.classifier import NgramClassifier

        return NgramClassifier(**options)
    if name == "embeddings":
        try:
            # torch and sentence-transformers are an optional extra.
            from relaydesk.bot.embeddings import EmbeddingClassifier
        except ImportError as exc:
            raise BackendError(
                f"the embeddings backend is not installed ({exc}); "
                f"install it with: {EMBEDDINGS_INSTALL}"
            ) from exc
        classifier: IntentClassifier = EmbeddingClassifier(**options)
        return classifier
    raise BackendError(f"unknown backend {name!r}; choose one of: {', '.join(BACKENDS)}")


def probabilities(
    classifier: IntentClassifier, texts: Sequence[str]
) -> tuple[tuple[str, ...], NDArray[np.float64]]:
    """(labels, n_texts x n_labels probabilities), in batch when the backend can."""
    if isinstance(classifier, BatchProbabilities):
        return classifier.labels, np.asarray(classifier.predict_proba(texts), dtype=float)
    labels: tuple[str, ...] = ()
    rows = []
    for text in texts:
        ranking = classifier.rank(text)
        if not labels:
            labels = tuple(sorted(s.intent for s in ranking))
        by_intent = {s.intent: s.confidence for s in ranking}
        rows.append([by_intent[label] for label in labels])
    return labels, np.asarray(rows, dtype=float).reshape(len(texts), len(labels))


def oos_scores(
    classifier: IntentClassifier, texts: Sequence[str], probabilities: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Out-of-scope scores for `texts`, whose `probabilities` the caller already has."""
    if isinstance(classifier, OutOfScopeScorer):
        return np.asarray(classifier.oos_scores(texts), dtype=float)
    return 1.0 - probabilities.max(axis=1)
