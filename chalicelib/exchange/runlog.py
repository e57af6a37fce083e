"""The exchange run log: one item per run in the metering table, `EXCHANGE` / `RUN#<start iso>#<run_id>`.

Run ids begin with the start time (`20261127T215500Z-1a2b3c`), so the sort key follows from the id:
a run's report is one GetItem, and the list of runs is one Query, newest first.
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime
from typing import Any

from pynamodb.attributes import ListAttribute, MapAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import UpdateError
from pynamodb.models import Model

from chalicelib.core import clock
from chalicelib.core.dynamo import is_conditional_failure, string_list, table_meta

RUNS_PK = "EXCHANGE"
_RUN_ID = re.compile(r"^(\d{8}T\d{6}Z)-[0-9a-f]{6}$")

RUNNING, OK, FAILED, SKIPPED, INTERRUPTED = "running", "ok", "failed", "skipped", "interrupted"

# The first row errors are kept for staff to act on; the count says how many there were. A cap keeps
# the item far below DynamoDB's 400 KB whatever billing sends.
MAX_STORED_ERRORS = 100
MAX_ERROR_MESSAGE = 300


class RunItem(Model):
    Meta = table_meta("metering")
    pk = UnicodeAttribute(hash_key=True, default=RUNS_PK)
    sk = UnicodeAttribute(range_key=True)
    run_id = UnicodeAttribute()
    trigger = UnicodeAttribute()  # schedule | manual
    started_by = UnicodeAttribute(null=True)  # staff login of a manual run
    started_at = UnicodeAttribute()
    finished_at = UnicodeAttribute(null=True)
    status = UnicodeAttribute()  # running | ok | failed | skipped | interrupted
    message = UnicodeAttribute(null=True)  # why a run failed or was skipped
    taken_over_from = UnicodeAttribute(null=True)
    exported = NumberAttribute(default=0)
    export_keys = string_list(default=list)
    imported = NumberAttribute(default=0)
    skipped = NumberAttribute(default=0)
    error_count = NumberAttribute(default=0)
    # Raw maps: written as dicts, read back as MapAttribute (service._plain reads both), hence Any.
    errors: ListAttribute[Any] = ListAttribute(of=MapAttribute, default=list)  # {"drop", "row", "message"}
    # {"key", "etag", "processed_key", "rows", "applied", "skipped"}
    drops: ListAttribute[Any] = ListAttribute(of=MapAttribute, default=list)


def new_run_id(now: datetime) -> str:
    return f"{now.astimezone(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def run_sk(run_id: str, started_at: str) -> str:
    return f"RUN#{started_at}#{run_id}"


def started_at_of(run_id: str) -> str | None:
    """The start time encoded in a run id, as the ISO text the sort key holds; None if not a run id."""
    match = _RUN_ID.match(run_id)
    if match is None:
        return None
    started = datetime.strptime(match[1], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    return clock.iso(started)


def new_run(
    run_id: str,
    trigger: str,
    started_at: str,
    status: str = RUNNING,
    started_by: str | None = None,
    message: str | None = None,
) -> RunItem:
    return RunItem(
        RUNS_PK,
        run_sk(run_id, started_at),
        run_id=run_id,
        trigger=trigger,
        started_by=started_by,
        started_at=started_at,
        status=status,
        message=message,
        finished_at=started_at if status != RUNNING else None,
    )


def get(run_id: str) -> RunItem | None:
    started_at = started_at_of(run_id)
    if started_at is None:
        return None
    try:
        return RunItem.get(RUNS_PK, run_sk(run_id, started_at), consistent_read=True)
    except RunItem.DoesNotExist:
        return None


def latest(limit: int) -> list[RunItem]:
    return list(RunItem.query(RUNS_PK, RunItem.sk.startswith("RUN#"), scan_index_forward=False, limit=limit))


def mark_interrupted(run_id: str, by_run: str) -> None:
    """A run whose lock expired before it finished (its process died): say so instead of "running"."""
    started_at = started_at_of(run_id)
    if started_at is None:
        return
    item = RunItem(RUNS_PK, run_sk(run_id, started_at))
    try:
        item.update(
            actions=[
                RunItem.status.set(INTERRUPTED),
                RunItem.finished_at.set(clock.iso(clock.now())),
                RunItem.message.set(f"Запуск прерван: блокировка истекла и перешла к запуску {by_run}"),
            ],
            condition=RunItem.status == RUNNING,
        )
    except UpdateError as exc:
        if not is_conditional_failure(exc):
            raise


def row_errors(drop_key: str, errors: list[Any], room: int) -> list[dict[str, Any]]:
    """At most `room` of a drop's row errors, in the stored shape."""
    return [{"drop": drop_key, "row": e.row, "message": e.message[:MAX_ERROR_MESSAGE]} for e in errors[: max(room, 0)]]
