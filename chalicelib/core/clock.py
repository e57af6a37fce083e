"""The one source of "now", so rules that depend on time are testable."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

_now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)  # noqa: E731


def now() -> datetime:
    return _now()


def set_clock(func: Callable[[], datetime] | None) -> None:
    """Tests freeze or move time; None restores the real clock."""
    global _now
    _now = func or (lambda: datetime.now(timezone.utc))


def iso(value: datetime) -> str:
    return value.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def epoch(value: datetime) -> int:
    return int(value.timestamp())
