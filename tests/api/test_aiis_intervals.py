"""Profiles of any interval length end to end (5, 15, 30, 60 minutes): ingestion at two writes per
meter-day, profile, charts, readings sums, CSV, the 80020 half hours; a meter that changes its
interval mid-day; day items stored before the interval was kept."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from aiis_support import local_day, make_site
from helpers import count_calls
from test_reference import staff_token


@pytest.fixture(scope="module")
def site(client):
    from helpers import Api

    return make_site(Api(client), assign=2)


def start_of(day: date, index: int, minutes: int) -> str:
    from chalicelib.aiis.storage.days import slot_bounds
    from chalicelib.core.config import get_settings

    return slot_bounds(day, index, get_settings().tz, minutes)[0].isoformat().replace("+00:00", "Z")


def intervals(
    serial: str, day: date, minutes: int, value: float = 0.25, count: int = 0, status: str = "ok"
) -> list[dict[str, Any]]:
    """A whole day (or its first `count` intervals) of `minutes`-long intervals."""
    return [
        {
            "kind": "interval",
            "meter": serial,
            "start": start_of(day, i, minutes),
            "minutes": minutes,
            "values": {} if status == "missing" else {"A+": value, "R+": 0.01},
            "status": status,
        }
        for i in range(count or 24 * 60 // minutes)
    ]


def owner_get(api, site, what: str, meter: int = 0):
    return api.get(f"/meters/{site.meter_ids[meter]}/aiis/{what}", token=site.owner["token"])


def point_code(site, meter: int) -> str:
    from chalicelib.aiis.storage.agents_repository import AssignmentItem, assignment_key

    return AssignmentItem.get(assignment_key(site.meter_ids[meter]), "ASSIGNMENT").point_code


@pytest.mark.parametrize("minutes, days_ago", [(5, 20), (15, 21), (30, 22), (60, 23)])
def test_a_day_of_any_interval_is_stored_in_two_writes_and_read_in_its_own_length(api, site, minutes, days_ago):
    day = local_day(days_ago)
    per_day = 24 * 60 // minutes
    records = intervals(site.serials[0], day, minutes, value=0.25)
    with count_calls("dynamodb") as calls:
        status, answer, _ = site.agent.batch(records)
    assert status == 200 and answer == {"accepted": per_day, "duplicate": False, "rejected": []}, answer
    # The day item and its month roll-up; a whole day of 5-minute slots takes three updates of the day
    # item (at most 100 slots an update: repository._slot_parts).
    assert calls.count("UpdateItem") == (2 if per_day <= 100 else 4)

    status, profile = owner_get(api, site, f"profile?from={day}&to={day}")
    assert status == 200 and profile["interval_minutes"] == minutes
    assert len(profile["intervals"]) == per_day and profile["summary"]["ok"] == per_day
    first, last = profile["intervals"][0], profile["intervals"][-1]
    assert first["start"].endswith("T00:00:00+03:00") and first["values"] == {"A+": "0.25", "R+": "0.01"}
    assert int(first["end"][14:16]) == minutes % 60 and last["end"][11:16] == "00:00"

    total = str(Decimal("0.25") * per_day).rstrip("0").rstrip(".")
    status, chart = owner_get(api, site, f"consumption?scale=day&date={day}&channel=A%2B")
    assert status == 200 and chart["interval_minutes"] == minutes and len(chart["points"]) == per_day
    assert chart["total"] == total
    status, month = owner_get(api, site, f"consumption?scale=month&date={day}&channel=A%2B")
    assert next(p for p in month["points"] if p["start"] == day.isoformat()) == {
        "start": day.isoformat(),
        "end": day.isoformat(),
        "value": total,
        "status": "ok",
        "estimated": 0,
        "missing": 0,
        "no_data": 0,
    }
    status, table = owner_get(api, site, f"readings?page={days_ago // 31 + 1}&size=31")
    row = next(r for r in table["rows"] if r["date"] == day.isoformat())
    assert row["consumption"]["A+"] == total and row["no_data"] == 0

    response = api.client.http.get(
        f"/api/v1/meters/{site.meter_ids[0]}/aiis/profile.csv?from={day}&to={day}",
        headers={"Authorization": f"Bearer {site.owner['token']}"},
    )
    rows = list(csv.reader(io.StringIO(response.body.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == per_day + 1
    assert rows[1][:4] == [f"{day:%d.%m.%Y}", "00:00", f"{minutes // 60:02d}:{minutes % 60:02d}", "0,25"]


def test_80020_sums_quarter_hours_into_half_hours_and_refuses_an_hourly_point(api, site, settings_override):
    settings_override(company_inn="3664000000")
    day = local_day(30)
    quarter = intervals(site.serials[0], day, 15, value=0.3)
    quarter[5] = {**quarter[5], "status": "estimated"}  # the third half hour is not commercial
    quarter[9] = {**quarter[9], "status": "missing", "values": {}}  # nor the fifth
    hourly = intervals(site.serials[1], day, 60, value=1.0)
    status, answer, _ = site.agent.batch(quarter + hourly)
    assert status == 200 and answer["rejected"] == [], answer
    fifteen, sixty = point_code(site, 0), point_code(site, 1)
    metering = staff_token(api, "metering")

    def export(points: str = "", extra: str = ""):
        query = f"date={day}" + (f"&points={points}" if points else "") + extra
        return api.client.http.get(
            f"/api/v1/staff/aiis/80020?{query}",
            headers={"Authorization": f"Bearer {metering}", "Accept": "application/xml"},
        )

    for refused in (export(), export(f"{fifteen},{sixty}")):
        import json

        assert refused.status_code == 422
        error = json.loads(refused.body)["error"]
        [field] = error["fields"]
        assert field["path"] == "points" and sixty in field["message"] and "60 мин" in field["message"]
        assert "получас" in field["message"] and fifteen not in field["message"]

    # Having read that, staff may leave such points out: the same file as for the 15-minute point alone.
    skipped = export(extra="&half_hours_only=true")
    assert skipped.status_code == 200, skipped.body
    assert [p.get("code") for p in ET.fromstring(skipped.body).findall("area/measuringpoint")] == [fifteen]
    assert export(sixty, "&half_hours_only=true").status_code == 422

    response = export(fifteen)
    assert response.status_code == 200, response.body
    root = ET.fromstring(response.body)
    [point] = root.findall("area/measuringpoint")
    channel = point.find("measuringchannel[@code='01']")
    periods = channel.findall("period")
    assert len(periods) == 48 and (periods[0].get("start"), periods[0].get("end")) == ("0000", "0030")
    values = [(p.find("value").text, p.find("value").get("status")) for p in periods]
    # 0.6 kWh a half hour (the fifth 0.3: one quarter missing), rounded with the remainder carried.
    assert [v for v, _ in values][:6] == ["1", "0", "1", "0", "1", "0"]
    assert values[2][1] == "1" and values[4][1] == "1"  # estimated; a quarter missing
    assert all(status == "0" for i, (_, status) in enumerate(values) if i not in (2, 4))
    assert sum(int(v) for v, _ in values) == 29  # 95 quarters × 0.3 = 28.5 kWh


def test_an_interval_change_mid_day_waits_for_the_next_day(api, site):
    day, next_day = local_day(40), local_day(39)
    assert site.agent.batch(intervals(site.serials[0], day, 30, count=20))[1]["accepted"] == 20
    quarter = intervals(site.serials[0], day, 15)[40:44] + intervals(site.serials[0], next_day, 15, count=4)
    status, answer, _ = site.agent.batch(quarter)
    assert status == 200 and answer["accepted"] == 4
    assert [(r["index"], r["code"]) for r in answer["rejected"]] == [(i, "interval_changed") for i in range(4)]
    assert "следующих суток" in answer["rejected"][0]["message"]
    # Within one batch too, the first length of a meter-day holds.
    status, answer, _ = site.agent.batch(
        intervals(site.serials[0], local_day(38), 60, count=2)
        + intervals(site.serials[0], local_day(38), 30, count=6)[4:]
    )
    assert answer["accepted"] == 2 and [r["code"] for r in answer["rejected"]] == ["interval_changed"] * 2

    status, profile = owner_get(api, site, f"profile?from={day}&to={next_day}")
    assert status == 200 and profile["interval_minutes"] == 15
    by_day = {}
    for item in profile["intervals"]:
        by_day.setdefault(item["start"][:10], []).append(item)
    assert len(by_day[day.isoformat()]) == 48 and len(by_day[next_day.isoformat()]) == 96
    assert sum(i["status"] == "ok" for i in by_day[day.isoformat()]) == 20


def test_refusal_codes_tell_final_from_for_now(api, site):
    day = local_day(45)
    records = [
        *intervals(site.serials[0], day, 7, count=1),
        {**intervals(site.serials[0], day, 15, count=1)[0], "start": start_of(day, 1, 10)},
        {"kind": "tariff", "meter": site.serials[0]},
        *intervals("NOBODY-1", day, 30, count=1),
    ]
    status, answer, _ = site.agent.batch(records)
    assert status == 200 and answer["accepted"] == 0
    assert [r["code"] for r in answer["rejected"]] == [
        "unsupported_interval",
        "off_grid",
        "unknown_kind",
        "not_assigned",
    ]


def test_a_day_stored_before_intervals_varied_reads_unchanged(api, site):
    """Day items written before `iv` existed hold half hours: they read as before, merge as half
    hours, and refuse another length for that day."""
    from chalicelib.aiis.storage.repository import AiisRepository, day_sk, meter_pk

    day = local_day(50)
    repo = AiisRepository()
    repo.client.put_item(
        TableName=repo.table,
        Item={
            "pk": {"S": meter_pk(site.meter_ids[0])},
            "sk": {"S": day_sk(day)},
            "ver": {"N": "3"},
            "updated_at": {"S": "2026-01-01T00:00:00Z"},
            "s07": {"S": "o|0.5|||"},
            "s08": {"S": "e|0.25|||"},
        },
    )
    status, profile = owner_get(api, site, f"profile?from={day}&to={day}")
    assert profile["interval_minutes"] == 30 and len(profile["intervals"]) == 48
    assert profile["intervals"][7]["values"] == {"A+": "0.5"} and profile["intervals"][8]["status"] == "estimated"
    assert profile["intervals"][7]["start"].endswith("T03:30:00+03:00")

    status, answer, _ = site.agent.batch(intervals(site.serials[0], day, 15, count=2))
    assert [r["code"] for r in answer["rejected"]] == ["interval_changed"] * 2
    status, answer, _ = site.agent.batch(intervals(site.serials[0], day, 30, count=2, value=1))
    assert answer == {"accepted": 2, "duplicate": False, "rejected": []}
    status, chart = owner_get(api, site, f"consumption?scale=day&date={day}&channel=A%2B")
    assert chart["total"] == "2.75" and chart["interval_minutes"] == 30


def test_one_minute_days_take_more_than_one_expression_but_lose_nothing(aws):
    """A 1-minute day (1440 slots) does not fit one 4 KB update expression: it is cut, and whole."""
    import uuid

    from chalicelib.aiis.storage.days import Slot, slots_of
    from chalicelib.aiis.storage.repository import AiisRepository

    repo = AiisRepository()
    slots = {i: Slot("ok", {"A+": Decimal("0.01")}) for i in range(1440)}
    slots[3] = Slot("missing")
    with count_calls("dynamodb") as calls:
        merged = repo.merge_day(str(uuid.uuid4()), date(2026, 3, 1), slots, None, "now", minutes=1)
    assert calls.count("UpdateItem") == 15  # 1440 slots, 100 an update
    assert merged.item["iv"] == 1 and len(slots_of(merged.item)) == 1440
    assert slots_of(merged.item)[3].status == "missing"
