"""The agent upload protocol end to end through the API, and the staff console for agents."""

from __future__ import annotations

import gzip
import json
import time
import uuid
from datetime import datetime, timedelta

import pytest
from aiis_support import AgentClient, interval, local_day, make_site
from helpers import count_calls
from test_reference import staff_token


@pytest.fixture
def site(api):
    return make_site(api)


def batch_payload(site, records, batch_id=None):
    batch_id = batch_id or uuid.uuid4().hex
    return batch_id, {"batch_id": batch_id, "agent_id": site.agent_id, "records": records}


def test_a_signed_batch_is_accepted_and_its_data_reaches_the_owner(api, site):
    day = local_day()
    status, answer, _ = site.agent.batch([interval(site.serials[0], day, i) for i in range(48)])
    assert status == 200, answer
    assert answer == {"accepted": 48, "duplicate": False, "rejected": []}
    status, chart = api.get(
        f"/meters/{site.meter_ids[0]}/aiis/consumption?scale=day&date={day}", token=site.owner["token"]
    )
    assert status == 200 and chart["total"] == "24" and len(chart["points"]) == 48


def test_wrong_signature_unknown_or_disabled_agent_are_unauthorised(api, site):
    wrong = AgentClient(api, site.agent_id, "00" * 32)
    status, answer, _ = wrong.batch([])
    assert (status, answer["error"]["code"]) == (401, "bad_signature")
    stranger = AgentClient(api, "no-such-agent", site.secret)
    assert stranger.batch([])[0] == 401
    unsigned = api.client.http.post(
        f"/api/v1/agents/{site.agent_id}/heartbeat", headers={"Content-Type": "application/json"}, body=b"{}"
    )
    assert unsigned.status_code == 401
    assert api.patch(f"/staff/agents/{site.agent_id}", {"enabled": False}, token=site.admin)[0] == 200
    status, answer, _ = site.agent.post("heartbeat", {"agent_time": "2024-05-01T10:31:00Z"})
    assert (status, answer["error"]["code"]) == (401, "agent_unauthorized")


def test_a_stale_or_future_timestamp_is_refused(site):
    for skew in (-301, 301):
        status, answer, _ = site.agent.batch([], timestamp=int(time.time()) + skew)
        assert (status, answer["error"]["code"]) == (401, "stale_timestamp")
        assert "часов УСПД" in answer["error"]["message"]


def test_a_replayed_request_is_refused_and_the_agent_is_told_to_retry(site):
    stamp = int(time.time())
    batch_id, payload = batch_payload(site, [])
    first = site.agent.post("batches", payload, timestamp=stamp, headers={"Idempotency-Key": batch_id})
    again = site.agent.post("batches", payload, timestamp=stamp, headers={"Idempotency-Key": batch_id})
    assert first[0] == 200
    assert (again[0], again[1]["error"]["code"], again[2].get("Retry-After")) == (429, "replayed_request", "1")


def test_the_agent_in_the_header_must_be_the_one_in_the_path(api, site):
    other = make_site(api)
    status, answer, _ = site.agent.batch([], path_agent=other.agent_id)
    assert (status, answer["error"]["code"]) == (403, "forbidden")


def test_records_of_meters_not_assigned_to_the_agent_are_refused_one_by_one(api, site):
    day = local_day()
    records = [interval(site.serials[0], day, 0), interval(site.serials[1], day, 0), interval(site.serials[0], day, 1)]
    status, answer, _ = site.agent.batch(records)
    assert status == 200
    assert answer["accepted"] == 2
    assert answer["rejected"] == [
        {
            "index": 1,
            "code": "not_assigned",
            "message": "Счётчик не закреплён за этим агентом (УСПД): данные не приняты",
        }
    ]
    assert site.serials[1] not in answer["rejected"][0]["message"]
    # Meter 2 got nothing, although its owner could look.
    chart = api.get(f"/meters/{site.meter_ids[1]}/aiis/consumption?scale=day&date={day}", token=site.owner["token"])[1]
    assert chart["total"] is None


