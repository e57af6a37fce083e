"""The АТС 80020 layout: structure, windows-1251, 48 periods per channel, statuses, carried rounding."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

from chalicelib.aiis.admin.export80020 import ExportPoint, build_80020, carry_rounded
from chalicelib.aiis.storage.days import Slot

MSK = ZoneInfo("Europe/Moscow")
CREATED = datetime(2024, 5, 2, 7, 30, 15, tzinfo=UTC)  # 10:30:15 MSK


def document(points, inn="3664000000"):
    return build_80020(17, CREATED, date(2024, 5, 1), MSK, "АО «Горэлектросеть»", inn, points)


def test_carried_rounding_keeps_the_day_total():
    halves = [Decimal("0.4")] * 48
    rounded = carry_rounded(halves)
    assert sum(rounded) == 19 == round(Decimal("0.4") * 48)
    assert set(rounded) == {0, 1}
    assert carry_rounded([Decimal("0.5"), None, Decimal("0.5")]) == [1, 0, 0]
    assert carry_rounded([Decimal("48845")]) == [48845]


def test_layout_encoding_and_periods():
    slots = {i: Slot("ok", {"A+": Decimal("1.5"), "R+": Decimal("0.25")}) for i in range(48)}
    slots[10] = Slot("estimated", {"A+": Decimal("1.5"), "R+": Decimal("0.25")})
    slots[11] = Slot("missing")
    del slots[12]  # never received
    raw = document([ExportPoint("123456789012345", "Цех № 2, ПУ 0123", slots)])
    assert raw.startswith(
        b'<?xml version="1.0" encoding="windows-1251"?>\n<message class="80020" version="2" number="17">'
    )
    assert "Цех".encode("cp1251") in raw  # windows-1251, not UTF-8
    root = ET.fromstring(raw)
    assert root.findtext("datetime/timestamp") == "20240502103015"
    assert root.findtext("datetime/daylightsavingtime") == "0"
    assert root.findtext("datetime/day") == "20240501"
    assert root.findtext("sender/name") == "АО «Горэлектросеть»" and root.findtext("sender/inn") == "3664000000"
    assert root.findtext("area/inn") == "3664000000"
    [point] = root.findall("area/measuringpoint")
    assert point.get("code") == "123456789012345" and point.get("name") == "Цех № 2, ПУ 0123"
    channels = point.findall("measuringchannel")
    assert [c.get("code") for c in channels] == ["01", "03"]  # A− and R− are not reported by this meter
    active = channels[0].findall("period")
    assert len(active) == 48
    assert (active[0].get("start"), active[0].get("end")) == ("0000", "0030")
    assert (active[47].get("start"), active[47].get("end")) == ("2330", "0000")
    values = [p.find("value") for p in active]
    assert [v.get("status") for v in values[9:14]] == ["0", "1", "1", "1", "0"]
    assert [v.text for v in values[11:13]] == ["0", "0"]
    # 46 halves carry a value (45 ok, 1 estimated): 69 kWh, and 11.5 kvarh rounded once.
    assert sum(int(v.text) for v in values) == 69
    assert sum(int(p.find("value").text) for p in channels[1].findall("period")) == 12


def test_a_point_without_data_still_has_its_48_periods_marked_non_commercial_and_inn_is_optional():
    raw = document([ExportPoint("P1", "Точка", {})], inn="")
    root = ET.fromstring(raw)
    assert root.find("sender/inn") is None
    [channel] = root.findall("area/measuringpoint/measuringchannel")
    assert channel.get("code") == "01"
    assert {(p.find("value").get("status"), p.find("value").text) for p in channel.findall("period")} == {("1", "0")}


def test_characters_outside_windows_1251_become_references():
    raw = document([ExportPoint("P1", "Точка ✓", {})])
    assert b"&#10003;" in raw
    assert ET.fromstring(raw).find("area/measuringpoint").get("name") == "Точка ✓"
