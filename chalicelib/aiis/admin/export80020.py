"""One day of half-hour data for a set of metering points in the АТС 80020 XML layout (version 2).

The layout has half hours only. A meter with a shorter interval dividing 30 minutes (15, 10, 5 …)
has its intervals summed into half hours: a half hour is commercial only if each of its intervals
is. A meter whose interval does not divide 30 minutes (60, 20, 12, 4) cannot give half hours without
inventing them: `half_hourly` says so and the export refuses such a point (exports.py).

Layout: `message` (class="80020", version, number) → `datetime` (timestamp ГГГГММДДччммсс, daylight
saving flag, day ГГГГММДД) → `sender` (name, inn) → `area` (name, inn) → `measuringpoint` (code,
name) → `measuringchannel` (code 01 A+ приём, 02 A− отдача, 03 R+ приём, 04 R− отдача; desc) → one
`period` per half hour (start/end ччмм, local time; the last one ends at 0000) holding `value` with
its `status`. The file is windows-1251.

Values are whole kWh (kvarh), as the layout has them. A half-hour of a household is a fraction of a
kWh, so each one is rounded with the remainder carried to the next: the day's sum of rounded values
equals the rounded day total instead of drifting. Status "0" is commercial data (the meter's own
value); "1" marks what is not: an estimated value, or — with value 0, since the layout has a period
for every half hour — one the meter had no value for or that was never received.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from xml.etree import ElementTree as ET

from chalicelib.aiis.storage.days import CHANNELS, SLOT_MINUTES, Slot, slot_bounds, slots_in_day

CHANNEL_CODES = {"A+": "01", "A-": "02", "R+": "03", "R-": "04"}
CHANNEL_TITLES = {
    "A+": "Активная энергия, приём",
    "A-": "Активная энергия, отдача",
    "R+": "Реактивная энергия, приём",
    "R-": "Реактивная энергия, отдача",
}
COMMERCIAL, NOT_COMMERCIAL = "0", "1"
ENCODING = "windows-1251"


@dataclass(frozen=True)
class ExportPoint:
    code: str
    name: str
    slots: Mapping[int, Slot]
    minutes: int = SLOT_MINUTES  # the length of the slots


def half_hourly(minutes: int) -> bool:
    """Whether intervals of `minutes` add up to half hours exactly."""
    return SLOT_MINUTES % minutes == 0


def _half_hour(slots: Sequence[Slot | None], channel: str) -> tuple[Decimal | None, bool]:
    """A half hour's energy on `channel` from its intervals (None: none has a value), and whether it
    is commercial: every interval received, ok, with a value."""
    present = [slot.values[channel] for slot in slots if slot is not None and channel in slot.values]
    commercial = all(slot is not None and slot.status == "ok" and channel in slot.values for slot in slots)
    return (sum(present, Decimal(0)) if present else None), commercial


def carry_rounded(values: Sequence[Decimal | None]) -> list[int]:
    """Whole units per half hour whose running sum follows the exact running sum (None counts 0)."""
    exact, sent, result = Decimal(0), 0, []
    for value in values:
        exact += value or 0
        total = int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))
        result.append(total - sent)
        sent = total
    return result


def build_80020(
    number: int,
    created: datetime,
    day: date,
    tz: tzinfo,
    sender_name: str,
    sender_inn: str,
    points: Sequence[ExportPoint],
) -> bytes:
    local = created.astimezone(tz)
    message = ET.Element("message", {"class": "80020", "version": "2", "number": str(number)})
    stamp = ET.SubElement(message, "datetime")
    ET.SubElement(stamp, "timestamp").text = f"{local:%Y%m%d%H%M%S}"
    ET.SubElement(stamp, "daylightsavingtime").text = "1" if local.dst() else "0"
    ET.SubElement(stamp, "day").text = f"{day:%Y%m%d}"
    for parent in (ET.SubElement(message, "sender"), area := ET.SubElement(message, "area")):
        ET.SubElement(parent, "name").text = sender_name
        if sender_inn:
            ET.SubElement(parent, "inn").text = sender_inn
    count = slots_in_day(day, tz)
    bounds = [tuple(moment.astimezone(tz) for moment in slot_bounds(day, index, tz)) for index in range(count)]
    for point in points:
        element = ET.SubElement(area, "measuringpoint", {"code": point.code, "name": point.name})
        reported = [c for c in CHANNELS if any(c in slot.values for slot in point.slots.values())] or ["A+"]
        per = SLOT_MINUTES // point.minutes
        groups = [[point.slots.get(half * per + k) for k in range(per)] for half in range(count)]
        for channel in reported:
            halves = [_half_hour(group, channel) for group in groups]
            exact = [value for value, _ in halves]
            channel_element = ET.SubElement(
                element, "measuringchannel", {"code": CHANNEL_CODES[channel], "desc": CHANNEL_TITLES[channel]}
            )
            for (start, end), (value, commercial), whole in zip(bounds, halves, carry_rounded(exact)):
                period = ET.SubElement(channel_element, "period", {"start": f"{start:%H%M}", "end": f"{end:%H%M}"})
                status = COMMERCIAL if commercial and value is not None else NOT_COMMERCIAL
                ET.SubElement(period, "value", {"status": status}).text = str(whole if value is not None else 0)
    ET.indent(message)
    # Characters windows-1251 lacks become character references, which any XML reader resolves.
    body = ET.tostring(message, encoding="unicode").encode(ENCODING, "xmlcharrefreplace")
    return f'<?xml version="1.0" encoding="{ENCODING}"?>\n'.encode("ascii") + body + b"\n"
