"""A team's live rates: how long a case takes, and how patient customers are.

Estimated from what actually happened, over a sliding window of recent cases, starting
from the team's configured handle time so a new team has a sensible figure on day one.
Patience is the exponential model's maximum-likelihood estimate: total time customers
spent waiting (whether they were answered or left) divided by how many left. Only
customers who had to wait tell anything about patience (one answered at once was never
tested), and a handful of departures is too few to trust: below MIN_ABANDONS the estimate
is None and promises assume nobody leaves, which only makes them longer.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

WINDOW = 500  # recent cases each estimate looks at
PRIOR_WEIGHT = 5  # the configured handle time counts as this many observed cases
MIN_ABANDONS = 5  # departures in the window before patience is estimated at all


@dataclass
class LiveRates:
    handle_time_prior_s: float
    window: int = WINDOW
    _handles: deque[float] = field(default_factory=deque)
    _waits: deque[tuple[float, bool]] = field(default_factory=deque)  # (waited, abandoned)

    def __post_init__(self) -> None:
        self._handles = deque(self._handles, maxlen=self.window)
        self._waits = deque(self._waits, maxlen=self.window)

    def observe_handle(self, seconds: float) -> None:
        self._handles.append(max(0.0, seconds))

    def observe_wait(self, seconds: float, *, abandoned: bool) -> None:
        if seconds > 0:
            self._waits.append((seconds, abandoned))

    @property
    def handle_time_s(self) -> float:
        total = self.handle_time_prior_s * PRIOR_WEIGHT + sum(self._handles)
        return total / (PRIOR_WEIGHT + len(self._handles))

    @property
    def patience_s(self) -> float | None:
        """Mean patience; None until enough customers have left (no abandonment assumed)."""
        left = sum(1 for _, abandoned in self._waits if abandoned)
        if left < MIN_ABANDONS:
            return None
        return sum(waited for waited, _ in self._waits) / left
