"""Reading entry inside the window, rollover, lock, concurrency, history and summary."""
from __future__ import annotations

import threading
from datetime import datetime, timezone

import pytest

from chalicelib.core import clock
from helpers import billing_meter, count_calls, load_billing, login, register_and_confirm, unique_contract

# 27 November 2026, 10:00 in Moscow: inside the entry window, outside the lock windows.
IN_WINDOW = datetime(2026, 11, 27, 7, 0, tzinfo=timezone.utc)


def at(moment: datetime):
    clock.set_clock(lambda: moment)


@pytest.fixture(autouse=True)
def frozen_clock():
    at(IN_WINDOW)
    yield
    clock.set_clock(None)


@pytest.fixture
def owner(api):
    number = unique_contract()
    prefix = f"R{number[-6:].upper()}"
    load_billing(
        billing_meter(number, f"{prefix}1", last_period="2026-10", last_values={"T1": "99958"}),
        billing_meter(number, f"{prefix}2", zones=["T1", "T2"], coefficient="40", digits=6,
                      last_period="2026-10", last_values={"T1": "1000", "T2": "500"}),
        billing_meter(number, f"{prefix}3", status="decommissioned"),
        billing_meter(number, f"{prefix}4", status="aiis"))
    user = register_and_confirm(api)
    token = login(api, user["login"])["access_token"]
    tree = api.post("/accounts", {"contract_number": number, "meter_serial": f"{prefix}1"}, token=token)[1]
    meters = {m["serial"][-1]: m["id"] for o in tree["contracts"][0]["objects"] for m in o["meters"]}
    return {"token": token, "meters": meters, "user": user}


def later(api, owner, moment: datetime) -> None:
    """Move the clock; a fresh sign-in, since access tokens last 15 minutes."""
    at(moment)
    owner["token"] = login(api, owner["user"]["login"])["access_token"]


def submit(api, owner, meter, values, **extra):
    return api.post(f"/meters/{owner['meters'][meter]}/readings", {"values": values, **extra}, token=owner["token"])


def test_rollover_is_asked_then_computed_with_ten_to_the_digits(api, owner):
    status, answer = submit(api, owner, "1", {"T1": "00123"})
    assert status == 422 and answer["error"]["code"] == "rollover_confirmation_required"
    assert answer["error"]["fields"] == [{"path": "values.T1", "message": "Переход электросчётчика через ноль?"}]
    status, reading = submit(api, owner, "1", {"T1": "00123"}, rollover_confirmed=True)
    assert status == 201, reading
    [zone] = reading["zones"]
    assert (zone["previous"], zone["value"], zone["difference"], zone["consumption"], zone["rollover"]) == \
        ("99958", "123", "165", "165", True)


def test_two_zone_meter_takes_one_value_per_zone_and_multiplies_by_the_coefficient(api, owner):
    status, reading = submit(api, owner, "2", {"T1": "1010", "T2": "505,5"})
    assert status == 201, reading
    assert {z["zone"]: z["consumption"] for z in reading["zones"]} == {"T1": "400", "T2": "220.0"}
    assert reading["total_consumption"] == "620.0"
    status, answer = submit(api, owner, "2", {"T1": "1011"})
    assert status == 422  # the reading of T1 alone is refused: T2 is missing


def test_more_digits_than_the_meter_has_is_refused(api, owner):
    status, answer = submit(api, owner, "1", {"T1": "123456"})
    assert status == 422
    assert answer["error"]["fields"][0]["message"] == "Показание содержит больше цифр, чем разрядность счётчика (5)"


def test_decommissioned_and_aiis_meters_refuse_manual_readings(api, owner):
    assert submit(api, owner, "3", {"T1": "1"})[1]["error"]["code"] == "decommissioned"
    status, answer = submit(api, owner, "4", {"T1": "1"})
    assert status == 403 and "АИИС" in answer["error"]["message"]


def test_outside_the_window_entry_is_closed_with_the_next_opening(api, owner):
    later(api, owner, datetime(2026, 11, 24, 20, 59, 59, tzinfo=timezone.utc))  # 24th 23:59:59 Moscow
    status, answer = submit(api, owner, "1", {"T1": "99990"})
    assert status == 409 and answer["error"]["code"] == "window_closed"
    assert "25 ноября" in answer["error"]["message"]
    at(datetime(2026, 11, 24, 21, 0, tzinfo=timezone.utc))  # 25th 00:00 Moscow
    assert submit(api, owner, "1", {"T1": "99990"})[0] == 201


def test_during_the_exchange_lock_window_entry_gets_423(api, owner):
    later(api, owner, datetime(2026, 11, 27, 9, 55, tzinfo=timezone.utc))  # 12:55 Moscow
    status, answer = submit(api, owner, "1", {"T1": "99990"})
    assert status == 423 and answer["error"]["code"] == "sync_locked" and "13:25" in answer["error"]["message"]
    later(api, owner, datetime(2026, 11, 27, 10, 25, tzinfo=timezone.utc))  # 13:25 Moscow
    assert submit(api, owner, "1", {"T1": "99990"})[0] == 201


