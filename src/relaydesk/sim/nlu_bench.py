"""`relaydesk nlu bench`: an intent backend on a train/test pair, by the protocol of
shared/data/README.md.

1. Train on the train split (never on out-of-scope rows), evaluate once on test:
   accuracy, macro-F1 and Matthews correlation on the in-scope test rows, as means over
   seeds (the n-gram model's SVM and calibration folds are shuffled by the seed).
2. Out of scope (with `oos_label`): one rejection threshold for precision >= 0.90 on the
   out-of-scope class, one for the best accuracy over N + 1 classes (Larson et al.'s
   operating point), both chosen on validation data, then reported on test. Without a
   validation split the in-scope part of the threshold data is the training split scored
   out of fold, and the out-of-scope part is the training file's out-of-scope rows,
   which are held out of training for that alone.
3. Latency: one message at a time through `rank`, as the bot calls it.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.model_selection import StratifiedKFold

from relaydesk.bot.backends import (
    forget_remembered_texts,
    make_classifier,
    oos_scores,
    probabilities,
)
from relaydesk.bot.classifier import IntentClassifier
from relaydesk.sim import metrics
from relaydesk.sim.nlu_data import Labelled

Say = Callable[[str], None]

PRECISION_TARGET = 0.90
THRESHOLD_FOLDS = 5
LATENCY_MESSAGES = 500


class BenchError(ValueError):
    """The data cannot be evaluated as asked; the message says why."""


@dataclass(frozen=True)
class Reading:
    """A fitted classifier's best intent and out-of-scope score for each of some texts."""

    predicted: NDArray[np.str_]
    scores: NDArray[np.float64]


def read(classifier: IntentClassifier, texts: tuple[str, ...]) -> Reading:
    labels, probs = probabilities(classifier, texts)
    predicted = np.asarray(labels)[probs.argmax(axis=1)] if len(texts) else np.asarray([])
    return Reading(predicted.astype(str), oos_scores(classifier, texts, probs))


@dataclass(frozen=True)
class _Plan:
    backend: str
    train: Labelled  # in-scope rows only
    train_oos: Labelled | None  # never trained on; threshold data when there is no val
    test: Labelled
    val: Labelled | None
    oos_label: str | None


def run_bench(
    train: Labelled,
    test: Labelled,
    *,
    val: Labelled | None = None,
    oos_label: str | None = None,
    backend: str = "ngram",
    seeds: int = 3,
    say: Say = lambda _: None,
) -> dict[str, Any]:
    """Train and test `backend` once per seed; the report described in the module doc."""
    if seeds < 1:
        raise BenchError("seeds must be 1 or more")
    train_in, train_oos = train.split(oos_label) if oos_label else (train, None)
    plan = _Plan(backend, train_in, train_oos, test, val, oos_label)
    _check(plan, say)
    # First, while every test message is new to any backend that remembers what it saw.
    pipeline = pipeline_latency(backend, test.texts, say)
    runs = [_one_seed(plan, seed, say) for seed in range(seeds)]
    report: dict[str, Any] = {
        "backend": backend,
        "units": "metrics in percent, train_s in seconds, latency in milliseconds",
        "n_train": len(train_in),
        "n_test": len(test),
        "n_labels": len(set(train_in.labels)),
        "seeds": seeds,
        **{k: _mean(runs, k) for k in ("accuracy", "macro_f1", "mcc")},
        "train_s": round(float(np.mean([r["train_s"] for r in runs])), 2),
        **runs[0]["latency"],
        **pipeline,
        "per_seed": [
            _public({k: v for k, v in r.items() if k not in ("oos", "latency")}) for r in runs
        ],
    }
    if oos_label:
        report["oos"] = _oos_summary(runs, plan)
    return report


