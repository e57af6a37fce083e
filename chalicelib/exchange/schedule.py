"""When the billing exchange runs and a period closes: decided at run time, from the settings in force.

A short tick (app.py: every minute) asks `exchange_due` whether "now", on the company's local wall
clock, falls inside a sync-lock window; the exchange runs once per window occurrence — the first
tick inside it claims a marker (`EXCHANGE_TICK#<local date>` / `<window start>`, a conditional put),
so a tick delivered twice, a retry, or two overlapping ticks do not run it twice. The period close
is due from the local 1st 00:00: the tick closes the month that ended unless it is already closed
(the closed-period item is its own marker).

Nothing here is fixed at deployment: a change of the time zone or of the lock windows in
«Настройки» applies to the next tick, daylight saving time included (the wall clock is read each
time). Every lock-window layout the settings accept can be scheduled — windows are whole minutes
within one day, at least a minute long, so a one-minute tick always lands in each of them; anything
else is refused by the settings validation with a Russian message.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError
from pynamodb.models import Model

from chalicelib.core import clock
from chalicelib.core.dynamo import is_conditional_failure, table_meta
from chalicelib.metering.periods import Period
from chalicelib.readings.rules import ReadingWindowPolicy
from chalicelib.settings.parsers import LocalTimeRange

logger = logging.getLogger("kabinet.exchange.schedule")

# The markers only need to outlive their day; DynamoDB's TTL removes them later.
MARKER_DAYS = 7


class ExchangeTickItem(Model):
    """One per lock-window occurrence in which the scheduled exchange was started."""

    Meta = table_meta("metering")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    claimed_at = UnicodeAttribute()
    ttl = NumberAttribute()


def exchange_due(policy: ReadingWindowPolicy, now: datetime) -> tuple[str, LocalTimeRange] | None:
    """(local date, window) when `now` is inside a lock window, else None."""
    local = now.astimezone(policy.timezone)
    moment = local.time().replace(tzinfo=None)
    for window in policy.lock_windows:
        if window.contains(moment):
            return local.date().isoformat(), window
    return None


def claim_window(day: str, window: LocalTimeRange, now: datetime) -> bool:
    """True for the first claim of this window occurrence; False if a tick already claimed it."""
    item = ExchangeTickItem(
        f"EXCHANGE_TICK#{day}",
        f"{window.start:%H:%M}",
        claimed_at=clock.iso(now),
        ttl=int((now + timedelta(days=MARKER_DAYS)).timestamp()),
    )
    try:
        item.save(condition=ExchangeTickItem.pk.does_not_exist())
    except PutError as exc:
        if is_conditional_failure(exc):
            return False
        raise
    return True


def exchange_tick(context: Any = None) -> Any | None:
    """The scheduled exchange: run it if a lock window has begun and no tick has run it in this one.
    Returns the run's log item, or None when nothing was due. `context`: the Lambda context (its
    remaining time bounds the run); None runs unbounded (the local runner)."""
    from chalicelib.readings.window import policy

    from .run import run_exchange, scheduled_run

    now = clock.now()
    due = exchange_due(policy(), now)
    if due is None or not claim_window(*due, now):
        return None
    logger.info("exchange due: lock window %s on %s", due[1], due[0])
    return scheduled_run(context) if context is not None else run_exchange("schedule")


_closed_seen: dict[str, bool] = {}


def period_close_tick() -> Any | None:
    """The scheduled period close: the month before the current (local) one, once. A container
    remembers a period it saw closed, so later ticks make no call until the month turns."""
    from chalicelib.metering.periods import current_period
    from chalicelib.metering.repository import ClosedPeriodItem, period_key

    from .periods import close_period

    ended: Period = current_period().previous()
    if _closed_seen.get(ended.key):
        return None
    try:
        ClosedPeriodItem.get(period_key(ended.key), "CLOSED")
    except ClosedPeriodItem.DoesNotExist:
        result = close_period(ended)
        _closed_seen[ended.key] = True
        return result
    _closed_seen[ended.key] = True
    return None


def reset_memo() -> None:
    """Forget closed periods seen (tests switch stacks)."""
    _closed_seen.clear()
