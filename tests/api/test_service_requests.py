"""Extra-service requests: an address from the street directory, listed with appeals, one numbering."""

from __future__ import annotations

import pytest
from helpers import (
    count_calls,
    deliver_notifications,
    login,
    register_and_confirm,
    sent_emails,
    sent_sms,
    staff_user,
    unique_suffix,
    upload,
)


@pytest.fixture
def street(aws):
    from chalicelib.core.dynamo import transaction
    from chalicelib.reference.repository import Street, StreetRepository

    found = Street.new(f"Заявкино-{unique_suffix()}", "ул. 1 Мая")
    with transaction() as tx:
        StreetRepository().add(tx, found)
    return found


def request_body(user, street, **overrides):
    body = {
        "service": "meter_installation",
        "address": {"street_id": street.id, "house": "12к1", "flat": "45"},
        "text": "Прошу заменить счётчик: истёк срок поверки.",
        "contact_phone": user["phone"],
        "attachments": [],
    }
    body.update(overrides)
    return body


def test_request_is_registered_with_the_directory_address(api, user, street):
    upload_id = upload(api, user["token"], file_name="Заявление.pdf", purpose="service_request")
    status, card = api.post(
        "/service-requests", request_body(user, street, attachments=[upload_id]), token=user["token"]
    )
    assert status == 201, card
    assert card["kind"] == "service_request" and card["type"] == "meter_installation"
    assert card["type_title"] == card["topic"] == "Установка, замена и (или) эксплуатация приборов учёта (ПУ)"
    assert card["address"] == {
        "street_id": street.id,
        "street": "ул. 1 Мая",
        "locality": street.locality,
        "house": "12к1",
        "flat": "45",
        "text": f"{street.locality}, ул. 1 Мая, д. 12к1, кв. 45",
    }
    assert card["addressee"] is None and [f["id"] for f in card["files"]] == [upload_id]
    assert api.get(f"/service-requests/{card['id']}", token=user["token"]) == (200, card)
    status, link = api.get(f"/service-requests/{card['id']}/files/{upload_id}", token=user["token"])
    assert status == 200 and link["name"] == "Заявление.pdf"

    deliver_notifications()
    assert any(f"Заявка № {card['number']} зарегистрирована" in text for text in sent_sms(user["phone"]))
    mail = [m for m in sent_emails(user["email"]) if card["number"] in m.subject]
    assert mail and "Ориентировочный срок рассмотрения" in mail[0].body


@pytest.mark.parametrize(
    "address,path",
    [
        ({"street_id": "0" * 32, "house": "1"}, "address.street_id"),
        ({"street_id": "STREET#x", "house": "1"}, "address.street_id"),
        ({"street_id": None, "house": "1"}, "address.street_id"),
        ({"house": "1"}, "address.street_id"),
        ({"street_id": "0" * 32, "house": "1" * 26}, "address.house"),
        ({"street_id": "0" * 32, "house": "1", "flat": "2" * 26}, "address.flat"),
    ],
)
def test_address_must_come_from_the_directory(api, user, street, address, path):
    status, answer = api.post("/service-requests", request_body(user, street, address=address), token=user["token"])
    assert status == 422 and path in [f["path"] for f in answer["error"]["fields"]], answer


def test_unknown_service_is_refused(api, user, street):
    status, answer = api.post("/service-requests", request_body(user, street, service="painting"), token=user["token"])
    assert status == 422 and answer["error"]["fields"][0]["path"] == "service"


def test_requests_are_listed_with_appeals_and_share_their_numbering(api, user, street):
    status, request = api.post("/service-requests", request_body(user, street), token=user["token"])
    status, appeal = api.post(
        "/appeals",
        {
            "type": "information",
            "addressee": "Генеральный директор",
            "topic": "Тарифы",
            "text": "Какой тариф?",
            "contact_phone": user["phone"],
        },
        token=user["token"],
    )
    assert status == 201
    year, seq = request["number"].split("-")
    assert appeal["number"] > request["number"] and appeal["number"].startswith(year)
    with count_calls("dynamodb") as calls:
        status, both = api.get("/cases", token=user["token"])
    assert status == 200 and len(calls) <= 2, calls
    assert [(i["kind"], i["id"]) for i in both["items"]] == [
        ("appeal", appeal["id"]),
        ("service_request", request["id"]),
    ]
    assert [i["id"] for i in api.get("/service-requests", token=user["token"])[1]["items"]] == [request["id"]]
    assert [i["id"] for i in api.get("/appeals", token=user["token"])[1]["items"]] == [appeal["id"]]
    assert api.get(f"/appeals/{request['id']}", token=user["token"])[0] == 404
    assert api.get(f"/cases?number={int(seq)}", token=user["token"])[1]["items"][0]["id"] == request["id"]


