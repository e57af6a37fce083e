"""Reading entry inside the window, rollover, lock, concurrency, history and summary."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from helpers import (
    billing_meter,
    consumer,
    count_calls,
    deliver_notifications,
    grant_contract,
    load_billing,
    login,
    register_and_confirm,
    sent_emails,
    unique_contract,
)

from chalicelib.core import clock

# 27 November 2026, 10:00 in Moscow: inside the entry window, outside the lock windows.
IN_WINDOW = datetime(2026, 11, 27, 7, 0, tzinfo=UTC)


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
        billing_meter(
            number,
            f"{prefix}2",
            zones=["T1", "T2"],
            coefficient="40",
            digits=6,
            last_period="2026-10",
            last_values={"T1": "1000", "T2": "500"},
        ),
        billing_meter(number, f"{prefix}3", status="decommissioned"),
        billing_meter(number, f"{prefix}4", status="aiis"),
    )
    user = register_and_confirm(api)
    token = login(api, user["login"])["access_token"]
    tree = api.post("/accounts", {"contract_number": number, "meter_serial": f"{prefix}1"}, token=token)[1]
    meters = {m["serial"][-1]: m["id"] for o in tree["contracts"][0]["objects"] for m in o["meters"]}
    return {"token": token, "meters": meters, "user": user, "contract": number, "prefix": prefix}


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
    assert (zone["previous"], zone["value"], zone["difference"], zone["consumption"], zone["rollover"]) == (
        "99958",
        "123",
        "165",
        "165",
        True,
    )


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
    later(api, owner, datetime(2026, 11, 24, 20, 59, 59, tzinfo=UTC))  # 24th 23:59:59 Moscow
    status, answer = submit(api, owner, "1", {"T1": "99990"})
    assert status == 409 and answer["error"]["code"] == "window_closed"
    assert "25 ноября" in answer["error"]["message"]
    at(datetime(2026, 11, 24, 21, 0, tzinfo=UTC))  # 25th 00:00 Moscow
    assert submit(api, owner, "1", {"T1": "99990"})[0] == 201


def test_during_the_exchange_lock_window_entry_gets_423(api, owner):
    later(api, owner, datetime(2026, 11, 27, 9, 55, tzinfo=UTC))  # 12:55 Moscow
    status, answer = submit(api, owner, "1", {"T1": "99990"})
    assert status == 423 and answer["error"]["code"] == "sync_locked" and "13:25" in answer["error"]["message"]
    later(api, owner, datetime(2026, 11, 27, 10, 25, tzinfo=UTC))  # 13:25 Moscow
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
    later(api, owner, datetime(2026, 12, 2, 9, 0, tzinfo=UTC))
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
    for body in (
        {"values": {"T9": "1"}},
        {"values": "12345"},
        {"values": {"T1": "-5"}},
        {"values": {"T1": "abc"}},
        {"values": {"T1": "1"}, "version": 0},
        {},
    ):
        status, answer = api.post(f"/meters/{meter}/readings", body, token=owner["token"])
        assert status == 422, body
        assert answer["error"]["fields"], body


# --- who may submit, who submitted, no silent overwrites (issue 9) ------------------------------------


def co_user(api, owner, right: str, last_name: str = "Петров") -> dict:
    """Another signed-in account with `right` on the owner's contract, keyed like `owner` for `submit`."""
    account = consumer(api, last_name=last_name, first_name="Пётр", middle_name="Петрович")
    grant_contract(account["user_id"], owner["contract"], right)
    account["token"] = login(api, account["login"])["access_token"]  # the new meters are in a fresh token's user
    return {**account, "meters": owner["meters"], "contract": owner["contract"]}


def form_of(api, who, meter="1"):
    status, form = api.get(f"/meters/{who['meters'][meter]}/readings/current", token=who["token"])
    assert status == 200, form
    return form


def feed(api, who) -> list[dict]:
    return api.get("/me/notifications", token=who["token"])[1]["items"]


