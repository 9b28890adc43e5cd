"""`relaydesk nlu bench` and `nlu train` end to end on tiny generated data, and the
backends' batch methods. The public data is the command's business, not the tests'."""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from relaydesk.bot import backends
from relaydesk.bot.classifier import IntentScore, NgramClassifier
from relaydesk.bot.intent_data import IntentDataError, TrainingSet, parse_file
from relaydesk.cli import app

runner = CliRunner()

TOPICS = {
    "card_lost": ["lost", "card", "missing", "stolen", "wallet"],
    "refund": ["refund", "money", "back", "return", "repay"],
    "transfer": ["transfer", "send", "account", "iban", "wire"],
}
OOS_WORDS = ["weather", "pizza", "holiday", "football", "music", "recipe"]


def _rows(seed: int, per_label: int, oos: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    rows = [
        (f"please {' '.join(rng.sample(words, 3))} now", label)
        for label, words in TOPICS.items()
        for _ in range(per_label)
    ]
    rows += [(" ".join(rng.sample(OOS_WORDS, 3)), "oos") for _ in range(oos)]
    return rows


def _csv(path: Path, rows: list[tuple[str, str]], header: str = "text,category") -> Path:
    path.write_text(header + "\n" + "".join(f'"{t}",{y}\n' for t, y in rows), encoding="utf-8")
    return path


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    return {
        "train": _csv(tmp_path / "train.csv", _rows(1, 12, 0)),
        "train_oos": _csv(tmp_path / "train_oos.csv", _rows(1, 12, 8)),
        "val": _csv(tmp_path / "val.csv", _rows(2, 5, 6)),
        "test": _csv(tmp_path / "test.csv", _rows(3, 6, 6)),
    }


def _bench(*args: str | Path) -> Any:
    return runner.invoke(app, ["nlu", "bench", "--seeds", "1", *map(str, args)])


def _report(result: Any) -> dict[str, Any]:
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.stdout))


def test_bench_reports_intent_accuracy_and_latency(files: dict[str, Path]) -> None:
    report = _report(_bench("--train", files["train"], "--test", files["test"]))
    assert report["backend"] == "ngram"
    assert (report["n_train"], report["n_test"], report["n_labels"]) == (36, 24, 3)
    # Without --oos-label the oos rows of the test file are just a label never trained on.
    assert report["accuracy"] == pytest.approx(75.0)
    assert 0 <= report["macro_f1"] <= 100 and -100 <= report["mcc"] <= 100
    assert 0 < report["ms_per_message"] <= report["ms_per_message_p95"]
    assert 0 < report["pipeline_ms_per_message"] <= report["pipeline_ms_per_message_p95"]
    assert [s["seed"] for s in report["per_seed"]] == [0]
    assert "oos" not in report


def test_bench_with_an_out_of_scope_label_and_a_validation_file(files: dict[str, Path]) -> None:
    result = _bench(
        "--train", files["train"], "--test", files["test"], "--val", files["val"],
        "--oos-label", "oos",
    )  # fmt: skip
    report = _report(result)
    assert report["accuracy"] == 100.0  # in-scope rows only
    oos = report["oos"]
    assert oos["threshold_from"] == "validation split"
    assert oos["n_test_oos"] == 6
    for point in ("precision_90", "larson"):
        assert set(oos[point]) == {
            "in_scope_accuracy", "oos_recall", "oos_precision", "oos_fpr",
            "accuracy_with_oos_class",
        }  # fmt: skip
        assert oos["per_seed"][0][point]["threshold"] is not None
    assert oos["auroc"] > 90


def test_bench_without_validation_holds_the_training_oos_rows_out(
    files: dict[str, Path],
) -> None:
    report = _report(
        _bench("--train", files["train_oos"], "--test", files["test"], "--oos-label", "oos")
    )
    assert report["n_train"] == 36  # the 8 oos rows were not trained on
    assert report["oos"]["n_train_oos_not_trained_on"] == 8
    assert report["oos"]["threshold_from"] == "training data, out of fold"
    assert report["oos"]["larson"]["oos_recall"] > 50


def test_bench_needs_out_of_scope_examples_for_a_threshold(files: dict[str, Path]) -> None:
    result = _bench("--train", files["train"], "--test", files["test"], "--oos-label", "oos")
    assert result.exit_code == 2
    assert "needs 'oos' examples" in result.stderr


