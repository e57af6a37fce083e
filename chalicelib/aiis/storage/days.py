"""Profile slots of a company-local day, their stored form, and day and month totals.

Pure code (stdlib only). A meter keeps its load profile in intervals of its own length (1–60
minutes dividing an hour: 30 for most, 15, 60, 5 …); a day item stores them in that native length,
named in its `iv` attribute (absent: 30 — every day item written before intervals varied), one
attribute per slot, `s00`, `s01` … `s1499`, so one UpdateItem can create the item or merge any subset
of slots into it without reading it first (a list attribute cannot be created and index-assigned in
the same UpdateItem). A slot is stored as `<status>|<A+>|<A->|<R+>|<R->`: status `o` (ok), `e`
(estimated by the meter) or `m` (the meter has no value); a channel the meter does not report is
empty, and a missing slot has no values at all — a value is never invented. Slots are counted from
local midnight in real elapsed time, so a day with a daylight-saving change has an hour's worth of
slots more or less, and none is lost or doubled.

A day has one interval length: the first profile data of the day fix it, and data of another length
for that day are refused (`interval_changed`) — a meter reconfigured mid-day starts its new length
the next day (upload-protocol.md §3).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from typing import Final, Literal

CHANNELS = ("A+", "A-", "R+", "R-")
SLOT_MINUTES = 30  # the half hour of charts' day scale and of 80020; and of days stored without `iv`
# Interval lengths a day item may hold: whole minutes dividing an hour, so every hour starts a slot.
INTERVALS = tuple(m for m in range(1, 61) if 60 % m == 0)
SlotState = Literal["ok", "estimated", "missing"]
STATUS_CODES: dict[SlotState, str] = {"ok": "o", "estimated": "e", "missing": "m"}
STATUS_NAMES: dict[str, SlotState] = {code: name for name, code in STATUS_CODES.items()}
# What a slot nobody has reported yet is called in answers ("missing" is the meter's own verdict).
NO_DATA: Final = "no_data"
# Where a day's start-of-day registers came from (the day item's `snp`, repository.py).
SnapshotSource = Literal["meter", "first_after_midnight"]


def slot_attribute(index: int) -> str:
    return f"s{index:02d}"


def slot_index(attribute: str) -> int | None:
    if 3 <= len(attribute) <= 5 and attribute[0] == "s" and attribute[1:].isdigit():
        return int(attribute[1:])
    return None


def stored_interval(item: Mapping[str, object]) -> int | None:
    """The interval length of a stored day item; None while it holds no slots. Items written before
    `iv` existed hold half hours."""
    minutes = item.get("iv")
    if minutes is not None:
        return int(str(minutes))
    return SLOT_MINUTES if any(slot_index(name) is not None for name in item) else None


def interval_of(item: Mapping[str, object], default: int = SLOT_MINUTES) -> int:
    return stored_interval(item) or default


def day_start(day: date, tz: tzinfo) -> datetime:
    """Local midnight of `day` as an aware UTC instant."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def slots_in_day(day: date, tz: tzinfo, minutes: int = SLOT_MINUTES) -> int:
    return int((day_start(day + timedelta(days=1), tz) - day_start(day, tz)) / timedelta(minutes=minutes))


def locate(start: datetime, tz: tzinfo, minutes: int = SLOT_MINUTES) -> tuple[date, int] | None:
    """(local day, slot index) of an interval start, or None if it is off the day's grid of `minutes`."""
    day = start.astimezone(tz).date()
    offset = start - day_start(day, tz)
    length = timedelta(minutes=minutes)
    if offset % length:
        return None
    return day, int(offset / length)


def slot_bounds(day: date, index: int, tz: tzinfo, minutes: int = SLOT_MINUTES) -> tuple[datetime, datetime]:
    """UTC start and end of slot `index` of a local day."""
    length = timedelta(minutes=minutes)
    start = day_start(day, tz) + index * length
    return start, start + length


