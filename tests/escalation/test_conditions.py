"""The condition evaluator and the analysis that finds rules that can never fire."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from relaydesk.domain.vocab import BotOutcome
from relaydesk.escalation.analysis import always_holds, can_hold
from relaydesk.escalation.conditions import Facts, compile_condition
from relaydesk.escalation.schema import Condition
from relaydesk.escalation.signals import compute_signals

from .builders import make_input, record

THRESHOLDS = {"frustration": 0.6, "urgency": 0.5, "explicit_request": 0.5, "loop": 0.6,
              "bot_failure": 0.8, "tier": 1.0, "out_of_scope": 0.5}  # fmt: skip


def cond(text: str) -> Condition:
    data: Any = yaml.safe_load(text)
    return Condition.model_validate(data)


@pytest.mark.parametrize(
    "text",
    [
        "{intent: [thanks]}",
        "{any: [{tier: [vip]}, {not: {tier: [vip]}}]}",
        "{signal: frustration, at_least: 1.0}",
        "{turn: {at_least: 3, at_most: 3}}",
        "{previous_outcome: [answered]}",
        "{not: {intent: [thanks]}, outcome: [answered]}",
    ],
)
def test_satisfiable(text: str) -> None:
    assert can_hold(cond(text), THRESHOLDS)


@pytest.mark.parametrize(
    "text",
    [
        "{intent: []}",
        "{all: [{tier: [vip]}, {not: {tier: [vip]}}]}",
        "{all: [{intent: [thanks]}, {intent: [greeting]}]}",
        "{signal: frustration, at_least: 1.2}",
        "{turn: {at_least: 4, at_most: 2}}",
        "{previous_intent: [thanks], turn: {at_most: 1}}",
        "{any: [{channel: [sms]}, {channel: [email]}], not: {channel: [sms, email]}}",
        "{all: [{signal: loop, at_least: 0.7}, {not: {signal: loop, at_least: 0.6}}]}",
    ],
)
def test_unsatisfiable(text: str) -> None:
    assert not can_hold(cond(text), THRESHOLDS)


def test_channel_context() -> None:
    assert can_hold(cond("{channel: [sms]}"), THRESHOLDS)
    assert not can_hold(cond("{channel: [sms]}"), THRESHOLDS, channel="email")


@pytest.mark.parametrize(
    ("text", "always"),
    [
        ("{turn: {at_least: 1}}", True),
        ("{signal: loop, at_least: 0.0}", True),
        ("{any: [{tier: [vip]}, {tier: [standard]}]}", True),
        ("{not: {intent: []}}", True),
        ("{turn: {at_least: 2}}", False),
        ("{tier: [vip]}", False),
        ("{signal: loop}", False),
    ],
)
def test_always_holds(text: str, always: bool) -> None:
    assert always_holds(cond(text), THRESHOLDS) is always


def test_no_condition_always_holds() -> None:
    assert always_holds(None, THRESHOLDS)


def facts(**kwargs: Any) -> Facts:
    inp = make_input(**kwargs)
    return Facts.of(inp, compute_signals(inp))


def test_compiled_condition_tests_each_key() -> None:
    check = compile_condition(
        cond(
            "{intent: [double_charge], min_confidence: 0.7, topic: [payment], channel: [sms],"
            " turn: {at_least: 2}, previous_outcome: [asked]}"
        ),
        THRESHOLDS,
    )
    history = [record("charged twice", "double_charge", BotOutcome.ASKED)]
    good = {
        "text": "TX-1",
        "intent": "double_charge",
        "topic": "payment",
        "channel": "sms",
        "history": history,
    }
    assert check(facts(**good))
    assert not check(facts(**{**good, "confidence": 0.5}))
    assert not check(facts(**{**good, "channel": "email"}))
    assert not check(facts(**{**good, "history": []}))
    assert not check(facts(**{**good, "topic": "delivery"}))


def test_signal_condition_uses_the_policy_threshold_unless_given() -> None:
    f = facts(text="this is ridiculous")  # frustration 0.5
    assert not compile_condition(cond("{signal: frustration}"), THRESHOLDS)(f)
    assert compile_condition(cond("{signal: frustration, at_least: 0.5}"), THRESHOLDS)(f)


def test_any_all_not() -> None:
    f = facts(text="hi", intent="greeting", tier="vip")
    assert compile_condition(cond("{any: [{tier: [standard]}, {intent: [greeting]}]}"), THRESHOLDS)(
        f
    )
    assert not compile_condition(cond("{all: [{tier: [vip]}, {intent: [thanks]}]}"), THRESHOLDS)(f)
    assert compile_condition(cond("{not: {intent: [thanks]}}"), THRESHOLDS)(f)