def test_malformed_records_are_reported_by_position_and_the_rest_is_kept(api, site):
    day = local_day()
    records = [
        interval(site.serials[0], day, 0),
        {"kind": "interval", "meter": site.serials[0], "start": "вчера", "minutes": 30, "values": {}},
        interval(site.serials[0], day, 1, status="missing"),
        {
            "kind": "interval",
            "meter": site.serials[0],
            "start": interval(site.serials[0], day, 2)["start"],
            "minutes": 15,
            "values": {"A+": 1},
        },
        "garbage",
        interval(site.serials[0], day, 3, status="estimated"),
    ]
    status, answer, _ = site.agent.batch(records)
    assert status == 200
    assert answer["accepted"] == 3
    assert [r["index"] for r in answer["rejected"]] == [1, 3, 4]
    profile = api.get(f"/meters/{site.meter_ids[0]}/aiis/profile?from={day}&to={day}", token=site.owner["token"])[1]
    assert [i["status"] for i in profile["intervals"][:5]] == ["ok", "missing", "no_data", "estimated", "no_data"]
    assert profile["intervals"][1]["values"] == {}


def test_a_batch_sent_again_is_answered_as_duplicate_and_writes_nothing(api, site):
    day = local_day()
    batch_id, payload = batch_payload(site, [interval(site.serials[0], day, 0), interval(site.serials[1], day, 0)])
    first = site.agent.post("batches", payload, headers={"Idempotency-Key": batch_id})
    time.sleep(1)  # a fresh timestamp, as the agent's retry has
    with count_calls("dynamodb") as calls:
        again = site.agent.post("batches", payload, headers={"Idempotency-Key": batch_id})
    assert first[1]["duplicate"] is False and again[0] == 200
    assert again[1] == {"accepted": 1, "duplicate": True, "rejected": first[1]["rejected"]}
    assert calls == ["GetItem", "PutItem", "GetItem"]  # agent, signature claim, committed batch


def test_the_batch_envelope_must_match_the_protocol(site):
    batch_id, payload = batch_payload(site, [])
    assert site.agent.post("batches", payload, headers={"Idempotency-Key": "other"})[0] == 400
    assert site.agent.post("batches", {**payload, "agent_id": "x"}, headers={"Idempotency-Key": batch_id})[0] == 400
    assert site.agent.post("batches", [1, 2], headers={"Idempotency-Key": batch_id})[0] == 400
    status, answer, _ = site.agent.post(
        "batches", body=b"\x1f\x8bnot gzip at all", headers={"Idempotency-Key": batch_id}
    )
    assert (status, answer["error"]["code"]) == (400, "bad_request")


def test_a_deeply_nested_signed_body_is_refused_not_a_crash(site):
    # 1,100 levels end Python's JSON parser in RecursionError; the key holder gets a 400, not a 500.
    nested = b'{"batch_id": ' + b"[" * 1100 + b"]" * 1100 + b"}"
    status, answer, _ = site.agent.post("batches", body=gzip.compress(nested), headers={"Idempotency-Key": "b"})
    assert (status, answer["error"]["code"]) == (400, "bad_request")


def test_a_gzip_bomb_and_an_oversized_body_are_refused(site):
    bomb = gzip.compress(b'{"records": [' + b" " * 40_000_000 + b"]}")
    assert len(bomb) < 100_000
    status, answer, _ = site.agent.post("batches", body=bomb, headers={"Idempotency-Key": "b"})
    assert (status, answer["error"]["code"]) == (413, "payload_too_large")
    big = b"\x1f\x8b" + bytes(5 * 1024 * 1024)
    assert site.agent.post("batches", body=big, headers={"Idempotency-Key": "b"})[0] == 413


def test_a_body_api_gateway_already_decompressed_still_verifies(site):
    # API Gateway inflates Content-Encoding: gzip bodies before the function sees them.
    batch_id, payload = batch_payload(site, [interval(site.serials[0], local_day(), 5)])
    plain = json.dumps(payload, ensure_ascii=False).encode()
    status, answer, _ = site.agent.post(
        "batches", body=plain, signed_body=gzip.compress(plain, mtime=0), headers={"Idempotency-Key": batch_id}
    )
    assert (status, answer["accepted"]) == (200, 1)


