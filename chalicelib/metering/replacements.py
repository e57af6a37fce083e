"""Meter replacements reported by billing (docs/billing-exchange.md, «Meter replacement»).

A replacement is stored as one entry, copied into the `replacements` list of both meters' items
(the new meter's list also carries the old meter's earlier history): the meter card shows it and
the reading rules use it without another read (chalicelib/readings/service.py turns an entry into
their inputs). Values are text, as everywhere in the table.

Entry: `date`, `period` (of the date), `old_meter_id`, `old_serial`, `old_final` (zone → value),
`old_previous` (the old meter's last known values before that period; may be empty),
`old_previous_period`, `old_digits`, `old_coefficient`, `new_meter_id`, `new_serial`, `new_initial`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .models import ReplacementOut
from .periods import Period
from .repository import MeterItem


def entry_key(entry: dict[str, Any]) -> tuple[str, str]:
    return entry["date"], entry["new_meter_id"]


def merged(*histories: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One history, oldest first, each replacement once (a drop applied again adds nothing)."""
    entries: dict[tuple[str, str], dict[str, Any]] = {}
    for history in histories:
        for entry in history:
            entries[entry_key(entry)] = entry
    return [entries[key] for key in sorted(entries)]


def history_of(meter: MeterItem | None) -> list[dict[str, Any]]:
    if meter is None or not meter.replacements:
        return []
    return [_plain(e) for e in meter.replacements]


def in_force(meter: MeterItem, previous_period: str | None, period: Period) -> dict[str, Any] | None:
    """The replacement that installed this meter and bears on `period`'s reading: made in this period
    or earlier, with no value of the new meter known since (else that value is the previous one)."""
    mine = [e for e in history_of(meter) if e["new_meter_id"] == meter.meter_id and e["period"] <= period.key]
    if not mine:
        return None
    latest = mine[-1]
    if previous_period is not None and previous_period >= latest["period"]:
        return None
    return latest


def history_out(meter: MeterItem) -> list[ReplacementOut]:
    """The card's «Замены прибора учёта», newest first."""
    return [
        ReplacementOut(
            date=e["date"],
            old_serial=e["old_serial"],
            old_final=e["old_final"],
            new_serial=e["new_serial"],
            new_initial=e["new_initial"],
        )
        for e in reversed(history_of(meter))
    ]


def _plain(value: Any) -> Any:
    """A stored entry as plain dicts (PynamoDB hands back MapAttribute objects in untyped lists)."""
    if hasattr(value, "as_dict"):
        value = value.as_dict()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value