@pytest.mark.parametrize(
    ("content", "where"),
    [
        ("text\nhello\n", ":1: expected 2 columns"),
        ("text,label\nhello,greet\nbye,leave\nwhat\n", ":4: expected 2 columns"),
        ("text,label\nhello,\n", ":2: empty text or label"),
        ("id,source,text,intent\n1,web,hello\n", ":2: expected 4 columns (text,intent)"),
        ("", "empty file"),
    ],
)
def test_bench_names_the_line_of_a_bad_csv(
    tmp_path: Path, files: dict[str, Path], content: str, where: str
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(content, encoding="utf-8")
    result = _bench("--train", bad, "--test", files["test"])
    assert result.exit_code == 2
    assert f"{bad}{where}" in result.stderr or where in result.stderr


def test_bench_errors_are_clear(tmp_path: Path, files: dict[str, Path]) -> None:
    missing = tmp_path / "nope.csv"
    cases: list[tuple[list[str | Path], str]] = [
        (["--train", missing, "--test", files["test"]], f"{missing}: no such file"),
        (["--train", files["train"], "--test", files["test"], "--backend", "bert"],
         "unknown backend 'bert'"),
        (["--train", files["train"]], "give --train and --test, or --suite public"),
        (["--suite", "private"], "unknown suite 'private'"),
        (["--suite", "public", "--data", tmp_path], "no such file"),
    ]  # fmt: skip
    for args, message in cases:
        result = _bench(*args)
        assert result.exit_code == 2, args
        assert message in result.stderr, (args, result.stderr)


def test_columns_are_found_by_name(tmp_path: Path, files: dict[str, Path]) -> None:
    swapped = tmp_path / "swapped.csv"
    swapped.write_text(
        "intent,utterance\n" + "".join(f'{y},"{t}"\n' for t, y in _rows(1, 12, 0)),
        encoding="utf-8",
    )
    report = _report(_bench("--train", swapped, "--test", files["test"]))
    assert report["n_labels"] == 3 and report["accuracy"] == pytest.approx(75.0)


# --- nlu train ------------------------------------------------------------------------

TINY_INTENTS = """\
language: en
intents:
  order_status:
    - where is my order
    - has my parcel shipped
    - track my package
  refund_request:
    - where is my refund
    - refund not received yet
    - when do i get my money back
"""


def test_train_reports_the_training_files(monkeypatch: pytest.MonkeyPatch) -> None:
    examples = tuple(parse_file(TINY_INTENTS, "en.yaml"))
    monkeypatch.setattr(
        "relaydesk.sim.intent_training.load_training_set",
        lambda: TrainingSet(examples, "digest"),
    )
    result = runner.invoke(app, ["nlu", "train"])
    report = _report(result)
    assert (report["examples"], report["intents"], report["cv_folds"]) == (6, 2, 3)
    assert report["examples_per_language"] == {"en": 6}
    assert 0 <= report["cv_accuracy"] <= 100 and report["train_s"] >= 0


def test_train_names_the_broken_file(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> TrainingSet:
        raise IntentDataError("en.yaml:7: unknown intent 'teleport'")

    monkeypatch.setattr("relaydesk.sim.intent_training.load_training_set", broken)
    result = runner.invoke(app, ["nlu", "train"])
    assert result.exit_code == 2
    assert "en.yaml:7: unknown intent 'teleport'" in result.stderr


# --- backends -------------------------------------------------------------------------


def _fitted() -> NgramClassifier:
    rows = _rows(1, 12, 0)
    model = NgramClassifier()
    model.fit([t for t, _ in rows], [y for _, y in rows])
    return model


def test_ngram_batch_probabilities_match_rank() -> None:
    model = _fitted()
    texts = ["please refund my money", "card stolen", "zzz", "send a wire to my iban"]
    labels, probs = backends.probabilities(model, texts)
    assert labels == model.labels == tuple(sorted(TOPICS))
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    for text, row in zip(texts, probs, strict=True):
        by_intent = {s.intent: s.confidence for s in model.rank(text)}
        np.testing.assert_allclose(row, [by_intent[label] for label in labels], atol=1e-9)
    np.testing.assert_allclose(backends.oos_scores(model, texts, probs), 1 - probs.max(axis=1))


class RankOnly:
    """A backend with only the protocol's two methods."""

    def fit(self, texts: Sequence[str], intents: Sequence[str]) -> None:
        pass

    def rank(self, text: str) -> list[IntentScore]:
        first = "b" if "b" in text else "a"
        return [IntentScore(first, 0.8), IntentScore("ab".replace(first, ""), 0.2)]


def test_backends_without_batch_methods_are_read_through_rank() -> None:
    labels, probs = backends.probabilities(RankOnly(), ["a text", "b text"])
    assert labels == ("a", "b")
    np.testing.assert_allclose(probs, [[0.8, 0.2], [0.2, 0.8]])
    np.testing.assert_allclose(backends.oos_scores(RankOnly(), ["x", "y"], probs), [0.2, 0.2])


def test_make_classifier_names_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(backends.make_classifier("ngram", c=1.0), NgramClassifier)
    with pytest.raises(backends.BackendError, match="unknown backend 'bert'"):
        backends.make_classifier("bert")
    monkeypatch.setitem(sys.modules, "relaydesk.bot.embeddings", None)  # import fails
    with pytest.raises(backends.BackendError, match=r"pip install 'relaydesk\[embeddings\]'"):
        backends.make_classifier("embeddings")
