"""UTC cron expressions for the billing exchange, derived from the company's local times.

The seed fixes the exchange in local time (daily 00:55 and 12:55, one run per lock window start) and
the period closes at local midnight on the 1st. EventBridge rules — what Chalice's `app.schedule`
creates — evaluate cron in UTC only, so the local times are shifted by the zone's UTC offset here.

Local midnight on the 1st is, in a zone east of UTC, an evening of the previous month's *last* day,
which has no fixed number: the day-of-month field says `L` ("cron(0 21 L * ? *)" for Moscow). West of
UTC it stays on the 1st, later in the day ("cron(30 3 1 * ? *)" for St John's, −03:30). Offsets that
are not whole hours (+05:30, +05:45, −03:30) just move the minute field.

One offset is used — the one in effect at `at`, the deployment time. A zone with daylight saving
time shifts local time by an hour twice a year, and the crons are then an hour off until the next
deployment; `offset_changes_within_year` reports that (Europe/Moscow has had no DST since 2014).
Such a company needs a redeploy after each transition, or EventBridge Scheduler, which takes a zone.
The lock windows themselves stay right all year: `ReadingWindowPolicy` reads the local wall clock.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Iterable, Sequence
from zoneinfo import ZoneInfo

from chalicelib.readings.rules import InvalidReadingSettings, ReadingWindowPolicy

_MINUTES_PER_DAY = 24 * 60
# Covers every DST transition pair (both hemispheres) and one-off offset changes announced ahead.
_LOOKAHEAD_DAYS = 366


@dataclass(frozen=True)
class ExchangeSchedule:
    """Cron expressions of the exchange runs (in lock-window order) and of the period close.
    `offset_changes`: the zone's UTC offset changes within a year of `at`, so these go stale."""
    exchange_runs: tuple[str, ...]
    period_close: str
    offset_changes: bool


def derive_schedule(policy: ReadingWindowPolicy, at: datetime) -> ExchangeSchedule:
    """Everything the exchange needs scheduled: a run at the start of each lock window, and the close."""
    return ExchangeSchedule(
        exchange_runs=exchange_run_crons(policy.timezone, (w.start for w in policy.lock_windows), at),
        period_close=period_close_cron(policy.timezone, at),
        offset_changes=offset_changes_within_year(policy.timezone, at),
    )


def exchange_run_crons(timezone: ZoneInfo, run_times: Iterable[time], at: datetime) -> tuple[str, ...]:
    """One daily cron per local run time. The UTC run may fall on the previous or next calendar day;
    for a daily run that does not matter, so only hour and minute move."""
    offset = _offset_minutes(timezone, at)
    crons = []
    for local in run_times:
        if local.second or local.microsecond:
            raise ValueError("cron has minute resolution: run times must be whole minutes")
        minutes = (local.hour * 60 + local.minute - offset) % _MINUTES_PER_DAY
        crons.append(f"cron({minutes % 60} {minutes // 60} * * ? *)")
    return tuple(crons)


def period_close_cron(timezone: ZoneInfo, at: datetime) -> str:
    """Local 00:00 on the 1st of each month, in UTC."""
    utc_minutes = -_offset_minutes(timezone, at)
    # Negative: the instant is on the previous UTC day, i.e. the last day of the previous month.
    day = "L" if utc_minutes < 0 else "1"
    minutes = utc_minutes % _MINUTES_PER_DAY
    return f"cron({minutes % 60} {minutes // 60} {day} * ? *)"


def offset_changes_within_year(timezone: ZoneInfo, at: datetime) -> bool:
    """Whether the zone's UTC offset differs from the one at `at` on any day of the following year.
    Daily samples suffice: no zone keeps an offset for less than a day."""
    _require_aware(at)
    current = at.astimezone(timezone).utcoffset()
    return any((at + timedelta(days=day)).astimezone(timezone).utcoffset() != current
               for day in range(1, _LOOKAHEAD_DAYS + 1))


_CRON = re.compile(r"^cron\((\S+) (\S+) (\S+) (\S+) (\S+) (\S+)\)$")


def cron_fields(expression: str) -> tuple[str, str, str, str, str, str]:
    """"cron(55 21 * * ? *)" → ("55", "21", "*", "*", "?", "*"): the arguments of `chalice.Cron`."""
    match = _CRON.match(expression)
    if match is None:
        raise ValueError(f"not a six-field cron expression: {expression}")
    minutes, hours, day_of_month, month, day_of_week, year = match.groups()
    return minutes, hours, day_of_month, month, day_of_week, year


def daily_runs_cron(run_crons: Sequence[str]) -> str:
    """The daily exchange runs as one cron: "cron(55 21 * * ? *)", "cron(55 9 * * ? *)" → "cron(55 9,21 * * ? *)".

    One scheduled function then serves every lock window, so the set of deployed functions (and
    their alarms) does not depend on the company's settings. A cron crosses its minute and hour
    lists, so the runs must share the minute; lock windows starting at different minutes of the
    hour are refused rather than scheduled at times nobody chose.
    """
    if not run_crons:
        raise InvalidReadingSettings("Не задано ни одного окна блокировки: обмену с биллингом нужно хотя бы одно")
    fields = [cron_fields(expression) for expression in run_crons]
    minutes = {f[0] for f in fields}
    if len(minutes) > 1 or any(f[2:] != ("*", "*", "?", "*") for f in fields):
        raise InvalidReadingSettings("Окна блокировки должны начинаться в одну и ту же минуту часа "
                                     "(например, 00:55 и 12:55): обмен запускается одним расписанием")
    hours = sorted({int(f[1]) for f in fields})
    return f"cron({minutes.pop()} {','.join(map(str, hours))} * * ? *)"


def _require_aware(at: datetime) -> None:
    # A naive `at` would silently be read in the build machine's zone.
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("at must be timezone-aware")


def _offset_minutes(timezone: ZoneInfo, at: datetime) -> int:
    _require_aware(at)
    # An aware instant converted to a ZoneInfo always has an offset; `or` only satisfies the type.
    seconds = int((at.astimezone(timezone).utcoffset() or timedelta(0)).total_seconds())
    if seconds % 60:
        # Only pre-1970s local mean times have such offsets; cron cannot express them.
        raise ValueError(f"UTC offset of {timezone.key} is not a whole number of minutes")
    return seconds // 60
