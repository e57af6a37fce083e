"""Reading entry, history and the period summary.

A reading is written in one transaction with two condition checks: the billing-exchange lock is
not held, and the period is not closed. So no reading lands while the exchange runs, and a user
caught by it gets 423 with the window's message. Edits carry the version the user saw: two
concurrent submissions cannot both win, and neither silently overwrites the other.

Who may submit: the meter takes manual readings, the company admits the contract's consumer
category (the settings document's `readings.submitters`), and the account's link to the meter carries a right to submit
(holder or a co-user allowed to). A reading stores who submitted it; the other users of the
contract hear about it in the write's own transaction (a co-user's submission → the holders' feed;
a change of a reading another user had submitted → everyone else's feed and e-mail).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pynamodb.exceptions import TransactWriteError

from chalicelib.accounts.principal import Principal
from chalicelib.accounts.repository import PROFILE, UserItem, user_key as identity_key
from chalicelib.core import clock
from chalicelib.core.config import get_settings
from chalicelib.core.dynamo import transaction
from chalicelib.core.errors import ApiError, FieldError, conflict, field_error, not_found
from chalicelib.core.observability import count
from chalicelib.metering import replacements
from chalicelib.metering.access import may_submit, right_of
from chalicelib.metering.ownership import portal_name
from chalicelib.metering.periods import Period
from chalicelib.metering.repository import (
    ClosedPeriodItem,
    LinkItem,
    LockItem,
    MeterCardItems,
    MeteringRepository,
    MeterItem,
    ReadingItem,
    meter_key,
    period_key,
    user_key,
)
from chalicelib.metering.service import METER_NOT_FOUND, owns
from chalicelib.notifications import outbox, targets

from . import rules
from .models import EntryForm, HistoryOut, ReadingOut, SubmitRequest, SummaryOut, SummaryRow, WindowOut, ZoneResult
from .window import policy

EXPORT_PENDING = "PENDING"
VIEW_ONLY = (
    "Вам открыт только просмотр этого договора. Передавать показания может его владелец или тот, "
    "кому владелец разрешил передачу"
)
FUTURE_DATE = "Дата снятия показаний не может быть позже сегодняшнего дня"
# A reading write is 3 items (lock check, period check, reading); each note adds 3 (outbox, feed entry,
# unread counter). The rest of a very shared contract's notes follow in transactions of their own.
NOTES_IN_WRITE = 32
NOTES_PER_TRANSACTION = 33


def closed_message(period: Period) -> str:
    return f"Расчётный период «{period.label_ru}» закрыт: показания за него больше не принимаются"


def window_out(status: rules.WindowStatus, closed: bool = False) -> WindowOut:
    """The entry window; a period staff have closed is reported as closed whatever the calendar says."""
    return WindowOut(
        now=clock.iso(clock.now()),
        open=status.open and not closed,
        locked=status.locked,
        accepts_entry=status.accepts_entry and not closed,
        period=status.period.key,
        period_label=status.period.label_ru,
        opens_at=clock.iso(status.opens_at),
        closes_at=clock.iso(status.closes_at),
        days_left=0 if closed else status.days_left,
        unlocks_at=clock.iso(status.unlocks_at) if status.unlocks_at else None,
        message=closed_message(status.period) if closed else status.message_ru,
        closed=closed,
    )


def reading_out(item: ReadingItem, viewer_id: str) -> ReadingOut:
    values = item.values.as_dict()
    previous, difference = item.previous.as_dict(), item.difference.as_dict()
    consumption, rollover = item.consumption.as_dict(), item.rollover.as_dict()
    zones = [
        ZoneResult(
            zone=z,
            value=values[z],
            previous=previous.get(z),
            difference=difference.get(z),
            consumption=consumption.get(z),
            rollover=bool(rollover.get(z)),
            note=rules.FIRST_READING_NOTE if difference.get(z) is None else None,
        )
        for z in sorted(values)
    ]
    amounts = [Decimal(z.consumption) for z in zones if z.consumption is not None]
    total = str(sum(amounts, Decimal(0))) if len(amounts) == len(zones) else None
    return ReadingOut(
        meter_id=item.meter_id,
        period=item.period,
        zones=zones,
        total_consumption=total,
        source=item.source,
        submitted_by_name=item.submitted_by_name,
        submitted_by_you=item.source == "user" and item.submitted_by == viewer_id,
        submitted_at=item.submitted_at,
        version=int(item.version),
    )


def previous_values(
    meter: MeterItem, earlier: ReadingItem | None, period: Period
) -> tuple[dict[str, Decimal], str | None]:
    """The latest known values before `period`: last period's reading, or what billing last reported."""
    billing_period = meter.last_billing_period
    billing = meter.last_billing_values.as_dict() if meter.last_billing_values else {}
    if (
        billing
        and billing_period
        and billing_period < period.key
        and (earlier is None or billing_period > earlier.period)
    ):
        return {z: Decimal(v) for z, v in billing.items()}, billing_period
    if earlier is not None:
        return {z: Decimal(v) for z, v in earlier.values.as_dict().items()}, earlier.period
    return {}, None