def test_heartbeats_show_health_in_the_staff_console(api, site):
    operator = staff_token(api, "metering")
    listed = next(a for a in api.get("/staff/agents", token=operator)[1]["agents"] if a["id"] == site.agent_id)
    assert listed["overdue"] is True and listed["last_contact_at"] is None
    heartbeat = {
        "agent_time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "version": "0.1.0",
        "backlog": 1250,
        "meters": [
            {
                "serial": site.serials[0],
                "last_read_at": "2024-05-01T10:30:41Z",
                "last_error": None,
                "clock_drift_s": 42.5,
            },
            {
                "serial": "41234567",
                "last_read_at": None,
                "last_error": "показания: счётчик не отвечает",
                "clock_drift_s": None,
            },
        ],
    }
    status, answer, _ = site.agent.post("heartbeat", heartbeat)
    assert status == 200 and answer["received_at"]
    listed = next(a for a in api.get("/staff/agents", token=operator)[1]["agents"] if a["id"] == site.agent_id)
    assert listed["overdue"] is False and listed["backlog"] == 1250 and listed["version"] == "0.1.0"
    assert abs(listed["clock_skew_s"]) < 5
    [meter] = listed["meters"]
    assert (meter["serial"], meter["meter_id"], meter["clock_drift_s"], meter["drift_alarm"]) == (
        site.serials[0],
        site.meter_ids[0],
        42.5,
        True,
    )
    assert listed["unassigned_serials"] == ["41234567"]
    assert "secret" not in json.dumps(listed) and "key_digest" not in json.dumps(listed)


def test_only_administrators_register_agents_and_the_secret_is_shown_once(api, site):
    operator = staff_token(api, "metering")
    assert api.post("/staff/agents", {"id": "tp-x", "name": "ТП"}, token=operator)[0] == 403
    assert api.post("/staff/agents", {"id": site.agent_id, "name": "ТП"}, token=site.admin)[0] == 409
    assert api.post("/staff/agents", {"id": "-bad id", "name": "ТП"}, token=site.admin)[0] == 422
    # A leaked secret is replaced with no grace.
    status, rotated = api.post(f"/staff/agents/{site.agent_id}/secret", {"keep_previous_hours": 0}, token=site.admin)
    assert status == 200 and rotated["secret"] != site.secret and len(bytes.fromhex(rotated["secret"])) == 32
    assert rotated["previous_valid_until"] is None
    assert site.agent.batch([])[0] == 401  # the old key stopped working
    assert AgentClient(api, site.agent_id, rotated["secret"]).batch([])[0] == 200
    from chalicelib.core import audit

    entries = audit.for_target("agent", site.agent_id)
    assert {entry.action for entry in entries} == {"agent.create", "agent.rotate_secret"}
    assert all("secret" not in json.dumps(entry.details) for entry in entries)


def listed_agent(api, site):
    return next(a for a in api.get("/staff/agents", token=site.admin)[1]["agents"] if a["id"] == site.agent_id)


def test_after_a_rotation_the_old_key_works_until_the_concentrator_uses_the_new_one(api, site):
    # Until a technician has replaced the key file, the concentrator keeps delivering under the old key.
    status, rotated = api.post(f"/staff/agents/{site.agent_id}/secret", {}, token=site.admin)
    assert status == 200
    from chalicelib.core import clock

    until = clock.now() + timedelta(hours=24)
    assert abs(datetime.fromisoformat(rotated["previous_valid_until"].replace("Z", "+00:00")) - until) < timedelta(
        minutes=1
    )
    assert listed_agent(api, site)["previous_key_valid_until"] == rotated["previous_valid_until"]
    day = local_day()
    assert site.agent.batch([interval(site.serials[0], day, 0)])[1]["accepted"] == 1
    renewed = AgentClient(api, site.agent_id, rotated["secret"])
    assert renewed.batch([interval(site.serials[0], day, 1)])[1]["accepted"] == 1
    # The new key file is in place: the old key is of no further use to anyone.
    assert site.agent.batch([])[0] == 401
    assert listed_agent(api, site)["previous_key_valid_until"] is None
    assert renewed.batch([])[0] == 200


def test_the_old_key_stops_when_its_grace_ends(api, site):
    status, rotated = api.post(f"/staff/agents/{site.agent_id}/secret", {"keep_previous_hours": 1}, token=site.admin)
    assert status == 200
    from chalicelib.core import clock

    later = clock.now() + timedelta(hours=1, minutes=1)
    clock.set_clock(lambda: later)
    try:
        status, answer, _ = site.agent.batch([], timestamp=int(later.timestamp()))
        assert (status, answer["error"]["code"]) == (401, "bad_signature")
    finally:
        clock.set_clock(None)
    assert api.post(f"/staff/agents/{site.agent_id}/secret", {"keep_previous_hours": 73}, token=site.admin)[0] == 422