def format_decimal(value: Decimal) -> str:
    """Plain notation without trailing zeros: "0.512", "12000", never "1.2E+4"."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def encode_channels(values: Mapping[str, Decimal]) -> str:
    """ "A+|A-|R+|R-" with an empty field for a channel that has no value."""
    return "|".join(format_decimal(values[c]) if c in values else "" for c in CHANNELS)


def decode_channels(text: str) -> dict[str, Decimal]:
    return {channel: Decimal(part) for channel, part in zip(CHANNELS, text.split("|")) if part}


@dataclass(frozen=True)
class Slot:
    status: SlotState
    values: Mapping[str, Decimal] = field(default_factory=dict)

    def encode(self) -> str:
        return f"{STATUS_CODES[self.status]}|{encode_channels(self.values)}"

    @classmethod
    def decode(cls, text: str) -> Slot:
        code, _, channels = text.partition("|")
        return cls(STATUS_NAMES[code], decode_channels(channels))


def slots_of(item: Mapping[str, str]) -> dict[int, Slot]:
    """The slots present in a day item's attributes (name → stored text)."""
    found = {}
    for name, text in item.items():
        index = slot_index(name)
        if index is not None:
            found[index] = Slot.decode(text)
    return found


@dataclass(frozen=True)
class DayTotals:
    """A day's energy per channel over its ok and estimated slots, and how complete it is.

    A channel no slot reported is absent from `values` (no data is not zero). `no_data` slots are
    those nobody has reported yet; `missing` ones the meter itself had no value for.
    """

    values: Mapping[str, Decimal]
    ok: int
    estimated: int
    missing: int
    slots: int

    @property
    def no_data(self) -> int:
        return max(0, self.slots - self.ok - self.estimated - self.missing)

    @property
    def complete(self) -> bool:
        return self.ok == self.slots

    def encode(self) -> str:
        return f"{encode_channels(self.values)}|{self.ok}|{self.estimated}|{self.missing}|{self.slots}"

    @classmethod
    def decode(cls, text: str) -> DayTotals:
        channels, ok, estimated, missing, slots = text.rsplit("|", 4)
        return cls(decode_channels(channels), int(ok), int(estimated), int(missing), int(slots))


def day_totals(slots: Mapping[int, Slot], slot_count: int) -> DayTotals:
    sums: dict[str, Decimal] = {}
    counts = {"ok": 0, "estimated": 0, "missing": 0}
    for index, slot in slots.items():
        if index >= slot_count:
            continue
        counts[slot.status] += 1
        for channel, value in slot.values.items():
            sums[channel] = sums.get(channel, Decimal(0)) + value
    return DayTotals(sums, counts["ok"], counts["estimated"], counts["missing"], slot_count)


def sum_totals(days: Iterable[DayTotals]) -> DayTotals:
    """Totals of several days (a month, a billing period)."""
    sums: dict[str, Decimal] = {}
    ok = estimated = missing = slots = 0
    for day in days:
        for channel, value in day.values.items():
            sums[channel] = sums.get(channel, Decimal(0)) + value
        ok, estimated, missing, slots = (
            ok + day.ok,
            estimated + day.estimated,
            missing + day.missing,
            slots + day.slots,
        )
    return DayTotals(sums, ok, estimated, missing, slots)


def day_attribute(day: date) -> tuple[str, str]:
    """Attribute names of a day's totals and of the day item version they were computed from, in the
    month roll-up."""
    return f"d{day.day:02d}", f"v{day.day:02d}"


def month_days(month: str, item: Mapping[str, str]) -> dict[date, DayTotals]:
    """The per-day totals a month roll-up holds (`month` is "YYYY-MM")."""
    year, number = int(month[:4]), int(month[5:7])
    found = {}
    for name, text in item.items():
        if len(name) == 3 and name[0] == "d" and name[1:].isdigit():
            found[date(year, number, int(name[1:]))] = DayTotals.decode(text)
    return found
