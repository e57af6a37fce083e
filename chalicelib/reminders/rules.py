"""When scheduled notices are due: reading-window notices and meter-verification notices.

Pure code (no AWS, no clock): the tick passes "now" and the company's reading-window policy.

- `window_open`: from the day the entry window opens, not before NOTICE_HOUR local time (nobody
  wants an SMS at midnight), until the reminder takes over;
- `window_closing`: from two days before the window closes (the period's last two days), from
  NOTICE_HOUR, until the window closes; only to accounts that have not submitted for a meter;
- `verification_soon`: from VERIFICATION_NOTICE_DAYS before a meter's verification date
  (дата очередной поверки); `verification_passed`: from the day after it. Each once per date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TypedDict

from chalicelib.metering.periods import Period
from chalicelib.metering.schedule import shard_of
from chalicelib.readings.rules import ReadingWindowPolicy

NOTICE_HOUR = time(9, 0)
CLOSING_DAYS = 2
VERIFICATION_NOTICE_DAYS = 60

WINDOW_OPEN = "window_open"
WINDOW_CLOSING = "window_closing"
VERIFICATION_SOON = "verification_soon"
VERIFICATION_PASSED = "verification_passed"
WINDOW_KINDS = (WINDOW_OPEN, WINDOW_CLOSING)
VERIFICATION_KINDS = (VERIFICATION_SOON, VERIFICATION_PASSED)


@dataclass(frozen=True)
class WindowNotice:
    kind: str
    period: Period


def window_notice_due(policy: ReadingWindowPolicy, now: datetime) -> WindowNotice | None:
    """The window notice due at `now`, if any. Exactly one of open / closing applies at a time, so a
    window that opens within its last two days (a late start day) sends only the reminder."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    status = policy.status(now)
    if not status.open:
        return None
    local = now.astimezone(policy.timezone).replace(tzinfo=None)
    opens_at, closes_at = policy.window_of(status.period)
    closing_from = datetime.combine(closes_at.date() - timedelta(days=CLOSING_DAYS), NOTICE_HOUR)
    open_from = max(opens_at.replace(tzinfo=None), datetime.combine(opens_at.date(), NOTICE_HOUR))
    if local >= closing_from:
        return WindowNotice(WINDOW_CLOSING, status.period)
    if local >= open_from:
        return WindowNotice(WINDOW_OPEN, status.period)
    return None


def notice_moment(today: date) -> datetime:
    """The local wall-clock moment from which a day's notices may go."""
    return datetime.combine(today, NOTICE_HOUR)


def verification_due_on(next_verification: date, kind: str) -> date:
    """The local day from which a verification notice of `kind` is due."""
    if kind == VERIFICATION_SOON:
        return next_verification - timedelta(days=VERIFICATION_NOTICE_DAYS)
    return next_verification + timedelta(days=1)


def verification_stage(next_verification: date, today: date, sent: str | None) -> str | None:
    """Which verification notice is due `today` for a meter whose last notice sent was `sent`
    (None, `verification_soon` or `verification_passed`). A date already past when it first
    arrives gets only the «passed» notice: «soon» would be wrong by then."""
    if sent == VERIFICATION_PASSED:
        return None
    if today >= verification_due_on(next_verification, VERIFICATION_PASSED):
        return VERIFICATION_PASSED
    if sent is None and today >= verification_due_on(next_verification, VERIFICATION_SOON):
        return VERIFICATION_SOON
    return None


def next_check_on(next_verification: date, sent: str | None) -> date | None:
    """The day a meter must next be looked at (its `by_schedule` sort key), or None once both are sent."""
    if sent == VERIFICATION_PASSED:
        return None
    if sent == VERIFICATION_SOON:
        return verification_due_on(next_verification, VERIFICATION_PASSED)
    return verification_due_on(next_verification, VERIFICATION_SOON)


class VerificationKeys(TypedDict):
    verification_sent: str | None
    sched_pk: str | None
    sched_sk: str | None


def verification_keys(meter_id: str, next_verification: str | None, status: str, sent: str | None) -> VerificationKeys:
    """A meter item's verification-notice attributes: which notice was sent for this date and its
    `by_schedule` keys while another is to come (none for a meter out of service or without a date)."""
    day = (
        next_check_on(date.fromisoformat(next_verification), sent)
        if next_verification and status != "decommissioned"
        else None
    )
    return {
        "verification_sent": sent,
        "sched_pk": f"VERIFY#{shard_of(meter_id)}" if day else None,
        "sched_sk": f"{day.isoformat()}#{meter_id}" if day else None,
    }