def basis(
    meter: MeterItem, earlier: ReadingItem | None, period: Period
) -> tuple[dict[str, Decimal], str | None, rules.ReplacedMeter | None]:
    """What this period's reading is measured from: the previous values and their period, or — for a
    meter installed in place of another since then — its initial reading, the replacement's period and
    the replaced meter."""
    previous, previous_period = previous_values(meter, earlier, period)
    entry = replacements.in_force(meter, previous_period, period)
    if entry is None:
        return previous, previous_period, None
    old = rules.ReplacedMeter(
        final={z: Decimal(v) for z, v in entry["old_final"].items()},
        previous={z: Decimal(v) for z, v in (entry.get("old_previous") or {}).items()},
        digits=int(entry["old_digits"]),
        coefficient=Decimal(entry["old_coefficient"]),
    )
    return {z: Decimal(v) for z, v in entry["new_initial"].items()}, entry["period"], old


def allowed_categories() -> frozenset[str]:
    from chalicelib.settings import company

    return company().submitter_categories


def local_period_label(period: str) -> str:
    """«ноябрь 2026», as in «показания за ноябрь 2026»."""
    label = Period.parse(period).label_ru
    return label[:1].lower() + label[1:]


def values_text(item: ReadingItem) -> str:
    """The values as a person reads them in a message: «130», or «Т1: 1010 / Т2: 505,5» for zones."""
    values = item.values.as_dict()
    shown = {z: str(v).replace(".", ",") for z, v in sorted(values.items())}
    if len(shown) == 1:
        return next(iter(shown.values()))
    return " / ".join(f"Т{z[1:]}: {v}" for z, v in shown.items())


