"""A meter replaced by billing: the replaced meter leaves service, its users get the new one, both cards
show the replacement, and the period's consumption spans both meters."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from helpers import billing_meter, consumer, grant_contract, load_billing, unique_contract

from chalicelib.core import clock

IN_WINDOW = datetime(2026, 11, 27, 7, 0, tzinfo=UTC)  # 10:00 in Moscow


@pytest.fixture(autouse=True)
def frozen_clock():
    clock.set_clock(lambda: IN_WINDOW)
    yield
    clock.set_clock(None)


def meters_of(api, person) -> dict[str, dict]:
    tree = api.get("/accounts", token=person["token"])[1]
    return {m["serial"]: m for c in tree["contracts"] for o in c["objects"] for m in o["meters"]}


def test_the_new_meter_is_linked_and_the_period_spans_both_meters(api):
    number = unique_contract()
    old_serial, new_serial = f"O{number[-6:]}".upper(), f"N{number[-6:]}".upper()
    # October's billed reading of the old meter: 99958 on five digits.
    load_billing(billing_meter(number, old_serial, last_period="2026-10", last_values={"T1": "99958"}))
    person = consumer(api, last_name="Иванов", first_name="Иван", snils="11223344595")
    co_user = consumer(api)
    grant_contract(person["user_id"], number, "holder")
    grant_contract(co_user["user_id"], number, "submit")
    for who in (person, co_user):
        who["token"] = api.post("/auth/login", {"identifier": who["login"], "password": "Secret123pass"})[1][
            "access_token"
        ]
    old_id = meters_of(api, person)[old_serial]["id"]

    # On 10 November the meter rolled over to 00123 and was replaced by one starting at 5.
    drop = billing_meter(
        number,
        new_serial,
        digits=6,
        next_verification="2042-11-01",
        replacement={
            "date": "2026-11-10",
            "old_serial": old_serial,
            "old_final": {"T1": "123"},
            "new_initial": {"T1": "5"},
        },
    )
    report = load_billing(drop)
    assert report.replacements == 1
    load_billing(drop)  # the same drop again changes nothing

    for who in (person, co_user):
        who["token"] = api.post("/auth/login", {"identifier": who["login"], "password": "Secret123pass"})[1][
            "access_token"
        ]
        meters = meters_of(api, who)
        assert meters[old_serial]["status"] == "decommissioned"
        assert meters[new_serial]["status"] == "active"
    new_id = meters_of(api, person)[new_serial]["id"]

    expected = [
        {
            "date": "2026-11-10",
            "old_serial": old_serial,
            "old_final": {"T1": "123"},
            "new_serial": new_serial,
            "new_initial": {"T1": "5"},
        }
    ]
    for meter in (new_id, old_id):
        status, card = api.get(f"/meters/{meter}", token=person["token"])
        assert status == 200 and card["replacements"] == expected

    status, form = api.get(f"/meters/{new_id}/readings/current", token=person["token"])
    assert status == 200 and form["previous"] == {"T1": "5"} and form["can_submit"]
    status, answer = api.post(f"/meters/{old_id}/readings", {"values": {"T1": "200"}}, token=person["token"])
    assert status == 403  # the replaced meter takes no more readings

    status, reading = api.post(f"/meters/{new_id}/readings", {"values": {"T1": "45"}}, token=co_user["token"])
    assert status == 201, reading
    # (00123 + 100000 − 99958) on the old meter + (45 − 5) on the new one.
    assert reading["total_consumption"] == "205"
    [zone] = reading["zones"]
    assert (zone["previous"], zone["difference"], zone["rollover"]) == ("5", "205", True)


def test_a_drop_naming_a_meter_the_portal_does_not_know_records_the_replacement_on_the_new_one(api):
    number = unique_contract()
    new_serial = f"N{number[-6:]}".upper()
    load_billing(
        billing_meter(
            number,
            new_serial,
            replacement={
                "date": "2026-11-02",
                "old_serial": "GONE-1",
                "old_final": {"T1": "500"},
                "new_initial": {"T1": "0"},
            },
        )
    )
    person = consumer(api, last_name="Иванов", first_name="Иван", snils="11223344595")
    grant_contract(person["user_id"], number, "holder")
    person["token"] = api.post("/auth/login", {"identifier": person["login"], "password": "Secret123pass"})[1][
        "access_token"
    ]
    new_id = meters_of(api, person)[new_serial]["id"]
    card = api.get(f"/meters/{new_id}", token=person["token"])[1]
    assert [r["old_serial"] for r in card["replacements"]] == ["GONE-1"]
    # The old meter's reading before the period is unknown: consumption waits for a check.
    status, reading = api.post(f"/meters/{new_id}/readings", {"values": {"T1": "30"}}, token=person["token"])
    assert status == 201 and reading["total_consumption"] is None
    assert reading["zones"][0]["note"] == "Расход будет рассчитан после проверки"


def test_both_meters_in_one_drop_both_show_the_replacement(api):
    number = unique_contract()
    old_serial, new_serial = f"O{number[-6:]}".upper(), f"N{number[-6:]}".upper()
    load_billing(
        billing_meter(number, old_serial, status="decommissioned"),
        billing_meter(
            number,
            new_serial,
            replacement={
                "date": "2021-06-10",
                "old_serial": old_serial,
                "old_final": {"T1": "28770"},
                "new_initial": {"T1": "0"},
            },
        ),
    )
    person = consumer(api, last_name="Иванов", first_name="Иван", snils="11223344595")
    grant_contract(person["user_id"], number, "holder")
    person["token"] = api.post("/auth/login", {"identifier": person["login"], "password": "Secret123pass"})[1][
        "access_token"
    ]
    meters = meters_of(api, person)
    for serial in (old_serial, new_serial):
        card = api.get(f"/meters/{meters[serial]['id']}", token=person["token"])[1]
        assert [(r["old_serial"], r["new_serial"]) for r in card["replacements"]] == [(old_serial, new_serial)]
