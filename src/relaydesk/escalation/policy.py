"""The escalation policy: a versioned YAML file, its schema, and a loader that refuses any
mistake with the file, line and field of it.

The schema in brief (default_policy.yaml is the worked example):

    version: "2026.11.1"            # shown on every decision
    teams: [logistics, billing, accounts, general]
    default_team: general
    default_priority: normal
    signals: {frustration: {threshold: 0.6}, ...}      # when `{signal: x}` holds
    topics_to_teams: {delivery: logistics, ...}
    intents_to_teams: {unauthorized_payment: billing, ...}
    rules:                          # in order; see engine.py for how they combine
      - id: urgent
        when: {signal: urgency}     # a Condition; leave `when` out to always apply
        then: {handover: true, reasons: [urgent], priority: urgent}
    channels:                       # per-channel rules, tried before the base rules
      email: {rules: [...]}
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path

from relaydesk.config_file import ConfigError, ConfigIssue, load_model, read_text
from relaydesk.escalation.policy_checks import check_policy
from relaydesk.escalation.schema import Policy

__all__ = [
    "Policy",
    "PolicyError",
    "PolicyIssue",
    "check_policy_file",
    "load_default_policy",
    "load_policy",
]

DEFAULT_POLICY = "default_policy.yaml"

PolicyIssue = ConfigIssue


class PolicyError(ConfigError):
    """A policy that cannot be used; `issues` lists every mistake found, in file order."""


def load_policy(path_or_text: str | Path, *, source: str | None = None) -> Policy:
    """Load and check a policy from a file, or from YAML text.

    A Path, or a str without a line break, is a file to read (no real policy fits on one
    line); any other str is the YAML itself, named `source` ("<string>" by default) in
    errors. Raises PolicyError listing every mistake found.
    """
    if isinstance(path_or_text, Path) or _looks_like_path(path_or_text):
        path = Path(path_or_text)
        return _load(_read(path), source or str(path))
    return _load(path_or_text, source or "<string>")


@cache
def load_default_policy() -> Policy:
    """The policy shipped with relaydesk (package data); parsed once, immutable."""
    text = files("relaydesk.escalation").joinpath(DEFAULT_POLICY).read_text(encoding="utf-8")
    return load_policy(text, source=DEFAULT_POLICY)


def _load(text: str, source: str) -> Policy:
    return load_model(
        text,
        source,
        Policy,
        shape="a policy is a mapping with version, teams, rules, ...",
        checks=check_policy,
        error=PolicyError,
    )


def check_policy_file(path: str | Path) -> list[str]:
    """Every mistake in a policy file as "file:line: field: message"; [] when it is fine.

    What `relaydesk policy check FILE` prints.
    """
    try:
        load_policy(Path(path))
    except PolicyError as error:
        return [str(issue) for issue in error.issues]
    return []


def _looks_like_path(text: str) -> bool:
    return "\n" not in text


def _read(path: Path) -> str:
    return read_text(path, PolicyError)
