"""The one source of "now", so rules that depend on time are testable."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

_now: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def now() -> datetime:
    return _now()


def set_clock(func: Callable[[], datetime] | None) -> None:
    """Tests freeze or move time; None restores the real clock."""
    global _now
    _now = func or (lambda: datetime.now(UTC))


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def epoch(value: datetime) -> int:
    return int(value.timestamp())
