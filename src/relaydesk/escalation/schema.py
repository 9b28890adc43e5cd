"""The policy file's schema: pydantic models that validate a parsed YAML policy.

Only the shape and the closed vocabularies are checked here; what needs the whole
policy (teams that exist, rules that can fire) is in policy_checks.py.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from relaydesk.domain.vocab import BotOutcome, Channel, Priority, Reason, Tier
from relaydesk.escalation.names import INTENTS, SITUATIONS, TOPICS
from relaydesk.escalation.signals import SIGNALS


def _known(kind: str, names: Callable[[], Any]) -> AfterValidator:
    def check(value: str) -> str:
        known = names()
        if value not in known:
            raise ValueError(f"unknown {kind} {value!r}; known: {', '.join(sorted(known))}")
        return value

    return AfterValidator(check)


SignalName = Annotated[str, _known("signal", lambda: SIGNALS)]
IntentName = Annotated[str, _known("intent", lambda: INTENTS)]
SituationName = Annotated[str, _known("situation", lambda: SITUATIONS)]
TopicName = Annotated[str, _known("topic", lambda: TOPICS)]
Identifier = Annotated[str, StringConstraints(strict=True, pattern=r"^[a-z0-9][a-z0-9_-]*$")]
# Strict: YAML turns `high` into a string and `0.5` into a float; a policy that writes
# threshold: "high" or handover: "yes" is wrong and must say so, not be coerced.
Score = Annotated[float, Field(strict=True)]
TurnNumber = Annotated[int, Field(strict=True, ge=1)]
Text = Annotated[str, Field(strict=True)]
Flag = Annotated[bool, Field(strict=True)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TurnRange(_Model):
    at_least: TurnNumber | None = None
    at_most: TurnNumber | None = None


class Condition(_Model):
    """Every key given must hold (they are and-ed); `any`, `all`, `not` nest conditions."""

    signal: SignalName | None = None
    at_least: Score | None = None  # with `signal`; default: the signal's threshold
    intent: list[IntentName] | None = None
    min_confidence: Score | None = None  # with `intent`
    situation: list[SituationName] | None = None
    topic: list[TopicName] | None = None
    outcome: list[BotOutcome] | None = None
    previous_intent: list[IntentName] | None = None  # of the customer's last turn
    previous_outcome: list[BotOutcome] | None = None
    channel: list[Channel] | None = None
    tier: list[Tier] | None = None
    turn: TurnRange | None = None  # the customer's turn number, from 1
    any_: list[Condition] | None = Field(None, alias="any")
    all_: list[Condition] | None = Field(None, alias="all")
    not_: Condition | None = Field(None, alias="not")

    @model_validator(mode="after")
    def _coherent(self) -> Self:
        if not self.model_fields_set:
            raise ValueError("empty condition: leave `when` out for a rule that always applies")
        if self.at_least is not None and self.signal is None:
            raise ValueError("`at_least` needs a `signal`")
        if self.min_confidence is not None and self.intent is None:
            raise ValueError("`min_confidence` needs an `intent`")
        return self


class Then(_Model):
    handover: Flag
    reasons: list[Reason] = []
    team: Identifier | None = None  # default: intents_to_teams, then topics_to_teams
    priority: Priority | None = None  # default: the policy's default_priority

    @model_validator(mode="after")
    def _coherent(self) -> Self:
        if self.handover and not self.reasons:
            raise ValueError("a handover needs at least one reason code")
        if not self.handover and (self.reasons or self.team or self.priority):
            raise ValueError("a rule that keeps the bot takes no reasons, team or priority")
        return self


class Rule(_Model):
    id: Identifier
    description: Text = ""
    when: Condition | None = None
    then: Then


class ChannelOverride(_Model):
    description: Text = ""
    rules: Annotated[list[Rule], Field(min_length=1)]


class SignalSettings(_Model):
    threshold: Annotated[float, Field(strict=True, ge=0.0, le=1.0)] = 0.5


class Policy(_Model):
    version: Annotated[str, StringConstraints(strict=True, min_length=1)]
    description: Text = ""
    teams: Annotated[list[Identifier], Field(min_length=1)]
    default_team: Identifier
    default_priority: Priority = Priority.NORMAL
    signals: dict[SignalName, SignalSettings] = {}
    topics_to_teams: dict[TopicName, Identifier] = {}
    intents_to_teams: dict[IntentName, Identifier] = {}
    rules: Annotated[list[Rule], Field(min_length=1)]
    channels: dict[Channel, ChannelOverride] = {}

    @cached_property
    def thresholds(self) -> dict[str, float]:
        """Every signal's threshold; 0.5 (SignalResult.fired) where the policy names none."""
        given = {name: s.threshold for name, s in self.signals.items()}
        return {name: given.get(name, 0.5) for name in SIGNALS}
