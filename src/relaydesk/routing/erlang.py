"""Queueing figures for staffing and wait promises: Erlang B, Erlang C and Erlang A.

Rates are per second and times in seconds. The offered load is A = λ·AHT (Erlangs).

- Erlang C (M/M/N): Poisson arrivals, exponential handle times, N agents, nobody leaves.
- Erlang A (M/M/N+M): the same, and each waiting customer abandons at rate θ = 1/patience.
- The remaining wait of one waiting customer, for the promise made to that customer.

Erlang B and C use the Erlang B recurrence, never factorials, so thousands of agents are
fine. Erlang A is solved exactly from its birth–death chain in log space.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special
from scipy.optimize import brentq

# Erlang A: the queue's state space is cut where the omitted tail holds less than this share
# of the probability; past _MAX_QUEUE_STATES the inputs are refused rather than truncated.
_TAIL_TOLERANCE = 1e-15
_MAX_QUEUE_STATES = 1 << 22
# Remaining wait: below this e^{−W/patience} is solved in logs (see remaining_wait_quantile).
_SMALLEST_SHARE_LEFT = 1e-100


@dataclass(frozen=True)
class QueueFigures:
    """Steady-state figures of one queue.

    p_wait: share of arrivals that find every agent busy.
    mean_wait_s: average speed of answer over all arrivals (0 for those answered at once;
        under Erlang A it includes the time abandoners waited before leaving).
    service_level: share of all arrivals answered within `answer_within_s` (under Erlang A
        abandoners count as not answered, whenever they leave).
    occupancy: average share of agents busy.
    p_abandon: share of arrivals that leave before being answered (0 under Erlang C).
    mean_queue_length: average number waiting.
    """

    p_wait: float
    mean_wait_s: float
    service_level: float
    occupancy: float
    p_abandon: float
    mean_queue_length: float


def erlang_b(servers: int, load: float) -> float:
    """Blocking probability of M/M/N/N with `servers` agents and `load` Erlangs offered."""
    _require(servers >= 0, "servers must be >= 0")
    _require(load >= 0, "load must be >= 0")
    blocking = 1.0
    for n in range(1, servers + 1):
        blocking = load * blocking / (n + load * blocking)
    return blocking


def erlang_c(servers: int, load: float) -> float:
    """P(wait) of M/M/N: the share of arrivals that find every agent busy.

    1.0 when load >= servers (the queue grows without bound).
    """
    if load >= servers:
        return 1.0
    return _erlang_c_from_blocking(servers, load, erlang_b(servers, load))


def erlang_c_figures(
    arrival_rate_per_s: float, handle_time_s: float, servers: int, answer_within_s: float
) -> QueueFigures:
    """Erlang C figures: ASA = C·AHT/(N−A), SL(T) = 1 − C·e^{−(N−A)·T/AHT}, E[Lq] = λ·ASA.

    When load >= servers the queue is unstable: p_wait 1, mean_wait_s and mean_queue_length
    infinite, service_level 0, occupancy 1.
    """
    _check_queue_inputs(arrival_rate_per_s, handle_time_s, servers, answer_within_s)
    load = arrival_rate_per_s * handle_time_s
    if load >= servers:
        return QueueFigures(
            p_wait=1.0,
            mean_wait_s=math.inf,
            service_level=0.0,
            occupancy=1.0,
            p_abandon=0.0,
            mean_queue_length=math.inf,
        )
    p_wait = erlang_c(servers, load)
    mean_wait_s = p_wait * handle_time_s / (servers - load)
    return QueueFigures(
        p_wait=p_wait,
        mean_wait_s=mean_wait_s,
        service_level=_erlang_c_service_level(
            p_wait, servers, load, handle_time_s, answer_within_s
        ),
        occupancy=load / servers,
        p_abandon=0.0,
        mean_queue_length=arrival_rate_per_s * mean_wait_s,
    )


def erlang_a_figures(
    arrival_rate_per_s: float,
    handle_time_s: float,
    servers: int,
    patience_s: float | None,
    answer_within_s: float,
) -> QueueFigures:
    """Erlang A (M/M/N+M) figures, with exponential patience of mean `patience_s`.

    Exact, from the birth–death chain on the number in system (truncated where the tail is
    below 1e-15). Stable at any load. Definitions, over all arrivals:
    mean_wait_s = E[Lq]/λ (Little), so abandoners' time in queue counts;
    p_abandon = θ·E[Lq]/λ;
    service_level = P(answered within T): an arrival finding k others waiting is answered
    after a sum of exponentials with rates Nμ + iθ (i = k..0) unless it abandons first.
    `patience_s` None means nobody abandons: the Erlang C figures, which also hold when
    there are no arrivals (nobody waits).
    """
    _check_queue_inputs(arrival_rate_per_s, handle_time_s, servers, answer_within_s)
    _check_patience(patience_s)
    if patience_s is None or arrival_rate_per_s == 0:
        return erlang_c_figures(arrival_rate_per_s, handle_time_s, servers, answer_within_s)

    abandon_rate = 1.0 / patience_s
    service_rate = servers / handle_time_s
    load = arrival_rate_per_s * handle_time_s

    busy = np.arange(servers + 1)
    log_weights_below = busy * math.log(load) - special.gammaln(busy + 1)
    log_weights_queue = log_weights_below[-1] + _queue_log_weights(
        arrival_rate_per_s, service_rate, abandon_rate
    )
    log_weights = np.concatenate((log_weights_below[:-1], log_weights_queue))
    probabilities = np.exp(log_weights - special.logsumexp(log_weights))
    p_below = probabilities[:servers]
    p_queue = probabilities[servers:]  # p_queue[k]: all agents busy and k waiting

    waiting = np.arange(p_queue.size)
    mean_queue_length = float(waiting @ p_queue)
    p_wait = _probability(float(p_queue.sum()))
    mean_busy = float(busy[:-1] @ p_below) + servers * p_wait

    # With c = Nμ/θ, e^{−θ·S} ~ Beta(c, k+1) for the time S to answer an arrival with k ahead,
    # so P(answered by T before its own patience runs out) = E[e^{−θS}; S <= T]
    # = c/(c+k+1) · I_{1−e^{−θT}}(k+1, c+1).
    patience_ratio = service_rate / abandon_rate
    answered_within = (
        patience_ratio
        / (patience_ratio + waiting + 1)
        * special.betainc(
            waiting + 1, patience_ratio + 1, -math.expm1(-abandon_rate * answer_within_s)
        )
    )
    return QueueFigures(
        p_wait=p_wait,
        mean_wait_s=mean_queue_length / arrival_rate_per_s,
        service_level=_probability(1.0 - float(p_queue @ (1.0 - answered_within))),
        occupancy=_probability(mean_busy / servers),
        p_abandon=abandon_rate * mean_queue_length / arrival_rate_per_s,
        mean_queue_length=mean_queue_length,
    )


def servers_for_service_level(
    arrival_rate_per_s: float,
    handle_time_s: float,
    target_service_level: float,
    answer_within_s: float,
) -> int:
    """The smallest number of agents whose Erlang C service level reaches the target."""
    _check_queue_inputs(arrival_rate_per_s, handle_time_s, 1, answer_within_s)
    _require(0 < target_service_level < 1, "target_service_level must be in (0, 1)")
    load = arrival_rate_per_s * handle_time_s
    blocking = 1.0
    servers = 0
    while True:
        servers += 1
        blocking = load * blocking / (servers + load * blocking)
        if servers <= load:
            continue
        p_wait = _erlang_c_from_blocking(servers, load, blocking)
        level = _erlang_c_service_level(p_wait, servers, load, handle_time_s, answer_within_s)
        if level >= target_service_level:
            return servers


def halfin_whitt_beta(p_wait: float) -> float:
    """β of square-root staffing N ≈ A + β·√A for a target P(wait).

    Solves P(wait) = [1 + β·Φ(β)/φ(β)]^{-1} (Halfin–Whitt), in logs so large β is fine.
    """
    _require(0 < p_wait < 1, "p_wait must be in (0, 1)")
    target = math.log1p(-p_wait) - math.log(p_wait)
    half_log_two_pi = 0.5 * math.log(2 * math.pi)

    def excess(beta: float) -> float:
        log_ratio = math.log(beta) + float(special.log_ndtr(beta)) + beta * beta / 2
        return log_ratio + half_log_two_pi - target

    lower = upper = 1.0
    while excess(upper) < 0:
        upper *= 2
    while excess(lower) > 0:
        lower /= 2
    return float(brentq(excess, lower, upper, xtol=1e-14, rtol=1e-14))


def remaining_wait_quantile(
    ahead: int,
    busy_servers: int,
    handle_time_s: float,
    patience_s: float | None,
    q: float = 0.8,
) -> float:
    """The q-quantile of one waiting customer's remaining wait, in seconds.

    Model: all `busy_servers` agents are busy and each frees at rate 1/handle_time_s; each of
    the `ahead` customers in front abandons at rate 1/patience_s (None: nobody does). With i
    ahead the customer moves on at rate busy/AHT + i/patience, and is answered after the
    phases i = ahead..0. The customer's own patience is ignored: the promise is for one who
    stays. Without abandonment the wait is Gamma(ahead+1, AHT/busy). With it, writing
    c = patience·busy/AHT, e^{−W/patience} ~ Beta(c, ahead+1) exactly, so the quantile is
    closed-form at any `ahead` (no approximation).
    Raises ValueError when busy_servers <= 0: someone is free, so the wait is "as soon as
    someone is free", not a figure.
    """
    _check_remaining_wait_inputs(ahead, busy_servers, handle_time_s, patience_s)
    _require(0 < q < 1, "q must be in (0, 1)")
    if patience_s is None:
        # The gamma quantile, through scipy.special directly (30x cheaper than stats.gamma).
        return float(special.gammaincinv(ahead + 1, q)) * handle_time_s / busy_servers
    patience_ratio = patience_s * busy_servers / handle_time_s
    # 1 − e^{−W/patience} ~ Beta(ahead+1, c). Take the logarithm of whichever of it and its
    # complement is away from 1, so neither long nor short waits lose digits.
    gone = float(special.betaincinv(ahead + 1, patience_ratio, q))
    if gone <= 0.5:
        return -patience_s * math.log1p(-gone)
    left = float(special.betaincinv(patience_ratio, ahead + 1, 1.0 - q))
    if left > _SMALLEST_SHARE_LEFT:
        return -patience_s * math.log(left)
    # Waits of many patience spans (x = e^{−W/patience} near 0): there I_x(c, ahead+1) equals
    # x^c·Γ(c+ahead+1)/(Γ(c+1)·Γ(ahead+1)) to double precision, so solve for log x.
    log_left = (
        math.log1p(-q)
        + special.gammaln(patience_ratio + 1)
        + special.gammaln(ahead + 1)
        - special.gammaln(patience_ratio + ahead + 1)
    ) / patience_ratio
    return -patience_s * float(log_left)


def remaining_wait_mean(
    ahead: int,
    busy_servers: int,
    handle_time_s: float,
    patience_s: float | None,
) -> float:
    """The mean remaining wait of one waiting customer, in seconds: Σ_{i=0}^{ahead} 1/rate_i.

    Same model and arguments as `remaining_wait_quantile`.
    """
    _check_remaining_wait_inputs(ahead, busy_servers, handle_time_s, patience_s)
    if patience_s is None:
        return (ahead + 1) * handle_time_s / busy_servers
    rates = busy_servers / handle_time_s + np.arange(ahead + 1) / patience_s
    return float(np.sum(1.0 / rates))


def _erlang_c_from_blocking(servers: int, load: float, blocking: float) -> float:
    """Erlang C from Erlang B at the same servers and load (load < servers)."""
    return servers * blocking / (servers - load * (1.0 - blocking))


def _erlang_c_service_level(
    p_wait: float, servers: int, load: float, handle_time_s: float, answer_within_s: float
) -> float:
    """1 − C·e^{−(N−A)·T/AHT}: a waiting customer's wait is exponential, rate (N−A)/AHT."""
    return 1.0 - p_wait * math.exp(-(servers - load) * answer_within_s / handle_time_s)


