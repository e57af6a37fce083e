"""Rules of meter-reading entry: the entry window, exchange locks, value checks.

Pure domain code (stdlib, the consumer categories, the settings parsers and metering's billing
periods; no AWS, no clock): every function takes "now" or the data it judges, so the service layer,
the exchange and the tests share one definition of each rule. Errors are this module's own exception
types with Russian messages; the service layer maps them to HTTP.

Sources: seed 000 (window 25th 00:00 – last day 23:59 local, exchange locks 00:55–01:25 and
12:55–13:25, digit-capacity check, «Переход электросчётчика через ноль?», 99958 → 00123 = 165 kWh on
a 5-digit meter), 002 (decommissioned and АИИС meters, categories allowed to submit), 003 (one value
per tariff zone).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple
from zoneinfo import ZoneInfo

from chalicelib.categories import CATEGORIES, CATEGORY_NAMES, PERSON_CATEGORIES
from chalicelib.metering.periods import MONTHS_GENITIVE, Period
from chalicelib.settings.parsers import InvalidReadingSettings, LocalTimeRange, parse_lock_windows

DEFAULT_LOCK_WINDOWS = parse_lock_windows("00:55-01:25,12:55-13:25")


# --- Entry window and exchange locks ------------------------------------------------------------------


@dataclass(frozen=True)
class WindowStatus:
    """Where "now" stands for reading entry.

    `open`: inside the entry window of `period`. `locked`: inside an exchange lock window — reported
    whether or not entry is open, because the exchange runs every day and pages showing history or
    previous values may want to say they are being refreshed; only `accepts_entry` gates writes.
    `opens_at`/`closes_at`: the current window if open, else the next one (always in `period`, since a
    closed state is always before the window start day of the current month); `closes_at` is the first instant
    after the window (the 1st, 00:00 local), the moment the period closes. `days_left` counts calendar
    days including today while open, 0 when closed. `unlocks_at` is set exactly when `locked`.
    """

    open: bool
    locked: bool
    period: Period
    opens_at: datetime
    closes_at: datetime
    days_left: int
    unlocks_at: datetime | None
    message_ru: str

    @property
    def accepts_entry(self) -> bool:
        return self.open and not self.locked


@dataclass(frozen=True)
class ReadingWindowPolicy:
    """Entry is open from `window_start_day` 00:00 to the last day of the month 23:59:59.999 local.

    A start day past the end of a short month (30 or 31 in February, 31 in April) is clamped to the
    month's last day, so the window then lasts that one day instead of silently not opening at all.
    """

    timezone: ZoneInfo
    window_start_day: int = 25
    lock_windows: tuple[LocalTimeRange, ...] = DEFAULT_LOCK_WINDOWS

    def __post_init__(self) -> None:
        if not 1 <= self.window_start_day <= 31:
            raise InvalidReadingSettings("День начала приёма показаний должен быть числом от 1 до 31")

    def window_of(self, period: Period) -> tuple[datetime, datetime]:
        """(opens_at, closes_at) of a period's entry window, aware, in the company zone; end exclusive."""
        start_day = min(self.window_start_day, period.last_day.day)
        opens = datetime.combine(date(period.year, period.month, start_day), time(0), tzinfo=self.timezone)
        closes = datetime.combine(period.next().first_day, time(0), tzinfo=self.timezone)
        return opens, closes

    def status(self, now: datetime) -> WindowStatus:
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError("now must be timezone-aware")
        local = now.astimezone(self.timezone)
        period = Period.of(local)
        opens_at, closes_at = self.window_of(period)
        # The window is defined on the local wall clock, so compare wall clocks. (Python already does
        # that for two datetimes sharing one tzinfo; dropping it says so instead of relying on it.)
        wall = local.replace(tzinfo=None)
        is_open = opens_at.replace(tzinfo=None) <= wall < closes_at.replace(tzinfo=None)
        lock = next((r for r in self.lock_windows if r.contains(wall.time())), None)
        unlocks_at = datetime.combine(local.date(), lock.end, tzinfo=self.timezone) if lock else None
        days_left = (period.last_day - local.date()).days + 1 if is_open else 0

        if not is_open:
            message = (
                f"Приём показаний с {self.window_start_day} по последнее число месяца. "
                f"Следующий приём откроется {_day_month(opens_at)} в 00:00."
            )
        elif unlocks_at is not None:
            message = (
                "Идёт обмен данными с биллинговой системой. "
                f"Ввод показаний будет доступен в {unlocks_at:%H:%M}. "
                "Введённые значения сохранены на странице."
            )
        else:
            message = f"Приём показаний открыт до {_day_month(period.last_day)} 23:59. {_days_left_ru(days_left)}"
        return WindowStatus(
            open=is_open,
            locked=lock is not None,
            period=period,
            opens_at=opens_at,
            closes_at=closes_at,
            days_left=days_left,
            unlocks_at=unlocks_at,
            message_ru=message,
        )


