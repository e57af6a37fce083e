"""Reading entry, history and the period summary.

A reading is written in one transaction with two condition checks: the billing-exchange lock is
not held, and the period is not closed. So no reading lands while the exchange runs, and a user
caught by it gets 423 with the window's message. Edits carry the version the user saw: two
concurrent submissions cannot both win, and neither silently overwrites the other.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Optional

from pynamodb.exceptions import TransactWriteError

from chalicelib.accounts.principal import Principal
from chalicelib.core import clock
from chalicelib.core.config import get_settings
from chalicelib.core.dynamo import transaction
from chalicelib.core.errors import ApiError, FieldError, conflict, not_found
from chalicelib.metering.repository import (ClosedPeriodItem, LinkItem, LockItem, MeterItem, MeteringRepository,
                                            ReadingItem, meter_key, period_key, user_key)
from chalicelib.metering.service import METER_NOT_FOUND, owns

from . import rules
from .models import (EntryForm, HistoryOut, ReadingOut, SubmitRequest, SummaryOut, SummaryRow, WindowOut,
                     ZoneResult)
from .window import policy

EXPORT_PENDING = "PENDING"


def window_out(status: rules.WindowStatus) -> WindowOut:
    return WindowOut(now=clock.iso(clock.now()), open=status.open, locked=status.locked, accepts_entry=status.accepts_entry,
                     period=status.period.key, period_label=status.period.label_ru,
                     opens_at=clock.iso(status.opens_at), closes_at=clock.iso(status.closes_at),
                     days_left=status.days_left,
                     unlocks_at=clock.iso(status.unlocks_at) if status.unlocks_at else None,
                     message=status.message_ru)


def reading_out(item: ReadingItem) -> ReadingOut:
    values = item.values.as_dict()
    previous, difference = item.previous.as_dict(), item.difference.as_dict()
    consumption, rollover = item.consumption.as_dict(), item.rollover.as_dict()
    zones = [ZoneResult(zone=z, value=values[z], previous=previous.get(z), difference=difference.get(z),
                        consumption=consumption.get(z), rollover=bool(rollover.get(z)),
                        note=rules.FIRST_READING_NOTE if difference.get(z) is None else None)
             for z in sorted(values)]
    total = None if any(z.consumption is None for z in zones) else str(sum(Decimal(z.consumption) for z in zones))
    return ReadingOut(meter_id=item.meter_id, period=item.period, zones=zones, total_consumption=total,
                      source=item.source, submitted_at=item.submitted_at, version=int(item.version))


def previous_values(meter: MeterItem, earlier: Optional[ReadingItem], period: rules.Period) -> tuple[dict[str, Decimal], Optional[str]]:
    """The latest known values before `period`: last period's reading, or what billing last reported."""
    billing_period = meter.last_billing_period
    billing = meter.last_billing_values.as_dict() if meter.last_billing_values else {}
    if billing and billing_period and billing_period < period.key and (earlier is None or billing_period > earlier.period):
        return {z: Decimal(v) for z, v in billing.items()}, billing_period
    if earlier is not None:
        return {z: Decimal(v) for z, v in earlier.values.as_dict().items()}, earlier.period
    return {}, None


