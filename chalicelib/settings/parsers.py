"""Parsers of the company settings that reading entry uses: the time zone, the exchange lock windows,
who may submit. Below the capabilities that read them: the settings document validates its fields with
these, the reading rules and the exchange schedule work with the values they return. Pure: stdlib and
the consumer-category vocabulary only; errors carry Russian messages an administrator can act on.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chalicelib.categories import CATEGORIES, PERSON_CATEGORIES


class InvalidReadingSettings(ValueError):
    """A company setting for reading entry that cannot be used; the message names what to fix."""


# --- Time zone and exchange lock windows --------------------------------------------------------------

_LOCK_WINDOW = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")


@dataclass(frozen=True)
class LocalTimeRange:
    """A daily span of company-local wall-clock time, half-open: [start, end).

    Half-open so that 00:55:00 is locked and 01:25:00 is already open, as the seed's "с 00:55 до 01:25"
    reads. A range never crosses midnight: that keeps "unlocks at" on the same day, hence always inside
    the reading window when the lock started inside it.
    """

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start >= self.end:
            raise InvalidReadingSettings(
                f"Окно блокировки «{self}» должно заканчиваться позже, чем начинается, в пределах суток"
            )

    def contains(self, moment: time) -> bool:
        return self.start <= moment < self.end

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


def parse_lock_windows(spec: str) -> tuple[LocalTimeRange, ...]:
    """ "00:55-01:25,12:55-13:25" → ranges sorted by start; "" → no locks (a company without exchange).

    Overlapping or touching ranges are refused rather than merged: each range is one exchange run
    with its own schedule, so two of them sharing time is a typo in the setting.
    """
    ranges: list[LocalTimeRange] = []
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            continue
        match = _LOCK_WINDOW.match(item)
        if match is None:
            raise InvalidReadingSettings(
                f"Окно блокировки «{item}» задано неверно: нужно ЧЧ:ММ-ЧЧ:ММ, например 00:55-01:25"
            )
        hours = (int(match[1]), int(match[3]))
        minutes = (int(match[2]), int(match[4]))
        if max(hours) > 23 or max(minutes) > 59:
            raise InvalidReadingSettings(f"Окно блокировки «{item}»: такого времени суток нет")
        ranges.append(LocalTimeRange(time(hours[0], minutes[0]), time(hours[1], minutes[1])))
    ranges.sort(key=lambda r: r.start)
    for earlier, later in itertools.pairwise(ranges):
        if later.start <= earlier.end:
            raise InvalidReadingSettings(
                f"Окна блокировки «{earlier}» и «{later}» пересекаются или примыкают друг к другу: объедините их"
            )
    return tuple(ranges)


def parse_timezone(name: str) -> ZoneInfo:
    """An IANA zone by name, with an error an operator can act on instead of a KeyError."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidReadingSettings(
            f"Неизвестный часовой пояс «{name}»: укажите имя из базы IANA, например Europe/Moscow"
        ) from None


# --- Who may submit ----------------------------------------------------------------------------------

# Seed 002 §4.7 restricts manual readings by the consumer category of the contract (not by the kind of
# the portal account that submits them). The setting lists categories; the values of its first
# version — account kinds — stay valid so a deployed environment keeps working.
SUBMITTER_ALIASES: dict[str, tuple[str, ...]] = {
    "person": PERSON_CATEGORIES,
    "entrepreneur": ("entrepreneur",),
    "company": ("company", "cooperative"),
}


def parse_submitters(spec: str) -> frozenset[str]:
    """ "company,cooperative,private_house" → the consumer categories whose readings are accepted;
    "person", "entrepreneur", "company" (the setting's old values) stand for their categories;
    "" → nobody (manual entry off)."""
    categories: set[str] = set()
    unknown = []
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            continue
        if item in SUBMITTER_ALIASES:
            categories.update(SUBMITTER_ALIASES[item])
        elif item in CATEGORIES:
            categories.add(item)
        else:
            unknown.append(item)
    if unknown:
        raise InvalidReadingSettings(
            f"Неизвестные категории потребителей: {', '.join(sorted(unknown))}; "
            f"допустимы {', '.join(CATEGORIES)} (а также person, entrepreneur, company)"
        )
    return frozenset(categories)
