"""Benchmark metrics against hand-computed values; threshold choice on synthetic scores."""

from __future__ import annotations

import math

import numpy as np
import pytest

from relaydesk.sim import metrics

OOS = "oos"


def test_accuracy_macro_f1_and_mcc_by_hand() -> None:
    truth = ["a", "a", "b", "c"]
    predicted = ["a", "b", "b", "c"]
    assert metrics.accuracy(truth, predicted) == 0.75
    # F1 of a: P 1, R 1/2 -> 2/3; of b: P 1/2, R 1 -> 2/3; of c: 1.
    assert metrics.macro_f1(truth, predicted) == pytest.approx((2 / 3 + 2 / 3 + 1) / 3)
    # Two classes: TP 1, FN 1, TN 2, FP 0 -> (1*2 - 0*1) / sqrt(1 * 2 * 2 * 3).
    assert metrics.mcc(["y", "y", "n", "n"], ["y", "n", "n", "n"]) == pytest.approx(
        2 / math.sqrt(12)
    )


def test_macro_f1_counts_a_label_never_predicted_as_zero() -> None:
    assert metrics.macro_f1(["a", "b"], ["a", "a"]) == pytest.approx((2 / 3 + 0) / 2)


def test_auroc_treats_out_of_scope_as_positive() -> None:
    # Positive/negative pairs ordered right: (.9,.8) (.9,.1) (.3,.1); wrong: (.3,.8).
    assert metrics.auroc([1, 0, 1, 0], [0.9, 0.8, 0.3, 0.1]) == 0.75


def test_oos_report_by_hand() -> None:
    truth = ["a", "b", "a", OOS, OOS, "b"]
    predicted = ["a", "b", "b", "a", "b", "b"]
    scores = [0.1, 0.7, 0.2, 0.9, 0.3, 0.1]
    # At 0.5 rows 1 and 3 are rejected: one in-scope (b, right before), one out of scope.
    report = metrics.oos_report(truth, predicted, scores, 0.5, OOS)
    assert report.in_scope_accuracy == 2 / 4  # rows 0 and 5; row 1 lost, row 2 wrong
    assert report.oos_recall == 1 / 2
    assert report.oos_precision == 1 / 2
    assert report.oos_fpr == 1 / 4
    assert report.accuracy_with_oos_class == 3 / 6
    nothing = metrics.oos_report(truth, predicted, scores, math.inf, OOS)
    assert (nothing.oos_recall, nothing.oos_precision, nothing.oos_fpr) == (0.0, 0.0, 0.0)


def test_with_rejection_keeps_labels_whole() -> None:
    got = metrics.with_rejection(["a", "longer_intent"], [0.6, 0.1], 0.5, "out_of_scope")
    assert got.tolist() == ["out_of_scope", "longer_intent"]


# Highest score first: oos oos in oos oos in in
RANKED_OOS = np.array([1, 1, 0, 1, 1, 0, 0], dtype=bool)
RANKED_SCORES = np.array([0.95, 0.9, 0.85, 0.8, 0.7, 0.6, 0.5])


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (0.9, (0.9 + 0.85) / 2),  # top 2: precision 1
        (0.75, (0.7 + 0.6) / 2),  # top 5: precision 4/5, the largest set still >= 0.75
        (0.5, 0.5),  # all seven: precision 4/7 >= 0.5
    ],
)
def test_threshold_for_precision_takes_the_most_recall_at_that_precision(
    target: float, expected: float
) -> None:
    shuffle = np.random.default_rng(0).permutation(len(RANKED_SCORES))
    got = metrics.threshold_for_precision(RANKED_OOS[shuffle], RANKED_SCORES[shuffle], target)
    assert got == pytest.approx(expected)


def test_threshold_for_precision_rejects_nothing_when_out_of_reach() -> None:
    assert metrics.threshold_for_precision([0, 0, 1], [0.9, 0.8, 0.1], 0.9) == math.inf


def test_a_threshold_never_splits_tied_scores() -> None:
    # Rejecting only one of the two 0.8s would give precision 1; a threshold cannot.
    got = metrics.threshold_for_precision([1, 0, 0], [0.8, 0.8, 0.1], 0.9)
    assert got == math.inf


def test_threshold_for_accuracy_by_hand() -> None:
    truth = ["a", OOS, "b", "a"]
    predicted = ["a", "a", "b", "b"]
    # Rejecting the top one (the real oos) gains one; the next (already wrong) changes
    # nothing, so the tie goes to rejecting less.
    got = metrics.threshold_for_accuracy(truth, predicted, [0.1, 0.9, 0.5, 0.6], OOS)
    assert got == pytest.approx(0.75)


def test_threshold_for_accuracy_is_the_best_of_all_thresholds() -> None:
    rng = np.random.default_rng(7)
    for _ in range(20):
        n = 40
        truth = rng.choice(["a", "b", OOS], size=n)
        predicted = rng.choice(["a", "b"], size=n)
        scores = np.round(rng.random(n) + 0.4 * (truth == OOS), 2)  # ties included
        reports = {
            t: metrics.oos_report(truth, predicted, scores, t, OOS).accuracy_with_oos_class
            for t in [math.inf, *scores]
        }
        chosen = metrics.threshold_for_accuracy(truth, predicted, scores, OOS)
        got = metrics.oos_report(truth, predicted, scores, chosen, OOS).accuracy_with_oos_class
        assert got == max(reports.values())