def test_a_view_only_co_user_sees_the_meter_but_cannot_submit(api, owner):
    viewer = co_user(api, owner, "view")
    with count_calls("dynamodb") as calls:
        form = form_of(api, viewer)
    assert len(calls) <= 2, calls
    assert not form["can_submit"] and form["refusal"].startswith("Вам открыт только просмотр этого договора")
    status, answer = submit(api, viewer, "1", {"T1": "99990"})
    assert status == 403 and answer["error"]["code"] == "view_only"
    summary = api.get("/readings/summary", token=viewer["token"])[1]
    assert summary["total"] == 0 and not any(r["accepts_manual"] for r in summary["meters"])
    # The holder is not affected by a co-user's right.
    assert submit(api, owner, "1", {"T1": "99990"})[0] == 201


def test_the_rule_is_by_the_contracts_category_not_by_the_accounts_kind(api, owner, settings_override):
    number = unique_contract()
    load_billing(
        billing_meter(
            number,
            f"C{number[-6:].upper()}1",
            holder_name="ООО «Ромашка»",
            holder_kind="company",
            category="company",
            holder_snils=None,
            holder_inn="7707083893",
            holder_kpp="770701001",
        )
    )
    person = consumer(api, last_name="Сидоров", first_name="Семён")
    grant_contract(person["user_id"], number, "holder")
    person["token"] = login(api, person["login"])["access_token"]
    tree = api.get("/accounts", token=person["token"])[1]
    [company_meter] = [m["id"] for c in tree["contracts"] for o in c["objects"] for m in o["meters"]]

    # The former KABINET_READING_SUBMITTERS, in its old values, seeds the settings document.
    settings_override(reading_submitters="person,entrepreneur")
    rule = "Показания через личный кабинет принимаются только от индивидуальных предпринимателей и физических лиц"
    status, form = api.get(f"/meters/{company_meter}/readings/current", token=person["token"])
    # Said before anything is typed: the rule, and that this contract is not covered by it.
    assert status == 200 and form["submitters_rule"] == rule and not form["can_submit"]
    assert form["refusal"] == f"{rule}. Потребитель по этому договору к ним не относится"
    status, answer = api.post(f"/meters/{company_meter}/readings", {"values": {"T1": "1"}}, token=person["token"])
    assert status == 403 and answer["error"]["code"] == "category_not_allowed"
    # The same account's ФЛ contract is covered by the rule.
    assert form_of(api, owner)["submitters_rule"] == rule and form_of(api, owner)["can_submit"]
    assert submit(api, owner, "1", {"T1": "99990"})[0] == 201
    # Every category again: the rule is no longer shown.
    settings_override(
        reading_submitters="flat_common_meter,flat_no_common_meter,private_house,entrepreneur,company,cooperative"
    )
    assert form_of(api, owner)["submitters_rule"] is None


def test_who_submitted_is_in_the_answer_the_entry_form_and_the_history(api, owner):
    status, reading = submit(api, owner, "1", {"T1": "00123"}, rollover_confirmed=True)
    assert status == 201
    assert (reading["source"], reading["submitted_by_name"], reading["submitted_by_you"]) == (
        "user",
        "Иванов И. И.",
        True,
    )
    other = co_user(api, owner, "view")
    current = form_of(api, other)["current"]
    assert (current["submitted_by_name"], current["submitted_by_you"]) == ("Иванов И. И.", False)
    assert form_of(api, owner)["current"]["submitted_by_you"] is True

    later(api, owner, datetime(2026, 12, 2, 9, 0, tzinfo=UTC))
    history = api.get(f"/meters/{owner['meters']['1']}/readings", token=owner["token"])[1]["items"]
    assert [(i["period"], i["source"], i["submitted_by_name"], i["submitted_by_you"]) for i in history] == [
        ("2026-11", "user", "Иванов И. И.", True),
        ("2026-10", "billing", None, False),
    ]


