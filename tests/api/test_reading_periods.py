"""The billing period is the month on the company's clock, the same on the meter card, the entry form,
the history and the summary — also in the hours when UTC is in another month."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from helpers import billing_meter, load_billing, login, register_and_confirm, unique_contract

from chalicelib.core import clock


@pytest.fixture(autouse=True)
def restore_clock():
    yield
    clock.set_clock(None)


def at(api, holder: dict, moment: datetime) -> None:
    """Move the clock; a fresh sign-in, since access tokens last 15 minutes."""
    clock.set_clock(lambda: moment)
    holder["token"] = login(api, holder["user"]["login"])["access_token"]


def linked_meter(api, moment: datetime) -> dict:
    clock.set_clock(lambda: moment)
    number = unique_contract()
    serial = f"P{number[-6:].upper()}"
    load_billing(billing_meter(number, serial, last_period="2026-10", last_values={"T1": "100"}))
    user = register_and_confirm(api)
    holder = {"user": user, "token": login(api, user["login"])["access_token"]}
    tree = api.post("/accounts", {"contract_number": number, "meter_serial": serial}, token=holder["token"])[1]
    holder["meter"] = tree["contracts"][0]["objects"][0]["meters"][0]["id"]
    return holder


def views(api, holder: dict) -> dict:
    """The period each view of the meter takes as the current one, and what it shows for it."""
    meter, token = holder["meter"], holder["token"]
    card = api.get(f"/meters/{meter}", token=token)[1]
    form = api.get(f"/meters/{meter}/readings/current", token=token)[1]
    summary = api.get("/readings/summary", token=token)[1]
    history = api.get(f"/meters/{meter}/readings", token=token)[1]
    return {
        "card": card["current_reading"] and card["current_reading"]["period"],
        "form": (form["window"]["period"], form["current"] and form["current"]["period"]),
        "summary": (summary["period"], summary["meters"][0]["reading"] and summary["meters"][0]["reading"]["period"]),
        "history": [i["period"] for i in history["items"]],
    }


def test_east_of_utc_the_new_year_starts_on_the_companys_clock(api, settings_override):
    settings_override(company_timezone="Asia/Yekaterinburg")  # UTC+5
    holder = linked_meter(api, datetime(2026, 12, 28, 5, 0, tzinfo=UTC))  # 28 Dec 10:00 local: window open
    status, reading = api.post(f"/meters/{holder['meter']}/readings", {"values": {"T1": "150"}}, token=holder["token"])
    assert status == 201 and reading["period"] == "2026-12"

    # 31 Dec 22:30 UTC is 1 Jan 03:30 in Yekaterinburg: December is over, January's entry is not open yet.
    at(api, holder, datetime(2026, 12, 31, 22, 30, tzinfo=UTC))
    assert views(api, holder) == {
        "card": None,
        "form": ("2027-01", None),
        "summary": ("2027-01", None),
        "history": ["2026-12", "2026-10"],
    }
    form = api.get(f"/meters/{holder['meter']}/readings/current", token=holder["token"])[1]
    assert form["previous"] == {"T1": "150"} and form["previous_period"] == "2026-12"
    assert not form["window"]["open"] and "25 января" in form["window"]["message"]
    status, answer = api.post(f"/meters/{holder['meter']}/readings", {"values": {"T1": "160"}}, token=holder["token"])
    assert status == 409 and answer["error"]["code"] == "window_closed"


def test_west_of_utc_the_month_lasts_until_midnight_on_the_companys_clock(api, settings_override):
    settings_override(company_timezone="America/Sao_Paulo")  # UTC−3
    # 1 Dec 01:30 UTC is 30 Nov 22:30 in São Paulo: the last evening of November's window.
    holder = linked_meter(api, datetime(2026, 12, 1, 1, 30, tzinfo=UTC))
    status, reading = api.post(f"/meters/{holder['meter']}/readings", {"values": {"T1": "150"}}, token=holder["token"])
    assert status == 201 and reading["period"] == "2026-11"
    assert views(api, holder) == {
        "card": "2026-11",
        "form": ("2026-11", "2026-11"),
        "summary": ("2026-11", "2026-11"),
        "history": ["2026-10"],
    }
    # An hour and a half later November is over there too.
    at(api, holder, datetime(2026, 12, 1, 3, 0, tzinfo=UTC))
    assert views(api, holder) == {
        "card": None,
        "form": ("2026-12", None),
        "summary": ("2026-12", None),
        "history": ["2026-11", "2026-10"],
    }