def _day_month(day: date) -> str:
    return f"{day.day} {MONTHS_GENITIVE[day.month - 1]}"


def _days_left_ru(days: int) -> str:
    if days == 1:
        return "Сегодня последний день."
    last, last_two = days % 10, days % 100
    if last == 1 and last_two != 11:
        return f"Остался {days} день."
    if 2 <= last <= 4 and not 12 <= last_two <= 14:
        return f"Осталось {days} дня."
    return f"Осталось {days} дней."


# --- Value checks --------------------------------------------------------------------------------------

MAX_DECIMALS = 2
"""Meters show whole kWh, electronic ones also 1–2 decimals (the red drum digit or the display's
fraction). A third decimal is never on a meter, so it signals a misread rather than precision."""

ROLLOVER_QUESTION = "Переход электросчётчика через ноль?"
FIRST_READING_NOTE = "Расход будет рассчитан после проверки"

# Digits, optionally one decimal separator (a comma is what Russian users type) and more digits.
# Whitespace is removed first: people copy "74 525" the way the meter card and bills print it.
_NUMBER = re.compile(r"^(\d+)(?:[.,](\d+))?$")
_NEGATIVE = re.compile(r"^[-−](\d+)(?:[.,](\d+))?$")
_WHITESPACE = re.compile(r"\s+")


class Problem(NamedTuple):
    """One complaint about one field: `path` is the request field (`values.T1`)."""

    path: str
    message: str


class ReadingRejected(Exception):
    """The readings cannot be saved as sent.

    `needs_rollover_confirmation` lists zones whose value is below the previous one in a way a meter
    going past 99…9 explains: the user is asked «Переход электросчётчика через ноль?» and may resend
    with confirmation. Those zones also appear in `errors` with that question as their message.
    """

    def __init__(self, errors: Sequence[Problem], needs_rollover_confirmation: Sequence[str] = ()) -> None:
        super().__init__("Проверьте показания")
        self.errors = list(errors)
        self.needs_rollover_confirmation = list(needs_rollover_confirmation)

    @property
    def only_needs_confirmation(self) -> bool:
        """True when confirming the rollover is all it takes: the service answers with a question."""
        questions = {_path(zone) for zone in self.needs_rollover_confirmation}
        return bool(questions) and all(problem.path in questions for problem in self.errors)


@dataclass(frozen=True)
class ZoneEvaluation:
    """One tariff zone's reading. `difference` is in meter units, `consumption` = difference × coefficient;
    both are None for a first reading (no previous value to subtract)."""

    zone: str
    value: Decimal
    previous: Decimal | None
    difference: Decimal | None
    consumption: Decimal | None
    rollover: bool

    @property
    def note_ru(self) -> str | None:
        return FIRST_READING_NOTE if self.difference is None else None


@dataclass(frozen=True)
class Evaluation:
    """Accepted readings of one meter, zones in the meter's order. Totals are the sums over zones, or
    None if any zone has no previous value (a partial sum would understate consumption)."""

    zones: tuple[ZoneEvaluation, ...]
    total_difference: Decimal | None
    total_consumption: Decimal | None

    def zone(self, name: str) -> ZoneEvaluation:
        return next(z for z in self.zones if z.zone == name)


def _path(zone: str) -> str:
    return f"values.{zone}"


