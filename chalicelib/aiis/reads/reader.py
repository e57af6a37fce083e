"""What a consumer sees of a meter on АИИС КУЭ: registers, load profile, consumption charts, the
readings table with the day-start registers, the event journal, relay state, and CSV files of the
profile, of a chart's points and of the journal.

A meter's profile comes in its own interval length (storage/days.py): the profile and the day chart show
native intervals, each with its start and end; day, month and year sums add whatever length.

Only an account that has linked the meter sees it, and only once that account has connected the
service to the meter's contract (seed 000; `contracts.py`): both come from the signed-in user's item
(`meter_ids`, `aiis_meter_ids` — no read), so a chart costs exactly its own reads — a year chart is one
Query of month roll-ups. Anyone else gets the same 404 as for a meter that does not exist; a linked
but unconnected meter gets 403 `aiis_not_connected`, telling how to connect.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Literal

from chalicelib.accounts.principal import Principal
from chalicelib.aiis.storage.days import (
    CHANNELS,
    NO_DATA,
    SLOT_MINUTES,
    DayTotals,
    Slot,
    day_start,
    day_totals,
    decode_channels,
    format_decimal,
    interval_of,
    month_days,
    slot_bounds,
    slots_in_day,
    slots_of,
    stored_interval,
    sum_totals,
)
from chalicelib.aiis.storage.repository import SNAPSHOT_SOURCES, AiisRepository
from chalicelib.core import clock
from chalicelib.core.config import Settings, get_settings
from chalicelib.core.errors import ApiError, field_error, not_found
from chalicelib.core.web import Result
from chalicelib.metering.service import METER_NOT_FOUND, owns
from chalicelib.settings import company

from .models import (
    UNITS,
    Completeness,
    ConsumptionOut,
    ConsumptionPoint,
    ConsumptionQuery,
    DayStart,
    EventOut,
    EventsOut,
    EventsQuery,
    IntervalOut,
    ProfileOut,
    ReadingRow,
    ReadingsOut,
    RegistersOut,
    RelayOut,
    SlotStatus,
)
from .periods import Span, period_containing, year_periods

MAX_PROFILE_DAYS = 31
DEFAULT_PROFILE_DAYS = 3
MAX_EVENT_DAYS = 366
DEFAULT_EVENT_DAYS = 30
MAX_EVENTS = 500
SEVERITY_TITLES = {"info": "Информация", "warning": "Предупреждение", "critical": "Авария"}
JOURNAL_TITLES = {
    "voltage": "Напряжение",
    "current": "Ток",
    "power": "Включение и отключение счётчика",
    "relay": "Реле нагрузки",
    "tamper": "Внешние воздействия",
    "diagnostics": "Самодиагностика",
    "clock": "Часы счётчика",
}
NOT_CONNECTED = (
    "Сервис АИИС КУЭ не подключён к договору этого счётчика в Вашем личном кабинете. Подключите его "
    "в разделе «АИИС КУЭ»: укажите номер договора энергоснабжения и нажмите «Подключить»"
)
OTHER_JOURNAL = "Прочие события"
CSV_STATUS = {
    "ok": "достоверно",
    "estimated": "расчётное значение счётчика",
    "missing": "нет значения в счётчике",
    NO_DATA: "данные не поступили",
    "partial": "есть пропуски или расчётные интервалы",
}


def csv_file(name: str, header: list[str], rows: Iterable[list[str]]) -> Result:
    """A table as a spreadsheet opens it in Russian Excel: UTF-8 with BOM, «;», decimal comma."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return Result(
        body="\ufeff" + out.getvalue(),
        headers={"Content-Type": "text/csv; charset=utf-8", "Content-Disposition": f'attachment; filename="{name}"'},
    )


def csv_number(value: str | Decimal | None) -> str:
    if value is None:
        return ""
    return (format_decimal(value) if isinstance(value, Decimal) else value).replace(".", ",")


