"""Day-start register snapshots (показания на начало суток) kept in the day item and shown in the
readings table for past days; the consumer's CSV files of the event journal and of a chart."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from aiis_support import interval, local_day, make_site
from helpers import count_calls, login, register_and_confirm


@pytest.fixture(scope="module")
def site(client):
    from helpers import Api

    return make_site(Api(client))


def midnight(day: date) -> str:
    from chalicelib.aiis.storage.days import day_start
    from chalicelib.core.config import get_settings

    return day_start(day, get_settings().tz).isoformat().replace("+00:00", "Z")


def snapshot(serial: str, day: date, a_plus: float, source: str = "meter", **overrides: Any) -> dict[str, Any]:
    return {
        "kind": "snapshot",
        "meter": serial,
        "day": day.isoformat(),
        "day_start": midnight(day),
        "values": {"A+": a_plus, "R+": 10.5},
        "source": source,
        **overrides,
    }


def readings_row(api, site, day: date) -> dict[str, Any]:
    status, table = api.get(f"/meters/{site.meter_ids[0]}/aiis/readings?page=1&size=31", token=site.owner["token"])
    assert status == 200, table
    return next(r for r in table["rows"] if r["date"] == day.isoformat())


def download(api, site, what: str, token: str = ""):
    return api.client.http.get(
        f"/api/v1/meters/{site.meter_ids[0]}/aiis/{what}",
        headers={"Authorization": f"Bearer {token or site.owner['token']}"},
    )


def table_of(response) -> list[list[str]]:
    assert response.status_code == 200, response.body
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(response.body.decode("utf-8-sig")), delimiter=";"))


def test_the_meters_snapshot_outranks_the_first_reading_after_midnight_in_any_order(api, site):
    serial, day = site.serials[0], local_day(5)
    assert site.agent.batch([snapshot(serial, day, 1000.0, "first_after_midnight")])[1]["accepted"] == 1
    assert readings_row(api, site, day)["day_start"] == {
        "values": {"A+": "1000", "R+": "10.5"},
        "source": "first_after_midnight",
    }
    assert site.agent.batch([snapshot(serial, day, 999.5)])[1]["accepted"] == 1
    assert readings_row(api, site, day)["day_start"]["values"]["A+"] == "999.5"
    # An agent's first reading after midnight arriving later does not replace what the meter stored …
    assert site.agent.batch([snapshot(serial, day, 1001.0, "first_after_midnight")])[1]["accepted"] == 1
    assert readings_row(api, site, day)["day_start"] == {"values": {"A+": "999.5", "R+": "10.5"}, "source": "meter"}
    # … nor within one batch, in either order.
    other = local_day(6)
    status, answer, _ = site.agent.batch(
        [snapshot(serial, other, 500.0), snapshot(serial, other, 501.0, "first_after_midnight")]
    )
    assert answer == {"accepted": 2, "duplicate": False, "rejected": []}
    assert readings_row(api, site, other)["day_start"]["source"] == "meter"


def test_every_past_day_shows_its_day_start_registers(api, site):
    serial = site.serials[0]
    days = [local_day(n) for n in (9, 8, 7)]
    records = [
        snapshot(serial, d, 100.0 + n * 12.25, "meter" if n else "first_after_midnight") for n, d in enumerate(days)
    ]
    records += [interval(serial, days[1], i, 0.25) for i in range(48)]
    with count_calls("dynamodb") as calls:
        status, answer, _ = site.agent.batch(records)
    assert status == 200 and answer["accepted"] == 51 and answer["rejected"] == []
    # A snapshot rides in its day's update: three day items, one month roll-up.
    assert calls.count("UpdateItem") == 3 + 1
    rows = [readings_row(api, site, d) for d in days]
    assert [r["day_start"]["values"]["A+"] for r in rows] == ["100", "112.25", "124.5"]
    assert [r["day_start"]["source"] for r in rows] == ["first_after_midnight", "meter", "meter"]
    assert rows[1]["consumption"] == {"A+": "12", "A-": "0", "R+": "2.4", "R-": "0"}
    assert rows[0]["values"] == {} and rows[0]["read_at"] is None


def test_a_snapshot_must_name_its_day_and_that_days_local_midnight(api, site):
    serial, day = site.serials[0], local_day(4)
    tomorrow = local_day(-1)
    bad = [
        snapshot(serial, day, 1.0, day_start=f"{day}T00:00:00Z"),  # UTC, not company, midnight
        snapshot(serial, day, 1.0, source="estimate"),
        {**snapshot(serial, day, 1.0), "day": "04.12.2026"},
        snapshot(serial, day, -1.0),
        snapshot(serial, tomorrow, 1.0),
    ]
    status, answer, _ = site.agent.batch(bad)
    assert status == 200 and answer["accepted"] == 0
    assert [r["code"] for r in answer["rejected"]] == ["bad_snapshot"] * 3 + ["bad_values", "future"]
    assert "полночь по времени компании" in answer["rejected"][0]["message"]


def test_the_journal_downloads_as_csv_with_the_pages_filters(api, site):
    serial = site.serials[0]
    now = datetime.now(UTC).replace(microsecond=0)
    events = [
        {
            "kind": "event",
            "meter": serial,
            "at": (now - timedelta(hours=3)).isoformat(),
            "journal": "voltage",
            "code": "17",
            "severity": "warning",
            "text": "Пропадание напряжения фазы A",
        },
        {
            "kind": "event",
            "meter": serial,
            "at": (now - timedelta(hours=2)).isoformat(),
            "journal": "tamper",
            "code": "5",
            "severity": "critical",
            "text": "=Вскрытие клеммной крышки",
        },
        {
            "kind": "event",
            "meter": serial,
            "at": (now - timedelta(hours=1)).isoformat(),
            "journal": "power",
            "code": "1",
            "severity": "critical",
            "text": "Отключение питания",
        },
    ]
    assert site.agent.batch(events)[1]["accepted"] == 3
    rows = table_of(download(api, site, "events.csv?severity=critical"))
    assert rows[0] == ["Время", "Важность", "Журнал", "Код события", "Событие"]
    assert [r[1:] for r in rows[1:]] == [
        ["Авария", "Включение и отключение счётчика", "1", "Отключение питания"],
        ["Авария", "Внешние воздействия", "5", "'=Вскрытие клеммной крышки"],  # text, never a formula
    ]
    local = (now - timedelta(hours=1)).astimezone(timezone(timedelta(hours=3)))
    assert rows[1][0] == f"{local:%d.%m.%Y %H:%M:%S}"
    first, last = local_day(29), local_day(0)  # the journal's default: the last 30 days
    assert download(api, site, "events.csv").headers["Content-Disposition"] == (
        f'attachment; filename="events_{site.meter_ids[0][:8]}_{first:%Y%m%d}-{last:%Y%m%d}.csv"'
    )
    assert download(api, site, "events.csv?from=2026-13-01").status_code == 422


def test_a_charts_points_download_as_csv(api, site):
    serial, day = site.serials[0], local_day(12)
    assert site.agent.batch([interval(serial, day, i, 0.125) for i in range(48)])[1]["accepted"] == 48
    rows = table_of(download(api, site, f"consumption.csv?scale=day&date={day}&channel=A%2B"))
    assert rows[0] == [
        "Дата",
        "Начало",
        "Окончание",
        "A+, кВт·ч",
        "Данные",
        "Расчётных интервалов",
        "Без значения в счётчике",
        "Не поступило",
    ]
    assert len(rows) == 49 and rows[1] == [f"{day:%d.%m.%Y}", "00:00", "00:30", "0,125", "достоверно", "0", "0", "0"]
    rows = table_of(download(api, site, f"consumption.csv?scale=month&date={day}&channel=R%2B"))
    assert rows[0][:3] == ["С", "По", "R+, квар·ч"]
    row = next(r for r in rows[1:] if r[0] == f"{day:%d.%m.%Y}")
    assert row == [f"{day:%d.%m.%Y}", f"{day:%d.%m.%Y}", "1,2", "достоверно", "0", "0", "0"]
    assert any(r[2] == "" and r[3] == "данные не поступили" for r in rows[1:])


def test_csv_files_are_the_owners_only(api, site):
    stranger = register_and_confirm(api)
    token = login(api, stranger["login"])["access_token"]
    for what in ("events.csv", "consumption.csv?scale=year"):
        assert download(api, site, what, token).status_code == 404
        assert api.client.http.get(f"/api/v1/meters/{site.meter_ids[0]}/aiis/{what}").status_code == 401
