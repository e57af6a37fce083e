"""The seeds' terms (issue 14): extra services named as seed 001 names them, and the console finds a case
by a part of its number as the site does."""

from __future__ import annotations

from helpers import login, register_and_confirm, staff_user

SEED_001_SERVICES = [
    "Снятие показаний существующего прибора учёта (ПУ)",
    "Осуществление допуска в эксплуатацию ПУ",
    "Оборудование точки поставки приборами учёта",
    "Установка, замена и (или) эксплуатация приборов учёта (ПУ)",
]


def appeal(api, user):
    body = {
        "type": "complaint",
        "addressee": "Главный инженер",
        "topic": "Перепады напряжения",
        "text": "Вечером напряжение падает до 180 В.",
        "contact_phone": user["phone"],
        "attachments": [],
    }
    status, card = api.post("/appeals", body, token=user["token"])
    assert status == 201, card
    return card


def consumer(api):
    person = register_and_confirm(api)
    person["token"] = login(api, person["login"])["access_token"]
    return person


def test_extra_services_are_named_as_seed_001_names_them(api):
    user = consumer(api)
    status, options = api.get("/cases/options", token=user["token"])
    assert status == 200
    assert [o["title"] for o in options["service_types"]] == SEED_001_SERVICES


def test_the_console_finds_a_case_by_a_part_of_its_number_as_the_site_does(api):
    user, operator = consumer(api), staff_user(api, "operator")
    card = appeal(api, user)
    year, seq = card["number"].split("-")
    for typed in (card["number"], f"№ {card['number']}", seq, str(int(seq))):
        mine = api.get(f"/appeals?number={typed}", token=user["token"])[1]["items"]
        status, found = api.get(f"/staff/appeals?number={typed}", token=operator["token"])
        assert status == 200, (typed, found)
        assert card["id"] in [i["id"] for i in found["items"]], typed
        assert [i["id"] for i in mine] == [card["id"]], typed
    # The same rule refuses the same input, with the site's message.
    status, answer = api.get("/staff/appeals?number=abc", token=operator["token"])
    assert status == 422
    assert answer["error"]["fields"] == [{"path": "number", "message": "Введите номер, например 2026-000123 или 123"}]
    assert api.get("/appeals?number=abc", token=user["token"])[1]["error"]["fields"] == answer["error"]["fields"]
