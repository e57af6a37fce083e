"""The public «Проверить заявку» (seed 002): number plus surname, full ФИО (case, «ё» and spaces
ignored) or organisation name; status, dates, «Тип заявки» and «В связи с» only; a wrong name is
indistinguishable from an unknown number; limited per client IP."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

import pytest
from connection_helpers import create, organisation, person, submitted

NOT_FOUND = "Заявка с таким номером и фамилией (наименованием организации) не найдена"


@pytest.fixture
def own_ip(settings_override):
    """A client address of this test's own: the per-IP window is not shared with other tests."""
    settings_override(client_ip_header="X-Forwarded-For")
    return {"X-Forwarded-For": f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"}


def check(api, number: str, name: str, headers: dict[str, str]) -> tuple[int, dict]:
    return api.get(
        "/public/connection-applications/status?" + urlencode({"number": number, "name": name}), headers=headers
    )


def test_status_and_dates_only_for_the_right_surname_in_any_case(api, own_ip):
    user = person(api)
    card = submitted(api, user["token"])
    for name in ("Иванов", "иванов", " ИВАНОВ "):
        status, found = check(api, card["number"], name, own_ip)
        assert status == 200, found
        assert found == {
            "number": card["number"],
            "status": "checking",
            "status_title": "Проверка заявки",
            "submitted_on": card["number"][:10],
            "updated_on": card["number"][:10],
            "reason": "first",
            "reason_title": "Присоединение впервые",
            "category": "household_15",
            "category_title": "Физические лица до 15 кВт для бытовых нужд",
        }
    status, found = check(api, f" {card['number']} ", "иванов", own_ip)
    assert status == 200


def test_a_wrong_name_and_an_unknown_number_get_the_same_answer(api, own_ip):
    user = person(api)
    card = submitted(api, user["token"])
    answers = [
        check(api, card["number"], "Петров", own_ip),
        check(api, "2020-01-10-702-5", "Иванов", own_ip),
        check(api, "7874", "Иванов", own_ip),
        check(api, card["number"], "Иван", own_ip),
    ]
    assert all(a == (404, {"error": {"code": "not_found", "message": NOT_FOUND, "fields": []}}) for a in answers)


def test_organisations_are_found_by_short_or_full_name_and_shown_with_type_and_reason(api, own_ip):
    company = organisation(api)
    card = submitted(
        api,
        company["token"],
        category="upto_150",
        technical={
            "requested_kw": 100,
            "voltage": "0.4",
            "okved": "47.11",
            "contract_type": "supply",
            "retail_company": "ПАО «ТНС энерго»",
        },
    )
    for name in ("ООО «Ромашка»", 'ооо "ромашка"', "Ромашка", "Общество с ограниченной ответственностью «Ромашка»"):
        assert check(api, card["number"], name, own_ip)[0] == 200, name
    assert check(api, card["number"], "Лютик", own_ip)[0] == 404
    # «Тип заявки» and «В связи с» (seed 002 §4.6.4, рис. 16), and nothing of the applicant.
    status, found = check(api, card["number"], "  общество с ограниченной ответственностью «РОМАШКА» ", own_ip)
    assert status == 200
    assert (found["category"], found["category_title"]) == ("upto_150", "До 150 кВт включительно")
    assert (found["reason"], found["reason_title"]) == ("first", "Присоединение впервые")
    assert "applicant" not in found and "object_address" not in found


def test_the_public_check_accepts_the_full_name_ignoring_case_yo_and_spaces(api, own_ip):
    user = person(api)
    card = submitted(api, user["token"], last_name="Ёлкин", first_name="Пётр", middle_name="Семёнович")
    for name in ("Ёлкин Пётр Семёнович", "елкин петр семенович", "  ЕЛКИН   Пётр  семёнович ", "Елкин", "Ёлкин Пётр"):
        status, found = check(api, card["number"], name, own_ip)
        assert status == 200, name
    assert found["category_title"] == "Физические лица до 15 кВт для бытовых нужд"
    assert found["reason_title"] == "Присоединение впервые"
    for wrong in ("Пётр Семёнович", "Ёлкин Семёнович", "Ёлкин Пётр Семёнович Иванов"):
        assert check(api, card["number"], wrong, own_ip)[0] == 404, wrong


def test_the_number_is_required(api, own_ip):
    user = person(api)
    create(api, user["token"])
    status, _ = check(api, "", "Иванов", own_ip)
    assert status == 422


def test_checks_are_limited_per_client_address(api, own_ip, settings_override):
    settings_override(connection_status_checks_per_ip=3)
    user = person(api)
    card = submitted(api, user["token"])
    statuses = [check(api, card["number"], "Иванов", own_ip)[0] for _ in range(3)]
    status, answer = check(api, card["number"], "Иванов", own_ip)
    assert statuses == [200, 200, 200] and status == 429 and answer["error"]["code"] == "rate_limited"
    # Another address is counted separately.
    other = {"X-Forwarded-For": "192.0.2.77"}
    assert check(api, card["number"], "Иванов", other)[0] == 200
