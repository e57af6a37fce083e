"""What the owner of a meter on АИИС КУЭ sees, the staff 80020 export, and the real edge agent's
uploader delivering into it over HTTP."""

from __future__ import annotations

import csv
import io
import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from xml.etree import ElementTree as ET

import botocore.client
import pytest
from aiis_support import add_co_user, interval, local_day, make_site, slot_start
from helpers import billing_meter, load_billing, login, register_and_confirm
from test_reference import staff_token


@pytest.fixture(scope="module")
def site(client):
    from helpers import Api

    return make_site(Api(client))


@contextmanager
def dynamodb_reads() -> Iterator[list[tuple[str, Any]]]:
    """(operation, items returned) of every DynamoDB call inside the block."""
    calls: list[tuple[str, Any]] = []
    original = botocore.client.BaseClient._make_api_call

    def recording(self: Any, operation: str, params: Any) -> Any:
        response = original(self, operation, params)
        if self.meta.service_model.service_name == "dynamodb":
            calls.append((operation, response.get("Count")))
        return response

    botocore.client.BaseClient._make_api_call = recording  # type: ignore[method-assign]
    try:
        yield calls
    finally:
        botocore.client.BaseClient._make_api_call = original  # type: ignore[method-assign]


def get(api, site, what: str, **kw):
    return api.get(f"/meters/{site.meter_ids[0]}/aiis/{what}", token=site.owner["token"], **kw)


