"""Checks that need the whole policy: teams that exist, ids that are unique, and rules
that can actually fire. Each finding is (location in the file, message); policy.py turns
the location into a line.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from relaydesk.escalation.analysis import always_holds, can_hold
from relaydesk.escalation.schema import Condition, Policy, Rule

Loc = tuple[str | int, ...]
Finding = tuple[Loc, str]


def check_policy(policy: Policy) -> list[Finding]:
    findings = list(_teams(policy))
    findings += _rule_list(policy, policy.rules, ("rules",), channel=None)
    for channel, override in policy.channels.items():
        where: Loc = ("channels", channel.value, "rules")
        findings += _rule_list(policy, override.rules, where, channel=channel.value)
        findings += _override_hides_base(policy, override.rules, where, channel.value)
    return findings


def _teams(policy: Policy) -> Iterator[Finding]:
    teams = set(policy.teams)
    seen: set[str] = set()
    for index, team in enumerate(policy.teams):
        if team in seen:
            yield ("teams", index), f"team {team!r} listed twice"
        seen.add(team)
    used: list[tuple[Loc, str]] = [(("default_team",), policy.default_team)]
    used += [(("topics_to_teams", k), v) for k, v in policy.topics_to_teams.items()]
    used += [(("intents_to_teams", k), v) for k, v in policy.intents_to_teams.items()]
    used += [
        (("rules", i, "then", "team"), r.then.team)
        for i, r in enumerate(policy.rules)
        if r.then.team
    ]
    for channel, override in policy.channels.items():
        used += [
            (("channels", channel.value, "rules", i, "then", "team"), r.then.team)
            for i, r in enumerate(override.rules)
            if r.then.team
        ]
    for loc, team in used:
        if team not in teams:
            yield loc, f"unknown team {team!r}; the policy's teams: {', '.join(policy.teams)}"


def _rule_list(
    policy: Policy, rules: Sequence[Rule], where: Loc, channel: str | None
) -> list[Finding]:
    findings: list[Finding] = []
    ids: set[str] = set()
    stopper: str | None = None  # the first keep-the-bot rule that always applies
    for index, rule in enumerate(rules):
        loc = (*where, index)
        if rule.id in ids:
            findings.append(((*loc, "id"), f"rule id {rule.id!r} used twice"))
        ids.add(rule.id)
        if stopper is not None:
            message = (
                f"rule {rule.id!r} can never fire: rule {stopper!r} before it always applies"
                " and keeps the bot"
            )
            findings.append(((*loc, "id"), message))
            continue
        findings += _never_fires(policy, rule, loc, channel)
        if not rule.then.handover and always_holds(rule.when, policy.thresholds, channel):
            stopper = rule.id
    return findings


def _override_hides_base(
    policy: Policy, rules: Sequence[Rule], where: Loc, channel: str
) -> list[Finding]:
    for index, rule in enumerate(rules):
        if not rule.then.handover and always_holds(rule.when, policy.thresholds, channel):
            message = (
                f"rule {rule.id!r} always applies on {channel} and keeps the bot:"
                " no base rule can ever fire there"
            )
            return [((*where, index, "id"), message)]
    return []


def _never_fires(policy: Policy, rule: Rule, loc: Loc, channel: str | None) -> list[Finding]:
    if rule.when is None:
        return []
    local = list(_impossible_parts(rule.when, (*loc, "when"), on_path=True))
    if local:
        return [(where, f"rule {rule.id!r} {why}") for where, why in local]
    if not can_hold(rule.when, policy.thresholds, channel):
        context = f" on {channel}" if channel else ""
        why = f"can never fire{context}: its conditions contradict each other"
        return [((*loc, "when"), f"rule {rule.id!r} {why}")]
    return []


_LISTS = (
    "intent", "situation", "topic", "outcome", "previous_intent", "previous_outcome",
    "channel", "tier",
)  # fmt: skip


def _impossible_parts(cond: Condition, loc: Loc, on_path: bool) -> Iterator[Finding]:
    """Single keys that can never hold, each at its own line.

    On the and-path of `when` such a key stops the whole rule; inside `any` or `not` it
    is still certainly a mistake, but only that part is dead.
    """
    verdict = "can never fire" if on_path else "has a part that can never hold"
    for name in _LISTS:
        if getattr(cond, name) == []:
            yield (*loc, name), f"{verdict}: `{name}: []` matches nothing"
    for name, value in (("at_least", cond.at_least), ("min_confidence", cond.min_confidence)):
        if value is not None and value > 1:
            yield (*loc, name), f"{verdict}: `{name}: {value}` is above 1, and scores are 0..1"
    turn = cond.turn
    if turn and turn.at_least and turn.at_most and turn.at_least > turn.at_most:
        yield (*loc, "turn"), f"{verdict}: turn at_least {turn.at_least} > at_most {turn.at_most}"
    for key, children in (("any", cond.any_), ("all", cond.all_)):
        if children == [] and key == "any":
            yield (*loc, key), f"{verdict}: `any: []` offers no option"
        elif children == []:
            yield (*loc, key), "`all: []` tests nothing: leave it out"
        for index, child in enumerate(children or ()):
            yield from _impossible_parts(child, (*loc, key, index), on_path and key == "all")
    if cond.not_ is not None:
        yield from _impossible_parts(cond.not_, (*loc, "not"), on_path=False)