def _one_seed(plan: _Plan, seed: int, say: Say) -> dict[str, Any]:
    say(f"seed {seed}: training {plan.backend} on {len(plan.train)} texts, "
        f"{len(set(plan.train.labels))} intents")  # fmt: skip
    classifier = make_classifier(plan.backend, random_state=seed)
    started = time.perf_counter()
    classifier.fit(plan.train.texts, plan.train.labels)
    run: dict[str, Any] = {"seed": seed, "train_s": time.perf_counter() - started}
    if seed == 0:
        # Timed before the batch read: a backend may remember the messages it has seen
        # (the embeddings backend does), and a customer's message is always new.
        run["latency"] = _latency(classifier, plan.test.texts)
    on_test = read(classifier, plan.test.texts)
    in_scope = np.asarray(plan.test.labels) != plan.oos_label
    truth, predicted = np.asarray(plan.test.labels)[in_scope], on_test.predicted[in_scope]
    run["accuracy"] = metrics.accuracy(truth, predicted)
    run["macro_f1"] = metrics.macro_f1(truth, predicted)
    run["mcc"] = metrics.mcc(truth, predicted)
    if plan.oos_label:
        basis = _threshold_basis(plan, classifier, seed, say)
        run["oos"] = _out_of_scope(basis, plan.test, on_test, plan.oos_label)
    say(f"seed {seed}: accuracy {run['accuracy']:.2%}, trained in {run['train_s']:.1f}s")
    return run


def _check(plan: _Plan, say: Say) -> None:
    counts = Counter(plan.train.labels)
    if len(counts) < 2 or min(counts.values()) < 2:
        raise BenchError(
            f"{plan.train.source}: training needs two or more labels with at least two rows each"
        )
    unseen = set(plan.test.labels) - set(counts) - {plan.oos_label}
    if unseen:
        say(f"warning: {len(unseen)} test labels never seen in training, e.g. {min(unseen)!r}")
    if not plan.oos_label:
        if plan.val is not None:
            say("warning: the validation file only serves out-of-scope thresholds; ignored")
        return
    _check_oos(plan.test, plan.oos_label, "the test data")
    if plan.val is not None:
        _check_oos(plan.val, plan.oos_label, "the validation data")
    elif plan.train_oos is None or not len(plan.train_oos):
        label = plan.oos_label
        raise BenchError(
            f"choosing an out-of-scope threshold needs {label!r} examples: give a validation "
            f"file with {label!r} rows, or put some in the training file (they are held out "
            "of training and used for the threshold only)"
        )


def _check_oos(data: Labelled, oos_label: str, what: str) -> None:
    if oos_label not in data.labels:
        raise BenchError(f"{what} ({data.source}) has no rows labelled {oos_label!r}")


def _threshold_basis(
    plan: _Plan, classifier: IntentClassifier, seed: int, say: Say
) -> tuple[NDArray[np.str_], Reading]:
    """The labelled readings a threshold is chosen on: the validation split's; without
    one, the in-scope training rows each read by a model that did not see it (k-fold),
    and the out-of-scope training rows, read by the full model, which never saw them."""
    if plan.val is not None:
        return np.asarray(plan.val.labels), read(classifier, plan.val.texts)
    train, train_oos = plan.train, plan.train_oos
    assert train_oos is not None
    say(f"seed {seed}: no validation split; cross-validating for the threshold")
    texts, labels = np.asarray(train.texts, dtype=object), np.asarray(train.labels)
    folds = StratifiedKFold(
        min(THRESHOLD_FOLDS, min(Counter(train.labels).values())),
        shuffle=True,
        random_state=seed,
    )
    truths, readings = [np.asarray(train_oos.labels)], [read(classifier, train_oos.texts)]
    for fit_rows, held_rows in folds.split(texts, labels):
        fold_model = make_classifier(plan.backend, random_state=seed)
        fold_model.fit(list(texts[fit_rows]), list(labels[fit_rows]))
        truths.append(labels[held_rows])
        readings.append(read(fold_model, tuple(texts[held_rows])))
    return np.concatenate(truths), Reading(
        np.concatenate([r.predicted for r in readings]),
        np.concatenate([r.scores for r in readings]),
    )


def _out_of_scope(
    basis: tuple[NDArray[np.str_], Reading], test: Labelled, on_test: Reading, oos_label: str
) -> dict[str, Any]:
    """Both operating points, chosen on `basis`, measured on test; and test AUROC."""
    truth, reading = basis
    chosen = {
        "precision_90": metrics.threshold_for_precision(
            truth == oos_label, reading.scores, PRECISION_TARGET
        ),
        "larson": metrics.threshold_for_accuracy(
            truth, reading.predicted, reading.scores, oos_label
        ),
    }
    test_truth = np.asarray(test.labels)
    found: dict[str, Any] = {"auroc": metrics.auroc(test_truth == oos_label, on_test.scores)}
    for name, threshold in chosen.items():
        found[name] = asdict(
            metrics.oos_report(test_truth, on_test.predicted, on_test.scores, threshold, oos_label)
        )
    return found


