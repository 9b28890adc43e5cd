"""The optional sentence-embeddings intent backend, on a small synthetic set.

Skipped when the `embeddings` extra is not installed, unless RELAYDESK_TEST_EMBEDDINGS=1
says it must be there (then a missing extra fails the run).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import socket
import sys
from types import ModuleType
from typing import Any

import numpy as np
import pytest

REQUIRED = os.environ.get("RELAYDESK_TEST_EMBEDDINGS") == "1"

TRAINING = {
    "card_lost": [
        "I lost my card",
        "my credit card is missing",
        "someone stole my debit card",
        "can't find my bank card anywhere",
        "my wallet with the card was stolen",
        "I think I left my card at the restaurant",
    ],
    "refund": [
        "I want my money back",
        "how do I get a refund for this order",
        "please refund the item I returned",
        "when will I be reimbursed",
        "the refund hasn't arrived yet",
        "can you give me a refund",
    ],
    "delivery_status": [
        "where is my package",
        "my order hasn't arrived",
        "when will my parcel be delivered",
        "track my shipment",
        "the delivery is late",
        "has my order shipped yet",
    ],
    "password_reset": [
        "I forgot my password",
        "reset my password please",
        "I can't log in to my account",
        "how do I change my password",
        "locked out of my account",
        "the login page says my password is wrong",
    ],
}
TEXTS = [text for texts in TRAINING.values() for text in texts]
INTENTS = [intent for intent, texts in TRAINING.items() for _ in texts]
IN_SCOPE = [
    "my card has gone missing",
    "I'd like a refund please",
    "where's my parcel",
    "forgot the password to my account",
]
UNRELATED = [
    "what's the weather like on mars",
    "give me a recipe for lasagna",
    "who won the football match last night",
    "play some jazz music",
]


def _import() -> ModuleType:
    if REQUIRED:
        return importlib.import_module("relaydesk.bot.embeddings")
    return pytest.importorskip(
        "relaydesk.bot.embeddings",
        reason="the 'embeddings' extra is not installed",
        exc_type=ImportError,
    )


@pytest.fixture(scope="module")
def embeddings() -> ModuleType:
    return _import()


@pytest.fixture(scope="module")
def classifier(embeddings: ModuleType) -> Any:
    model = embeddings.EmbeddingClassifier(folds=3)
    model.fit(TEXTS, INTENTS)
    return model


def test_rank_puts_paraphrases_first_with_probabilities_summing_to_one(classifier: Any) -> None:
    for text, intent in zip(IN_SCOPE, TRAINING, strict=True):
        ranking = classifier.rank(text)
        assert ranking[0].intent == intent, text
        assert {s.intent for s in ranking} == set(TRAINING)
        confidences = [s.confidence for s in ranking]
        assert confidences == sorted(confidences, reverse=True)
        assert sum(confidences) == pytest.approx(1.0)
        assert all(0.0 <= c <= 1.0 for c in confidences)


def test_predict_proba_rows_follow_labels_and_agree_with_rank(classifier: Any) -> None:
    texts = IN_SCOPE + UNRELATED
    probabilities = classifier.predict_proba(texts)
    assert classifier.labels == tuple(sorted(TRAINING))
    assert probabilities.shape == (len(texts), len(TRAINING))
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
    for text, row in zip(texts, probabilities, strict=True):
        ranked = {s.intent: s.confidence for s in classifier.rank(text)}
        np.testing.assert_allclose([ranked[label] for label in classifier.labels], row, atol=1e-5)


def test_unrelated_text_scores_further_out_of_scope(classifier: Any) -> None:
    inside = classifier.oos_scores(IN_SCOPE)
    outside = classifier.oos_scores(UNRELATED)
    assert inside.shape == (len(IN_SCOPE),) and outside.shape == (len(UNRELATED),)
    assert outside.min() > inside.max()
    assert classifier.oos_score(UNRELATED[0]) == pytest.approx(outside[0], abs=1e-5)
    threshold = classifier.oos_threshold(0.05)
    assert classifier.oos_threshold(0.5) <= threshold
    assert all(score > threshold for score in outside)


def test_empty_batches(classifier: Any) -> None:
    assert classifier.predict_proba([]).shape == (0, len(TRAINING))
    assert classifier.oos_scores([]).shape == (0,)


def test_two_intents(embeddings: ModuleType) -> None:
    model = embeddings.EmbeddingClassifier(folds=2)
    texts = TRAINING["refund"] + TRAINING["delivery_status"]
    model.fit(texts, ["refund"] * 6 + ["delivery_status"] * 6)
    assert model.rank("I want a refund")[0].intent == "refund"
    assert model.predict_proba(["where is my parcel"]).shape == (1, 2)


def test_misuse_is_refused(embeddings: ModuleType) -> None:
    model = embeddings.EmbeddingClassifier()
    with pytest.raises(RuntimeError, match="before fit"):
        model.rank("hello")
    with pytest.raises(ValueError, match="two or more intents"):
        model.fit(["a", "b", "c"], ["x", "y", "y"])
    with pytest.raises(ValueError, match="differ in length"):
        model.fit(["a", "b"], ["x"])


def test_model_loads_from_the_installed_wheel_without_network(
    embeddings: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the model must load offline")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    model = embeddings.load_model(embeddings.model_dir())
    vector = model.encode(["hello"], normalize_embeddings=True)
    assert vector.shape == (1, embeddings.DIMENSIONS)


def test_missing_extra_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec

    def without_torch(name: str, *args: Any, **kwargs: Any) -> Any:
        return None if name == "torch" else real(name, *args, **kwargs)

    monkeypatch.setattr(importlib.util, "find_spec", without_torch)
    monkeypatch.delitem(sys.modules, "relaydesk.bot.embeddings", raising=False)
    with pytest.raises(ImportError, match=r"pip install 'relaydesk\[embeddings\]'"):
        importlib.import_module("relaydesk.bot.embeddings")


def test_forget_drops_remembered_embeddings(embeddings: ModuleType) -> None:
    encoder = embeddings.shared_encoder()
    encoder.encode(["a message to remember"])
    assert encoder._cache
    from relaydesk.bot.backends import forget_remembered_texts

    forget_remembered_texts()
    assert not encoder._cache
