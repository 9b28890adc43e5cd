"""What a waiting customer is promised: their place, and a wait they will most likely beat.

The promise is the 80th percentile of the customer's remaining wait, not the mean (a mean
is broken about half the time): with every slot busy, the customer is answered after
the cases ahead of them clear and one more slot frees up, each step taking an exponential
time whose rate is the team's live service rate plus the abandonment of those ahead
(`erlang.remaining_wait_quantile`). It is then rounded to the nearest figure a person
says ("within about 45 seconds", "within about 4 minutes"): rounding always up would pad
short promises (a 7 s quantile told as 15 s is kept 97% of the time, not 80%).
"""

from __future__ import annotations

from dataclasses import dataclass

from relaydesk.routing.erlang import remaining_wait_quantile

PROMISE_QUANTILE = 0.8


@dataclass(frozen=True)
class Promise:
    position: int  # 1-based place in the team's queue
    wait_s: float | None  # the promised wait as told; 0: now; None: nobody is online


def promise(
    position: int,
    servers: int,
    free: int,
    handle_time_s: float,
    patience_s: float | None,
    quantile: float = PROMISE_QUANTILE,
) -> Promise:
    """The promise for the case at `position` when the team's online agents have
    `servers` slots in all, `free` of them open right now."""
    if position < 1:
        raise ValueError("position is 1-based")
    if servers <= 0:
        return Promise(position, None)
    if position <= free:
        return Promise(position, 0.0)
    # The free slots take the first cases; from then on every slot is busy.
    ahead = position - 1 - free
    seconds = remaining_wait_quantile(ahead, servers, handle_time_s, patience_s, quantile)
    return Promise(position, told_seconds(seconds))


def told_seconds(seconds: float) -> float:
    """Rounded the way a person would say it: to 5 s under a minute, 15 s under two, the
    minute under half an hour, five minutes beyond; never less than 5 s."""
    if seconds <= 0:
        return 0.0
    step = 5 if seconds < 60 else 15 if seconds < 120 else 60 if seconds < 1800 else 300
    return float(max(5, round(seconds / step) * step))


def changed_meaningfully(old: Promise, new: Promise) -> bool:
    """Worth telling the customer again: a better place in line, or a promised wait
    that moved by a quarter (at least 30 seconds), or someone now being online or not."""
    if new.position < old.position:
        return True
    if (old.wait_s is None) != (new.wait_s is None):
        return True
    if old.wait_s is None or new.wait_s is None:
        return False
    return abs(new.wait_s - old.wait_s) >= max(30.0, 0.25 * old.wait_s)
