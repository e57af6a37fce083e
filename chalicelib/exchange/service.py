"""The staff console of the billing exchange: run log, lock state, run now, drop upload, period close."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import UTC
from typing import Any

from pynamodb.attributes import MapAttribute

from chalicelib.core import audit, clock
from chalicelib.core.audit import Actor
from chalicelib.core.dynamo import transaction
from chalicelib.core.errors import ApiError, FieldError, field_error, not_found, validation_error
from chalicelib.metering.periods import InvalidPeriod, Period

from . import lock, runlog, storage
from .billing_format import parse_drop
from .models import DropUpload, DropUploaded, LockOut, PeriodClosed, RowErrorOut, RunDetail, RunList, RunSummary
from .periods import FuturePeriod, close_period
from .run import run_exchange

RUN_NOT_FOUND = "Запуск обмена не найден"
# S3 keys stay plain: letters (Cyrillic too), digits, dot, dash, underscore; anything else becomes "_".
_UNSAFE_NAME = re.compile(r"[^\w.\-]+")


def run_summary(item: runlog.RunItem) -> RunSummary:
    return RunSummary.model_validate(_summary_fields(item))


def run_detail(item: runlog.RunItem) -> RunDetail:
    return RunDetail.model_validate(
        {
            **_summary_fields(item),
            "taken_over_from": item.taken_over_from,
            "export_keys": list(item.export_keys),
            "drops": [_plain(d) for d in item.drops],
            "errors": [_plain(e) for e in item.errors],
        }
    )


def _summary_fields(item: runlog.RunItem) -> dict[str, Any]:
    return {
        "run_id": item.run_id,
        "trigger": item.trigger,
        "status": item.status,
        "started_at": item.started_at,
        "finished_at": item.finished_at,
        "started_by": item.started_by,
        "exported": int(item.exported),
        "imported": int(item.imported),
        "skipped": int(item.skipped),
        "error_count": int(item.error_count),
        "message": item.message,
    }


def _plain(value: Any) -> dict[str, Any]:
    # A map read back from DynamoDB is a MapAttribute; one the run just built is still a dict.
    return value.as_dict() if isinstance(value, MapAttribute) else dict(value)


class ExchangeService:
    def runs(self, limit: int) -> RunList:
        return RunList(items=[run_summary(i) for i in runlog.latest(limit)])

    def run(self, run_id: str) -> RunDetail:
        item = runlog.get(run_id)
        if item is None:
            raise not_found(RUN_NOT_FOUND)
        return run_detail(item)

    def lock(self) -> LockOut:
        state = lock.state(clock.now())
        return LockOut(
            held=state.held,
            run_id=state.run_id,
            acquired_at=state.acquired_at,
            expires_at=clock.iso(state.expires_at) if state.expires_at else None,
        )

    def run_now(self, actor: Actor, seconds_left: Callable[[], float] | None) -> RunDetail:
        try:
            return run_detail(run_exchange("manual", actor=actor, seconds_left=seconds_left))
        except lock.LockHeld as held:
            holder = f" (запуск {held.holder.run_id})" if held.holder else ""
            raise ApiError(
                f"Обмен с биллингом уже идёт{holder}. Повторите после его завершения",
                status=409,
                code="exchange_locked",
            ) from None

    def upload_drop(self, actor: Actor, body: DropUpload) -> DropUploaded:
        """Put a drop into the inbox for the next run, after checking it can be read at all.

        Row errors do not refuse the file (the run skips those rows, as with any drop); a file the
        import could not read at all is refused here, while the person who has it is still present.
        """
        content = body.content.encode("utf-8")
        parsed = parse_drop(body.name, content)
        unreadable = [FieldError("content", e.message) for e in parsed.errors if e.row == 0]
        if unreadable:
            raise validation_error(unreadable, "Файл не удалось прочитать")
        if not parsed.rows:
            raise field_error("content", "В файле нет ни одной правильной строки")
        stamp = clock.now().astimezone(UTC)
        key = f"{storage.INBOX}{stamp:%Y%m%dT%H%M%SZ}-{secrets.token_hex(2)}-{_UNSAFE_NAME.sub('_', body.name)}"
        storage.put(key, content, "application/json" if key.endswith(".json") else "text/csv; charset=utf-8")
        rows = len(parsed.rows) + len(parsed.errors)
        try:
            with transaction() as tx:
                audit.record(
                    tx,
                    actor,
                    "exchange.drop_upload",
                    "exchange_drop",
                    key,
                    {"rows": rows, "errors": len(parsed.errors)},
                )
        except Exception:
            storage.delete(key)  # no drop without its audit record
            raise
        return DropUploaded(
            key=key,
            rows=rows,
            valid=len(parsed.rows),
            errors=[
                RowErrorOut(drop=key, row=e.row, message=e.message) for e in parsed.errors[: runlog.MAX_STORED_ERRORS]
            ],
        )

    def close_period(self, actor: Actor, period: str) -> PeriodClosed:
        try:
            closed = close_period(Period.parse(period), actor)
        except InvalidPeriod as exc:
            raise field_error("period", str(exc)) from None
        except FuturePeriod:
            raise field_error("period", "Этот период ещё не начался: закрыть его нельзя") from None
        return PeriodClosed(period=closed.period, closed_at=closed.closed_at, already_closed=closed.already_closed)