def _queue_log_weights(
    arrival_rate_per_s: float, service_rate: float, abandon_rate: float
) -> np.ndarray:
    """Log of p(N+k)/p(N) for k = 0..K, K where the omitted tail is negligible.

    p(N+k)/p(N+k−1) = λ/(Nμ + kθ) falls with k, so past the last kept state K the tail is
    at most p(N+K)·r/(1−r) with r = λ/(Nμ + Kθ) < 1; K doubles until that is negligible.
    """
    mode = max(0.0, (arrival_rate_per_s - service_rate) / abandon_rate)
    states = 64 + 2 * math.ceil(mode)
    while states <= _MAX_QUEUE_STATES:
        waiting = np.arange(1, states + 1)
        log_ratios = math.log(arrival_rate_per_s) - np.log(service_rate + waiting * abandon_rate)
        log_weights = np.concatenate(([0.0], np.cumsum(log_ratios)))
        last_log_ratio = float(log_ratios[-1])
        if last_log_ratio < 0:
            log_tail = log_weights[-1] + last_log_ratio - math.log(-math.expm1(last_log_ratio))
            if log_tail < math.log(_TAIL_TOLERANCE) + special.logsumexp(log_weights):
                return log_weights
        states *= 2
    raise ValueError("queue too long to solve exactly: patience too long for this overload")


def _probability(value: float) -> float:
    """`value` kept within [0, 1]: sums of many probabilities can round just past either end."""
    return min(1.0, max(0.0, value))


def _check_queue_inputs(
    arrival_rate_per_s: float, handle_time_s: float, servers: int, answer_within_s: float
) -> None:
    _require(arrival_rate_per_s >= 0, "arrival_rate_per_s must be >= 0")
    _require(handle_time_s > 0, "handle_time_s must be > 0")
    _require(servers >= 1, "servers must be >= 1")
    _require(answer_within_s >= 0, "answer_within_s must be >= 0")


def _check_remaining_wait_inputs(
    ahead: int, busy_servers: int, handle_time_s: float, patience_s: float | None
) -> None:
    _require(ahead >= 0, "ahead must be >= 0")
    _require(busy_servers > 0, "busy_servers must be > 0 (otherwise someone is free)")
    _require(handle_time_s > 0, "handle_time_s must be > 0")
    _check_patience(patience_s)


def _check_patience(patience_s: float | None) -> None:
    _require(
        patience_s is None or 0 < patience_s < math.inf,
        "patience_s must be finite and > 0, or None for no abandonment",
    )


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)
