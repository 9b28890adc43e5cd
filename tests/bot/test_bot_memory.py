"""BotMemory round-trips through a JSON column and survives whatever it finds there."""

from __future__ import annotations

import json

import pytest

from relaydesk.bot.memory import BotMemory

FULL = BotMemory(
    lang="id",
    entities={"order_id": "10003", "email": "maya@example.com"},
    topic="delivery",
    awaiting="eta_confirmation",
    times_asked=0,
    last_intent="order_status",
    last_outcome="answered",
    last_situation="order_delayed",
    subject="order:10003",
    answers_on_subject=2,
    misunderstood=1,
)


def test_round_trip_through_a_json_column_and_a_string():
    stored = json.loads(json.dumps(FULL.to_json()))  # what a JSON column gives back
    assert BotMemory.from_json(stored) == FULL
    assert BotMemory.from_json(json.dumps(FULL.to_json())) == FULL


def test_fresh_memory_defaults():
    memory = BotMemory()
    assert (memory.lang, memory.topic, memory.awaiting, memory.entities) == (
        None,
        "general",
        None,
        {},
    )
    assert BotMemory.from_json(BotMemory().to_json()) == memory


@pytest.mark.parametrize(
    "raw", [None, "", "not json", "[1, 2]", b'{"lang": 5}', "null", '{"entities": [1]}', [1], {}]
)
def test_broken_input_gives_a_usable_memory(raw: object):
    memory = BotMemory.from_json(raw)
    assert isinstance(memory, BotMemory)
    assert memory.topic == "general"


def test_bad_fields_fall_back_one_by_one_and_unknown_fields_are_ignored():
    data = FULL.to_json() | {
        "answers_on_subject": -3,
        "awaiting": "the weather",
        "topic": None,
        "entities": {"order_id": 10003},
        "from_the_future": True,
    }
    memory = BotMemory.from_json(data)
    assert memory.answers_on_subject == 0
    assert memory.awaiting is None
    assert memory.topic == "general"
    assert memory.entities == {}
    assert memory.last_situation == "order_delayed"


def test_remember_returns_a_new_memory():
    changed = FULL.remember(topic="payment")
    assert changed.topic == "payment" and FULL.topic == "delivery"