class AiisReader:
    def __init__(self, repository: AiisRepository | None = None, settings: Settings | None = None) -> None:
        self.repo = repository or AiisRepository()
        self.settings = settings or get_settings()
        self.tz = self.settings.tz

    def _check(self, principal: Principal, meter_id: str) -> None:
        if not owns(principal, meter_id):
            raise not_found(METER_NOT_FOUND)
        if meter_id not in (principal.user.aiis_meter_ids or set()):
            raise ApiError(NOT_CONNECTED, status=403, code="aiis_not_connected")

    def _today(self) -> date:
        return clock.now().astimezone(self.tz).date()

    def _local(self, instant: datetime) -> str:
        return instant.astimezone(self.tz).isoformat()

    def _local_text(self, stored: str | None) -> str | None:
        return self._local(datetime.fromisoformat(stored.replace("Z", "+00:00"))) if stored else None

    # --- registers and relay --------------------------------------------------------------------

    def registers(self, principal: Principal, meter_id: str) -> RegistersOut:
        self._check(principal, meter_id)
        item = self.repo.item(meter_id, "REGISTERS") or {}
        values = decode_channels(item["vals"]) if "vals" in item else {}
        return RegistersOut(
            meter_id=meter_id,
            read_at=self._local_text(item.get("read_at")),
            values={c: format_decimal(v) for c, v in values.items()},
            coefficient=item.get("k", "1"),
        )

    def relay(self, principal: Principal, meter_id: str) -> RelayOut:
        self._check(principal, meter_id)
        item = self.repo.item(meter_id, "RELAY") or {}
        state = item.get("state")
        title = {"on": "Включено", "off": "Отключено"}.get(state or "", "Нет данных")
        return RelayOut(meter_id=meter_id, state=state, state_title=title, at=self._local_text(item.get("at")))

    # --- load profile ---------------------------------------------------------------------------

    def _profile_period(self, first: date | None, last: date | None) -> tuple[date, date]:
        last = last or self._today()
        first = first or last - timedelta(days=DEFAULT_PROFILE_DAYS - 1)
        self._range(first, last, MAX_PROFILE_DAYS, "Профиль мощности")
        return first, last

    def _range(self, first: date, last: date, limit: int, what: str) -> None:
        if first > last:
            raise field_error("from", "Начало периода позже его окончания")
        if (last - first).days + 1 > limit:
            raise field_error("to", f"{what} показывается не более чем за {limit} дн.")

    def _intervals(
        self, meter_id: str, first: date, last: date
    ) -> tuple[int, list[tuple[date, int, int, Slot | None]]]:
        """The period's latest interval length, and (day, index, minutes, slot) of every interval: a
        day keeps its stored length, a day without data is shown in the period's latest one."""
        stored = {date.fromisoformat(item["sk"][4:]): item for item in self.repo.days(meter_id, first, last)}
        lengths = [stored_interval(stored[day]) for day in sorted(stored)]
        latest = next((m for m in reversed(lengths) if m), SLOT_MINUTES)
        rows: list[tuple[date, int, int, Slot | None]] = []
        day = first
        while day <= last:
            item = stored.get(day, {})
            minutes = interval_of(item, latest)
            slots = slots_of(item)
            rows.extend((day, index, minutes, slots.get(index)) for index in range(slots_in_day(day, self.tz, minutes)))
            day += timedelta(days=1)
        return latest, rows

    def profile(self, principal: Principal, meter_id: str, first: date | None, last: date | None) -> ProfileOut:
        self._check(principal, meter_id)
        first, last = self._profile_period(first, last)
        counts = {"ok": 0, "estimated": 0, "missing": 0, NO_DATA: 0}
        intervals = []
        minutes, rows = self._intervals(meter_id, first, last)
        for day, index, length, slot in rows:
            start, end = slot_bounds(day, index, self.tz, length)
            status: SlotStatus = slot.status if slot else NO_DATA
            counts[status] += 1
            intervals.append(
                IntervalOut(
                    start=self._local(start),
                    end=self._local(end),
                    status=status,
                    values={c: format_decimal(v) for c, v in (slot.values if slot else {}).items()},
                )
            )
        return ProfileOut(
            meter_id=meter_id,
            date_from=first,
            date_to=last,
            interval_minutes=minutes,
            summary=Completeness(**counts),
            intervals=intervals,
        )

    def profile_csv(self, principal: Principal, meter_id: str, first: date | None, last: date | None) -> Result:
        self._check(principal, meter_id)
        first, last = self._profile_period(first, last)
        rows = []
        for day, index, length, slot in self._intervals(meter_id, first, last)[1]:
            start, end = (moment.astimezone(self.tz) for moment in slot_bounds(day, index, self.tz, length))
            values = slot.values if slot else {}
            rows.append(
                [
                    f"{day:%d.%m.%Y}",
                    f"{start:%H:%M}",
                    f"{end:%H:%M}",
                    *(csv_number(values.get(c)) for c in CHANNELS),
                    CSV_STATUS[slot.status if slot else NO_DATA],
                ]
            )
        return csv_file(
            f"profile_{meter_id[:8]}_{first:%Y%m%d}-{last:%Y%m%d}.csv",
            ["Дата", "Начало", "Окончание", *(f"{c}, {UNITS[c]}" for c in CHANNELS), "Статус"],
            rows,
        )

    # --- consumption charts ---------------------------------------------------------------------

    def consumption(self, principal: Principal, meter_id: str, query: ConsumptionQuery) -> ConsumptionOut:
        self._check(principal, meter_id)
        anchor = query.date or self._today()
        if query.scale == "day":
            return self._day_chart(meter_id, anchor, query)
        end_day = company().billing_period_end_day
        if query.scale == "month":
            span = period_containing(anchor, query.basis, end_day)
            daily = self._daily(meter_id, span.start, span.end)
            points = [
                self._point(d.isoformat(), d.isoformat(), daily.get(d), [] if d in daily else [d], query.channel)
                for d in span.days()
            ]
            first, last = span.start, span.end
        else:
            spans = year_periods(anchor, query.basis, end_day)
            first, last = spans[0].start, spans[-1].end
            daily = self._daily(meter_id, first, last)
            points = [self._span_point(span, daily, query.channel) for span in spans]
        return ConsumptionOut(
            meter_id=meter_id,
            scale=query.scale,
            basis=query.basis,
            channel=query.channel,
            unit=UNITS[query.channel],
            period_start=first,
            period_end=last,
            total=_total(p.value for p in points),
            points=points,
        )

    def consumption_csv(self, principal: Principal, meter_id: str, query: ConsumptionQuery) -> Result:
        """The chart's points as the page shows them (the same query), one row each."""
        chart = self.consumption(principal, meter_id, query)
        rows = []
        for point in chart.points:
            if chart.scale == "day":
                start, end = (datetime.fromisoformat(t) for t in (point.start, point.end))
                when = [f"{start:%d.%m.%Y}", f"{start:%H:%M}", f"{end:%H:%M}"]
            else:
                when = [f"{date.fromisoformat(t):%d.%m.%Y}" for t in (point.start, point.end)]
            rows.append(
                [
                    *when,
                    csv_number(point.value),
                    CSV_STATUS[point.status],
                    str(point.estimated),
                    str(point.missing),
                    str(point.no_data),
                ]
            )
        head = ["Дата", "Начало", "Окончание"] if chart.scale == "day" else ["С", "По"]
        return csv_file(
            f"consumption_{meter_id[:8]}_{chart.scale}_{chart.period_start:%Y%m%d}-{chart.period_end:%Y%m%d}.csv",
            [
                *head,
                f"{chart.channel}, {chart.unit}",
                "Данные",
                "Расчётных интервалов",
                "Без значения в счётчике",
                "Не поступило",
            ],
            rows,
        )

    def _day_chart(self, meter_id: str, day: date, query: ConsumptionQuery) -> ConsumptionOut:
        item = self.repo.day(meter_id, day) or {}
        minutes, slots = interval_of(item), slots_of(item)
        points = []
        for index in range(slots_in_day(day, self.tz, minutes)):
            start, end = slot_bounds(day, index, self.tz, minutes)
            slot = slots.get(index)
            value = slot.values.get(query.channel) if slot else None
            status: SlotStatus = slot.status if slot else NO_DATA
            points.append(
                ConsumptionPoint(
                    start=self._local(start),
                    end=self._local(end),
                    value=format_decimal(value) if value is not None else None,
                    status=status,
                    estimated=int(status == "estimated"),
                    missing=int(status == "missing"),
                    no_data=int(status == NO_DATA),
                )
            )
        return ConsumptionOut(
            meter_id=meter_id,
            scale="day",
            basis=query.basis,
            channel=query.channel,
            unit=UNITS[query.channel],
            interval_minutes=minutes,
            period_start=day,
            period_end=day,
            total=_total(p.value for p in points),
            points=points,
        )

    def _daily(self, meter_id: str, first: date, last: date) -> dict[date, DayTotals]:
        """Day totals from the month roll-ups covering first…last: one Query."""
        daily: dict[date, DayTotals] = {}
        for item in self.repo.months(meter_id, f"{first:%Y-%m}", f"{last:%Y-%m}"):
            daily.update(month_days(item["sk"][6:], item))
        return daily

    def _span_point(self, span: Span, daily: Mapping[date, DayTotals], channel: str) -> ConsumptionPoint:
        days = span.days()
        return self._point(
            span.start.isoformat(),
            span.end.isoformat(),
            sum_totals(daily[d] for d in days if d in daily),
            [d for d in days if d not in daily],
            channel,
        )

    def _point(
        self, start: str, end: str, totals: DayTotals | None, unreported: list[date], channel: str
    ) -> ConsumptionPoint:
        """A chart point of one or more days; `unreported` are days without any stored slot."""
        # A day nothing arrived for counts its half hours: its meter's interval is not known.
        no_data = sum(slots_in_day(d, self.tz) for d in unreported)
        if totals is None or (totals.ok + totals.estimated + totals.missing == 0 and not totals.values):
            return ConsumptionPoint(
                start=start,
                end=end,
                value=None,
                status="no_data",
                estimated=0,
                missing=0,
                no_data=no_data + (totals.no_data if totals else 0),
            )
        value = totals.values.get(channel)
        status: Literal["ok", "partial"] = "ok" if totals.complete and not no_data else "partial"
        no_data += totals.no_data
        return ConsumptionPoint(
            start=start,
            end=end,
            value=format_decimal(value) if value is not None else None,
            status=status,
            estimated=totals.estimated,
            missing=totals.missing,
            no_data=no_data,
        )

    # --- readings table -------------------------------------------------------------------------

    def readings(self, principal: Principal, meter_id: str, page: int, size: int) -> ReadingsOut:
        """Day rows newest first; page 1 is the `size` days up to today, page 2 the `size` before."""
        self._check(principal, meter_id)
        last = self._today() - timedelta(days=(page - 1) * size)
        first = last - timedelta(days=size - 1)
        rows = []
        stored, has_more = self.repo.days_newest_first(meter_id, first, last)
        for item in stored:
            day = date.fromisoformat(item["sk"][4:])
            totals = day_totals(slots_of(item), slots_in_day(day, self.tz, interval_of(item)))
            registers = decode_channels(item["reg"]) if "reg" in item else {}
            source, _, channels = item.get("snp", "").partition("|")
            opening = (
                DayStart(
                    values={c: format_decimal(v) for c, v in decode_channels(channels).items()},
                    source=SNAPSHOT_SOURCES[source],
                )
                if source
                else None
            )
            rows.append(
                ReadingRow(
                    date=day,
                    day_start=opening,
                    read_at=self._local_text(item.get("reg_at")),
                    values={c: format_decimal(v) for c, v in registers.items()},
                    consumption={c: format_decimal(v) for c, v in totals.values.items()},
                    estimated=totals.estimated,
                    missing=totals.missing,
                    no_data=totals.no_data,
                )
            )
        return ReadingsOut(
            meter_id=meter_id,
            page=page,
            size=size,
            date_from=first,
            date_to=last,
            has_more=has_more,
            rows=rows,
        )

    # --- event journal --------------------------------------------------------------------------

    def events(self, principal: Principal, meter_id: str, query: EventsQuery) -> EventsOut:
        self._check(principal, meter_id)
        last = query.date_to or self._today()
        first = query.date_from or last - timedelta(days=DEFAULT_EVENT_DAYS - 1)
        self._range(first, last, MAX_EVENT_DAYS, "Журнал событий")
        severities = query.severity.split(",") if query.severity else []
        found, truncated = self.repo.events(
            meter_id,
            clock.iso(day_start(first, self.tz)),
            clock.iso(day_start(last + timedelta(days=1), self.tz)),
            severities,
            query.journal,
            MAX_EVENTS,
        )
        events = [
            EventOut(
                at=self._local_text(item["at"]) or "",
                journal=item["journal"],
                journal_title=JOURNAL_TITLES.get(item["journal"], OTHER_JOURNAL),
                code=item["code"],
                severity=item["severity"],
                severity_title=SEVERITY_TITLES[item["severity"]],
                text=item["text"],
            )
            for item in found
        ]
        counts = {severity: sum(e.severity == severity for e in events) for severity in SEVERITY_TITLES}
        return EventsOut(
            meter_id=meter_id, date_from=first, date_to=last, counts=counts, truncated=truncated, events=events
        )

    def events_csv(self, principal: Principal, meter_id: str, query: EventsQuery) -> Result:
        """The journal as the page shows it (the same filters), newest first."""
        journal = self.events(principal, meter_id, query)
        rows = [
            [
                f"{datetime.fromisoformat(e.at):%d.%m.%Y %H:%M:%S}",
                e.severity_title,
                e.journal_title,
                e.code,
                _text_cell(e.text),
            ]
            for e in journal.events
        ]
        return csv_file(
            f"events_{meter_id[:8]}_{journal.date_from:%Y%m%d}-{journal.date_to:%Y%m%d}.csv",
            ["Время", "Важность", "Журнал", "Код события", "Событие"],
            rows,
        )


def _text_cell(text: str) -> str:
    # The meter's text must stay text: Excel would run a cell starting with = + - @ as a formula.
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text


def _total(values: Iterable[str | None]) -> str | None:
    present = [Decimal(v) for v in values if v is not None]
    return format_decimal(sum(present, Decimal(0))) if present else None
