"""`relaydesk nlu train`: check the bot's own intent files and measure the model on them.

The bot trains its model in-process at start (relaydesk.bot.nlu), so nothing is saved
here: this reads and validates the packaged training files the same way, reports their
size, the classifier's cross-validated accuracy and the time one full training takes.
The accuracy is the classifier's alone, before the NLU's out-of-scope rules.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import numpy as np
from sklearn.model_selection import StratifiedKFold

from relaydesk.bot.backends import make_classifier
from relaydesk.bot.intent_data import load_training_set
from relaydesk.bot.text import for_classifier
from relaydesk.sim import metrics
from relaydesk.sim.nlu_bench import Say, read

FOLDS = 5


def check_training(backend: str, *, say: Say, seed: int = 0) -> dict[str, Any]:
    training = load_training_set()  # IntentDataError names the file and line
    texts = np.asarray([for_classifier(t) for t in training.texts], dtype=object)
    intents = np.asarray(training.intents)
    languages = np.asarray([e.lang for e in training.examples])
    counts = Counter(training.intents)
    rarest = min(counts, key=lambda intent: (counts[intent], intent))
    say(f"{len(texts)} examples, {len(counts)} intents; rarest: {rarest} ({counts[rarest]})")
    folds = StratifiedKFold(min(FOLDS, counts[rarest]), shuffle=True, random_state=seed)
    predicted = np.empty(len(texts), dtype=object)
    for number, (fit_rows, held_rows) in enumerate(folds.split(texts, intents), start=1):
        say(f"fold {number} of {folds.n_splits}")
        model = make_classifier(backend, random_state=seed)
        model.fit(list(texts[fit_rows]), list(intents[fit_rows]))
        predicted[held_rows] = read(model, tuple(texts[held_rows])).predicted
    started = time.perf_counter()
    make_classifier(backend, random_state=seed).fit(list(texts), list(intents))
    train_s = time.perf_counter() - started
    by_language = {
        lang: round(
            100 * metrics.accuracy(intents[languages == lang], predicted[languages == lang]), 2
        )
        for lang in sorted(set(languages))
    }
    return {
        "backend": backend,
        "examples": len(texts),
        "intents": len(counts),
        "examples_per_language": dict(Counter(languages.tolist())),
        "rarest_intent": {"intent": rarest, "examples": counts[rarest]},
        "cv_folds": folds.n_splits,
        "cv_accuracy": round(100 * metrics.accuracy(intents, predicted), 2),
        "cv_accuracy_per_language": by_language,
        "cv_macro_f1": round(100 * metrics.macro_f1(intents, predicted), 2),
        "train_s": round(train_s, 2),
    }
