"""Linking contracts by contract number + one meter, the accounts tree, meter cards, declared meters."""

from __future__ import annotations

import pytest
from helpers import billing_meter, count_calls, load_billing, login, register_and_confirm, unique_contract


@pytest.fixture
def user(api):
    body = register_and_confirm(api)
    body["token"] = login(api, body["login"])["access_token"]
    return body


@pytest.fixture
def contract():
    number = unique_contract()
    load_billing(
        billing_meter(number, f"A{number[-6:].upper()}1", last_period="2026-10", last_values={"T1": "12000"}),
        billing_meter(
            number,
            f"A{number[-6:].upper()}2",
            zones=["T1", "T2"],
            object_id="2",
            object_name="Гараж",
            object_address="г. Воронеж, ГСК «Волна», бокс 7",
        ),
        billing_meter(number, f"A{number[-6:].upper()}3", status="decommissioned"),
    )
    return number


def test_link_by_contract_and_one_meter_attaches_every_meter_of_the_contract(api, user, contract):
    status, tree = api.post(
        "/accounts", {"contract_number": contract, "meter_serial": f"a{contract[-6:]}2"}, token=user["token"]
    )
    assert status == 201, tree
    [linked] = tree["contracts"]
    assert linked["number"] == contract and linked["right"] == "holder"
    assert [o["name"] for o in linked["objects"]] == ["Гараж", "Квартира"]
    serials = sorted(m["serial"] for o in linked["objects"] for m in o["meters"])
    assert serials == [f"A{contract[-6:].upper()}{i}" for i in (1, 2, 3)]
    assert api.get("/accounts", token=user["token"])[1] == tree


def test_wrong_pair_is_refused_without_saying_which_half_is_wrong(api, user, contract):
    answers = []
    for body in (
        {"contract_number": contract, "meter_serial": "NOPE1"},
        {"contract_number": "НЕТ-1", "meter_serial": f"A{contract[-6:].upper()}1"},
    ):
        status, answer = api.post("/accounts", body, token=user["token"])
        assert status == 422 and answer["error"]["code"] == "ownership_not_proven"
        answers.append(answer)
    assert answers[0] == answers[1]
    assert api.get("/accounts", token=user["token"])[1]["contracts"] == []


def test_repeated_wrong_tries_are_rate_limited(api, user, contract):
    # Each try names another contract number: this is the account's own limit, not a contract's.
    statuses = [
        api.post(
            "/accounts", {"contract_number": f"НЕТ-{i}{contract[-6:]}", "meter_serial": "X1"}, token=user["token"]
        )[0]
        for i in range(11)
    ]
    assert statuses[:10] == [422] * 10 and statuses[10] == 429
    # The right pair is refused too while the limit lasts: guessing must not pay off.
    assert (
        api.post(
            "/accounts",
            {"contract_number": contract, "meter_serial": f"A{contract[-6:].upper()}1"},
            token=user["token"],
        )[0]
        == 429
    )


def test_linking_twice_is_a_conflict_and_unlinking_removes_access(api, user, contract):
    body = {"contract_number": contract, "meter_serial": f"A{contract[-6:].upper()}1"}
    assert api.post("/accounts", body, token=user["token"])[0] == 201
    assert api.post("/accounts", body, token=user["token"])[0] == 409
    meter_id = api.get("/accounts", token=user["token"])[1]["contracts"][0]["objects"][1]["meters"][0]["id"]
    assert api.get(f"/meters/{meter_id}", token=user["token"])[0] == 200
    assert api.call("DELETE", f"/accounts/{contract}", token=user["token"])[0] == 204
    assert api.get(f"/meters/{meter_id}", token=user["token"])[0] == 404


def test_meter_card_shows_billing_data_and_the_owners_label(api, user, contract):
    tree = api.post(
        "/accounts", {"contract_number": contract, "meter_serial": f"A{contract[-6:].upper()}1"}, token=user["token"]
    )[1]
    flat = next(o for o in tree["contracts"][0]["objects"] if o["name"] == "Квартира")
    meter_id = next(m["id"] for m in flat["meters"] if m["serial"].endswith("1"))
    assert api.patch(f"/meters/{meter_id}", {"label": "Счётчик в коридоре"}, token=user["token"])[0] == 204
    status, card = api.get(f"/meters/{meter_id}", token=user["token"])
    assert status == 200
    assert card["label"] == "Счётчик в коридоре" and card["model"] == "Меркурий 201.5"
    assert (card["digits"], card["zones"], card["coefficient"], card["seal"]) == (5, ["T1"], "1", "А-123456")
    assert card["last_billing_values"] == {"T1": "12000"} and card["last_billing_period"] == "2026-10"
    assert card["object_name"] == "Квартира" and card["contract"] == contract


