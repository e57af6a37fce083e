"""Closing a billing period: after it, no reading of that period is written (the reading's
transaction checks the `PERIOD#<YYYY-MM>`/`CLOSED` item).

The schedule closes the period that just ended from the local 1st 00:00 (a tick, schedule.py). Entry of a period already
stops when its window ends; the close also stops a request that chose its period a moment before
midnight and writes after it, and it is what the period's readings being final rests on.
Administrators may close the current period early (e.g. when billing is run ahead of time).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from pynamodb.exceptions import TransactWriteError

from chalicelib.core import audit, clock
from chalicelib.core.audit import Actor
from chalicelib.core.dynamo import transaction
from chalicelib.metering.periods import Period, current_period
from chalicelib.metering.repository import ClosedPeriodItem, period_key

logger = logging.getLogger("kabinet.exchange.periods")


class FuturePeriod(ValueError):
    """A period that has not begun cannot be closed."""


@dataclass(frozen=True)
class ClosedPeriod:
    period: str
    closed_at: str
    already_closed: bool


def close_period(period: Period, actor: Actor | None = None) -> ClosedPeriod:
    """Close `period` (idempotent: closing it again changes nothing and reports when it was closed)."""
    if period > current_period():
        raise FuturePeriod(period.key)
    now = clock.iso(clock.now())
    try:
        with transaction() as tx:
            tx.save(
                ClosedPeriodItem(period_key(period.key), "CLOSED", closed_at=now),
                condition=ClosedPeriodItem.pk.does_not_exist(),
            )
            if actor is not None:
                audit.record(tx, actor, "period.close", "period", period.key)
    except TransactWriteError as exc:
        reasons = [getattr(r, "code", None) if r is not None else None for r in (exc.cancellation_reasons or [])]
        if reasons[:1] != ["ConditionalCheckFailed"]:
            raise
        existing = ClosedPeriodItem.get(period_key(period.key), "CLOSED", consistent_read=True)
        return ClosedPeriod(period=period.key, closed_at=existing.closed_at, already_closed=True)
    logger.info("period %s closed", period.key)
    return ClosedPeriod(period=period.key, closed_at=now, already_closed=False)


def close_ended_period() -> ClosedPeriod:
    """Close the month before the current one (the schedule's tick does so from the local 1st 00:00:
    chalicelib/exchange/schedule.py)."""
    return close_period(current_period().previous())
