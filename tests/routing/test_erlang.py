"""Erlang B/C/A figures and the remaining-wait promise, against REFERENCE.md's vectors."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import linalg, stats

from relaydesk.routing.erlang import (
    QueueFigures,
    erlang_a_figures,
    erlang_b,
    erlang_c,
    erlang_c_figures,
    halfin_whitt_beta,
    remaining_wait_mean,
    remaining_wait_quantile,
    servers_for_service_level,
)

C1_RATE = 100 / 1800  # 100 per 30 min
C1_AHT = 180.0
C1_T = 20.0


def digits(value: float, places: int) -> object:
    """Equal to `value` as printed with `places` decimals: half a unit in the last digit."""
    return pytest.approx(value, abs=0.5 * 10.0**-places)


# --- Erlang C: REFERENCE table ----------------------------------------------------------


def test_c1() -> None:
    figures = erlang_c_figures(C1_RATE, C1_AHT, 14, C1_T)
    assert figures.p_wait == digits(0.1741, 4)
    assert figures.mean_wait_s == digits(7.84, 2)
    assert figures.service_level == digits(0.8884, 4)
    assert figures.occupancy == digits(0.7143, 4)
    assert figures.p_abandon == 0.0
    assert figures.mean_queue_length == pytest.approx(C1_RATE * figures.mean_wait_s)


@pytest.mark.parametrize(
    ("servers", "p_wait", "asa", "service_level"),
    [
        (12, 0.4494, 40.44, 0.6402),
        (13, 0.2853, 17.12, 0.7956),
        (15, 0.1020, 3.67, 0.9415),
        (16, 0.0573, 1.72, 0.9706),
    ],
)
def test_c1_sweep(servers: int, p_wait: float, asa: float, service_level: float) -> None:
    figures = erlang_c_figures(C1_RATE, C1_AHT, servers, C1_T)
    assert figures.p_wait == digits(p_wait, 4)
    assert figures.mean_wait_s == digits(asa, 2)
    assert figures.service_level == digits(service_level, 4)
    assert figures.occupancy == pytest.approx(10 / servers)


def test_c2() -> None:
    figures = erlang_c_figures(360 / 1800, 240.0, 55, 15.0)
    assert figures.p_wait == digits(0.2387, 4)
    assert figures.mean_wait_s == digits(8.18, 2)
    assert figures.service_level == digits(0.8459, 4)
    assert figures.occupancy == digits(0.8727, 4)


def test_c3_smallest_staffing() -> None:
    rate, aht = 25 / 900, 752.0
    assert servers_for_service_level(rate, aht, 0.90, 20.0) == 28
    assert erlang_c_figures(rate, aht, 28, 20.0).service_level == digits(0.9195, 4)
    assert erlang_c_figures(rate, aht, 27, 20.0).service_level == digits(0.8776, 4)


def test_erlang_c_unstable_when_load_reaches_servers() -> None:
    assert erlang_c(10, 10.0) == 1.0
    assert erlang_c(10, 12.5) == 1.0
    assert erlang_c_figures(C1_RATE, C1_AHT, 10, C1_T) == QueueFigures(
        p_wait=1.0,
        mean_wait_s=math.inf,
        service_level=0.0,
        occupancy=1.0,
        p_abandon=0.0,
        mean_queue_length=math.inf,
    )


def test_erlang_b_and_c_small_cases_by_hand() -> None:
    assert erlang_b(0, 3.0) == 1.0
    assert erlang_b(1, 1.0) == pytest.approx(0.5)
    assert erlang_b(2, 1.0) == pytest.approx(0.2)  # (1/2) / (1 + 1 + 1/2)
    assert erlang_c(1, 0.5) == pytest.approx(0.5)  # M/M/1: P(wait) = ρ
    assert erlang_c(3, 0.0) == 0.0


def test_thousands_of_agents_without_overflow() -> None:
    # Erlang B is the Poisson(A) pmf at N over its cdf at N.
    servers, load = 5000, 4900.0
    poisson = stats.poisson(load)
    expected = poisson.pmf(servers) / poisson.cdf(servers)
    assert erlang_b(servers, load) == pytest.approx(expected, rel=1e-9)
    assert 0.0 < erlang_c(servers, load) < 1.0


def test_no_arrivals_means_nobody_waits() -> None:
    for figures in (
        erlang_c_figures(0.0, C1_AHT, 3, C1_T),
        erlang_a_figures(0.0, C1_AHT, 3, 300.0, C1_T),
    ):
        assert figures.p_wait == 0.0
        assert figures.mean_wait_s == 0.0
        assert figures.service_level == 1.0
        assert figures.occupancy == 0.0


# --- A waiting customer's wait under Erlang C is exponential, rate (N−A)/AHT --------------


def test_erlang_c_conditional_wait_is_exponential() -> None:
    """With k ahead (geometric, ratio ρ) the wait is Gamma(k+1, AHT/N): mixed, Exp((N−A)/AHT)."""
    servers, load = 14, C1_RATE * C1_AHT
    ratio = load / servers
    ahead = np.arange(400)
    weights = (1 - ratio) * ratio**ahead
    conditional_sl = weights @ stats.gamma.cdf(C1_T, ahead + 1, scale=C1_AHT / servers)
    assert conditional_sl == pytest.approx(1 - math.exp(-(servers - load) * C1_T / C1_AHT))

    figures = erlang_c_figures(C1_RATE, C1_AHT, servers, C1_T)
    p_wait = erlang_c(servers, load)
    assert figures.service_level == pytest.approx(
        1 - p_wait * math.exp(-(servers - load) * C1_T / C1_AHT), rel=1e-12
    )
    assert figures.service_level == pytest.approx(1 - p_wait + p_wait * conditional_sl)

    conditional_mean = sum(
        w * remaining_wait_mean(int(k), servers, C1_AHT, None)
        for k, w in zip(ahead, weights, strict=True)
    )
    assert conditional_mean == pytest.approx(C1_AHT / (servers - load))
    assert figures.mean_wait_s == pytest.approx(p_wait * conditional_mean)


# --- Erlang A -----------------------------------------------------------------------------


def test_erlang_a_reference_vector() -> None:
    figures = erlang_a_figures(C1_RATE, C1_AHT, 14, 300.0, C1_T)
    assert figures.p_wait == digits(0.14526, 5)
    assert figures.p_abandon == digits(0.013984, 6)
    assert figures.mean_wait_s == digits(4.1951, 4)
    assert figures.service_level == digits(0.916792, 6)
    assert figures.occupancy == digits(0.704297, 6)


def _brute_force_erlang_a(
    rate: float, aht: float, servers: int, patience: float, within: float
) -> dict[str, float]:
    """An independent solution: the chain state by state, and a tagged arrival by expm.

    Returns the candidate definitions of mean wait and service level.
    """
    mu, theta, queue_states = 1 / aht, 1 / patience, 300
    weights = [1.0]
    for n in range(1, servers + queue_states + 1):
        weights.append(weights[-1] * rate / (min(n, servers) * mu + max(n - servers, 0) * theta))
    p = np.array(weights) / sum(weights)
    p_queue = p[servers:]
    mean_queue_length = float(np.arange(p_queue.size) @ p_queue)

    # Tagged arrival with i ahead: moves on at rate Nμ + iθ, is answered from i = 0, and
    # leaves itself at rate θ (the last state collects the answered).
    answered = queue_states + 1
    generator = np.zeros((answered + 1, answered + 1))
    for i in range(answered):
        generator[i, i - 1 if i else answered] = servers * mu + i * theta
        generator[i, i] = -(servers * mu + i * theta + theta)
    answered_by_t = linalg.expm(generator * within)[:answered, answered]
    answered_ever = servers * mu / (servers * mu + theta) * np.ones(answered)
    for i in range(1, answered):
        answered_ever[i] = (servers * mu + i * theta) / (servers * mu + (i + 1) * theta)
        answered_ever[i] *= answered_ever[i - 1]
    # Its wait ignoring its own patience (the "offered" or virtual wait).
    virtual = generator.copy()
    virtual[np.arange(answered), np.arange(answered)] += theta
    virtual_by_t = linalg.expm(virtual * within)[:answered, answered]

    answered_within = p[:servers].sum() + p_queue @ answered_by_t
    p_answered = p[:servers].sum() + p_queue @ answered_ever
    return {
        "wait_all_arrivals": mean_queue_length / rate,
        "p_abandon": 1 - p_answered,
        "sl_all_arrivals": answered_within,
        "sl_among_answered": answered_within / p_answered,
        "sl_virtual_wait": p[:servers].sum() + p_queue @ virtual_by_t,
    }


def test_erlang_a_definitions_that_reproduce_the_reference() -> None:
    """Mean wait: E[Lq]/λ over all arrivals, abandoners' time included. SL(T): answered
    within T among all arrivals, abandoners counted as missed. The alternatives miss."""
    figures = erlang_a_figures(C1_RATE, C1_AHT, 14, 300.0, C1_T)
    brute = _brute_force_erlang_a(C1_RATE, C1_AHT, 14, 300.0, C1_T)
    assert figures.mean_wait_s == pytest.approx(brute["wait_all_arrivals"], rel=1e-9)
    assert figures.mean_wait_s == pytest.approx(figures.mean_queue_length / C1_RATE)
    assert figures.p_abandon == pytest.approx(brute["p_abandon"], rel=1e-9)
    assert figures.service_level == pytest.approx(brute["sl_all_arrivals"], rel=1e-9)
    assert brute["sl_among_answered"] != digits(0.916792, 6)
    assert brute["sl_virtual_wait"] != digits(0.916792, 6)
    # The mean wait of answered customers only would be E[W; answered]/P(answered) < E[Lq]/λ.
    assert figures.mean_wait_s == digits(4.1951, 4)


@pytest.mark.parametrize(
    ("servers", "patience"), [(5, 120.0), (8, 120.0), (12, 120.0), (14, 5.0), (20, 120.0)]
)
def test_erlang_a_matches_brute_force(servers: int, patience: float) -> None:
    figures = erlang_a_figures(C1_RATE, C1_AHT, servers, patience, 30.0)
    brute = _brute_force_erlang_a(C1_RATE, C1_AHT, servers, patience, 30.0)
    assert figures.service_level == pytest.approx(brute["sl_all_arrivals"], rel=1e-9)
    assert figures.p_abandon == pytest.approx(brute["p_abandon"], rel=1e-9)


def test_erlang_a_converges_to_erlang_c() -> None:
    erlang_c_c1 = erlang_c_figures(C1_RATE, C1_AHT, 14, C1_T)
    patient = erlang_a_figures(C1_RATE, C1_AHT, 14, 1e9, C1_T)
    assert patient.p_wait == digits(0.1741, 4)
    assert patient.mean_wait_s == digits(7.84, 2)
    assert patient.service_level == digits(0.8884, 4)
    assert patient.occupancy == digits(0.7143, 4)
    for name in ("p_wait", "mean_wait_s", "service_level", "occupancy", "mean_queue_length"):
        assert getattr(patient, name) == pytest.approx(getattr(erlang_c_c1, name), rel=1e-6)
    assert patient.p_abandon == pytest.approx(0.0, abs=1e-7)
    assert erlang_a_figures(C1_RATE, C1_AHT, 14, None, C1_T) == erlang_c_c1


@pytest.mark.parametrize("servers", [1, 5, 9, 10])
def test_erlang_a_is_stable_at_or_past_full_load(servers: int) -> None:
    figures = erlang_a_figures(C1_RATE, C1_AHT, servers, 300.0, C1_T)
    load = C1_RATE * C1_AHT
    assert 0.0 < figures.p_wait < 1.0
    assert 0.0 < figures.p_abandon < 1.0
    assert math.isfinite(figures.mean_wait_s)
    assert figures.occupancy * servers == pytest.approx(load * (1 - figures.p_abandon))


def test_erlang_a_large_overloaded_centre() -> None:
    figures = erlang_a_figures(10.0, 300.0, 2900, 600.0, 20.0)  # 3000 Erlangs, 2900 agents
    assert figures.p_wait == pytest.approx(0.99571, abs=1e-5)
    assert figures.occupancy * 2900 == pytest.approx(3000 * (1 - figures.p_abandon))
    assert figures.mean_queue_length == pytest.approx(10.0 * figures.mean_wait_s)


def test_erlang_a_refuses_what_it_cannot_solve() -> None:
    with pytest.raises(ValueError, match="patience"):
        erlang_a_figures(C1_RATE, C1_AHT, 14, 0.0, C1_T)
    with pytest.raises(ValueError, match="patience"):
        erlang_a_figures(C1_RATE, C1_AHT, 14, math.inf, C1_T)
    with pytest.raises(ValueError, match="too long"):
        erlang_a_figures(C1_RATE, C1_AHT, 5, 1e12, C1_T)


# --- Staffing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("p_wait", "beta"), [(0.50, 0.506), (0.20, 1.062), (0.10, 1.420), (0.05, 1.740)]
)
def test_halfin_whitt_beta(p_wait: float, beta: float) -> None:
    assert halfin_whitt_beta(p_wait) == digits(beta, 3)


def test_halfin_whitt_staffing_is_close_to_erlang_c_for_a_large_centre() -> None:
    load = 1000.0
    servers = math.ceil(load + halfin_whitt_beta(0.2) * math.sqrt(load))
    assert erlang_c(servers, load) == pytest.approx(0.2, abs=0.02)


def test_staffing_input_checks() -> None:
    with pytest.raises(ValueError, match="target"):
        servers_for_service_level(C1_RATE, C1_AHT, 1.0, C1_T)
    with pytest.raises(ValueError, match="p_wait"):
        halfin_whitt_beta(0.0)


# --- One waiting customer's remaining wait ------------------------------------------------


def _monte_carlo_quantile(
    ahead: int, busy: int, aht: float, patience: float | None, q: float
) -> float:
    rng = np.random.default_rng(20261123)
    rates = busy / aht + np.arange(ahead + 1) / (patience or math.inf)
    samples = rng.exponential(1 / rates, size=(200_000, ahead + 1)).sum(axis=1)
    return float(np.quantile(samples, q))


@pytest.mark.parametrize(
    ("ahead", "busy", "patience", "q"),
    [
        (0, 3, 300.0, 0.8),
        (4, 14, 300.0, 0.8),
        (12, 14, 60.0, 0.8),
        (30, 5, 600.0, 0.5),
        (8, 14, None, 0.9),
    ],
)
def test_quantile_matches_monte_carlo(
    ahead: int, busy: int, patience: float | None, q: float
) -> None:
    exact = remaining_wait_quantile(ahead, busy, C1_AHT, patience, q)
    assert exact == pytest.approx(_monte_carlo_quantile(ahead, busy, C1_AHT, patience, q), rel=0.01)


@pytest.mark.parametrize(
    ("ahead", "busy", "aht", "patience", "q"),
    [
        (1, 14, C1_AHT, 300.0, 0.8),
        (50, 14, C1_AHT, 300.0, 0.8),
        (400, 14, C1_AHT, 300.0, 0.8),
        (3, 14, 117.0, 50.0, 0.99),
        (5, 1, 1200.0, 0.5, 0.99),  # thousands of patience spans: solved in logs
        (40, 1, 117.0, 0.01, 0.05),
    ],
)
def test_quantile_is_exact_for_the_phase_type_distribution(
    ahead: int, busy: int, aht: float, patience: float, q: float
) -> None:
    rates = busy / aht + np.arange(ahead, -1, -1) / patience
    generator = np.diag(-rates) + np.diag(rates[:-1], 1)
    quantile = remaining_wait_quantile(ahead, busy, aht, patience, q)
    cdf = 1 - linalg.expm(generator * quantile)[0].sum()
    assert cdf == pytest.approx(q, abs=1e-9)


@pytest.mark.parametrize("patience", [0.01, 5.0, 300.0, 1e9])
def test_first_in_line_waits_an_exponential_whatever_the_patience(patience: float) -> None:
    for q in (0.05, 0.8, 0.99):
        expected = -C1_AHT / 3 * math.log1p(-q)
        assert remaining_wait_quantile(0, 3, C1_AHT, patience, q) == pytest.approx(expected)


def test_no_abandonment_is_the_gamma_quantile() -> None:
    for ahead in (0, 1, 7, 50, 3000):
        for q in (0.5, 0.8, 0.95):
            expected = stats.gamma.ppf(q, ahead + 1, scale=C1_AHT / 14)
            got = remaining_wait_quantile(ahead, 14, C1_AHT, None, q)
            assert got == pytest.approx(expected, rel=1e-12)


def test_very_patient_customers_approach_the_gamma_quantile() -> None:
    patience = 1e9
    for ahead in (0, 10, 3000):
        gamma = remaining_wait_quantile(ahead, 14, C1_AHT, None)
        # Abandonment speeds each phase up by at most ahead/patience over 14/AHT.
        shift = ahead / patience / (14 / C1_AHT)
        wait = remaining_wait_quantile(ahead, 14, C1_AHT, patience)
        assert wait <= gamma
        assert wait == pytest.approx(gamma, rel=max(shift, 1e-12))


def test_mean_remaining_wait() -> None:
    assert remaining_wait_mean(2, 4, 100.0, None) == pytest.approx(75.0)
    rates = [4 / 100 + i / 50 for i in range(3)]
    assert remaining_wait_mean(2, 4, 100.0, 50.0) == pytest.approx(sum(1 / r for r in rates))
    mc_rates = 14 / C1_AHT + np.arange(21) / 300.0
    samples = np.random.default_rng(7).exponential(1 / mc_rates, size=(200_000, 21)).sum(axis=1)
    assert remaining_wait_mean(20, 14, C1_AHT, 300.0) == pytest.approx(samples.mean(), rel=0.01)


def test_quantile_is_fast_for_short_queues() -> None:
    calls = [(ahead, patience) for ahead in range(51) for patience in (None, 300.0)]
    start = time.perf_counter()
    for ahead, patience in calls:
        remaining_wait_quantile(ahead, 14, C1_AHT, patience)
    assert (time.perf_counter() - start) / len(calls) < 1e-3


def test_remaining_wait_input_checks() -> None:
    with pytest.raises(ValueError, match="busy_servers"):
        remaining_wait_quantile(3, 0, C1_AHT, 300.0)
    with pytest.raises(ValueError, match="busy_servers"):
        remaining_wait_mean(3, -1, C1_AHT, None)
    with pytest.raises(ValueError, match="ahead"):
        remaining_wait_quantile(-1, 3, C1_AHT, None)
    with pytest.raises(ValueError, match="q must"):
        remaining_wait_quantile(3, 3, C1_AHT, None, q=1.0)
    with pytest.raises(ValueError, match="patience"):
        remaining_wait_quantile(3, 3, C1_AHT, 0.0)


# --- Properties -----------------------------------------------------------------------------

servers_st = st.integers(min_value=1, max_value=300)
load_st = st.floats(min_value=0.0, max_value=400.0)
rate_st = st.floats(min_value=1e-4, max_value=2.0)
aht_st = st.floats(min_value=10.0, max_value=1200.0)
patience_st = st.floats(min_value=0.1, max_value=3600.0)
within_st = st.floats(min_value=0.0, max_value=300.0)


@given(servers_st, load_st)
def test_erlang_c_is_a_probability_decreasing_in_servers(servers: int, load: float) -> None:
    p_wait = erlang_c(servers, load)
    assert 0.0 <= p_wait <= 1.0
    assert erlang_c(servers + 1, load) <= p_wait
    assert 0.0 <= erlang_b(servers, load) <= p_wait


@given(rate_st, aht_st, servers_st, within_st)
def test_erlang_c_figures_are_consistent(
    rate: float, aht: float, servers: int, within: float
) -> None:
    figures = erlang_c_figures(rate, aht, servers, within)
    assert 0.0 <= figures.p_wait <= 1.0
    assert 0.0 <= figures.occupancy <= 1.0
    assert 1.0 - figures.p_wait <= figures.service_level + 1e-12
    assert 0.0 <= figures.service_level <= 1.0
    if math.isfinite(figures.mean_wait_s):
        assert figures.mean_queue_length == pytest.approx(rate * figures.mean_wait_s)


@settings(max_examples=60, deadline=None)
@given(rate_st, aht_st, st.integers(min_value=1, max_value=60), patience_st, within_st)
def test_erlang_a_figures_are_consistent(
    rate: float, aht: float, servers: int, patience: float, within: float
) -> None:
    figures = erlang_a_figures(rate, aht, servers, patience, within)
    load = rate * aht
    assert 0.0 <= figures.p_abandon <= figures.p_wait <= 1.0
    assert 0.0 <= figures.service_level <= 1.0 - figures.p_abandon + 1e-12
    assert 0.0 <= figures.occupancy <= 1.0
    assert figures.occupancy * servers == pytest.approx(load * (1 - figures.p_abandon), rel=1e-9)
    erlang_c_wait = erlang_c_figures(rate, aht, servers, within).mean_wait_s
    assert figures.mean_wait_s <= erlang_c_wait * (1 + 1e-9)


@settings(max_examples=60, deadline=None)
@given(rate_st, aht_st, st.integers(min_value=1, max_value=60), patience_st)
def test_erlang_a_abandonment_grows_as_patience_shrinks(
    rate: float, aht: float, servers: int, patience: float
) -> None:
    patient = erlang_a_figures(rate, aht, servers, patience, 20.0)
    impatient = erlang_a_figures(rate, aht, servers, patience / 2, 20.0)
    assert impatient.p_abandon >= patient.p_abandon - 1e-12
    assert impatient.mean_wait_s <= patient.mean_wait_s * (1 + 1e-9)


@settings(deadline=None)
@given(rate_st, aht_st, st.floats(min_value=0.05, max_value=0.99), within_st)
def test_staffing_is_the_smallest_that_meets_the_target(
    rate: float, aht: float, target: float, within: float
) -> None:
    servers = servers_for_service_level(rate, aht, target, within)
    assert erlang_c_figures(rate, aht, servers, within).service_level >= target
    if servers > 1:
        assert erlang_c_figures(rate, aht, servers - 1, within).service_level < target


@given(st.floats(min_value=1e-6, max_value=1 - 1e-6))
def test_halfin_whitt_beta_solves_its_equation(p_wait: float) -> None:
    beta = halfin_whitt_beta(p_wait)
    ratio = beta * stats.norm.cdf(beta) / stats.norm.pdf(beta)
    assert 1 / (1 + ratio) == pytest.approx(p_wait, rel=1e-9)


@given(
    st.integers(min_value=0, max_value=500),
    st.integers(min_value=1, max_value=100),
    aht_st,
    st.one_of(st.none(), patience_st),
    st.floats(min_value=0.05, max_value=0.9),
)
def test_remaining_wait_is_monotone(
    ahead: int, busy: int, aht: float, patience: float | None, q: float
) -> None:
    wait = remaining_wait_quantile(ahead, busy, aht, patience, q)
    assert wait > 0.0
    assert remaining_wait_quantile(ahead + 1, busy, aht, patience, q) > wait
    assert remaining_wait_quantile(ahead, busy, aht, patience, q + 0.05) > wait
    assert remaining_wait_quantile(ahead, busy, aht, None, q) >= wait * (1 - 1e-12)
    mean = remaining_wait_mean(ahead, busy, aht, patience)
    assert remaining_wait_mean(ahead + 1, busy, aht, patience) > mean
    assert remaining_wait_mean(ahead, busy, aht, None) >= mean * (1 - 1e-12)
