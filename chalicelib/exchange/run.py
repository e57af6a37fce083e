"""One billing-exchange run: lock → export readings → import waiting drops → run log → unlock.

Runs start on the schedule at the start of each lock window (app.py) or on demand from the staff
console. While the lock is held no reading can be written (their transaction checks it), so the
export is a consistent cut and the import never interleaves with a user's edit.

Drops are imported oldest first, all that are waiting: billing may send only what changed, so
skipping an older drop in favour of a newer one could lose a change. A drop is moved to
`processed/` once applied; if the run fails before that, the drop stays in the inbox and the next
run applies it again (the import is an idempotent upsert). With a bounded run time (a Lambda),
a run stops taking new drops when little time is left and leaves them for the next run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from pynamodb.transactions import TransactWrite

from chalicelib.core import audit, clock
from chalicelib.core.audit import Actor

from . import export, lock, runlog, storage
from .billing_format import RowError, parse_drop
from .billing_import import apply_rows

logger = logging.getLogger("kabinet.exchange.run")

Trigger = Literal["schedule", "manual"]
# Below this much remaining time a run takes no further drop: applying one may take that long,
# and a run killed mid-drop only wastes the work (the drop is applied again next time).
DROP_RESERVE_SECONDS = 10
# A drop is parsed in memory; anything larger is not a billing drop of this portal's scale.
MAX_DROP_BYTES = 50 * 1024 * 1024


class ExchangeFailed(Exception):
    """A scheduled run failed: raised after logging and unlocking so the Lambda reports an error."""


@dataclass
class _Progress:
    """What a run has done so far; written to its log item when it ends, whatever happened."""

    exported: int = 0
    export_keys: tuple[str, ...] = ()
    imported: int = 0
    skipped: int = 0
    error_count: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    drops: list[dict[str, Any]] = field(default_factory=list)

    def add_drop(self, record: dict[str, Any], errors: list[RowError]) -> None:
        self.drops.append(record)
        self.errors += runlog.row_errors(record["key"], errors, runlog.MAX_STORED_ERRORS - len(self.errors))
        self.error_count += len(errors)
        self.imported += record["applied"]
        self.skipped += record["skipped"]


def run_exchange(
    trigger: Trigger, actor: Actor | None = None, seconds_left: Callable[[], float] | None = None
) -> runlog.RunItem:
    """Run the exchange once and return its log item.

    Raises `lock.LockHeld` for a manual run if another run holds the lock; a scheduled run is then
    logged as skipped instead. `actor`: the staff member of a manual run (audited with the lock).
    `seconds_left`: remaining run time of the invocation, if bounded.
    """
    now = clock.now()
    run_id = runlog.new_run_id(now)
    item = runlog.new_run(run_id, trigger, clock.iso(now), started_by=actor.user.login if actor else None)

    def with_lock(tx: TransactWrite) -> None:
        tx.save(item, condition=runlog.RunItem.sk.does_not_exist())
        if actor is not None:
            audit.record(tx, actor, "exchange.run", "exchange", run_id)

    try:
        lease, taken_over = lock.acquire(run_id, now, seconds_left() if seconds_left else None, also=with_lock)
    except lock.LockHeld as held:
        if trigger == "manual":
            raise
        holder = held.holder.run_id if held.holder else "—"
        skipped = runlog.new_run(
            run_id, trigger, clock.iso(now), status=runlog.SKIPPED, message=f"Пропущен: идёт запуск {holder}"
        )
        skipped.save()
        logger.warning("exchange %s skipped: the sync lock is held by %s", run_id, holder)
        return skipped

    item.taken_over_from = taken_over
    progress = _Progress()
    try:
        try:
            if taken_over:
                runlog.mark_interrupted(taken_over, by_run=run_id)
            result = export.export_pending(run_id, now)
            progress.exported, progress.export_keys = result.exported, result.keys
            _import_drops(run_id, progress, seconds_left)
            item.status, item.message = runlog.OK, None
        except Exception as exc:  # the run log must say what happened, whatever it was
            logger.exception("exchange %s failed", run_id)
            item.status, item.message = runlog.FAILED, f"Ошибка обмена: {type(exc).__name__}: {exc}"[:1000]
        _finish(item, progress)
    finally:
        lock.release(lease)
    return item


def _import_drops(run_id: str, progress: _Progress, seconds_left: Callable[[], float] | None) -> None:
    for drop in storage.waiting_drops():
        if seconds_left is not None and seconds_left() < DROP_RESERVE_SECONDS:
            logger.warning("exchange %s leaves %s for the next run: out of time", run_id, drop.key)
            return
        if drop.size > MAX_DROP_BYTES:
            errors = [RowError(row=0, message=f"Файл больше {MAX_DROP_BYTES // (1024 * 1024)} МБ: не загружен")]
            applied, rows, version = 0, 0, None
        else:
            content, version = storage.read(drop)
            parsed = parse_drop(drop.name, content)
            report = apply_rows(parsed.rows, parsed.errors)
            errors, applied, rows = report.errors, report.applied, report.rows
        processed_key = storage.archive(drop, version, run_id)
        progress.add_drop(
            {
                "key": drop.key,
                "etag": drop.etag,
                "processed_key": processed_key,
                "rows": rows,
                "applied": applied,
                "skipped": len(errors),
            },
            errors,
        )
        logger.info("exchange %s imported %s: %d applied, %d skipped", run_id, drop.key, applied, len(errors))


def _finish(item: runlog.RunItem, progress: _Progress) -> None:
    item.finished_at = clock.iso(clock.now())
    item.exported = progress.exported
    item.export_keys = list(progress.export_keys)
    item.imported, item.skipped = progress.imported, progress.skipped
    item.error_count, item.errors, item.drops = progress.error_count, progress.errors, progress.drops
    item.save()


def scheduled_run(context: Any) -> runlog.RunItem:
    """The Lambda entry of the scheduled exchange: a failed run fails the invocation (and alarms)."""
    item = run_exchange("schedule", seconds_left=lambda: context.get_remaining_time_in_millis() / 1000)
    if item.status == runlog.FAILED:
        raise ExchangeFailed(item.message or item.run_id)
    return item
