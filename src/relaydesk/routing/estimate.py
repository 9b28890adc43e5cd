"""A first wait estimate from the place in the queue and the people able to answer.

With `free` open slots the first `free` cases are picked up at once; behind them, each of
`servers` slots frees up about once per handle time. The router's queueing-theory
estimates (Erlang C/A, the 80th percentile) replace this in the routing work.
"""

from __future__ import annotations

import math


def estimate_wait_s(position: int, servers: int, free: int, handle_time_s: float) -> float | None:
    """Seconds until a person answers, or None when nobody is online to answer."""
    if position < 1:
        raise ValueError("position is 1-based")
    if servers <= 0:
        return None
    if position <= free:
        return 0.0
    ahead = position - free
    return math.ceil(ahead / servers) * handle_time_s


def wait_minutes(seconds: float | None) -> int | None:
    """What to tell a customer: whole minutes, at least one."""
    if seconds is None:
        return None
    return max(1, math.ceil(seconds / 60))
