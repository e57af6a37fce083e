"""The audit trail of staff actions is readable by administrators, by target (its id, or the registration
number of an appeal, a service request, a connection application) and by employee (id or login)."""

from __future__ import annotations

from helpers import staff_user


def test_admin_reads_the_trail_of_an_object_and_of_an_employee(api):
    admin = staff_user(api, "admin")
    status, street = api.post(
        "/staff/reference/streets", {"locality": "Воронеж", "name": "ул. Аудиторская"}, token=admin["token"]
    )
    assert status == 201, street
    status, outage = api.post(
        "/staff/outages",
        {
            "kind": "planned",
            "streets": [{"street_id": street["id"], "houses": "1-9"}],
            "start": "2030-05-12T09:00",
            "end": "2030-05-12T17:00",
            "reason": "Замена опор",
        },
        token=admin["token"],
    )
    assert status == 201, outage
    status, trail = api.get(f"/staff/audit?target_kind=outage&target_id={outage['id']}", token=admin["token"])
    assert status == 200
    assert [(e["action"], e["actor_login"], e["role"]) for e in trail["items"]] == [
        ("outage.create", admin["login"], "admin")
    ]
    status, mine = api.get(f"/staff/audit?actor={admin['user_id']}", token=admin["token"])
    assert status == 200 and [e["action"] for e in mine["items"]] == ["outage.create", "reference.street.add"]


def test_only_administrators_read_the_trail_and_the_query_names_one_subject(api):
    operator = staff_user(api, "operator")
    assert api.get(f"/staff/audit?actor={operator['user_id']}", token=operator["token"])[0] == 403
    admin = staff_user(api, "admin")
    for query in ("", "?target_kind=outage", "?actor=x&target_kind=outage&target_id=1", "?actor=<script>"):
        status, answer = api.get(f"/staff/audit{query}", token=admin["token"])
        assert status == 422, query
        assert "<script>" not in str(answer)


def test_an_appeal_is_found_by_its_number_and_an_employee_by_login_newest_first_in_company_time(api):
    from datetime import datetime

    from helpers import login, register_and_confirm

    from chalicelib.core.config import get_settings

    consumer = register_and_confirm(api)
    token = login(api, consumer["login"])["access_token"]
    status, card = api.post(
        "/appeals",
        {
            "type": "information",
            "addressee": "Главный инженер",
            "topic": "Тариф",
            "text": "Какой тариф у меня?",
            "contact_phone": consumer["phone"],
            "attachments": [],
        },
        token=token,
    )
    assert status == 201, card
    operator, admin = staff_user(api, "operator"), staff_user(api, "admin")
    path = f"/staff/appeals/{card['id']}"
    assert api.post(f"{path}/take", token=operator["token"])[0] == 200
    assert api.post(f"{path}/status", {"status": "rejected", "comment": "Не по адресу"}, token=admin["token"])[0] == 200

    by_number = api.get(f"/staff/audit?target_kind=appeal&target_id={card['number']}", token=admin["token"])
    by_id = api.get(f"/staff/audit?target_kind=appeal&target_id={card['id']}", token=admin["token"])
    assert by_number == by_id and by_number[0] == 200
    items = by_number[1]["items"]
    assert [(e["action"], e["actor_login"], e["role"]) for e in items] == [
        ("appeal.status", admin["login"], "admin"),
        ("appeal.take", operator["login"], "operator"),
    ]
    assert items[0]["details"] == {"number": card["number"], "from": "in_progress", "to": "rejected"}
    assert (items[0]["target_kind"], items[0]["target_id"]) == ("appeal", card["id"])
    at = datetime.fromisoformat(items[0]["at"])
    assert at.utcoffset() == at.astimezone(get_settings().tz).utcoffset()

    status, mine = api.get(f"/staff/audit?actor_login={operator['login'].upper()}", token=admin["token"])
    assert status == 200 and mine == api.get(f"/staff/audit?actor={operator['user_id']}", token=admin["token"])[1]
    assert [(e["action"], e["target_id"]) for e in mine["items"]] == [("appeal.take", card["id"])]


def test_a_connection_application_is_found_by_its_number(api):
    from connection_helpers import person, staff_move, submitted

    applicant = person(api)
    card = submitted(api, applicant["token"])
    admin = staff_user(api, "admin")
    staff_move(api, admin["token"], card, "registered")
    status, trail = api.get(
        f"/staff/audit?target_kind=connection_application&target_id={card['number']}", token=admin["token"]
    )
    assert status == 200 and [(e["action"], e["target_id"]) for e in trail["items"]] == [
        ("connection.registered", card["id"])
    ]


def test_unknown_numbers_and_logins_are_named_in_the_answer(api):
    admin = staff_user(api, "admin")
    for query, path, message in (
        ("target_kind=appeal&target_id=1990-000001", "target_id", "Обращение с таким номером не найдено"),
        ("target_kind=appeal&target_id=123", "target_id", "Введите номер целиком, например 2026-000123"),
        (
            "target_kind=service_request&target_id=1990-000001",
            "target_id",
            "Заявка на услугу с таким номером не найдена",
        ),
        (
            "target_kind=connection_application&target_id=1990-01-01-1-5",
            "target_id",
            "Заявка на присоединение с таким номером не найдена",
        ),
        ("actor_login=nosuchemployee1", "actor_login", "Сотрудник с таким логином не найден"),
    ):
        status, answer = api.get(f"/staff/audit?{query}", token=admin["token"])
        assert status == 422 and answer["error"]["fields"] == [{"path": path, "message": message}], query
    status, answer = api.get(
        f"/staff/audit?actor_login={admin['login']}&actor={admin['user_id']}", token=admin["token"]
    )
    assert status == 422
    from helpers import register_and_confirm

    consumer = register_and_confirm(api)  # a consumer is no employee
    status, answer = api.get(f"/staff/audit?actor_login={consumer['login']}", token=admin["token"])
    assert status == 422 and answer["error"]["fields"][0]["path"] == "actor_login"
    # Objects without a registration number are named by their id, found or not.
    assert api.get("/staff/audit?target_kind=outage&target_id=1990-000001", token=admin["token"]) == (
        200,
        {"items": []},
    )