def test_assigning_meters_replaces_the_list_and_a_meter_has_one_agent(api, site):
    both = [{"contract": site.contract, "serial": s} for s in site.serials]
    status, agent = api.call("PUT", f"/staff/agents/{site.agent_id}/meters", {"meters": both}, token=site.admin)
    assert status == 200 and sorted(m["serial"] for m in agent["meters"]) == sorted(site.serials)
    assert site.agent.batch([interval(site.serials[1], local_day(), 0)])[1]["accepted"] == 1

    other = make_site(api, assign=0)
    status, answer = api.call(
        "PUT",
        f"/staff/agents/{other.agent_id}/meters",
        {"meters": [{"contract": site.contract, "serial": site.serials[1]}]},
        token=site.admin,
    )
    assert (status, answer["error"]["code"]) == (409, "conflict")
    assert answer["error"]["fields"] == [{"path": "meters.0.serial", "message": answer["error"]["message"]}]
    status, answer = api.call(
        "PUT",
        f"/staff/agents/{other.agent_id}/meters",
        {
            "meters": [
                {"contract": site.contract, "serial": "NOPE"},
                {"contract": "НЕТ-ТАКОГО", "serial": site.serials[1]},
            ]
        },
        token=site.admin,
    )
    assert status == 422 and [f["path"] for f in answer["error"]["fields"]] == ["meters.0.serial", "meters.1.contract"]

    # Taken off the first agent, the meter may move; the first agent's data for it is refused again.
    mine = [{"contract": site.contract, "serial": site.serials[0]}]
    assert api.call("PUT", f"/staff/agents/{site.agent_id}/meters", {"meters": mine}, token=site.admin)[0] == 200
    moved = [{"contract": site.contract, "serial": site.serials[1]}]
    assert api.call("PUT", f"/staff/agents/{other.agent_id}/meters", {"meters": moved}, token=site.admin)[0] == 200
    assert site.agent.batch([interval(site.serials[1], local_day(), 1)])[1]["accepted"] == 0
    operator = staff_token(api, "operator")
    assert api.call("PUT", f"/staff/agents/{other.agent_id}/meters", {"meters": moved}, token=operator)[0] == 403


def test_an_edit_made_from_a_stale_page_is_refused(api, site):
    status, shown = api.get(f"/staff/agents/{site.agent_id}", token=staff_token(api, "metering"))
    assert status == 200 and shown["id"] == site.agent_id
    status, renamed = api.patch(
        f"/staff/agents/{site.agent_id}", {"name": "ТП-17, РУ-0,4 кВ", "revision": shown["revision"]}, token=site.admin
    )
    assert status == 200 and renamed["revision"] == shown["revision"] + 1
    # A colleague's page still shows the revision before the rename.
    status, answer = api.patch(
        f"/staff/agents/{site.agent_id}", {"enabled": False, "revision": shown["revision"]}, token=site.admin
    )
    assert (status, answer["error"]["code"]) == (409, "conflict")
    status, answer = api.call(
        "PUT", f"/staff/agents/{site.agent_id}/meters", {"meters": [], "revision": shown["revision"]}, token=site.admin
    )
    assert status == 409 and answer["error"]["fields"] == []
    status, current = api.get(f"/staff/agents/{site.agent_id}", token=site.admin)
    assert (current["name"], current["enabled"], len(current["meters"])) == ("ТП-17, РУ-0,4 кВ", True, 1)
    assert api.get("/staff/agents/no-such-agent", token=site.admin)[0] == 404


def test_an_expired_grace_is_not_shown_as_current(api, site):
    assert api.post(f"/staff/agents/{site.agent_id}/secret", {"keep_previous_hours": 1}, token=site.admin)[0] == 200
    from chalicelib.aiis.admin.agents import AgentAdmin
    from chalicelib.core import clock

    assert AgentAdmin().get(site.agent_id).previous_key_valid_until is not None
    later = clock.now() + timedelta(hours=2)
    clock.set_clock(lambda: later)  # (a signed-in session would have expired by then: the service is asked)
    try:
        assert AgentAdmin().get(site.agent_id).previous_key_valid_until is None
    finally:
        clock.set_clock(None)