def test_other_users_requests_do_not_exist_for_them(api, user, street):
    status, card = api.post("/service-requests", request_body(user, street), token=user["token"])
    other = register_and_confirm(api)
    token = login(api, other["login"])["access_token"]
    status, answer = api.get(f"/service-requests/{card['id']}", token=token)
    assert status == 404 and answer["error"]["message"] == "Заявка не найдена"


def test_staff_handle_requests_in_their_own_queue(api, user, street):
    status, card = api.post(
        "/service-requests", request_body(user, street, service="reading_removal"), token=user["token"]
    )
    deliver_notifications()
    before = len(sent_sms(user["phone"]))
    admin = staff_user(api, "admin")
    status, queue = api.get("/staff/service-requests?type=reading_removal&limit=100", token=admin["token"])
    assert status == 200
    assert api.get(f"/staff/appeals?number={card['number']}", token=admin["token"])[1]["items"] == []
    status, found = api.get(f"/staff/service-requests?number={card['number']}", token=admin["token"])
    assert [i["id"] for i in found["items"]] == [card["id"]]

    path = f"/staff/service-requests/{card['id']}"
    assert api.post(f"{path}/take", token=admin["token"])[1]["status"] == "in_progress"
    status, answered = api.post(f"{path}/answer", {"text": "Показания сняты 12.03."}, token=admin["token"])
    assert status == 200 and answered["answer"]["files"] == []
    status, seen = api.get(f"/service-requests/{card['id']}", token=user["token"])
    assert seen["status_title"] == "Дан ответ" and seen["answer"]["text"] == "Показания сняты 12.03."
    deliver_notifications()
    assert sent_sms(user["phone"])[before:] == [
        f"Заявка № {card['number']}: статус «В работе». АО «Горэлектросеть»",
        f"Заявка № {card['number']}: статус «Дан ответ». АО «Горэлектросеть»",
    ]

    engineer = staff_user(api, "engineer")
    assert api.get(path, token=engineer["token"])[0] == 403
    assert api.post(f"{path}/status", {"status": "closed"}, token=user["token"])[0] == 403


def test_the_staff_card_of_a_request_offers_the_steps_the_console_may_take(api, user, street):
    status, card = api.post("/service-requests", request_body(user, street), token=user["token"])
    assert status == 201, card
    operator, admin = staff_user(api, "operator"), staff_user(api, "admin")
    path = f"/staff/service-requests/{card['id']}"

    def steps(token):
        return [(t["action"], t["status"], t["title"]) for t in api.get(path, token=token)[1]["transitions"]]

    assert (
        steps(operator["token"])
        == steps(admin["token"])
        == [("take", "in_progress", "Взять в работу"), ("status", "rejected", "Отказать")]
    )
    assert api.post(f"{path}/answer", {"text": "Рано"}, token=operator["token"])[0] == 409
    api.post(f"{path}/take", token=operator["token"])
    assert steps(operator["token"]) == [("answer", "answered", "Ответить"), ("status", "rejected", "Отказать")]
    assert steps(admin["token"])[0] == ("take", "in_progress", "Взять на себя")
    status, answered = api.post(f"{path}/answer", {"text": "Счётчик заменён 12.03."}, token=admin["token"])
    assert status == 200 and [(t["action"], t["status"]) for t in answered["transitions"]] == [("status", "closed")]
    status, closed = api.post(f"{path}/status", {"status": "closed"}, token=operator["token"])
    assert status == 200 and closed["transitions"] == []
    assert api.post(f"{path}/status", {"status": "rejected", "comment": "Поздно"}, token=admin["token"])[0] == 409
