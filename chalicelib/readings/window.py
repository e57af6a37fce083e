"""The company's reading-window policy and the current billing period, from settings and the clock."""

from __future__ import annotations

from chalicelib.core import clock
from chalicelib.settings import company
from chalicelib.settings.model import CompanySettings

from .rules import Period, ReadingWindowPolicy, WindowStatus


def policy_of(settings: CompanySettings) -> ReadingWindowPolicy:
    return ReadingWindowPolicy(settings.tz, settings.readings.window_start_day, settings.readings.lock_ranges)


def policy() -> ReadingWindowPolicy:
    """From the settings document in force (cached per container for a few seconds): a change made
    in «Настройки» applies to the entry form without a redeployment."""
    return policy_of(company())


def current_status() -> WindowStatus:
    return policy().status(clock.now())


def current_period() -> Period:
    return current_status().period
