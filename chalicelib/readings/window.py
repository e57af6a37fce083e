"""The company's reading-window policy and the current billing period, from settings and the clock."""
from __future__ import annotations

from chalicelib.core import clock
from chalicelib.core.config import get_settings

from .rules import Period, ReadingWindowPolicy, WindowStatus


def policy() -> ReadingWindowPolicy:
    return ReadingWindowPolicy.from_settings(get_settings())


def current_status() -> WindowStatus:
    return policy().status(clock.now())


def current_period() -> Period:
    return current_status().period