class ReadingService:
    def __init__(self, repository: MeteringRepository | None = None) -> None:
        self.repo = repository or MeteringRepository()

    def _load(self, principal: Principal, meter_id: str, period: Period) -> tuple[MeterItem, MeterCardItems]:
        """The meter and what entry needs around it, in the meter card's one BatchGetItem."""
        if not owns(principal, meter_id):
            raise not_found(METER_NOT_FOUND)
        loaded = self.repo.card(principal.user_id, meter_id, period, for_entry=True)
        if loaded.meter is None:
            raise not_found(METER_NOT_FOUND)
        return loaded.meter, loaded

    def entry_form(self, principal: Principal, meter_id: str) -> EntryForm:
        status = policy().status(clock.now())
        meter, loaded = self._load(principal, meter_id, status.period)
        link = loaded.link
        previous, previous_period, _replaced = basis(meter, loaded.earlier, status.period)
        allowed = allowed_categories()
        refusal = self._refusal(meter, link, allowed)
        if refusal is None and loaded.closed:
            refusal = closed_message(status.period)
        if refusal is None and not status.accepts_entry:
            refusal = status.message_ru
        return EntryForm(
            meter_id=meter_id,
            serial=meter.serial,
            label=link.label if link else None,
            model=meter.model,
            status=meter.status,
            virtual=bool(meter.virtual),
            digits=int(meter.digits),
            zones=list(meter.zones),
            coefficient=meter.coefficient,
            previous={z: (str(previous[z]) if z in previous else None) for z in meter.zones},
            previous_period=previous_period,
            current=reading_out(loaded.reading, principal.user_id) if loaded.reading else None,
            window=window_out(status, loaded.closed),
            submitters_rule=rules.submitters_rule(allowed),
            can_submit=refusal is None,
            refusal=refusal,
        )

    @staticmethod
    def _refusal_error(meter: MeterItem, link: LinkItem | None, allowed: frozenset[str]) -> ApiError | None:
        """Why this user may not submit readings of this meter at all (whatever the window), or None."""
        try:
            rules.assert_submittable(meter.status, meter.category, allowed)
        except rules.SubmissionNotAllowed as exc:
            return ApiError(exc.reason, status=403, code=exc.code)
        if not may_submit(right_of(link)):
            return ApiError(VIEW_ONLY, status=403, code="view_only")
        return None

    def _refusal(self, meter: MeterItem, link: LinkItem | None, allowed: frozenset[str]) -> str | None:
        error = self._refusal_error(meter, link, allowed)
        return error.message if error else None

    def submit(self, principal: Principal, meter_id: str, request: SubmitRequest) -> ReadingOut:
        now = clock.now()
        status = policy().status(now)
        meter, loaded = self._load(principal, meter_id, status.period)
        current = loaded.reading
        refused = self._refusal_error(meter, loaded.link, allowed_categories())
        if refused is not None:
            raise refused
        if loaded.closed:
            raise ApiError(closed_message(status.period), status=409, code="period_closed")
        if not status.open:
            raise ApiError(status.message_ru, status=409, code="window_closed")
        if status.locked:
            raise _locked(status.message_ru)
        if request.reading_date and request.reading_date > now.astimezone(get_settings().tz).date():
            raise field_error("reading_date", FUTURE_DATE)
        previous, _, replaced = basis(meter, loaded.earlier, status.period)
        try:
            if replaced is None:
                evaluation = rules.evaluate(
                    request.values,
                    previous,
                    int(meter.digits),
                    list(meter.zones),
                    Decimal(meter.coefficient),
                    request.rollover_confirmed,
                )
            else:
                evaluation = rules.evaluate_across_replacement(
                    request.values,
                    previous,
                    replaced,
                    int(meter.digits),
                    list(meter.zones),
                    Decimal(meter.coefficient),
                    request.rollover_confirmed,
                )
        except rules.ReadingRejected as exc:
            raise _rejected(exc) from None
        item = self._item(meter, status.period, evaluation, principal, request, now)
        self._check_version(current, request.version)
        notes = self._notes(principal, meter, right_of(loaded.link), current, item)
        self._write(item, current, request.version, status, now, notes[:NOTES_IN_WRITE])
        self._stage_rest(notes[NOTES_IN_WRITE:])
        outbox.dispatch(notes)
        count("ReadingsSubmitted")
        return reading_out(item, principal.user_id)

    def _item(
        self,
        meter: MeterItem,
        period: Period,
        evaluation: rules.Evaluation,
        principal: Principal,
        request: SubmitRequest,
        now: Any,
    ) -> ReadingItem:
        def column(attr: str) -> dict[str, Any]:
            return {z.zone: str(getattr(z, attr)) for z in evaluation.zones if getattr(z, attr) is not None}

        return ReadingItem(
            meter_key(meter.meter_id),
            period_key(period.key),
            meter_id=meter.meter_id,
            period=period.key,
            values=column("value"),
            previous=column("previous"),
            difference=column("difference"),
            consumption=column("consumption"),
            rollover={z.zone: z.rollover for z in evaluation.zones},
            reading_date=request.reading_date.isoformat() if request.reading_date else None,
            source="user",
            submitted_by=principal.user_id,
            submitted_by_name=portal_name(principal.user),
            submitted_at=clock.iso(now),
            export_pk=EXPORT_PENDING,
            changed_at=clock.iso(now),
        )

    def _notes(
        self, principal: Principal, meter: MeterItem, right: str | None, current: ReadingItem | None, item: ReadingItem
    ) -> list[outbox.Notification]:
        """Who hears about this submission. A change of a reading another account had submitted: every
        other user of the contract, by feed and e-mail. Otherwise a co-user's submission: the holders'
        feed. The contract's users are read only then (one Query)."""
        before = current if current is not None and current.source == "user" else None
        overwrite = before is not None and before.submitted_by not in (None, principal.user_id)
        if not meter.contract or not (overwrite or right == "submit"):
            return []
        others = {link.pk.removeprefix("USER#"): link for link in self.repo.users_of_contract(meter.contract)}
        others.pop(principal.user_id, None)
        params = {
            "serial": meter.serial,
            "period": local_period_label(item.period),
            "contract": meter.contract,
            "name": item.submitted_by_name or "",
            "after": values_text(item),
        }
        if overwrite and before is not None:
            accounts = self._accounts(set(others))
            return [
                outbox.Notification(
                    "reading_changed",
                    {**params, "before": values_text(before)},
                    user_id=user_id,
                    email=_email(accounts.get(user_id)),
                    link=targets.meter_history(meter.meter_id),
                )
                for user_id in sorted(others)
            ]
        return [
            outbox.Notification(
                "reading_submitted_by_co_user", params, user_id=user_id, link=targets.meter_history(meter.meter_id)
            )
            for user_id, link in sorted(others.items())
            if right_of(link) == "holder"
        ]

    @staticmethod
    def _accounts(user_ids: set[str]) -> dict[str, UserItem]:
        """The recipients' identity items (their current e-mail), one BatchGetItem."""
        if not user_ids:
            return {}
        return {u.user_id: u for u in UserItem.batch_get([(identity_key(i), PROFILE) for i in sorted(user_ids)])}

    @staticmethod
    def _check_version(current: ReadingItem | None, version: int | None) -> None:
        if current is not None and version is None:
            raise conflict("Показания за этот период уже переданы. Чтобы исправить их, откройте форму заново")
        if current is None and version is not None:
            raise conflict("Исправляемые показания не найдены. Обновите страницу")

    def _write(
        self,
        item: ReadingItem,
        current: ReadingItem | None,
        version: int | None,
        status: rules.WindowStatus,
        now: Any,
        notes: list[outbox.Notification],
    ) -> None:
        item.version = (version or 0) + 1
        condition = ReadingItem.pk.does_not_exist() if current is None else ReadingItem.version == version
        epoch = clock.epoch(now)
        try:
            with transaction() as tx:
                tx.condition_check(
                    LockItem, "SYNC", "LOCK", condition=LockItem.pk.does_not_exist() | (LockItem.expires_at < epoch)
                )
                tx.condition_check(
                    ClosedPeriodItem,
                    period_key(status.period.key),
                    "CLOSED",
                    condition=ClosedPeriodItem.pk.does_not_exist(),
                )
                tx.save(item, condition=condition)
                for note in notes:
                    outbox.stage(tx, note)
        except TransactWriteError as exc:
            reasons = [getattr(r, "code", None) if r is not None else None for r in (exc.cancellation_reasons or [])]
            if reasons[:1] == ["ConditionalCheckFailed"]:
                raise _locked(
                    policy().status(clock.now()).message_ru
                    if status.locked
                    else "Идёт обмен данными с биллинговой системой. Повторите ввод через несколько минут. "
                    "Введённые значения сохранены на странице."
                ) from None
            if reasons[1:2] == ["ConditionalCheckFailed"]:
                raise ApiError(closed_message(status.period), status=409, code="period_closed") from None
            # DynamoDB cancels one of two transactions touching the same item at once.
            if reasons[2:3] == ["ConditionalCheckFailed"] or "TransactionConflict" in reasons:
                raise conflict(
                    "Показания этого счётчика только что изменены в другом окне. Обновите страницу и проверьте значения"
                ) from None
            raise

    @staticmethod
    def _stage_rest(notes: list[outbox.Notification]) -> None:
        """Notes beyond one write's 100 items: after the reading is committed, in their own transactions."""
        for start in range(0, len(notes), NOTES_PER_TRANSACTION):
            with transaction() as tx:
                for note in notes[start : start + NOTES_PER_TRANSACTION]:
                    outbox.stage(tx, note)

    def history(self, principal: Principal, meter_id: str, limit: int) -> HistoryOut:
        if not owns(principal, meter_id):
            raise not_found(METER_NOT_FOUND)
        current = policy().status(clock.now()).period.key
        # The current period is not history (seed 000): it appears here once the period is over.
        items = [
            reading_out(i, principal.user_id) for i in self.repo.readings(meter_id, limit + 1) if i.period != current
        ]
        return HistoryOut(meter_id=meter_id, items=items[:limit])

    def summary(self, principal: Principal) -> SummaryOut:
        status = policy().status(clock.now())
        meter_ids = sorted(principal.user.meter_ids or set())
        closed_key = (period_key(status.period.key), "CLOSED")
        keys: list[tuple[str, str]] = [closed_key]
        for meter_id in meter_ids:
            keys += [
                (meter_key(meter_id), "METER"),
                (user_key(principal.user_id), meter_key(meter_id)),
                (meter_key(meter_id), period_key(status.period.key)),
            ]
        found = self.repo.items(keys)
        allowed = allowed_categories()
        rows = []
        for meter_id in meter_ids:
            meter = found.get((meter_key(meter_id), "METER"))
            if meter is None:
                continue
            raw_link = found.get((user_key(principal.user_id), meter_key(meter_id)))
            link = LinkItem.from_raw_data(raw_link) if raw_link else None
            reading = found.get((meter_key(meter_id), period_key(status.period.key)))
            meter_item = MeterItem.from_raw_data(meter)
            rows.append(
                SummaryRow(
                    meter_id=meter_id,
                    serial=meter_item.serial,
                    label=link.label if link else None,
                    status=meter_item.status,
                    zones=list(meter_item.zones),
                    accepts_manual=self._refusal(meter_item, link, allowed) is None,
                    reading=reading_out(ReadingItem.from_raw_data(reading), principal.user_id) if reading else None,
                )
            )
        manual = [r for r in rows if r.accepts_manual]
        return SummaryOut(
            period=status.period.key,
            period_label=status.period.label_ru,
            window=window_out(status, closed_key in found),
            meters=rows,
            submitted=sum(1 for r in manual if r.reading),
            total=len(manual),
        )


def _email(account: UserItem | None) -> str | None:
    """A closed or unconfirmed account gets no e-mail (as appeals do): only its feed note."""
    return account.email if account is not None and account.status == "active" else None


def _locked(message: str) -> ApiError:
    return ApiError(message, status=423, code="sync_locked")


def _rejected(exc: rules.ReadingRejected) -> ApiError:
    fields = [FieldError(p.path, p.message) for p in exc.errors]
    if exc.only_needs_confirmation:
        return ApiError(rules.ROLLOVER_QUESTION, fields, status=422, code="rollover_confirmation_required")
    return ApiError("Проверьте показания", fields, status=422, code="validation_error")
