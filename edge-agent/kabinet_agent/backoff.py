"""Exponential backoff with full jitter (delay drawn uniformly from [0, min(cap, base·2^n)]).

Full jitter matters here: after a cloud outage hundreds of concentrators retry at once, and spreading
them over the whole window keeps the recovering cloud from being knocked over again.
"""

from __future__ import annotations

import random

# A Retry-After beyond this is more likely a misconfigured proxy than a real request; waiting longer
# would leave the concentrator silent for no gain.
MAX_RETRY_AFTER_S = 3600.0


class Backoff:
    def __init__(self, base_s: float = 2.0, cap_s: float = 600.0, rng: random.Random | None = None) -> None:
        self.base_s = base_s
        self.cap_s = cap_s
        self.failures = 0
        self._rng = rng or random.Random()

    def ceiling(self) -> float:
        """Upper bound of the next delay; the exponent is clamped so long outages cannot overflow."""
        return min(self.cap_s, self.base_s * 2.0 ** min(self.failures, 32))

    def next_delay(self, retry_after_s: float | None = None) -> float:
        delay = self._rng.uniform(0.0, self.ceiling())
        self.failures += 1
        if retry_after_s is not None:
            delay = max(delay, min(retry_after_s, MAX_RETRY_AFTER_S))
        return delay

    def reset(self) -> None:
        self.failures = 0
