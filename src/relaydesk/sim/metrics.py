"""Intent and out-of-scope metrics, and the two ways of choosing a rejection threshold.

Pure functions over label arrays and scores; every value is a fraction (0..1). A message
is rejected as out of scope when its out-of-scope score is >= the threshold, so a
threshold of +inf rejects nothing.

In-scope accuracy and out-of-scope recall follow Larson et al. 2019 (CLINC150): an
in-scope message counts as right only if it keeps its own intent, so rejecting it is an
error; "accuracy with the out-of-scope class" scores all messages over N + 1 classes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.metrics import f1_score, matthews_corrcoef, roc_auc_score

Labels = Sequence[str] | NDArray[np.str_]


def accuracy(truth: Labels, predicted: Labels) -> float:
    return float(np.mean(np.asarray(truth) == np.asarray(predicted))) if len(truth) else 0.0


def macro_f1(truth: Labels, predicted: Labels) -> float:
    """Unweighted mean F1 over the true labels; a label never predicted scores 0."""
    labels = sorted(set(truth))
    return float(f1_score(truth, predicted, labels=labels, average="macro", zero_division=0))


def mcc(truth: Labels, predicted: Labels) -> float:
    """Matthews correlation, multi-class (Gorodkin's R_K), as scikit-learn computes it."""
    return float(matthews_corrcoef(truth, predicted))


def auroc(is_oos: ArrayLike, scores: ArrayLike) -> float:
    """Area under the ROC curve with out of scope as the positive class."""
    return float(roc_auc_score(np.asarray(is_oos, dtype=bool), np.asarray(scores, dtype=float)))


def with_rejection(
    predicted: Labels, scores: ArrayLike, threshold: float, oos_label: str
) -> NDArray[np.str_]:
    """The intents after rejecting every message scoring >= threshold."""
    rejected = np.asarray(scores, dtype=float) >= threshold
    return np.where(rejected, oos_label, np.asarray(predicted, dtype=str))


@dataclass(frozen=True)
class OosReport:
    threshold: float
    in_scope_accuracy: float
    oos_recall: float
    oos_precision: float
    oos_fpr: float  # share of in-scope messages wrongly rejected
    accuracy_with_oos_class: float


def oos_report(
    truth: Labels, predicted: Labels, scores: ArrayLike, threshold: float, oos_label: str
) -> OosReport:
    """The out-of-scope metrics at one threshold. `predicted`: each message's best intent."""
    truth = np.asarray(truth)
    final = with_rejection(predicted, scores, threshold, oos_label)
    is_oos, rejected = truth == oos_label, final == oos_label
    return OosReport(
        threshold=threshold,
        in_scope_accuracy=_share(final[~is_oos] == truth[~is_oos]),
        oos_recall=_share(rejected[is_oos]),
        oos_precision=_share(is_oos[rejected]),
        oos_fpr=_share(rejected[~is_oos]),
        accuracy_with_oos_class=_share(final == truth),
    )


def threshold_for_precision(is_oos: ArrayLike, scores: ArrayLike, target: float = 0.9) -> float:
    """The threshold with the highest out-of-scope recall whose precision is >= target.

    Rejecting more never lowers recall, so this is the largest rejected set that keeps
    the precision. +inf (reject nothing) when no threshold reaches the target.
    """
    positive = np.asarray(is_oos, dtype=bool)
    order, cuts, thresholds = _cuts(scores)
    caught = np.concatenate([[0], np.cumsum(positive[order])])[cuts]
    with np.errstate(invalid="ignore", divide="ignore"):
        precise = (cuts > 0) & (caught / cuts >= target)
    return float(thresholds[np.flatnonzero(precise)[-1]]) if precise.any() else np.inf


def threshold_for_accuracy(
    truth: Labels, predicted: Labels, scores: ArrayLike, oos_label: str
) -> float:
    """The threshold maximising accuracy over the N intents + out of scope (Larson et al.).

    Ties go to the threshold that rejects fewer messages.
    """
    truth = np.asarray(truth)
    is_oos = truth == oos_label
    kept_right = ~is_oos & (truth == np.asarray(predicted))
    order, cuts, thresholds = _cuts(scores)
    # Rejecting the top k messages: right are the kept ones still correct plus the
    # rejected ones that really were out of scope.
    lost = np.concatenate([[0], np.cumsum(kept_right[order])])[cuts]
    gained = np.concatenate([[0], np.cumsum(is_oos[order])])[cuts]
    return float(thresholds[int(np.argmax(kept_right.sum() - lost + gained))])


def _cuts(scores: ArrayLike) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.float64]]:
    """Every distinct way to reject the k highest-scoring messages.

    Returns the order (highest score first), the possible k (0, and each k where the
    k-th and (k+1)-th scores differ, and all), and for each k a threshold rejecting
    exactly those: midway between neighbours, so a new score on either side of a
    validation score is treated alike.
    """
    values = np.asarray(scores, dtype=float)
    order = np.argsort(-values, kind="stable")
    ranked = values[order]
    n = len(ranked)
    inner = np.flatnonzero(ranked[:-1] > ranked[1:]) + 1
    cuts = np.concatenate([[0], inner, [n] if n else []]).astype(np.intp)
    thresholds = np.empty(len(cuts))
    thresholds[0] = np.inf
    thresholds[1:-1] = (ranked[inner - 1] + ranked[inner]) / 2
    if n:
        thresholds[-1] = ranked[-1]
    return order, cuts, thresholds


def _share(flags: NDArray[np.bool_]) -> float:
    return float(flags.mean()) if flags.size else 0.0
