"""Fixed-window request counters and single-use markers in the `throttle` table.

One UpdateItem per hit: ADD is atomic, so concurrent Lambdas never lose a count.
"""

from __future__ import annotations

import hashlib

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
    not_before = NumberAttribute(null=True)  # epoch: the next attempt is not served before it


def opaque(value: str) -> str:
    """Keys never hold personal data (IPs, e-mails) in clear."""
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def window_key(scope: str, subject: str, window_seconds: int) -> tuple[str, int]:
    now = clock.epoch(clock.now())
    start = now - now % window_seconds
    return f"{scope}#{opaque(subject)}#{start}", start + window_seconds


def hit(scope: str, subject: str, limit: int, window_seconds: int) -> int:
    """Count one request; raise 429 once `limit` is exceeded inside the window."""
    key, window_end = window_key(scope, subject, window_seconds)
    item = ThrottleItem(key)
    item.update(actions=[ThrottleItem.hits.add(1), ThrottleItem.ttl.set(window_end + 60)])
    if item.hits > limit:
        raise rate_limited(window_end - clock.epoch(clock.now()))
    return int(item.hits)


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
