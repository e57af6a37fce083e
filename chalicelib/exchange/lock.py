"""The sync lock: one item (`SYNC`/`LOCK`) held by the running billing exchange.

Reading writes carry a condition check on it inside their transaction (chalicelib/readings/service.py),
so no reading lands while the exchange reads and rewrites the data; users get 423 and retry later.

Acquiring is a conditional put: the item must be absent or expired. The expiry is what frees the
lock after a run that died without releasing it (a Lambda timeout skips every `finally`). A lease
never outlives the invocation that holds it: when the caller knows its remaining time, the expiry
is at most that plus a margin, so a killed run blocks entry for seconds, not for the whole
`exchange_lock_minutes`. Releasing deletes the item only if it is still ours — after an expiry
another run may hold it, and deleting that would let readings in under it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from pynamodb.exceptions import DeleteError, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.core import clock
from chalicelib.core.config import get_settings
from chalicelib.core.dynamo import is_conditional_failure, transaction
from chalicelib.metering.repository import LockItem, MeteringRepository

logger = logging.getLogger("kabinet.exchange.lock")

# A Lambda cannot outlive its timeout, but its clock and DynamoDB's may differ by a little.
LEASE_MARGIN_SECONDS = 5


@dataclass(frozen=True)
class Lease:
    run_id: str
    acquired_at: str
    expires_at: int  # epoch seconds, compared with the reading's "now" in its condition check


@dataclass(frozen=True)
class LockState:
    """What staff see. `held`: a run holds it now; an expired item is shown but does not block."""

    held: bool
    run_id: str | None
    acquired_at: str | None
    expires_at: datetime | None


class LockHeld(Exception):
    def __init__(self, holder: LockItem | None) -> None:
        super().__init__("the sync lock is held")
        self.holder = holder


def acquire(
    run_id: str, now: datetime, seconds_left: float | None = None, also: Callable[[TransactWrite], None] | None = None
) -> tuple[Lease, str | None]:
    """Take the lock for `run_id`, or raise `LockHeld`.

    `seconds_left`: the caller's remaining run time, if bounded (a Lambda invocation). `also` adds
    items to the same transaction (the run log, an audit record), so they exist only with the lock.
    Returns the lease and the id of an expired run it took the lock over from, if any.
    """
    lifetime = get_settings().exchange_lock_minutes * 60
    if seconds_left is not None:
        lifetime = min(lifetime, int(seconds_left) + LEASE_MARGIN_SECONDS)
    epoch = clock.epoch(now)
    # Read only to report whom a takeover displaced; the conditional put below decides.
    before = MeteringRepository().lock()
    lease = Lease(run_id=run_id, acquired_at=clock.iso(now), expires_at=epoch + lifetime)
    try:
        with transaction() as tx:
            tx.save(
                LockItem(run_id=lease.run_id, acquired_at=lease.acquired_at, expires_at=lease.expires_at),
                condition=LockItem.pk.does_not_exist() | (LockItem.expires_at < epoch),
            )
            if also is not None:
                also(tx)
    except TransactWriteError as exc:
        reasons = [getattr(r, "code", None) if r is not None else None for r in (exc.cancellation_reasons or [])]
        if reasons[:1] == ["ConditionalCheckFailed"]:
            raise LockHeld(MeteringRepository().lock()) from None
        raise
    if before is not None and before.expires_at < epoch:
        logger.warning(
            "exchange %s took over the sync lock of run %s, expired at %s", run_id, before.run_id, before.expires_at
        )
        return lease, before.run_id
    return lease, None


def release(lease: Lease) -> bool:
    """Delete the lock if this lease still holds it. False: it expired and another run took it."""
    try:
        LockItem(run_id=lease.run_id, acquired_at=lease.acquired_at, expires_at=lease.expires_at).delete(
            condition=LockItem.run_id == lease.run_id
        )
        return True
    except DeleteError as exc:
        if is_conditional_failure(exc):
            logger.warning("exchange %s no longer held the sync lock at release", lease.run_id)
            return False
        raise


def state(now: datetime) -> LockState:
    item = MeteringRepository().lock()
    if item is None:
        return LockState(held=False, run_id=None, acquired_at=None, expires_at=None)
    return LockState(
        held=item.expires_at >= clock.epoch(now),
        run_id=item.run_id,
        acquired_at=item.acquired_at,
        expires_at=datetime.fromtimestamp(int(item.expires_at), UTC),
    )
