"""One day of half-hour data for a set of metering points in the АТС 80020 XML layout (version 2).

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

from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from typing import Mapping, Optional, Sequence
from xml.etree import ElementTree as ET

from .days import CHANNELS, Slot, slot_bounds, slots_in_day

CHANNEL_CODES = {"A+": "01", "A-": "02", "R+": "03", "R-": "04"}
CHANNEL_TITLES = {"A+": "Активная энергия, приём", "A-": "Активная энергия, отдача",
                  "R+": "Реактивная энергия, приём", "R-": "Реактивная энергия, отдача"}
COMMERCIAL, NOT_COMMERCIAL = "0", "1"
ENCODING = "windows-1251"


@dataclass(frozen=True)
class ExportPoint:
    code: str
    name: str
    slots: Mapping[int, Slot]


def carry_rounded(values: Sequence[Optional[Decimal]]) -> list[int]:
    """Whole units per half hour whose running sum follows the exact running sum (None counts 0)."""
    exact, sent, result = Decimal(0), 0, []
    for value in values:
        exact += value or 0
        total = int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))
        result.append(total - sent)
        sent = total
    return result


def build_80020(number: int, created: datetime, day: date, tz: tzinfo, sender_name: str, sender_inn: str,
                points: Sequence[ExportPoint]) -> bytes:
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
        for channel in reported:
            slots = [point.slots.get(index) for index in range(count)]
            exact = [slot.values.get(channel) if slot else None for slot in slots]
            channel_element = ET.SubElement(element, "measuringchannel",
                                            {"code": CHANNEL_CODES[channel], "desc": CHANNEL_TITLES[channel]})
            for (start, end), slot, value, whole in zip(bounds, slots, exact, carry_rounded(exact)):
                period = ET.SubElement(channel_element, "period", {"start": f"{start:%H%M}", "end": f"{end:%H%M}"})
                commercial = slot is not None and slot.status == "ok" and value is not None
                status = COMMERCIAL if commercial else NOT_COMMERCIAL
                ET.SubElement(period, "value", {"status": status}).text = str(whole if value is not None else 0)
    ET.indent(message)
    # Characters windows-1251 lacks become character references, which any XML reader resolves.
    body = ET.tostring(message, encoding="unicode").encode(ENCODING, "xmlcharrefreplace")
    return f'<?xml version="1.0" encoding="{ENCODING}"?>\n'.encode("ascii") + body + b"\n"