def _latency(classifier: IntentClassifier, texts: tuple[str, ...]) -> dict[str, float]:
    """Median and 95th percentile of one `rank` call, on up to 500 test messages spread
    over the file (files are often sorted by label)."""
    spread = np.linspace(0, len(texts) - 1, min(LATENCY_MESSAGES, len(texts))).astype(int)
    # The first calls pay for lazy set-up; warm up on messages that are not timed.
    for i in range(20):
        classifier.rank(f"warm-up message number {i}")
    sample = [texts[i] for i in spread]
    forget_remembered_texts()
    took = []
    for text in sample:
        started = time.perf_counter()
        classifier.rank(text)
        took.append(time.perf_counter() - started)
    ms = np.asarray(took) * 1000
    return {
        "ms_per_message": round(float(np.median(ms)), 3),
        "ms_per_message_p95": round(float(np.percentile(ms, 95)), 3),
    }


def pipeline_latency(backend: str, texts: tuple[str, ...], say: Say) -> dict[str, float]:
    """What one customer message costs the bot before it answers: the bot's own NLU on
    `backend` (intent, language, entities) and then every escalation signal."""
    from relaydesk.domain.turn import BotTurn, CustomerView, EscalationInput
    from relaydesk.domain.vocab import BotOutcome
    from relaydesk.escalation.signals import compute_signals
    from relaydesk.service.bootstrap import build_nlu

    say(f"timing the bot's NLU ({backend}) plus every escalation signal, one message at a time")
    nlu = build_nlu(backend)
    customer = CustomerView()
    spread = np.linspace(0, len(texts) - 1, min(LATENCY_MESSAGES, len(texts))).astype(int)
    for i in range(20):
        nlu.understand(f"warm-up message number {i}")
    forget_remembered_texts()
    took = []
    for text in (texts[i] for i in spread):
        started = time.perf_counter()
        understanding = nlu.understand(text)
        turn = BotTurn(understanding, BotOutcome.ANSWERED, reply="", topic="general")
        compute_signals(EscalationInput(text, turn, (), customer, "webchat"))
        took.append(time.perf_counter() - started)
    ms = np.asarray(took) * 1000
    return {
        "pipeline_ms_per_message": round(float(np.median(ms)), 3),
        "pipeline_ms_per_message_p95": round(float(np.percentile(ms, 95)), 3),
    }


def _oos_summary(runs: list[dict[str, Any]], plan: _Plan) -> dict[str, Any]:
    oos = [r["oos"] for r in runs]
    summary: dict[str, Any] = {
        "label": plan.oos_label,
        "threshold_from": "validation split" if plan.val else "training data, out of fold",
        "n_test_oos": plan.test.labels.count(str(plan.oos_label)),
        "n_train_oos_not_trained_on": len(plan.train_oos) if plan.train_oos else 0,
        "auroc": _mean(oos, "auroc"),
    }
    for point in ("precision_90", "larson"):
        points = [o[point] for o in oos]
        summary[point] = {k: _mean(points, k) for k in points[0] if k != "threshold"}
    summary["per_seed"] = [
        {
            "seed": run["seed"],
            "auroc": _percent(run["oos"]["auroc"]),
            **{p: _public(run["oos"][p]) for p in ("precision_90", "larson")},
        }
        for run in runs
    ]
    return summary


def _mean(rows: list[dict[str, Any]], key: str) -> float:
    return _percent(float(np.mean([row[key] for row in rows])))


def _percent(fraction: float) -> float:
    return round(100 * fraction, 2)


def _public(values: dict[str, Any]) -> dict[str, Any]:
    """Fractions as percent, seconds rounded, thresholds as they are (+inf: none)."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key == "threshold":
            out[key] = round(value, 4) if np.isfinite(value) else None
        elif key == "train_s":
            out[key] = round(value, 2)
        elif isinstance(value, float):
            out[key] = _percent(value)
        else:
            out[key] = value
    return out