def test_a_co_users_submission_is_told_to_the_holder(api, owner):
    helper = co_user(api, owner, "submit")
    status, reading = submit(api, helper, "1", {"T1": "00130"}, rollover_confirmed=True)
    assert status == 201 and reading["submitted_by_name"] == "Петров П. П."
    [note] = [n for n in feed(api, owner) if n["title"].startswith("Переданы показания")]
    serial = f"{owner['prefix']}1"
    assert note["title"] == f"Переданы показания счётчика № {serial}"
    assert note["body"] == f"Показания за ноябрь 2026: 130; передал Петров П. П. (договор № {owner['contract']})."
    assert feed(api, helper) == []  # the submitter is not told about their own reading
    assert submit(api, helper, "2", {"T1": "1010", "T2": "505,5"})[0] == 201
    assert any(
        n["body"].startswith("Показания за ноябрь 2026: Т1: 1010 / Т2: 505,5; передал Петров П. П.")
        for n in feed(api, owner)
    )


def test_changing_a_reading_another_user_submitted_tells_every_other_user_by_feed_and_email(api, owner):
    helper = co_user(api, owner, "submit")
    viewer = co_user(api, owner, "view", last_name="Смирнов")
    assert submit(api, owner, "1", {"T1": "00130"}, rollover_confirmed=True)[0] == 201
    # The holder correcting their own reading tells nobody.
    version = form_of(api, owner)["current"]["version"]
    assert submit(api, owner, "1", {"T1": "00131"}, rollover_confirmed=True, version=version)[0] == 201
    assert feed(api, viewer) == []

    version = form_of(api, helper)["current"]["version"]
    status, changed = submit(api, helper, "1", {"T1": "00200"}, rollover_confirmed=True, version=version)
    assert status == 201 and changed["submitted_by_name"] == "Петров П. П."
    deliver_notifications()
    serial = f"{owner['prefix']}1"
    text = (
        f"Показания за ноябрь 2026 изменены: было 131, стало 200; передал Петров П. П. (договор № {owner['contract']})."
    )
    for who, email in ((owner, owner["user"]["email"]), (viewer, viewer["email"])):
        [note] = [n for n in feed(api, who) if n["title"] == f"Изменены показания счётчика № {serial}"]
        assert note["body"] == text
        [mail] = [m for m in sent_emails(email) if m.subject == f"Изменены показания счётчика № {serial}"]
        assert (
            f"Показания счётчика № {serial} за ноябрь 2026 изменены: было 131, стало 200; передал Петров П. П."
            in mail.body
        )
    assert not [n for n in feed(api, helper) if n["title"].startswith("Изменены")]
    assert not sent_emails(helper["email"])


def test_a_holders_own_submission_does_not_read_the_contracts_users(api, owner):
    with count_calls("dynamodb") as calls:
        assert submit(api, owner, "1", {"T1": "99990"})[0] == 201
    assert "Query" not in calls and calls.count("TransactWriteItems") == 1, calls


def test_a_reading_date_after_today_in_the_companys_time_zone_is_refused(api, owner):
    status, answer = submit(api, owner, "1", {"T1": "99990"}, reading_date="2026-11-28")
    assert status == 422
    assert answer["error"]["fields"] == [
        {"path": "reading_date", "message": "Дата снятия показаний не может быть позже сегодняшнего дня"}
    ]
    # 00:30 on the 28th in Moscow is still the 27th in UTC: the company's date counts.
    later(api, owner, datetime(2026, 11, 27, 21, 30, tzinfo=UTC))
    assert submit(api, owner, "1", {"T1": "99990"}, reading_date="2026-11-28")[0] == 201


def test_after_staff_close_the_period_the_entry_form_says_so(api, owner):
    from chalicelib.metering.repository import ClosedPeriodItem

    # A period of its own, so closing it does not touch the other tests' November.
    later(api, owner, datetime(2031, 5, 27, 7, 0, tzinfo=UTC))
    assert form_of(api, owner)["can_submit"]
    ClosedPeriodItem("PERIOD#2031-05", closed_at=clock.iso(clock.now())).save()
    form = form_of(api, owner)
    assert not form["can_submit"] and not form["window"]["accepts_entry"] and form["window"]["closed"]
    assert (
        form["refusal"]
        == form["window"]["message"]
        == "Расчётный период «Май 2031» закрыт: показания за него больше не принимаются"
    )
    status, answer = submit(api, owner, "1", {"T1": "99990"})
    assert status == 409 and answer["error"]["code"] == "period_closed"
    assert api.get("/readings/summary", token=owner["token"])[1]["window"]["closed"]