def evaluate(
    values: Mapping[str, str],
    previous: Mapping[str, Decimal | None],
    digits: int,
    zones: Sequence[str],
    coefficient: Decimal,
    rollover_confirmed: bool | Mapping[str, bool] = False,
) -> Evaluation:
    """Check the readings of one meter and compute difference and consumption per zone.

    Rules, per zone (`values.<zone>` in errors):
    * every zone of the meter has a value and there are no others (003: one value per tariff zone);
    * a value is a non-negative number with at most `MAX_DECIMALS` decimals, whitespace ignored and
      "," or "." as the separator;
    * digit capacity: the integer part must be below 10^digits. Leading zeros do not count — the
      meter's display shows them ("00123"), so the value, not the typed length, is what must fit;
    * value ≥ previous: difference = value − previous;
    * value < previous: a rollover past 10^digits is plausible only if it means the smaller move, i.e.
      10^digits + value − previous ≤ 10^digits / 2 (99958 → 00123 on 5 digits: 165 ≤ 50000). Then the
      user must confirm it («Переход электросчётчика через ноль?»); confirmed, the difference is that
      sum. Otherwise (a larger wrap, or a previous value the meter cannot even show) the value is
      rejected without asking: confirming it would bill more than half the meter's range for a
      typo, the mistake this check exists to catch;
    * no previous value: difference and consumption are None («Расход будет рассчитан после проверки»).

    `rollover_confirmed` is one answer for all zones or a per-zone map (a missing zone = not
    confirmed); a confirmation for a zone that did not roll over is ignored. All problems of all zones
    are collected into one `ReadingRejected`, so the user fixes everything in one pass.
    """
    if digits < 1 or coefficient <= 0 or not zones or len(set(zones)) != len(zones):
        raise ValueError("meter data: digits ≥ 1, coefficient > 0 and distinct zones are required")
    capacity = Decimal(10) ** digits
    errors: list[Problem] = []
    questions: list[str] = []
    results: list[ZoneEvaluation] = []

    for zone in zones:
        value, message = _parse_value(values.get(zone, ""), capacity, digits)
        if value is None:
            errors.append(Problem(_path(zone), message))
            continue
        prior = previous.get(zone)
        difference: Decimal | None = None
        rollover = False
        if prior is not None:
            if value >= prior:
                difference = value - prior
            elif prior < capacity and capacity + value - prior <= capacity / 2:
                confirmed = (
                    rollover_confirmed if isinstance(rollover_confirmed, bool) else rollover_confirmed.get(zone, False)
                )
                if not confirmed:
                    errors.append(Problem(_path(zone), ROLLOVER_QUESTION))
                    questions.append(zone)
                    continue
                difference, rollover = capacity + value - prior, True
            else:
                errors.append(
                    Problem(
                        _path(zone),
                        "Показание меньше предыдущего, и переход счётчика через "
                        "ноль этого не объясняет. Проверьте показание",
                    )
                )
                continue
        consumption = difference * coefficient if difference is not None else None
        results.append(ZoneEvaluation(zone, value, prior, difference, consumption, rollover))

    errors.extend(
        Problem(_path(extra), "У этого счётчика нет такой тарифной зоны") for extra in sorted(set(values) - set(zones))
    )
    if errors:
        raise ReadingRejected(errors, questions)

    return Evaluation(
        zones=tuple(results),
        total_difference=_total(z.difference for z in results),
        total_consumption=_total(z.consumption for z in results),
    )


@dataclass(frozen=True)
class ReplacedMeter:
    """The meter removed during the period: its reading before the period (`previous`, per zone; a
    zone absent = unknown) and its final reading at removal; its own capacity and coefficient."""

    final: Mapping[str, Decimal]
    previous: Mapping[str, Decimal]
    digits: int
    coefficient: Decimal


def replaced_difference(old: ReplacedMeter, zone: str) -> tuple[Decimal | None, bool]:
    """(old final − old previous, rolled over) for one zone; None when it cannot be told: a value is
    missing, or the final reading is below the previous one by more than a rollover of the old meter
    explains (billing's data then needs checking, not a guess)."""
    final, prior = old.final.get(zone), old.previous.get(zone)
    if final is None or prior is None:
        return None, False
    if final >= prior:
        return final - prior, False
    capacity = Decimal(10) ** old.digits
    if prior < capacity and capacity + final - prior <= capacity / 2:
        return capacity + final - prior, True
    return None, False


