"""The routing file: each team's routing settings and opening hours, checked at start.

    teams:
      billing:
        name: Billing
        strategy: least_loaded        # or longest_idle (the default)
        offer_timeout_s: 30           # an unanswered offer goes to the next agent
        first_reply_s: 180            # accepted but silent this long: the agent is nudged,
        first_reply_grace_s: 60       #   and this much later the case is re-queued in front
        overflow_after_s: 180         # then secondary members, `overflow_teams` and
        overflow_teams: [general]     #   agents with only the language in common may help
        aging_step_s: 300             # head start per priority step (low cannot starve)
        handle_time_s: 420            # prior for the live handle-time estimate
        check_in_after_s: 600         # silent this long while waiting: "are you still there?"
        check_in_timeout_s: 120       # no answer: the case ends as abandoned
        hours:                        # leave out: always open (routing/hours.py)
          timezone: Asia/Jakarta
          weekly: {mon: ["08:00-17:00"], ...}
          holidays: {country: ID, dates: ["2026-12-24"]}

A team the escalation policy names but the file does not gets the defaults. Mistakes are
reported like the policy's: "routing.yaml:7: teams.billing.offer_timeout_s: ...".
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from relaydesk.config_file import ConfigError, Loc, load_model, read_text
from relaydesk.routing.hours import BusinessHours
from relaydesk.routing.model import Strategy, TeamRules

DEFAULT_ROUTING = "default_routing.yaml"

TeamKey = Annotated[str, StringConstraints(strict=True, pattern=r"^[a-z0-9][a-z0-9_-]*$")]
Seconds = Annotated[float, Field(gt=0, le=7 * 24 * 3600)]


class RoutingError(ConfigError):
    """A routing file that cannot be used."""


class TeamConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    strategy: Strategy = Strategy.LONGEST_IDLE
    offer_timeout_s: Seconds = 30.0
    first_reply_s: Seconds = 180.0
    first_reply_grace_s: Seconds = 60.0
    overflow_after_s: Seconds = 180.0
    overflow_teams: list[TeamKey] = []
    aging_step_s: Seconds = 300.0
    handle_time_s: Seconds = 300.0
    check_in_after_s: Seconds = 600.0
    check_in_timeout_s: Seconds = 120.0
    hours: BusinessHours | None = None

    def rules(self, key: str) -> TeamRules:
        return TeamRules(
            key=key,
            strategy=self.strategy,
            offer_timeout_s=self.offer_timeout_s,
            first_reply_s=self.first_reply_s,
            first_reply_grace_s=self.first_reply_grace_s,
            overflow_after_s=self.overflow_after_s,
            overflow_teams=tuple(self.overflow_teams),
            aging_step_s=self.aging_step_s,
            handle_time_s=self.handle_time_s,
            check_in_after_s=self.check_in_after_s,
            check_in_timeout_s=self.check_in_timeout_s,
        )


class RoutingConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    teams: dict[TeamKey, TeamConfig] = {}

    def team(self, key: str) -> TeamConfig:
        return self.teams.get(key) or _DEFAULT_TEAM

    def rules(self, key: str) -> TeamRules:
        return self.team(key).rules(key)

    def hours(self, key: str) -> BusinessHours | None:
        """The team's opening hours; None: always open."""
        return self.team(key).hours


_DEFAULT_TEAM = TeamConfig()


def _check(config: RoutingConfig) -> Iterator[tuple[Loc, str]]:
    for key, team in config.teams.items():
        for index, other in enumerate(team.overflow_teams):
            where = ("teams", key, "overflow_teams", index)
            if other == key:
                yield where, "a team cannot overflow to itself"
            elif other not in config.teams:
                yield (
                    where,
                    f"unknown team {other!r}; teams in this file: {', '.join(config.teams)}",
                )


def load_routing(path_or_text: str | Path, *, source: str | None = None) -> RoutingConfig:
    """A routing file (a Path, or a one-line str) or its YAML text; RoutingError lists
    every mistake with its line."""
    if isinstance(path_or_text, Path) or "\n" not in path_or_text:
        path = Path(path_or_text)
        return _load(read_text(path, RoutingError), source or str(path))
    return _load(path_or_text, source or "<string>")


@cache
def load_default_routing() -> RoutingConfig:
    text = files("relaydesk.service").joinpath(DEFAULT_ROUTING).read_text(encoding="utf-8")
    return _load(text, DEFAULT_ROUTING)


def _load(text: str, source: str) -> RoutingConfig:
    return load_model(
        text,
        source,
        RoutingConfig,
        shape="a routing file is a mapping with `teams:`",
        checks=_check,
        error=RoutingError,
    )


def check_routing_file(path: Path) -> list[str]:
    """Every mistake as "file:line: field: message"; [] when the file is fine."""
    try:
        load_routing(path)
    except RoutingError as error:
        return [str(issue) for issue in error.issues]
    return []
