"""Request counters and single-use markers in the `throttle` table.

`hit` counts in clock-aligned windows. `hit_sliding` and the sign-in guard weigh two such buckets
into a sliding window (`Sliding`): the current bucket counts in full, the previous one for the part
of it still inside the last `window_seconds`, so a burst either side of a bucket boundary counts
together instead of getting the limit twice. ADD is atomic, so concurrent Lambdas never lose a count.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError
from pynamodb.models import Model

from . import clock
from .dynamo import is_conditional_failure, table_meta
from .errors import rate_limited


class ThrottleItem(Model):
    Meta = table_meta("throttle")
    pk = UnicodeAttribute(hash_key=True)
    hits = NumberAttribute(default=0)
    ttl = NumberAttribute(null=True)
    not_before = NumberAttribute(null=True)  # epoch seconds (with a fraction): no attempt is served before it


def opaque(value: str) -> str:
    """Keys never hold personal data (IPs, e-mails) in clear."""
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def window_key(scope: str, subject: str, window_seconds: int) -> tuple[str, int]:
    now = clock.epoch(clock.now())
    start = now - now % window_seconds
    return f"{scope}#{opaque(subject)}#{start}", start + window_seconds


@dataclass(frozen=True)
class Sliding:
    """The last `seconds` of one subject's count, kept in two buckets (keys `current`, `previous`)."""

    current: str
    previous: str
    elapsed: int  # seconds since the current bucket began
    seconds: int

    @property
    def expires(self) -> int:
        """TTL of the current bucket: it is read as the previous one during the next bucket."""
        return clock.epoch(clock.now()) - self.elapsed + 2 * self.seconds + 60

    def count(self, found: Mapping[str, ThrottleItem]) -> float:
        current, previous = _hits(found, self.current), _hits(found, self.previous)
        return current + previous * (self.seconds - self.elapsed) / self.seconds

    def retry_after(self, found: Mapping[str, ThrottleItem], limit: int) -> int:
        """Seconds until `count` falls below `limit`, if nothing more is counted meanwhile."""
        current, previous = _hits(found, self.current), _hits(found, self.previous)
        if current >= limit:  # only the current bucket, fading during the next one, can bring it down
            return self.seconds - self.elapsed + math.floor(self.seconds * (1 - limit / current)) + 1
        if previous == 0:
            return 1
        fades_at = math.floor(self.seconds * (1 - (limit - current) / previous)) + 1
        return max(1, fades_at - self.elapsed)


def _hits(found: Mapping[str, ThrottleItem], key: str) -> int:
    item = found.get(key)
    return int(item.hits) if item is not None else 0


def sliding(scope: str, subject: str, window_seconds: int) -> Sliding:
    now = clock.epoch(clock.now())
    start = now - now % window_seconds
    prefix = f"{scope}#{opaque(subject)}#"
    return Sliding(f"{prefix}{start}", f"{prefix}{start - window_seconds}", now - start, window_seconds)


def hit(scope: str, subject: str, limit: int, window_seconds: int) -> int:
    """Count one request; raise 429 once `limit` is exceeded inside the clock-aligned window. One
    call: for quotas of a signed-in user, where a double burst at the window's edge harms no one."""
    key, window_end = window_key(scope, subject, window_seconds)
    item = ThrottleItem(key)
    item.update(actions=[ThrottleItem.hits.add(1), ThrottleItem.ttl.set(window_end + 60)])
    if item.hits > limit:
        raise rate_limited(window_end - clock.epoch(clock.now()))
    return int(item.hits)


def hit_sliding(scope: str, subject: str, limit: int, window_seconds: int) -> None:
    """Count one request; raise 429 once more than `limit` fall inside the last `window_seconds`.
    Two calls (the count, then the previous bucket unless the current one alone is over): for
    anonymous limits per address, where a second budget at the window's edge would be an attacker's."""
    window = sliding(scope, subject, window_seconds)
    item = ThrottleItem(window.current)
    item.update(actions=[ThrottleItem.hits.add(1), ThrottleItem.ttl.set(window.expires)])
    found = {window.current: item}
    if int(item.hits) <= limit:
        try:
            found[window.previous] = ThrottleItem.get(window.previous)
        except ThrottleItem.DoesNotExist:
            return
    if window.count(found) >= limit + 1:  # what came before this request is already at the limit
        raise rate_limited(window.retry_after(found, limit))


def claim_once(scope: str, subject: str, expires_at: int) -> bool:
    """True the first time `subject` is claimed in `scope` (until it expires)."""
    try:
        ThrottleItem(f"{scope}#{opaque(subject)}", hits=1, ttl=expires_at).save(
            condition=ThrottleItem.pk.does_not_exist()
        )
        return True
    except PutError as exc:
        if is_conditional_failure(exc):
            return False
        raise
