"""The escalation engine: signals in, one explained decision out. Pure, no I/O.

How the rules combine (the same text heads default_policy.yaml):
- Rules are tried in order: the channel's own rules first (their ids show as
  "<channel>:<id>"), then the base rules.
- A matching handover rule hands over. The FIRST one names the decision's rule and team;
  every later matching handover rule still adds its reasons, and the priority is the
  highest among them, so "I want a person, this is ridiculous!!!" is handed over for
  explicit_request and frustration alike.
- A matching keep-the-bot rule ends the walk. If no handover rule matched before it, the
  bot keeps the conversation and the decision names that rule.
- Team: the first handover rule's `team`, else intents_to_teams[intent], else
  topics_to_teams[topic], else default_team.
"""

from __future__ import annotations

from dataclasses import dataclass

from relaydesk.domain.turn import Decision, EscalationInput, SignalResult
from relaydesk.domain.vocab import Priority
from relaydesk.escalation.conditions import Facts, Predicate, compile_condition
from relaydesk.escalation.policy import load_default_policy
from relaydesk.escalation.schema import Policy, Rule, Then
from relaydesk.escalation.signals import compute_signals

__all__ = ["EscalationEngine", "load_default_policy"]


@dataclass(frozen=True, slots=True)
class _CompiledRule:
    label: str  # the id a decision shows: "urgent", or "email:single-failure"
    matches: Predicate
    then: Then


class EscalationEngine:
    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        base = tuple(self._compile(rule) for rule in policy.rules)
        self._base = base
        self._by_channel = {
            channel.value: tuple(self._compile(r, f"{channel.value}:") for r in override.rules)
            + base
            for channel, override in policy.channels.items()
        }

    def _compile(self, rule: Rule, prefix: str = "") -> _CompiledRule:
        return _CompiledRule(
            prefix + rule.id, compile_condition(rule.when, self.policy.thresholds), rule.then
        )

    def decide(self, inp: EscalationInput) -> Decision:
        signals = compute_signals(inp)
        facts = Facts.of(inp, signals)
        matched: list[_CompiledRule] = []
        stopped_by: str | None = None
        for rule in self._by_channel.get(str(inp.channel), self._base):
            if not rule.matches(facts):
                continue
            if not rule.then.handover:
                stopped_by = rule.label
                break
            matched.append(rule)
        if not matched:
            return self._keep_bot(stopped_by, signals)
        return self._hand_over(matched, facts, signals)

    def _keep_bot(self, rule: str | None, signals: tuple[SignalResult, ...]) -> Decision:
        return Decision(
            handover=False,
            reasons=(),
            team=None,
            priority=self.policy.default_priority,
            rule=rule,
            policy_version=self.policy.version,
            signals=signals,
        )

    def _hand_over(
        self, matched: list[_CompiledRule], facts: Facts, signals: tuple[SignalResult, ...]
    ) -> Decision:
        first = matched[0]
        reasons = dict.fromkeys(str(reason) for rule in matched for reason in rule.then.reasons)
        priorities = [rule.then.priority or self.policy.default_priority for rule in matched]
        return Decision(
            handover=True,
            reasons=tuple(reasons),
            team=first.then.team or self._team_for(facts),
            priority=Priority.highest(*priorities),
            rule=first.label,
            policy_version=self.policy.version,
            signals=signals,
        )

    def _team_for(self, facts: Facts) -> str:
        p = self.policy
        return (
            p.intents_to_teams.get(facts.intent)
            or p.topics_to_teams.get(facts.topic)
            or p.default_team
        )