def test_only_the_owner_sees_a_meters_aiis_data(api, site):
    stranger = register_and_confirm(api)
    token = login(api, stranger["login"])["access_token"]
    day = local_day()
    for what in (
        "registers",
        "relay",
        "events",
        "readings",
        f"profile?from={day}&to={day}",
        f"profile.csv?from={day}&to={day}",
        "consumption?scale=year",
    ):
        response = api.client.http.get(
            f"/api/v1/meters/{site.meter_ids[0]}/aiis/{what}", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 404, what
        assert api.client.http.get(f"/api/v1/meters/{site.meter_ids[0]}/aiis/{what}").status_code == 401
    assert api.get(f"/accounts/{site.contract}/aiis", token=token)[0] == 404


def test_registers_relay_and_events_as_the_agent_reported_them(api, site):
    now = datetime.now(UTC).replace(microsecond=0)
    older, newer = (now - timedelta(hours=2)).isoformat(), (now - timedelta(minutes=5)).isoformat()
    serial = site.serials[0]
    records = [
        {
            "kind": "register",
            "meter": serial,
            "read_at": newer,
            "values": {"A+": 12345.678, "A-": 0, "R+": 2345.1, "R-": 12},
        },
        {"kind": "register", "meter": serial, "read_at": older, "values": {"A+": 12000, "A-": 0, "R+": 2000, "R-": 10}},
        {"kind": "relay", "meter": serial, "at": older, "state": "on"},
        {"kind": "relay", "meter": serial, "at": newer, "state": "off"},
        {
            "kind": "event",
            "meter": serial,
            "at": older,
            "journal": "voltage",
            "code": "17",
            "severity": "warning",
            "text": "Пропадание напряжения фазы A",
        },
        {
            "kind": "event",
            "meter": serial,
            "at": newer,
            "journal": "tamper",
            "code": "5",
            "severity": "critical",
            "text": "Вскрытие клеммной крышки",
        },
        {
            "kind": "event",
            "meter": serial,
            "at": newer,
            "journal": "power",
            "code": "1",
            "severity": "info",
            "text": "Включение питания счётчика",
        },
    ]
    assert site.agent.batch(records)[1]["accepted"] == 7
    assert site.agent.batch(records[1:2])[1]["accepted"] == 1  # an older reading sent again changes nothing

    status, registers = get(api, site, "registers")
    assert status == 200
    assert registers["values"] == {"A+": "12345.678", "A-": "0", "R+": "2345.1", "R-": "12"}
    assert datetime.fromisoformat(registers["read_at"]) == datetime.fromisoformat(newer)
    assert registers["read_at"].endswith("+03:00")  # company-local
    relay = get(api, site, "relay")[1]
    assert (relay["state"], relay["state_title"]) == ("off", "Отключено")

    events = get(api, site, "events")[1]
    assert [e["code"] for e in events["events"]][-1] == "17"  # newest first
    assert events["counts"] == {"info": 1, "warning": 1, "critical": 1} and not events["truncated"]
    critical = get(api, site, "events?severity=critical,warning")[1]["events"]
    assert {e["severity"] for e in critical} == {"critical", "warning"}
    voltage = get(api, site, "events?journal=voltage")[1]["events"]
    assert [(e["journal_title"], e["severity_title"], e["text"]) for e in voltage] == [
        ("Напряжение", "Предупреждение", "Пропадание напряжения фазы A")
    ]
    assert get(api, site, "events?severity=fatal")[0] == 422
    long_ago = (local_day(0) - timedelta(days=400)).isoformat()
    assert get(api, site, f"events?from={long_ago}")[0] == 422


def test_profile_flags_missing_estimated_and_unreceived_intervals(api, site):
    day = local_day(3)
    serial = site.serials[0]
    records = [interval(serial, day, i, 0.25) for i in range(40)]
    records[10] = interval(serial, day, 10, status="missing")
    records[11] = interval(serial, day, 11, 0.3, status="estimated")
    assert site.agent.batch(records)[1]["accepted"] == 40
    status, profile = get(api, site, f"profile?from={day}&to={day + timedelta(days=1)}")
    assert status == 200
    assert len(profile["intervals"]) == 96 and profile["interval_minutes"] == 30
    assert profile["summary"] == {"ok": 38, "estimated": 1, "missing": 1, "no_data": 56}
    first = profile["intervals"][0]
    assert first["start"] == f"{day}T00:00:00+03:00" and first["end"] == f"{day}T00:30:00+03:00"
    assert first["values"] == {"A+": "0.25", "A-": "0", "R+": "0.05", "R-": "0"}
    assert profile["intervals"][10] == {
        "start": f"{day}T05:00:00+03:00",
        "end": f"{day}T05:30:00+03:00",
        "status": "missing",
        "values": {},
    }
    assert profile["intervals"][11]["status"] == "estimated"
    assert get(api, site, f"profile?from={day}&to={day + timedelta(days=31)}")[0] == 422
    # Without a period: the last three days by the company's calendar, whatever the browser's clock says.
    status, recent = get(api, site, "profile")
    assert status == 200 and (recent["from"], recent["to"]) == (str(local_day(2)), str(local_day(0)))
    assert len(recent["intervals"]) == 3 * 48
    assert get(api, site, f"profile?from={day}&to={day - timedelta(days=1)}")[0] == 422

    response = api.client.http.get(
        f"/api/v1/meters/{site.meter_ids[0]}/aiis/profile.csv?from={day}&to={day}",
        headers={"Authorization": f"Bearer {site.owner['token']}"},
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="profile_')
    text = response.body.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == ["Дата", "Начало", "Окончание", "A+, кВт·ч", "A-, кВт·ч", "R+, квар·ч", "R-, квар·ч", "Статус"]
    assert len(rows) == 49
    assert rows[1] == [f"{day:%d.%m.%Y}", "00:00", "00:30", "0,25", "0", "0,05", "0", "достоверно"]
    assert rows[11][-1] == "нет значения в счётчике" and rows[11][3] == ""
    assert rows[48][-1] == "данные не поступили"


def test_day_and_month_charts_and_the_readings_table(api, site):
    day = local_day(2)
    serial = site.serials[0]
    records = [interval(serial, day, i, 0.5) for i in range(48)]
    records.append({"kind": "register", "meter": serial, "read_at": slot_start(day, 47), "values": {"A+": 500.5}})
    assert site.agent.batch(records)[1]["accepted"] == 49

    status, chart = get(api, site, f"consumption?scale=day&date={day}&channel=R%2B")
    assert status == 200 and chart["unit"] == "квар·ч" and chart["channel"] == "R+"
    assert len(chart["points"]) == 48 and chart["total"] == "4.8"
    assert {p["status"] for p in chart["points"]} == {"ok"}
    # An unencoded "+" arrives as a space; it is taken for the channel it must have been.
    assert get(api, site, f"consumption?scale=day&date={day}&channel=A+")[1]["channel"] == "A+"

    month = get(api, site, f"consumption?scale=month&date={day}")[1]
    assert month["period_start"] == f"{day:%Y-%m}-01"
    point = next(p for p in month["points"] if p["start"] == day.isoformat())
    assert (point["value"], point["status"], point["no_data"]) == ("24", "ok", 0)
    assert all(p["value"] is None for p in month["points"] if p["start"] > local_day(0).isoformat())

    readings = get(api, site, "readings?size=7")[1]
    row = next(r for r in readings["rows"] if r["date"] == day.isoformat())
    assert row["values"] == {"A+": "500.5"} and row["consumption"]["A+"] == "24" and row["no_data"] == 0
    assert (
        readings["from"] == (local_day(0) - timedelta(days=6)).isoformat()
        and readings["to"] == local_day(0).isoformat()
    )
    assert [r["date"] for r in readings["rows"]] == sorted((r["date"] for r in readings["rows"]), reverse=True)
    older = get(api, site, "readings?page=2&size=7")[1]
    assert older["to"] == (local_day(0) - timedelta(days=7)).isoformat() and older["has_more"] in (True, False)


def test_the_readings_table_pages_back_over_gaps_with_one_query_a_page(api):
    fresh = make_site(api)
    for days_ago in (1, 3, 20):
        assert fresh.agent.batch([interval(fresh.serials[0], local_day(days_ago), 10)])[0] == 200

    def page(number: int) -> tuple[list[str], bool]:
        with dynamodb_reads() as calls:
            status, table = api.get(
                f"/meters/{fresh.meter_ids[0]}/aiis/readings?page={number}&size=7", token=fresh.owner["token"]
            )
        assert status == 200 and [op for op, _ in calls] == ["GetItem", "Query"], calls  # the guard, the days
        return [r["date"] for r in table["rows"]], table["has_more"]

    assert page(1) == ([local_day(1).isoformat(), local_day(3).isoformat()], True)
    assert page(2) == ([], True)  # a week without data, an older day beyond it
    assert page(3) == ([local_day(20).isoformat()], False)


def test_a_year_chart_is_one_query_of_at_most_twelve_roll_ups(api, site, settings_override):
    from chalicelib.aiis.ingestion.ingest import BatchIngest
    from chalicelib.aiis.ingestion.records import IntervalRecord
    from chalicelib.aiis.storage.days import Slot

    year = local_day(0).year - 1
    BatchIngest().write(
        [
            IntervalRecord(site.meter_ids[0], date(year, month, 15), index, Slot("ok", {"A+": Decimal("1")}))
            for month in range(1, 13)
            for index in range(48)
        ]
    )
    with dynamodb_reads() as calls:
        status, chart = get(api, site, f"consumption?scale=year&date={year}-06-15")
    assert status == 200
    assert [op for op, _ in calls] == ["GetItem", "Query"]  # the signed-in user, then the roll-ups
    assert calls[1][1] <= 12
    assert [p["start"] for p in chart["points"]] == [f"{year}-{m:02d}-01" for m in range(1, 13)]
    assert {p["value"] for p in chart["points"]} == {"48"} and chart["total"] == "576"
    assert {p["status"] for p in chart["points"]} == {"partial"}  # one day of each month reported

    # Billing periods closing on the 14th: the 15th belongs to the next period; still one Query.
    settings_override(aiis_billing_period_end_day=14)
    from chalicelib.settings import company

    company()  # the changed settings document is read once per container, not per request
    with dynamodb_reads() as calls:
        billing = get(api, site, f"consumption?scale=year&date={year}-06-10&basis=billing")[1]
    assert [op for op, _ in calls] == ["GetItem", "Query"] and calls[1][1] <= 13
    assert billing["period_start"] == f"{year - 1}-12-15" and billing["period_end"] == f"{year}-12-14"
    assert [p["value"] for p in billing["points"]] == [None] + ["48"] * 11
    month = get(api, site, f"consumption?scale=month&date={year}-03-01&basis=billing")[1]
    assert (month["period_start"], month["period_end"]) == (f"{year}-02-15", f"{year}-03-14")
    assert month["points"][0] == {
        "start": f"{year}-02-15",
        "end": f"{year}-02-15",
        "value": "48",
        "status": "ok",
        "estimated": 0,
        "missing": 0,
        "no_data": 0,
    }


DATA = ("registers", "relay", "events", "readings", "profile", "profile.csv", "consumption?scale=year")


def data_status(api, meter_id: str, token: str) -> dict[str, tuple[int, Any]]:
    """Status and error code of every consumer АИИС data endpoint for one meter."""
    answers = {}
    for what in DATA:
        response = api.client.http.get(
            f"/api/v1/meters/{meter_id}/aiis/{what}", headers={"Authorization": f"Bearer {token}"}
        )
        code = None
        if response.status_code >= 400:
            code = json.loads(response.body)["error"]["code"]
        answers[what] = (response.status_code, code)
    return answers


def test_the_service_is_connected_per_account_and_data_is_refused_until_then(api):
    fresh = make_site(api)  # the holder has connected the service
    meter = fresh.meter_ids[0]
    relative = add_co_user(api, fresh.contract, "view")  # a view-only co-user of the same contract
    token = relative["token"]

    # The holder's connection is his own: the co-user sees the contract as not connected, and its data is
    # refused with a reason and a way to connect, not hidden as if the meter did not exist.
    status, state = api.get(f"/accounts/{fresh.contract}/aiis", token=token)
    assert status == 200 and state["connected"] is False
    assert [m["serial"] for m in state["meters"]] == fresh.serials
    assert set(data_status(api, meter, token).values()) == {(403, "aiis_not_connected")}
    status, answer = api.get(f"/meters/{meter}/aiis/registers", token=token)
    assert "Подключить" in answer["error"]["message"] and answer["error"]["fields"] == []
    assert api.get(f"/accounts/{fresh.contract}/aiis", token=fresh.owner["token"])[1]["connected"] is True

    # A view-only right is enough to connect; then the co-user sees the data, the holder still does.
    status, state = api.post(f"/accounts/{fresh.contract}/aiis", token=token)
    assert status == 200 and state["connected"] is True
    assert {s for s, _ in data_status(api, meter, token).values()} == {200}

    # The holder disconnects: only his own access goes.
    assert api.call("DELETE", f"/accounts/{fresh.contract}/aiis", token=fresh.owner["token"])[0] == 204
    assert api.get(f"/accounts/{fresh.contract}/aiis", token=fresh.owner["token"])[1]["connected"] is False
    assert set(data_status(api, meter, fresh.owner["token"]).values()) == {(403, "aiis_not_connected")}
    assert {s for s, _ in data_status(api, meter, token).values()} == {200}
    assert api.get(f"/accounts/{fresh.contract}/aiis", token=token)[1]["connected"] is True

    # And the other way round.
    assert api.post(f"/accounts/{fresh.contract}/aiis", token=fresh.owner["token"])[0] == 200
    assert api.call("DELETE", f"/accounts/{fresh.contract}/aiis", token=token)[0] == 204
    assert set(data_status(api, meter, token).values()) == {(403, "aiis_not_connected")}
    assert {s for s, _ in data_status(api, meter, fresh.owner["token"]).values()} == {200}

    # Not linked: 404 for the contract and its meters alike, connected elsewhere or not.
    stranger = register_and_confirm(api)
    stranger_token = login(api, stranger["login"])["access_token"]
    assert api.post(f"/accounts/{fresh.contract}/aiis", token=stranger_token)[0] == 404
    assert set(data_status(api, meter, stranger_token).values()) == {(404, "not_found")}
    assert api.post("/accounts/НЕТ-1/aiis", token=token)[0] == 404


def test_the_connection_check_costs_no_read(api, site):
    """Refused or served, a data request reads the signed-in user once; the АИИС check adds nothing."""
    relative = add_co_user(api, site.contract, "view")
    with dynamodb_reads() as calls:
        assert api.get(f"/meters/{site.meter_ids[0]}/aiis/registers", token=relative["token"])[0] == 403
    assert [op for op, _ in calls] == ["GetItem"]
    with dynamodb_reads() as calls:
        assert get(api, site, "registers")[0] == 200
    assert [op for op, _ in calls] == ["GetItem", "GetItem"]  # the signed-in user, then the registers


def test_staff_export_one_day_in_the_80020_layout(api, site, settings_override):
    settings_override(company_inn="3664000000")
    day = local_day(4)
    assert site.agent.batch([interval(site.serials[0], day, i, 0.75) for i in range(48)])[1]["accepted"] == 48
    from chalicelib.aiis.storage.agents_repository import AssignmentItem, assignment_key

    code = AssignmentItem.get(assignment_key(site.meter_ids[0]), "ASSIGNMENT").point_code
    operator = staff_token(api, "metering")
    response = api.client.http.get(
        f"/api/v1/staff/aiis/80020?date={day}&points={code}",
        headers={"Authorization": f"Bearer {operator}", "Accept": "application/xml"},
    )
    assert response.status_code == 200, response.body
    assert response.headers["Content-Type"] == "application/xml; charset=windows-1251"
    assert response.headers["Content-Disposition"].startswith(f'attachment; filename="80020_3664000000_{day:%Y%m%d}_')
    root = ET.fromstring(response.body)
    assert (root.get("class"), root.get("version")) == ("80020", "2")
    [point] = root.findall("area/measuringpoint")
    assert point.get("code") == code and site.serials[0] in point.get("name")
    active = point.find("measuringchannel[@code='01']")
    assert len(active.findall("period")) == 48
    assert sum(int(p.find("value").text) for p in active.findall("period")) == 36
    assert {p.find("value").get("status") for p in active.findall("period")} == {"0"}

    consumer = api.client.http.get(
        f"/api/v1/staff/aiis/80020?date={day}",
        headers={"Authorization": f"Bearer {site.owner['token']}", "Accept": "*/*"},
    )
    assert consumer.status_code == 403
    status, answer = api.get(
        f"/staff/aiis/80020?date={day}&points=NO-SUCH-POINT", token=operator, headers={"Accept": "application/xml"}
    )
    assert status == 422 and "NO-SUCH-POINT" not in answer["error"]["fields"][0]["message"]


def test_a_transformer_coefficient_from_billing_scales_the_profile_and_follows_billing(api):
    # The meter sits behind 200/5 current transformers: billing says Ктт × Ктн = 40.
    fresh = make_site(api)
    from chalicelib.aiis.storage.agents_repository import AssignmentItem, assignment_key

    old_code = AssignmentItem.get(assignment_key(fresh.meter_ids[0]), "ASSIGNMENT").point_code
    new_code = f"PT{uuid.uuid4().hex[:10].upper()}"
    report = load_billing(
        billing_meter(fresh.contract, fresh.serials[0], status="aiis", coefficient="40", point_code=new_code)
    )
    assert report.agents_refreshed == 1
    agent = next(a for a in api.get("/staff/agents", token=fresh.admin)[1]["agents"] if a["id"] == fresh.agent_id)
    assert [(m["coefficient"], m["point_code"]) for m in agent["meters"]] == [("40", new_code)]

    day = local_day(2)
    assert (
        fresh.agent.batch(
            [interval(fresh.serials[0], day, i, 0.5) for i in range(48)]
            + [
                {
                    "kind": "register",
                    "meter": fresh.serials[0],
                    "read_at": slot_start(day, 47),
                    "values": {"A+": 1234.5},
                },
            ]
        )[1]["accepted"]
        == 49
    )
    status, chart = get(api, fresh, f"consumption?scale=day&date={day}")
    assert status == 200 and chart["total"] == "960" and chart["points"][0]["value"] == "20"
    status, registers = get(api, fresh, "registers")
    assert (registers["values"]["A+"], registers["coefficient"]) == ("1234.5", "40")

    operator = staff_token(api, "metering")
    status, answer = api.get(
        f"/staff/aiis/80020?date={day}&points={old_code}", token=operator, headers={"Accept": "application/xml"}
    )
    assert status == 422
    response = api.client.http.get(
        f"/api/v1/staff/aiis/80020?date={day}&points={new_code}",
        headers={"Authorization": f"Bearer {operator}", "Accept": "application/xml"},
    )
    assert response.status_code == 200
    active = ET.fromstring(response.body).find("area/measuringpoint/measuringchannel[@code='01']")
    assert sum(int(p.find("value").text) for p in active.findall("period")) == 960


def test_the_edge_agents_uploader_delivers_over_http(api, tmp_path):
    """The real `kabinet_agent.uploader` against the API served over HTTP by the local stack."""
    from infra.local.run import LocalStack
    from kabinet_agent.backoff import Backoff
    from kabinet_agent.records import Interval, MeterEvent, RegisterReading, RelayState
    from kabinet_agent.signing import signing_key
    from kabinet_agent.store import Store
    from kabinet_agent.uploader import CloudClient, Uploader, heartbeat_payload

    site = make_site(api)
    serial = site.serials[0]
    day = local_day()
    start = datetime.fromisoformat(slot_start(day, 20).replace("Z", "+00:00"))
    store = Store(tmp_path / f"agent-{uuid.uuid4().hex}.db")
    store.save(
        [Interval(serial, start + timedelta(minutes=30 * n), 30, {"A+": 0.5, "R+": 0.1}) for n in range(4)]
        + [
            Interval(serial, start + timedelta(hours=2), 30, {}, "missing"),
            RegisterReading(serial, start, {"A+": 4321.5, "A-": 0.0}),
            MeterEvent(serial, start, "relay", "17", "warning", "Отключение нагрузки по лимиту"),
            RelayState(serial, start, False),
            Interval("NOT-MINE", start, 30, {"A+": 1.0}),
        ]
    )
    stack = LocalStack(port=0, seed=False)
    url = stack.serve()
    try:
        client = CloudClient(url, site.agent_id, signing_key(bytes.fromhex(site.secret)), timeout_s=30)
        uploader = Uploader(
            client,
            store,
            batch_size=500,
            backoff=Backoff(),
            idle_s=60,
            heartbeat_s=300,
            heartbeat=lambda: heartbeat_payload(store, [serial], "0.1.0", time.time()),
        )
        uploader.step()
    finally:
        stack.stop()
    backlog = store.backlog()
    # The meter nobody assigned to this agent: parked until staff assign it and `retry-parked`.
    assert (backlog.pending, backlog.in_flight, backlog.parked, backlog.rejected) == (0, 0, 1, 0)
    assert store.parked_records().reasons == [("Счётчик не закреплён за этим агентом (УСПД): данные не приняты", 1)]

    profile = get(api, site, f"profile?from={day}&to={day}")[1]
    assert [i["status"] for i in profile["intervals"][20:25]] == ["ok"] * 4 + ["missing"]
    assert profile["intervals"][20]["values"] == {"A+": "0.5", "R+": "0.1"}
    assert get(api, site, "registers")[1]["values"] == {"A+": "4321.5", "A-": "0"}
    assert get(api, site, "relay")[1]["state"] == "off"
    assert get(api, site, f"events?from={day}&to={day}")[1]["events"][0]["text"] == "Отключение нагрузки по лимиту"
    agents = api.get("/staff/agents", token=site.admin)[1]["agents"]
    assert next(a for a in agents if a["id"] == site.agent_id)["last_contact_at"] is not None
