"""The company's reading-window policy, from the settings document.

The current billing period on the company's clock is `chalicelib.metering.periods.current_period`."""

from __future__ import annotations

from chalicelib.settings import company
from chalicelib.settings.model import CompanySettings

from .rules import ReadingWindowPolicy


def policy_of(settings: CompanySettings) -> ReadingWindowPolicy:
    return ReadingWindowPolicy(settings.tz, settings.readings.window_start_day, settings.readings.lock_ranges)


def policy() -> ReadingWindowPolicy:
    """From the settings document in force (cached per container for a few seconds): a change made
    in «Настройки» applies to the entry form without a redeployment."""
    return policy_of(company())
