"""The NLU: intents on held-out wording, out of scope, language, speed, training data."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest
import yaml
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from relaydesk.bot.classifier import NgramClassifier, _OneText
from relaydesk.bot.intent_data import (
    IntentDataError,
    default_files,
    load_training_set,
    parse_file,
)
from relaydesk.bot.intents import INTENTS, OUT_OF_SCOPE
from relaydesk.bot.language import detect_language
from relaydesk.bot.nlu import Nlu
from relaydesk.bot.text import for_classifier

HELDOUT = yaml.safe_load((Path(__file__).parent / "heldout_intents.yaml").read_text("utf-8"))
HEAD = "language: en\nintents:\n"
DEV = Path(__file__).resolve().parents[3] / "shared" / "scenarios" / "dev.jsonl"


def _heldout(lang: str) -> list[tuple[str, str]]:
    return [(text, intent) for intent, texts in HELDOUT[lang].items() for text in texts]


def _accuracy(nlu: Nlu, cases: list[tuple[str, str]]) -> float:
    return sum(nlu.understand(text).intent == intent for text, intent in cases) / len(cases)


def test_heldout_set_covers_every_intent_in_both_languages():
    for lang in ("en", "id"):
        assert set(HELDOUT[lang]) == set(INTENTS), lang


def test_heldout_lines_are_not_training_lines():
    training = {e.text.lower() for e in load_training_set().examples}
    heldout = [t.lower() for lang in ("en", "id") for t, _ in _heldout(lang)]
    assert not training & set(heldout)


@pytest.mark.parametrize(("lang", "floor"), [("en", 0.93), ("id", 0.93)])
def test_intent_accuracy_on_heldout_wording(nlu: Nlu, lang: str, floor: float):
    cases = _heldout(lang)
    misses = [(t, i, nlu.understand(t).intent) for t, i in cases if nlu.understand(t).intent != i]
    assert _accuracy(nlu, cases) >= floor, misses


@pytest.mark.parametrize("text", ["asdkjh qwe", "zzzz ???", "qwpoeiru", "hjkl hjkl", "???", "...."])
def test_gibberish_is_out_of_scope(nlu: Nlu, text: str):
    understanding = nlu.understand(text)
    assert understanding.intent == OUT_OF_SCOPE
    assert not understanding.in_scope


def test_requests_outside_the_bots_skills_are_mostly_refused(nlu: Nlu):
    refused = [not nlu.understand(text).in_scope for text in HELDOUT["out_of_scope"]]
    assert sum(refused) / len(refused) >= 0.9


@pytest.mark.parametrize(
    "text", ["wheres my parsel", "pembyaran gagl", "acount lockd pls", "pesanan sy blm nyampe"]
)
def test_typos_are_not_mistaken_for_gibberish(nlu: Nlu, text: str):
    assert nlu.understand(text).in_scope


def test_a_vague_follow_up_is_read_within_the_open_topic(nlu: Nlu):
    text = "and the date?"
    assert nlu.understand(text, topic="delivery").intent == "order_status"


def test_understanding_carries_entities_and_calibrated_confidence(nlu: Nlu):
    understanding = nlu.understand("where is my order 10001?")
    assert understanding.intent == "order_status"
    assert understanding.entities == {"order_id": "10001"}
    assert 0.5 <= understanding.confidence <= 1.0
    ranking = nlu.rank("where is my order 10001?")
    assert abs(sum(s.confidence for s in ranking) - 1.0) < 1e-6


@pytest.mark.parametrize(
    ("text", "hint", "lang"),
    [
        ("where is my order?", None, "en"),
        ("pesanan saya kok belum sampai", None, "id"),
        ("gimana nih min, udah seminggu", None, "id"),
        ("ok", "id", "id"),
        ("ok", "en", "en"),
        ("TX-20006", "id", "id"),
        ("thanks min", "id", "id"),
        ("akun saya diblokir", "en", "id"),
        ("my order 10044 is late", "id", "en"),
        ("maya@example.com", None, "en"),
    ],
)
def test_language_detection_and_hints(text: str, hint: str | None, lang: str):
    assert detect_language(text, hint) == lang


def test_understand_is_fast(nlu: Nlu):
    texts = [t for t, _ in _heldout("en") + _heldout("id")]
    started = time.perf_counter()
    for text in texts:
        nlu.understand(text)
    per_call = (time.perf_counter() - started) / len(texts)
    assert per_call < 0.002


def test_training_is_quick_and_deterministic():
    training = load_training_set()
    texts = [for_classifier(t) for t in training.texts]
    first, second = NgramClassifier(), NgramClassifier()
    started = time.perf_counter()
    first.fit(texts, training.intents)
    assert time.perf_counter() - started < 5.0
    second.fit(texts, training.intents)
    probe = for_classifier("my parcel is late, where is it")
    assert first.rank(probe) == second.rank(probe)


def test_fast_features_match_scikit_learn():
    texts = ["where is my order num", "pesanan saya belum sampai", "charged twice!!"]
    for analyzer, ngrams in (("word", (1, 2)), ("char_wb", (2, 5))):
        vectorizer = TfidfVectorizer(analyzer=analyzer, ngram_range=ngrams, sublinear_tf=True)
        vectorizer.fit([*texts, "another order text", "sampai jumpa"])
        one = _OneText(vectorizer, 0)
        for text in [*texts, "order order order late", "zzz"]:
            expected = sparse.csr_matrix(vectorizer.transform([text])).toarray().ravel()
            indices, values = one(text)
            got = np.zeros_like(expected)
            got[indices] = values
            np.testing.assert_allclose(got, expected, atol=1e-12)


def test_classifier_refuses_to_rank_before_fit_and_to_fit_on_too_little():
    with pytest.raises(RuntimeError):
        NgramClassifier().rank("hello")
    with pytest.raises(ValueError):
        NgramClassifier().fit(["a", "b", "c"], ["x", "y", "y"])


def test_training_files_have_enough_examples_in_both_languages():
    training = load_training_set()
    for lang in ("en", "id"):
        for intent in INTENTS:
            count = sum(e.lang == lang and e.intent == intent for e in training.examples)
            assert count >= 18, (lang, intent, count)
    core = ("order_status", "delivery_delayed", "payment_failed", "account_locked", "human_request")
    for lang in ("en", "id"):
        for intent in core:
            assert sum(e.lang == lang and e.intent == intent for e in training.examples) >= 30


def test_training_files_ship_inside_the_package():
    names = [f.name for f in default_files()]
    assert names == ["en.yaml", "id.yaml"]


@pytest.mark.skipif(
    not DEV.exists(), reason=f"{DEV} not found: dev scenarios live outside the repo"
)
def test_dev_scenario_lines_are_not_training_lines():
    training = {e.text.lower().strip() for e in load_training_set().examples}
    turns = [t.lower().strip() for line in DEV.open() for t in json.loads(line)["turns"]]
    # single words ("hi", "thanks") are the language itself, not a scenario's wording
    assert not training & {t for t in turns if " " in t}


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (f"{HEAD}  order_stat:\n    - where\n", "x.yaml:3: unknown intent 'order_stat'"),
        (f"{HEAD}  greeting: []\n", "x.yaml:3: greeting needs a list of examples"),
        (f"{HEAD}  greeting:\n    - ''\n", "x.yaml:4: empty example under greeting"),
        ("language: fr\nintents: {}\n", "language must be one of"),
        ("intents: [a\n", "not valid YAML"),
        ("- just a list\n", "x.yaml:1: the file must be a mapping"),
    ],
)  # fmt: skip
def test_training_file_mistakes_name_the_file_and_line(text: str, error: str):
    with pytest.raises(IntentDataError, match=error.replace("[", r"\[")):
        parse_file(text, "x.yaml")


def test_yes_and_no_stay_text_not_booleans():
    examples = parse_file("language: en\nintents:\n  affirm:\n    - yes\n    - on\n", "x.yaml")
    assert [e.text for e in examples] == ["yes", "on"]


def test_a_team_can_train_on_its_own_files(tmp_path: Path):
    extra = tmp_path / "en.yaml"
    extra.write_text(
        "language: en\nintents:\n"
        "  greeting: [hello, hi there, good morning]\n"
        "  thanks: [thanks a lot, thank you, cheers mate]\n",
        encoding="utf-8",
    )
    training = load_training_set([extra])
    assert len(training.examples) == 6
    nlu = Nlu(training=training, threshold=0.0)
    assert nlu.understand("hello there").intent == "greeting"
