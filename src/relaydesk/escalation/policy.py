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
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from relaydesk.escalation.policy_checks import check_policy
from relaydesk.escalation.schema import Policy
from relaydesk.escalation.yaml_lines import Loc, compose, duplicate_keys, line_of

__all__ = [
    "Policy",
    "PolicyError",
    "PolicyIssue",
    "check_policy_file",
    "load_default_policy",
    "load_policy",
]

DEFAULT_POLICY = "default_policy.yaml"


class PolicyIssue(BaseModel):
    model_config = ConfigDict(frozen=True)

    source: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


class PolicyError(ValueError):
    """A policy that cannot be used; `issues` lists every mistake found, in file order."""

    def __init__(self, issues: list[PolicyIssue]) -> None:
        self.issues = sorted(issues, key=lambda i: (i.line or 0, i.field))
        super().__init__("\n".join(str(i) for i in self.issues))


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
    try:
        root = compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise PolicyError([_syntax_issue(error, source)]) from error
    issues = [
        PolicyIssue(source=source, line=line, field=_field(loc), message="key given twice")
        for loc, line in duplicate_keys(root)
    ]
    if not isinstance(data, dict):
        message = "a policy is a mapping with version, teams, rules, ..."
        raise PolicyError([*issues, PolicyIssue(source=source, line=1, field="", message=message)])
    try:
        policy = Policy.model_validate(data)
    except ValidationError as error:
        issues += [_schema_issue(e, root, source) for e in error.errors()]
        raise PolicyError(issues) from error
    for loc, message in check_policy(policy):
        issues.append(
            PolicyIssue(source=source, line=line_of(root, loc), field=_field(loc), message=message)
        )
    if issues:
        raise PolicyError(issues)
    return policy


def _syntax_issue(error: yaml.YAMLError, source: str) -> PolicyIssue:
    mark = getattr(error, "problem_mark", None)
    line = mark.line + 1 if mark is not None else None
    words = [getattr(error, "problem", None), getattr(error, "context", None)]
    detail = "; ".join(w for w in words if w) or str(error)
    return PolicyIssue(source=source, line=line, field="", message=f"YAML syntax error: {detail}")


def _schema_issue(error: Any, root: yaml.Node | None, source: str) -> PolicyIssue:
    loc = [part for part in error["loc"] if not (isinstance(part, str) and part.startswith("["))]
    kind, value = error["type"], error.get("input")
    if kind == "extra_forbidden":
        message = "unknown key"
    elif kind == "missing":
        message = "required key missing"
    else:
        message = str(error["msg"]).removeprefix("Value error, ")
        if kind != "value_error" and isinstance(value, str | int | float | bool):
            message += f" (got {value!r})"
    return PolicyIssue(source=source, line=line_of(root, loc), field=_field(loc), message=message)


def _field(loc: Loc) -> str:
    """("rules", 2, "then", "team") -> "rules[2].then.team"."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


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
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise PolicyError(
            [PolicyIssue(source=str(path), line=None, field="", message=f"cannot read: {error}")]
        ) from error