def test_another_users_meter_is_not_found(api, user, contract):
    tree = api.post(
        "/accounts", {"contract_number": contract, "meter_serial": f"A{contract[-6:].upper()}1"}, token=user["token"]
    )[1]
    meter_id = tree["contracts"][0]["objects"][0]["meters"][0]["id"]
    stranger = register_and_confirm(api)
    token = login(api, stranger["login"])["access_token"]
    for method, path, body in (
        ("GET", f"/meters/{meter_id}", None),
        ("PATCH", f"/meters/{meter_id}", {"label": "x"}),
        ("GET", f"/meters/{meter_id}/readings", None),
        ("GET", f"/meters/{meter_id}/readings/current", None),
        ("POST", f"/meters/{meter_id}/readings", {"values": {"T1": "1"}}),
    ):
        status, answer = api.call(method, path, body, token=token)
        assert status == 404, (method, path, answer)
    assert api.call("DELETE", f"/accounts/{contract}", token=token)[0] == 404


def test_declared_meter_is_unverified_until_billing_confirms_it(api, user):
    status, card = api.post(
        "/meters/virtual",
        {"location": "Дача, СНТ «Рассвет», уч. 12", "account_number": "55501234", "serial": "v-777", "digits": 6},
        token=user["token"],
    )
    assert status == 201 and card["virtual"] and not card["verified"] and card["serial"] == "V-777"
    declared = api.get("/accounts", token=user["token"])[1]["declared_meters"]
    assert [m["id"] for m in declared] == [card["id"]] and not declared[0]["verified"]
    # Billing learns of the meter: the same meter (same id, same link) becomes verified.
    load_billing(billing_meter(unique_contract(), "V-777", account="55501234", digits=6))
    status, again = api.get(f"/meters/{card['id']}", token=user["token"])
    assert status == 200 and again["verified"] and not again["virtual"] and again["digits"] == 6
    assert api.get("/accounts", token=user["token"])[1]["declared_meters"][0]["verified"] is True


def test_accounts_and_meter_card_cost_at_most_two_dynamodb_calls(api, user, contract):
    api.post(
        "/accounts", {"contract_number": contract, "meter_serial": f"A{contract[-6:].upper()}1"}, token=user["token"]
    )
    meter_id = api.get("/accounts", token=user["token"])[1]["contracts"][0]["objects"][0]["meters"][0]["id"]
    for path in ("/accounts", f"/meters/{meter_id}"):
        with count_calls("dynamodb") as calls:
            assert api.get(path, token=user["token"])[0] == 200
        assert len(calls) <= 2 and not any(c.startswith("Scan") for c in calls), (path, calls)


def test_bad_input_gets_russian_field_messages(api, user):
    status, answer = api.post("/accounts", {"contract_number": "", "meter_serial": "<script>"}, token=user["token"])
    assert status == 422
    assert {f["path"] for f in answer["error"]["fields"]} == {"contract_number", "meter_serial"}
    assert "<script>" not in str(answer)


def test_contract_numbers_in_cyrillic_work_in_paths(api, user, contract):
    api.post(
        "/accounts", {"contract_number": contract, "meter_serial": f"A{contract[-6:].upper()}1"}, token=user["token"]
    )
    from urllib.parse import quote

    assert api.call("DELETE", f"/accounts/{quote(contract)}", token=user["token"])[0] == 204
    assert api.get("/accounts", token=user["token"])[1]["contracts"] == []


def test_billing_import_keeps_accounts_and_the_consumers_aiis_connection(aws):
    from chalicelib.metering.repository import ContractItem, contract_key

    number = unique_contract()
    load_billing(billing_meter(number, "K1", account="11110001"))
    ContractItem(contract_key(number), "CONTRACT").update(actions=[ContractItem.aiis_enabled.set(True)])
    load_billing(billing_meter(number, "K2", account="11110002"))  # a later drop brings another account
    stored = ContractItem.get(contract_key(number), "CONTRACT")
    assert stored.aiis_enabled is True
    assert stored.accounts == ["11110001", "11110002"]