class ReadingService:
    def __init__(self, repository: Optional[MeteringRepository] = None) -> None:
        self.repo = repository or MeteringRepository()

    def _load(self, principal: Principal, meter_id: str, period: rules.Period) -> tuple[MeterItem, Optional[LinkItem], Optional[ReadingItem], Optional[ReadingItem]]:
        if not owns(principal, meter_id):
            raise not_found(METER_NOT_FOUND)
        keys = [(meter_key(meter_id), "METER"), (user_key(principal.user_id), meter_key(meter_id)),
                (meter_key(meter_id), period_key(period.key)), (meter_key(meter_id), period_key(period.previous().key))]
        found = self.repo.items(keys)
        meter = found.get(keys[0])
        if meter is None:
            raise not_found(METER_NOT_FOUND)
        return (MeterItem.from_raw_data(meter),
                LinkItem.from_raw_data(found[keys[1]]) if keys[1] in found else None,
                ReadingItem.from_raw_data(found[keys[2]]) if keys[2] in found else None,
                ReadingItem.from_raw_data(found[keys[3]]) if keys[3] in found else None)

    def entry_form(self, principal: Principal, meter_id: str) -> EntryForm:
        status = policy().status(clock.now())
        meter, link, current, earlier = self._load(principal, meter_id, status.period)
        previous, previous_period = previous_values(meter, earlier, status.period)
        refusal = self._refusal(principal, meter, status)
        return EntryForm(meter_id=meter_id, serial=meter.serial, label=link.label if link else None,
                         model=meter.model, status=meter.status, virtual=bool(meter.virtual), digits=int(meter.digits), zones=list(meter.zones), coefficient=meter.coefficient,
                         previous={z: (str(previous[z]) if z in previous else None) for z in meter.zones},
                         previous_period=previous_period, current=reading_out(current) if current else None,
                         window=window_out(status), can_submit=refusal is None, refusal=refusal)

    def _refusal(self, principal: Principal, meter: MeterItem, status: rules.WindowStatus) -> Optional[str]:
        try:
            rules.assert_submittable(meter.status, principal.user.kind,
                                     rules.parse_submitters(get_settings().reading_submitters))
        except rules.SubmissionNotAllowed as exc:
            return exc.reason
        return None if status.accepts_entry else status.message_ru

    def submit(self, principal: Principal, meter_id: str, request: SubmitRequest) -> ReadingOut:
        now = clock.now()
        status = policy().status(now)
        meter, _, current, earlier = self._load(principal, meter_id, status.period)
        try:
            rules.assert_submittable(meter.status, principal.user.kind,
                                     rules.parse_submitters(get_settings().reading_submitters))
        except rules.SubmissionNotAllowed as exc:
            raise ApiError(exc.reason, status=403, code=exc.code) from None
        if not status.open:
            raise ApiError(status.message_ru, status=409, code="window_closed")
        if status.locked:
            raise _locked(status.message_ru)
        previous, _ = previous_values(meter, earlier, status.period)
        try:
            evaluation = rules.evaluate(request.values, previous, int(meter.digits), list(meter.zones),
                                        Decimal(meter.coefficient), request.rollover_confirmed)
        except rules.ReadingRejected as exc:
            raise _rejected(exc) from None
        item = self._item(meter, status.period, evaluation, principal, request, now)
        self._write(item, current, request.version, status, now)
        return reading_out(item)

    def _item(self, meter: MeterItem, period: rules.Period, evaluation: rules.Evaluation, principal: Principal,
              request: SubmitRequest, now: Any) -> ReadingItem:
        def column(attr: str) -> dict[str, Any]:
            return {z.zone: str(getattr(z, attr)) for z in evaluation.zones if getattr(z, attr) is not None}

        return ReadingItem(meter_key(meter.meter_id), period_key(period.key), meter_id=meter.meter_id,
                           period=period.key, values=column("value"), previous=column("previous"),
                           difference=column("difference"), consumption=column("consumption"),
                           rollover={z.zone: z.rollover for z in evaluation.zones},
                           reading_date=request.reading_date.isoformat() if request.reading_date else None,
                           source="user", submitted_by=principal.user_id, submitted_at=clock.iso(now),
                           export_pk=EXPORT_PENDING, changed_at=clock.iso(now))

    def _write(self, item: ReadingItem, current: Optional[ReadingItem], version: Optional[int],
               status: rules.WindowStatus, now: Any) -> None:
        if current is not None and version is None:
            raise conflict("Показания за этот период уже переданы. Чтобы исправить их, откройте форму заново")
        if current is None and version is not None:
            raise conflict("Исправляемые показания не найдены. Обновите страницу")
        item.version = (version or 0) + 1
        condition = (ReadingItem.pk.does_not_exist() if current is None else ReadingItem.version == version)
        epoch = clock.epoch(now)
        try:
            with transaction() as tx:
                tx.condition_check(LockItem, "SYNC", "LOCK",
                                   condition=LockItem.pk.does_not_exist() | (LockItem.expires_at < epoch))
                tx.condition_check(ClosedPeriodItem, period_key(status.period.key), "CLOSED",
                                   condition=ClosedPeriodItem.pk.does_not_exist())
                tx.save(item, condition=condition)
        except TransactWriteError as exc:
            reasons = [getattr(r, "code", None) if r is not None else None for r in (exc.cancellation_reasons or [])]
            if reasons[:1] == ["ConditionalCheckFailed"]:
                raise _locked(policy().status(clock.now()).message_ru if status.locked else
                              "Идёт обмен данными с биллинговой системой. Повторите ввод через несколько минут. "
                              "Введённые значения сохранены на странице.") from None
            if reasons[1:2] == ["ConditionalCheckFailed"]:
                raise ApiError("Расчётный период закрыт: показания за него больше не принимаются", status=409,
                               code="period_closed") from None
            # DynamoDB cancels one of two transactions touching the same item at once.
            if reasons[2:3] == ["ConditionalCheckFailed"] or "TransactionConflict" in reasons:
                raise conflict("Показания этого счётчика только что изменены в другом окне. Обновите страницу "
                               "и проверьте значения") from None
            raise

    def history(self, principal: Principal, meter_id: str, limit: int) -> HistoryOut:
        if not owns(principal, meter_id):
            raise not_found(METER_NOT_FOUND)
        current = policy().status(clock.now()).period.key
        # The current period is not history (seed 000): it appears here once the period is over.
        items = [reading_out(i) for i in self.repo.readings(meter_id, limit + 1) if i.period != current]
        return HistoryOut(meter_id=meter_id, items=items[:limit])

    def summary(self, principal: Principal) -> SummaryOut:
        status = policy().status(clock.now())
        meter_ids = sorted(principal.user.meter_ids or set())
        keys: list[tuple[str, str]] = []
        for meter_id in meter_ids:
            keys += [(meter_key(meter_id), "METER"), (user_key(principal.user_id), meter_key(meter_id)),
                     (meter_key(meter_id), period_key(status.period.key))]
        found = self.repo.items(keys)
        rows = []
        for meter_id in meter_ids:
            meter = found.get((meter_key(meter_id), "METER"))
            if meter is None:
                continue
            link = found.get((user_key(principal.user_id), meter_key(meter_id)))
            reading = found.get((meter_key(meter_id), period_key(status.period.key)))
            meter_item = MeterItem.from_raw_data(meter)
            rows.append(SummaryRow(meter_id=meter_id, serial=meter_item.serial,
                                   label=LinkItem.from_raw_data(link).label if link else None,
                                   status=meter_item.status, zones=list(meter_item.zones),
                                   accepts_manual=meter_item.status == rules.MeterStatus.ACTIVE,
                                   reading=reading_out(ReadingItem.from_raw_data(reading)) if reading else None))
        manual = [r for r in rows if r.accepts_manual]
        return SummaryOut(period=status.period.key, period_label=status.period.label_ru, window=window_out(status),
                          meters=rows, submitted=sum(1 for r in manual if r.reading), total=len(manual))


def _locked(message: str) -> ApiError:
    return ApiError(message, status=423, code="sync_locked")


def _rejected(exc: rules.ReadingRejected) -> ApiError:
    fields = [FieldError(p.path, p.message) for p in exc.errors]
    if exc.only_needs_confirmation:
        return ApiError(rules.ROLLOVER_QUESTION, fields, status=422, code="rollover_confirmation_required")
    return ApiError("Проверьте показания", fields, status=422, code="validation_error")