def evaluate_across_replacement(
    values: Mapping[str, str],
    new_initial: Mapping[str, Decimal],
    old: ReplacedMeter,
    digits: int,
    zones: Sequence[str],
    coefficient: Decimal,
    rollover_confirmed: bool | Mapping[str, bool] = False,
) -> Evaluation:
    """The period's readings of a meter installed during the period, in place of `old`.

    Per zone: difference = (old final − old previous) + (new current − new initial), each meter
    across its own rollover; consumption = each part × its meter's coefficient. The new meter's
    value is checked as `evaluate` checks any value, against its initial reading (a rollover of the
    new meter is asked about as usual). A zone whose old part cannot be told has no difference and
    no consumption («Расход будет рассчитан после проверки»), like a first reading."""
    new = evaluate(values, new_initial, digits, zones, coefficient, rollover_confirmed)
    results = []
    for part in new.zones:
        old_difference, old_rollover = replaced_difference(old, part.zone)
        if old_difference is None or part.difference is None or part.consumption is None:
            results.append(ZoneEvaluation(part.zone, part.value, part.previous, None, None, part.rollover))
            continue
        results.append(
            ZoneEvaluation(
                part.zone,
                part.value,
                part.previous,
                old_difference + part.difference,
                old_difference * old.coefficient + part.consumption,
                part.rollover or old_rollover,
            )
        )
    return Evaluation(
        zones=tuple(results),
        total_difference=_total(z.difference for z in results),
        total_consumption=_total(z.consumption for z in results),
    )


def _total(amounts: Iterable[Decimal | None]) -> Decimal | None:
    total = Decimal(0)
    for amount in amounts:
        if amount is None:
            return None
        total += amount
    return total


def _parse_value(raw: str, capacity: Decimal, digits: int) -> tuple[Decimal | None, str]:
    """(value, "") or (None, Russian message). The message never repeats what the user typed."""
    text = _WHITESPACE.sub("", raw)
    if not text:
        return None, "Введите показание"
    if _NEGATIVE.match(text):
        return None, "Показание не может быть отрицательным"
    match = _NUMBER.match(text)
    if match is None:
        return None, "Показание должно быть числом, например 12345 или 12345,6"
    if match[2] is not None and len(match[2]) > MAX_DECIMALS:
        return None, f"После запятой допускается не больше {MAX_DECIMALS} знаков"
    if Decimal(match[1]) >= capacity:
        return None, f"Показание содержит больше цифр, чем разрядность счётчика ({digits})"
    return Decimal(match[1] if match[2] is None else f"{match[1]}.{match[2]}"), ""


# --- Who and which meters may submit --------------------------------------------------------------------


class MeterStatus(StrEnum):
    ACTIVE = "active"
    DECOMMISSIONED = "decommissioned"
    AIIS = "aiis"


class SubmissionNotAllowed(Exception):
    """Manual readings are not accepted from this user for this meter. `code` tells why, for the API."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def submitters_rule(allowed: Collection[str]) -> str | None:
    """The company rule as the entry form states it before anything is typed; None when every
    category may submit (there is nothing to warn about)."""
    if set(CATEGORIES) <= set(allowed):
        return None
    if not allowed:
        return "Приём показаний через личный кабинет не ведётся"
    # Organisations first, as seed 002 words it; all three ФЛ categories read better as one.
    names = [CATEGORY_NAMES[c] for c in ("company", "cooperative", "entrepreneur") if c in allowed]
    if set(PERSON_CATEGORIES) <= set(allowed):
        names.append("физических лиц")
    else:
        names += [CATEGORY_NAMES[c] for c in PERSON_CATEGORIES if c in allowed]
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} и {names[-1]}"
    return f"Показания через личный кабинет принимаются только от {listed}"


def assert_submittable(meter_status: str, category: str | None, allowed: Collection[str]) -> None:
    """Raise `SubmissionNotAllowed` unless readings of this meter may be entered through the portal.

    `category` is the consumer category of the meter's contract; None for a contract billing sent in
    the old format, which may be any category — so it is admitted only when the rule admits all.
    The meter is checked first: for a decommissioned or АИИС meter no category could submit, and that
    is the more useful thing to tell. An unknown status is a data error and raises ValueError.
    """
    status = MeterStatus(meter_status)
    if status is MeterStatus.DECOMMISSIONED:
        raise SubmissionNotAllowed("decommissioned", "Счётчик выведен из эксплуатации: показания не принимаются")
    if status is MeterStatus.AIIS:
        raise SubmissionNotAllowed("aiis", "Показания этого счётчика передаются автоматически (АИИС КУЭ)")
    rule = submitters_rule(allowed)
    if rule is None or (category is not None and category in allowed):
        return
    if not allowed:
        raise SubmissionNotAllowed("category_not_allowed", rule)
    if category is None:
        raise SubmissionNotAllowed(
            "category_not_allowed",
            f"{rule}. Категория потребителя по этому договору ещё не получена из "
            "биллинга: обратитесь в сетевую компанию",
        )
    raise SubmissionNotAllowed("category_not_allowed", f"{rule}. Потребитель по этому договору к ним не относится")
