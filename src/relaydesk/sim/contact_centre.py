"""`relaydesk simulate`: a contact centre simulated event by event through the real router.

One team, `agents` people online with `concurrency` conversation slots each, Poisson
arrivals. Every decision is the production router's (`routing.router.Router`): a new
case is added and offered to `best_agent_for`; when a conversation ends the slot is
released and the agent takes `best_case_for`. Offers are accepted at once. A customer who
has to wait is told the production promise (`routing.estimate.promise`) from rates the
desk learns while it runs (`routing.rates.LiveRates`), and with a patience each customer
leaves when it runs out.

The run's figures are compared with queueing theory (`routing.erlang`): Erlang C without
abandonment, Erlang A with it, with servers = agents x concurrency. They use erlang.py's
definitions, over every arrival after the warm-up that ended by the end of the run:
the mean wait counts an abandoner's time in the queue up to leaving, and the service
level is the share answered within `answer_within_s` (an abandoner never counts as
answered). Arrivals still waiting when the run stops are counted apart.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np

from relaydesk.domain.vocab import AgentPresence, Priority
from relaydesk.routing import estimate
from relaydesk.routing.erlang import QueueFigures, erlang_a_figures, erlang_c_figures
from relaydesk.routing.model import AgentState, CaseState, Needs, TeamRules
from relaydesk.routing.rates import LiveRates
from relaydesk.routing.router import Router

# Long enough for C1's mean wait to come within 5% of Erlang C for most seeds (the
# waiting-time average converges slowly: busy periods make successive waits correlated).
DEFAULT_HOURS = 3000.0
MIN_WARMUP_HOURS = 2.0
WARMUP_SHARE = 0.05
TEAM = "support"
CHANNEL = "webchat"
NEEDS = Needs(language="en", channel=CHANNEL)
# A lognormal with the exponential's coefficient of variation (1): only the shape differs.
LOGNORMAL_SIGMA = math.sqrt(math.log(2.0))

_ARRIVAL, _COMPLETION, _ABANDON, _WARMUP_END = range(4)


class HandleDistribution(StrEnum):
    EXP = "exp"
    LOGNORMAL = "lognormal"
    FIXED = "fixed"


class PatienceDistribution(StrEnum):
    EXP = "exp"
    FIXED = "fixed"


class SimulationError(ValueError):
    """The inputs describe no contact centre that can be simulated; the message says why."""


@dataclass(frozen=True)
class SimulationConfig:
    arrivals_per_hour: float
    handle_time_s: float
    agents: int
    concurrency: int = 1
    patience_s: float | None = None  # mean patience; None: nobody abandons
    hours: float = DEFAULT_HOURS
    seed: int = 1
    handle_dist: HandleDistribution = HandleDistribution.EXP
    patience_dist: PatienceDistribution = PatienceDistribution.EXP
    warmup_hours: float | None = None  # None: 2 hours or 5% of the run, whichever is more
    answer_within_s: float = 20.0

    @property
    def slots(self) -> int:
        return self.agents * self.concurrency

    @property
    def warmup_s(self) -> float:
        hours = self.warmup_hours
        if hours is None:
            hours = max(MIN_WARMUP_HOURS, WARMUP_SHARE * self.hours)
        return hours * 3600.0

    def check(self) -> None:
        problems = [
            (self.arrivals_per_hour <= 0, "arrivals per hour must be > 0"),
            (self.handle_time_s <= 0, "the handle time must be > 0"),
            (self.agents < 1, "there must be at least one agent"),
            (self.concurrency < 1, "concurrency must be at least 1"),
            (self.patience_s is not None and self.patience_s <= 0, "patience must be > 0"),
            (self.answer_within_s < 0, "answer-within must be >= 0"),
            (self.warmup_hours is not None and self.warmup_hours < 0, "warm-up must be >= 0"),
            (self.warmup_s >= self.hours * 3600.0, "the run must be longer than its warm-up"),
        ]
        for failed, problem in problems:
            if failed:
                raise SimulationError(problem)


class ContactCentre:
    """The simulation's state: the router, the learnt rates, the event list, the tallies.

    `step` handles the next event; `run_until` handles every event up to an instant.
    """

    def __init__(self, config: SimulationConfig) -> None:
        config.check()
        self.config = config
        self.now = 0.0
        self.end_s = config.hours * 3600.0
        self.router = Router({TEAM: TeamRules(key=TEAM, handle_time_s=config.handle_time_s)})
        for agent_id in range(1, config.agents + 1):
            self.router.upsert_agent(
                AgentState(
                    id=agent_id,
                    teams={TEAM: True},
                    presence=AgentPresence.ONLINE,
                    capacity=config.concurrency,
                )
            )
        self.rates = LiveRates(handle_time_prior_s=config.handle_time_s)
        self._rules = self.router.rules(TEAM)
        self._slots = config.slots
        self._warmup_s = config.warmup_s
        self._answer_within_s = config.answer_within_s
        self._rng = random.Random(config.seed)
        self._events: list[tuple[float, int, int, Any]] = []
        self._sequence = itertools.count()
        self._case_ids = itertools.count(1)
        self._arrival_rate = config.arrivals_per_hour / 3600.0
        self._draw_handle = self._handle_sampler()
        self._draw_patience = self._patience_sampler()
        self._waiting: dict[str, tuple[float, float | None]] = {}  # id -> arrival, promise
        self._busy = 0  # slots in conversation
        self._busy_area = 0.0  # busy slot-seconds since the start
        self._busy_area_at_warmup = 0.0
        self._last_change = 0.0
        # Tallies over arrivals after the warm-up.
        self.arrivals = 0
        self.answered = 0
        self.abandoned = 0
        self.answered_in_time = 0
        self.waits = array("d")  # every ended arrival's wait (abandoners: until leaving)
        # Answered customers who were told a promise: what they were told, what they waited.
        self.promised_s = array("d")
        self.promised_waited_s = array("d")
        self._schedule(self._rng.expovariate(self._arrival_rate), _ARRIVAL, None)
        self._schedule(config.warmup_s, _WARMUP_END, None)

    # ---- the event loop ---------------------------------------------------------------

    def next_event_at(self) -> float:
        return self._events[0][0] if self._events else math.inf

    def step(self) -> None:
        """Handle the next event."""
        at, _, kind, payload = heapq.heappop(self._events)
        self.now = at
        if kind == _ARRIVAL:
            self._arrive(at)
        elif kind == _COMPLETION:
            self._complete(at, *payload)
        elif kind == _ABANDON:
            self._abandon(at, payload)
        else:
            self._account_busy(at)
            self._busy_area_at_warmup = self._busy_area

    def run_until(self, until_s: float) -> None:
        events, step = self._events, self.step
        while events and events[0][0] <= until_s:
            step()
        self.now = until_s

    def _schedule(self, at: float, kind: int, payload: Any) -> None:
        heapq.heappush(self._events, (at, next(self._sequence), kind, payload))

    def _account_busy(self, now: float) -> None:
        self._busy_area += self._busy * (now - self._last_change)
        self._last_change = now

    # ---- events -----------------------------------------------------------------------

    def _arrive(self, now: float) -> None:
        self._schedule(now + self._rng.expovariate(self._arrival_rate), _ARRIVAL, None)
        router = self.router
        case_id = str(next(self._case_ids))
        router.add_case(
            CaseState(
                id=case_id,
                team=TEAM,
                priority=Priority.NORMAL,
                needs=NEEDS,
                enqueued_at=now,
                sort_key=self._rules.sort_key(Priority.NORMAL, now),
            )
        )
        measured = now >= self._warmup_s
        if measured:
            self.arrivals += 1
        agent_id = router.best_agent_for(case_id, now)
        if agent_id is not None:
            self.rates.observe_wait(0.0, abandoned=False)
            if measured:
                self._record_answer(0.0, None)
            self._answer(case_id, agent_id, now)
            return
        slots = self._slots
        told = estimate.promise(
            position=router.position(case_id),
            servers=slots,
            free=slots - self._busy,
            handle_time_s=self.rates.handle_time_s,
            patience_s=self.rates.patience_s,
        )
        self._waiting[case_id] = (now, told.wait_s)
        if self._draw_patience is not None:
            self._schedule(now + self._draw_patience(), _ABANDON, case_id)

    def _complete(self, now: float, agent_id: int, handle_s: float) -> None:
        self._account_busy(now)
        self._busy -= 1
        router = self.router
        router.release(agent_id, CHANNEL, now)
        self.rates.observe_handle(handle_s)
        case_id = router.best_case_for(agent_id, now)
        if case_id is None:
            return
        arrived_at, promised = self._waiting.pop(case_id)
        waited = now - arrived_at
        self.rates.observe_wait(waited, abandoned=False)
        if arrived_at >= self._warmup_s:
            self._record_answer(waited, promised)
        self._answer(case_id, agent_id, now)

    def _abandon(self, now: float, case_id: str) -> None:
        waiting = self._waiting.pop(case_id, None)
        if waiting is None:  # answered before their patience ran out
            return
        self.router.remove_case(case_id)
        waited = now - waiting[0]
        self.rates.observe_wait(waited, abandoned=True)
        if waiting[0] >= self._warmup_s:
            self.abandoned += 1
            self.waits.append(waited)

    def _answer(self, case_id: str, agent_id: int, now: float) -> None:
        router = self.router
        router.offer(case_id, agent_id, now)
        router.assign(case_id, agent_id, now)
        self._account_busy(now)
        self._busy += 1
        handle_s = self._draw_handle()
        self._schedule(now + handle_s, _COMPLETION, (agent_id, handle_s))

    def _record_answer(self, waited: float, promised: float | None) -> None:
        self.answered += 1
        self.waits.append(waited)
        if waited <= self._answer_within_s:
            self.answered_in_time += 1
        if promised is not None:
            self.promised_s.append(promised)
            self.promised_waited_s.append(waited)

    # ---- random draws -----------------------------------------------------------------

    def _handle_sampler(self) -> Callable[[], float]:
        mean, rng = self.config.handle_time_s, self._rng
        match self.config.handle_dist:
            case HandleDistribution.EXP:
                rate = 1.0 / mean
                return lambda: rng.expovariate(rate)
            case HandleDistribution.LOGNORMAL:
                mu = math.log(mean) - LOGNORMAL_SIGMA**2 / 2  # so that the mean is `mean`
                return lambda: rng.lognormvariate(mu, LOGNORMAL_SIGMA)
            case HandleDistribution.FIXED:
                return lambda: mean

    def _patience_sampler(self) -> Callable[[], float] | None:
        mean, rng = self.config.patience_s, self._rng
        if mean is None:
            return None
        if self.config.patience_dist is PatienceDistribution.FIXED:
            return lambda: mean
        rate = 1.0 / mean
        return lambda: rng.expovariate(rate)

    # ---- results ----------------------------------------------------------------------

    @property
    def still_waiting(self) -> int:
        """Arrivals after the warm-up still in the queue."""
        warmup_s = self._warmup_s
        return sum(1 for arrived_at, _ in self._waiting.values() if arrived_at >= warmup_s)

    def report(self) -> dict[str, Any]:
        config = self.config
        self._account_busy(self.now)
        measured_s = self.now - config.warmup_s
        waits = np.asarray(self.waits)
        ended = waits.size
        mean_wait = float(waits.mean()) if ended else None
        abandon_rate = self.abandoned / ended if ended else None
        theory = self.erlang_figures()
        promised, waited = np.asarray(self.promised_s), np.asarray(self.promised_waited_s)
        told = promised.size
        within = f"{config.answer_within_s:g}s"
        return {
            "arrivals_per_hour": config.arrivals_per_hour,
            "handle_time_s": config.handle_time_s,
            "agents": config.agents,
            "concurrency": config.concurrency,
            "patience_s": config.patience_s,
            "hours": config.hours,
            "warmup_hours": config.warmup_s / 3600.0,
            "seed": config.seed,
            "handle_dist": str(config.handle_dist),
            "patience_dist": str(config.patience_dist),
            "answer_within_s": config.answer_within_s,
            "arrivals": self.arrivals,
            "answered": self.answered,
            "abandoned": self.abandoned,
            "still_waiting": self.still_waiting,
            "mean_wait_s": _rounded(mean_wait),
            "p90_wait_s": _rounded(float(np.percentile(waits, 90)) if ended else None),
            f"service_level_{within}": _rounded(self.answered_in_time / ended if ended else None),
            "abandon_rate": _rounded(abandon_rate),
            "occupancy": _rounded(
                (self._busy_area - self._busy_area_at_warmup) / (config.slots * measured_s)
            ),
            "erlang_mean_wait_s": _rounded(theory.mean_wait_s),
            f"erlang_service_level_{within}": _rounded(theory.service_level),
            "erlang_abandon_rate": _rounded(theory.p_abandon),
            "erlang_occupancy": _rounded(theory.occupancy),
            "mean_wait_rel_error": _rounded(_relative_error(mean_wait, theory.mean_wait_s)),
            "abandon_rate_rel_error": _rounded(
                _relative_error(abandon_rate, theory.p_abandon)
                if config.patience_s is not None
                else None
            ),
            "promised": told,
            "promise_kept_rate": _rounded(float(np.mean(waited <= promised)) if told else None),
            "promise_padding": _rounded(
                float(np.median(promised) / np.median(waited)) if told else None
            ),
            "learnt_handle_time_s": _rounded(self.rates.handle_time_s),
            "learnt_patience_s": _rounded(self.rates.patience_s),
        }

    def erlang_figures(self) -> QueueFigures:
        """Erlang C without patience, Erlang A with it."""
        config = self.config
        rate = config.arrivals_per_hour / 3600.0
        if config.patience_s is None:
            return erlang_c_figures(
                rate, config.handle_time_s, config.slots, config.answer_within_s
            )
        return erlang_a_figures(
            rate, config.handle_time_s, config.slots, config.patience_s, config.answer_within_s
        )


def simulate(
    config: SimulationConfig, on_progress: Callable[[float], None] | None = None
) -> dict[str, Any]:
    """Run the whole simulation and return its report; `on_progress` is told each
    simulated hour done."""
    centre = ContactCentre(config)
    done = 0.0
    while done < config.hours:
        done = min(done + 1.0, config.hours)
        centre.run_until(done * 3600.0)
        if on_progress is not None:
            on_progress(done)
    return centre.report()


def _relative_error(measured: float | None, expected: float) -> float | None:
    if measured is None or not math.isfinite(expected) or expected == 0:
        return None
    return (measured - expected) / expected


def _rounded(value: float | None) -> float | None:
    """Six decimals for the report; None for a figure that does not exist (infinite)."""
    if value is None or not math.isfinite(value):
        return None
    return round(value, 6)