def test_a_held_sync_lock_refuses_readings_in_the_same_transaction(api, owner):
    from chalicelib.metering.repository import LockItem

    LockItem(run_id="test-run", acquired_at=clock.iso(IN_WINDOW), expires_at=clock.epoch(IN_WINDOW) + 600).save()
    try:
        status, answer = submit(api, owner, "1", {"T1": "99990"})
        assert status == 423 and answer["error"]["code"] == "sync_locked"
    finally:
        LockItem(run_id="test-run", acquired_at="", expires_at=0).delete()
    assert submit(api, owner, "1", {"T1": "99990"})[0] == 201


def test_an_expired_lock_of_a_crashed_run_does_not_block_entry(api, owner):
    from chalicelib.metering.repository import LockItem

    LockItem(run_id="crashed", acquired_at="", expires_at=clock.epoch(IN_WINDOW) - 1).save()
    try:
        assert submit(api, owner, "1", {"T1": "99990"})[0] == 201
    finally:
        LockItem(run_id="crashed", acquired_at="", expires_at=0).delete()


def test_edit_needs_the_version_seen_and_concurrent_submissions_store_exactly_one(api, owner):
    results: list[tuple[int, dict]] = []
    barrier = threading.Barrier(5)

    def race(value: str) -> None:
        barrier.wait()
        results.append(submit(api, owner, "1", {"T1": value}))

    threads = [threading.Thread(target=race, args=(f"9999{i}",)) for i in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(s for s, _ in results) == [201, 409, 409, 409, 409]
    winner = next(body for s, body in results if s == 201)
    form = api.get(f"/meters/{owner['meters']['1']}/readings/current", token=owner["token"])[1]
    assert form["current"]["zones"][0]["value"] == winner["zones"][0]["value"]
    # An edit must say which version it corrects; a stale version loses.
    assert submit(api, owner, "1", {"T1": "99999"})[0] == 409
    assert submit(api, owner, "1", {"T1": "99999"}, version=form["current"]["version"])[0] == 201
    assert submit(api, owner, "1", {"T1": "99998"}, version=form["current"]["version"])[0] == 409


def test_entry_form_tells_window_previous_values_and_days_left(api, owner):
    status, form = api.get(f"/meters/{owner['meters']['2']}/readings/current", token=owner["token"])
    assert status == 200
    assert form["previous"] == {"T1": "1000", "T2": "500"} and form["previous_period"] == "2026-10"
    assert form["window"]["accepts_entry"] and form["window"]["days_left"] == 4 and form["can_submit"]
    assert form["zones"] == ["T1", "T2"] and form["digits"] == 6 and form["coefficient"] == "40"
    refused = api.get(f"/meters/{owner['meters']['3']}/readings/current", token=owner["token"])[1]
    assert not refused["can_submit"] and "выведен из эксплуатации" in refused["refusal"]


def test_summary_lists_this_periods_readings_and_history_starts_after_the_period(api, owner):
    submit(api, owner, "1", {"T1": "00123"}, rollover_confirmed=True)
    summary = api.get("/readings/summary", token=owner["token"])[1]
    # Decommissioned and АИИС meters are listed but not counted as awaiting manual readings.
    assert summary["period"] == "2026-11" and summary["total"] == 2 and summary["submitted"] == 1
    assert [r["accepts_manual"] for r in summary["meters"]].count(False) == 2
    history = api.get(f"/meters/{owner['meters']['1']}/readings", token=owner["token"])[1]
    assert [i["period"] for i in history["items"]] == ["2026-10"]  # billing's, not the current one
    later(api, owner, datetime(2026, 12, 2, 9, 0, tzinfo=timezone.utc))
    history = api.get(f"/meters/{owner['meters']['1']}/readings", token=owner["token"])[1]
    assert [i["period"] for i in history["items"]] == ["2026-11", "2026-10"]
    assert history["items"][0]["zones"][0]["consumption"] == "165"


def test_hot_reading_endpoints_cost_at_most_two_dynamodb_calls(api, owner):
    meter = owner["meters"]["1"]
    for path in (f"/meters/{meter}/readings", f"/meters/{meter}/readings/current", "/readings/summary"):
        with count_calls("dynamodb") as calls:
            assert api.get(path, token=owner["token"])[0] == 200
        assert len(calls) <= 2 and not any(c.startswith("Scan") for c in calls), (path, calls)


def test_malformed_reading_bodies_are_4xx_in_russian(api, owner):
    meter = owner["meters"]["1"]
    for body in ({"values": {"T9": "1"}}, {"values": "12345"}, {"values": {"T1": "-5"}}, {"values": {"T1": "abc"}},
                 {"values": {"T1": "1"}, "version": 0}, {}):
        status, answer = api.post(f"/meters/{meter}/readings", body, token=owner["token"])
        assert status == 422, body
        assert answer["error"]["fields"], body
