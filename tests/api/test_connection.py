"""Grid-connection applications, the applicant's side: drafts, sections, submission, documents, missing
documents, readiness, questions, access of other users."""

from __future__ import annotations

import json
import re
from datetime import date

from connection_helpers import (
    FORWARD,
    OBJECT,
    PASSPORT,
    TECHNICAL,
    applicant_of,
    attach,
    complete_draft,
    create,
    organisation,
    person,
    staff_move,
    submitted,
    walk,
)
from helpers import count_calls, deliver_notifications, sent_emails, sent_sms, staff_user, upload


def test_a_draft_is_prefilled_from_the_profile(api, user):
    card = create(api, user["token"])
    assert card["status"] == "draft" and card["status_title"] == "Черновик" and card["number"] is None
    assert card["applicant_kind"] == "person" and card["category_title"] == "Физические лица до 15 кВт для бытовых нужд"
    applicant = card["applicant"]
    assert (applicant["last_name"], applicant["first_name"], applicant["middle_name"]) == ("Иванов", "Иван", "Иванович")
    assert applicant["phone"] == user["phone"] and applicant["email"] == user["email"]
    assert applicant["registration_address"] == "394000, Воронеж, ул. Ленина, д. 1, кв. 5"
    assert applicant["snils"] == "112-233-445 95"  # fixed at registration, shown but not editable
    assert card["technical"]["reliability"] == "III" and card["technical"]["previous_kw"] == 0
    assert (
        card["actions"] == ["edit", "submit", "delete", "upload"] and card["deadlines"] == [] and card["history"] == []
    )
    assert {p["path"] for p in card["problems"]} >= {
        "applicant.passport",
        "object.address",
        "technical.requested_kw",
        "documents.location_plan",
        "documents.ownership",
    }


def test_organisations_get_their_egrul_record_and_cannot_pick_the_household_category(api):
    company = organisation(api)
    status, answer = api.post("/connection-applications", {"category": "household_15"}, token=company["token"])
    assert status == 422 and answer["error"]["fields"] == [
        {"path": "category", "message": "Эта категория недоступна для Вашего вида заявителя"}
    ]
    card = create(api, company["token"], "upto_150")
    applicant = card["applicant"]
    assert applicant["short_name"] == "ООО «Ромашка»" and applicant["inn"] == "7707083893"
    assert applicant["egr_record"] == {"number": "1027700132195", "date": "2010-02-03"}
    assert applicant["legal_address"].startswith("394036, Воронеж") and applicant["last_name"] is None
    assert "technical.okved" in {p["path"] for p in card["problems"]}


def test_sections_are_saved_one_by_one_and_total_power_is_computed(api, user):
    card = create(api, user["token"], reason="capacity_increase")
    status, card = api.patch(
        f"/connection-applications/{card['id']}",
        {"technical": {**TECHNICAL, "requested_kw": 7.5, "previous_kw": 5}},
        token=user["token"],
    )
    assert status == 200 and card["total_kw"] == 12.5 and card["technical"]["requested_kw"] == 7.5
    status, card = api.patch(f"/connection-applications/{card['id']}", {"object": OBJECT}, token=user["token"])
    assert card["technical"]["requested_kw"] == 7.5 and card["object_address"] == OBJECT["address"]
    assert card["version"] == 3


def test_identifiers_and_other_kinds_fields_cannot_be_set_and_formats_are_checked(api, user):
    card = create(api, user["token"])
    path = f"/connection-applications/{card['id']}"
    status, answer = api.patch(path, {"applicant": {"short_name": "ООО «Лютик»"}}, token=user["token"])
    assert status == 422 and answer["error"]["fields"] == [
        {"path": "applicant.short_name", "message": "Поле не относится к Вашему виду заявителя"}
    ]
    # An empty (null) field of the other kind is not filled in: the form may send every field.
    status, answer = api.patch(
        path, {"applicant": {"postal_address": None, "last_name": "Иванов"}}, token=user["token"]
    )
    assert status == 200, answer
    assert answer["applicant"].get("postal_address") is None and answer["applicant"]["last_name"] == "Иванов"
    status, answer = api.patch(path, {"applicant": {"snils": "00000000000"}}, token=user["token"])
    # СНИЛС is not a field of the applicant block: refused on the block, the unknown name not echoed.
    assert status == 422 and answer["error"]["fields"][0] == {
        "path": "applicant",
        "message": "В запросе есть поля, которые не предусмотрены",
    }
    bad = {
        "object": {**OBJECT, "cadastral_number": "<script>36:34</script>"},
        "technical": {**TECHNICAL, "requested_kw": -1, "voltage": "0,4"},
    }
    status, answer = api.patch(path, bad, token=user["token"])
    assert status == 422
    fields = {f["path"]: f["message"] for f in answer["error"]["fields"]}
    assert fields["object.cadastral_number"] == "Кадастровый номер в формате 00:00:0000000:000"
    assert set(fields) == {"object.cadastral_number", "technical.requested_kw", "technical.voltage"}
    assert "script" not in json.dumps(answer, ensure_ascii=False)
    status, answer = api.patch(path, {"category": "temporary", "reason": "capacity_increase"}, token=user["token"])
    assert status == 422 and answer["error"]["fields"] == [
        {"path": "reason", "message": "Это основание недоступно для выбранной категории"}
    ]


def test_submission_checks_everything_for_the_category(api, user):
    card = create(api, user["token"])
    api.patch(
        f"/connection-applications/{card['id']}",
        {"object": OBJECT, "technical": {**TECHNICAL, "requested_kw": 20, "voltage": "10"}},
        token=user["token"],
    )
    status, answer = api.post(f"/connection-applications/{card['id']}/submit", token=user["token"])
    assert status == 422 and answer["error"]["message"] == "Заявка заполнена не полностью. Проверьте отмеченные поля"
    assert answer["error"]["fields"] == [
        {"path": "applicant.passport", "message": "Обязательное поле"},
        {
            "path": "technical.requested_kw",
            "message": "Для этой категории общая максимальная мощность — не более 15 кВт",
        },
        {"path": "technical.voltage", "message": "Для этой категории класс напряжения — не выше 0,4 кВ"},
        {
            "path": "documents.location_plan",
            "message": "Приложите документ: план расположения энергопринимающих устройств",
        },
        {
            "path": "documents.ownership",
            "message": "Приложите документ: документ, подтверждающий право собственности "
            "или иное законное основание на объект",
        },
    ]
    assert api.get(f"/connection-applications/{card['id']}", token=user["token"])[1]["status"] == "draft"


def test_submitted_application_gets_a_number_a_term_and_is_notified(api, user):
    from chalicelib.connection import rules

    card = submitted(api, user["token"])
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}-\d+-1", card["number"]) and card["status"] == "checking"
    assert card["status_title"] == "Проверка заявки" and card["submitted_at"]
    day = card["number"][:10]
    expected_due = rules.estimated_review_due("household_15", date.fromisoformat(day))
    assert card["estimated_review_due"] == expected_due.isoformat()
    assert [h["status"] for h in card["history"]] == ["checking"] and card["history"][0]["by"] == "applicant"
    assert {d["code"] for d in card["deadlines"]} == {"check", "contract"}
    assert card["actions"] == ["withdraw", "ask"] and card["problems"] == []
    assert all(not d["editable"] for d in card["documents"])

    deliver_notifications()
    due = ".".join(reversed(card["estimated_review_due"].split("-")))
    sms = sent_sms(user["phone"])
    assert any(card["number"] in m and due in m for m in sms), sms
    mail = [m for m in sent_emails(user["email"]) if card["number"] in m.subject]
    assert mail and due in mail[-1].body and "Индивидуальный" not in mail[-1].body
    feed = api.get("/me/notifications", token=user["token"])[1]["items"]
    assert feed[0]["title"] == f"Заявка на ТП № {card['number']} принята" and due in feed[0]["body"]


def test_only_drafts_can_be_edited_or_submitted(api, user):
    card = submitted(api, user["token"])
    path = f"/connection-applications/{card['id']}"
    status, answer = api.patch(path, {"object": OBJECT}, token=user["token"])
    assert status == 409 and answer["error"]["message"] == "Заявку можно изменять только в статусе «Черновик»"
    assert api.post(path + "/submit", token=user["token"])[0] == 409
    status, answer = api.post(
        path + "/documents",
        {"kind": "other", "upload_ids": [upload(api, user["token"], purpose="connection_application")]},
        token=user["token"],
    )
    assert status == 409


def test_documents_of_a_draft_can_be_removed_and_must_be_uploads_for_connection(api, user):
    card = complete_draft(api, user["token"], documents=("location_plan",))
    document = card["documents"][0]
    assert document["editable"] and document["kind_title"] == "План расположения энергопринимающих устройств"
    assert card["required_documents"][0] == {"kind": "location_plan", "title": document["kind_title"], "present": True}
    status, _ = api.call(
        "DELETE", f"/connection-applications/{card['id']}/documents/{document['id']}", token=user["token"]
    )
    assert status == 204
    card = api.get(f"/connection-applications/{card['id']}", token=user["token"])[1]
    assert card["documents"] == [] and not card["required_documents"][0]["present"]
    wrong = upload(api, user["token"], purpose="appeal")
    status, answer = api.post(
        f"/connection-applications/{card['id']}/documents",
        {"kind": "ownership", "upload_ids": [wrong]},
        token=user["token"],
    )
    assert status == 422 and answer["error"]["fields"][0]["path"] == "upload_ids.0"


def test_missing_documents_round_trip(api, user, engineer):
    card = submitted(api, user["token"])
    card = staff_move(api, engineer["token"], card, "awaiting_documents", comment="Нет плана с привязкой к улицам")
    own = api.get(f"/connection-applications/{card['id']}", token=user["token"])[1]
    assert own["status_title"] == "Ожидание недостающих документов"
    assert own["actions"] == ["upload", "complete_documents", "withdraw", "ask"]
    assert own["history"][-1]["comment"] == "Нет плана с привязкой к улицам"
    documents = {d["code"]: d for d in own["deadlines"]}["documents"]
    assert documents["party"] == "applicant" and documents["done_on"] is None

    path = f"/connection-applications/{card['id']}/documents/complete"
    status, answer = api.post(path, token=user["token"])
    assert status == 409 and answer["error"]["message"] == "Загрузите хотя бы один недостающий документ"
    own = attach(api, user["token"], card["id"], "location_plan", count=3)
    assert [d["editable"] for d in own["documents"]] == [False, False, True, True, True]
    status, own = api.post(path, token=user["token"])
    assert status == 200 and own["status"] == "checking" and not any(d["editable"] for d in own["documents"])
    assert [h["status"] for h in own["history"]] == ["checking", "awaiting_documents", "checking"]
    assert {d["code"]: d for d in own["deadlines"]}["documents"]["done_on"] is not None
    # The set is locked: nothing more can be added until the company asks again.
    status, _ = api.post(
        f"/connection-applications/{card['id']}/documents",
        {"kind": "other", "upload_ids": [upload(api, user["token"], purpose="connection_application")]},
        token=user["token"],
    )
    assert status == 409
    assert api.post(path, token=user["token"])[0] == 409


def test_readiness_needs_confirmation_and_the_right_stage(api, user, engineer):
    card = submitted(api, user["token"])
    path = f"/connection-applications/{card['id']}/readiness"
    status, answer = api.post(path, {"confirm": True}, token=user["token"])
    assert status == 409 and answer["error"]["message"] == (
        "Заявку в статусе «Проверка заявки» нельзя перевести в статус «Заявитель сообщил о готовности»"
    )
    card = walk(api, engineer["token"], card, FORWARD)
    status, answer = api.post(path, {"confirm": False}, token=user["token"])
    assert status == 422 and answer["error"]["fields"][0]["path"] == "confirm"
    status, own = api.post(path, {"confirm": True}, token=user["token"])
    assert status == 200 and own["status"] == "readiness_reported"
    assert own["history"][-1] == {**own["history"][-1], "status": "readiness_reported", "by": "applicant"}
    assert "report_readiness" not in own["actions"]


def test_questions_and_answers_on_the_card(api, user, engineer):
    draft = create(api, user["token"])
    status, answer = api.post(
        f"/connection-applications/{draft['id']}/messages", {"text": "Когда?"}, token=user["token"]
    )
    assert status == 409
    card = submitted(api, user["token"])
    status, own = api.post(
        f"/connection-applications/{card['id']}/messages", {"text": "Нужна ли однолинейная схема?"}, token=user["token"]
    )
    assert status == 201 and own["messages"][0]["author"] == "applicant"
    status, staff_card = api.post(
        f"/staff/connection-applications/{card['id']}/messages",
        {"text": "Для 15 кВт не нужна."},
        token=engineer["token"],
    )
    assert status == 201
    own = api.get(f"/connection-applications/{card['id']}", token=user["token"])[1]
    assert [(m["author"], m["text"]) for m in own["messages"]] == [
        ("applicant", "Нужна ли однолинейная схема?"),
        ("company", "Для 15 кВт не нужна."),
    ]
    deliver_notifications()
    assert any(f"Получен ответ по заявке на ТП № {card['number']}" in m for m in sent_sms(user["phone"]))


def test_questions_are_limited_per_hour(api, user, monkeypatch):
    from chalicelib.connection import service

    monkeypatch.setattr(service, "QUESTIONS_PER_HOUR", 2)
    card = submitted(api, user["token"])
    path = f"/connection-applications/{card['id']}/messages"
    assert [api.post(path, {"text": "?"}, token=user["token"])[0] for _ in range(3)] == [201, 201, 429]


def test_the_owner_downloads_own_files_through_a_short_link(api, user):
    card = submitted(api, user["token"])
    document = card["documents"][0]
    status, link = api.get(
        f"/connection-applications/{card['id']}/documents/{document['id']}/download", token=user["token"]
    )
    assert status == 200 and link["expires_in"] <= 60 and link["name"] == document["name"]
    assert "X-Amz-Signature" in link["url"] or "Signature" in link["url"]


def test_other_users_applications_do_not_exist_for_them(api, user):
    card = submitted(api, user["token"])
    draft = create(api, user["token"])
    other = person(api)
    document = card["documents"][0]["id"]
    for method, path, body in (
        ("GET", f"/connection-applications/{card['id']}", None),
        ("PATCH", f"/connection-applications/{draft['id']}", {"object": OBJECT}),
        ("POST", f"/connection-applications/{draft['id']}/submit", None),
        ("POST", f"/connection-applications/{card['id']}/messages", {"text": "?"}),
        ("POST", f"/connection-applications/{card['id']}/readiness", {"confirm": True}),
        ("POST", f"/connection-applications/{card['id']}/documents/complete", None),
        ("GET", f"/connection-applications/{card['id']}/documents/{document}/download", None),
        ("DELETE", f"/connection-applications/{draft['id']}/documents/{document}", None),
    ):
        status, answer = api.call(method, path, body, token=other["token"])
        assert status == 404 and answer["error"]["message"] == "Заявка не найдена", (method, path)
    assert api.get("/connection-applications", token=other["token"])[1]["items"] == []
    assert api.get("/connection-applications/" + "0" * 32, token=user["token"])[0] == 404


def test_staff_routes_are_closed_to_consumers_and_operators(api, user):
    card = submitted(api, user["token"])
    operator = staff_user(api, "operator")
    for token in (user["token"], operator["token"]):
        for method, path, body in (
            ("GET", "/staff/connection-applications", None),
            ("GET", f"/staff/connection-applications/{card['id']}", None),
            ("POST", f"/staff/connection-applications/{card['id']}/take", None),
            (
                "POST",
                f"/staff/connection-applications/{card['id']}/status",
                {"status": "registered", "version": card["version"]},
            ),
            ("POST", f"/staff/connection-applications/{card['id']}/messages", {"text": "!"}),
            (
                "POST",
                f"/staff/connection-applications/{card['id']}/company-documents",
                {"kind": "answer", "upload_ids": ["0" * 32]},
            ),
            ("GET", f"/staff/connection-applications/{card['id']}/documents/x/download", None),
        ):
            status, answer = api.call(method, path, body, token=token)
            assert status == 403 and answer["error"]["code"] == "forbidden", (method, path)
    assert api.get("/connection-applications", token=None)[0] == 401


def test_list_and_card_cost_at_most_two_dynamodb_calls(api, user):
    card = submitted(api, user["token"])
    create(api, user["token"])
    with count_calls("dynamodb") as calls:
        status, listed = api.get("/connection-applications", token=user["token"])
    assert status == 200 and len(calls) <= 2 and not any(c.startswith("Scan") for c in calls), calls
    items = {i["status"]: i for i in listed["items"]}
    assert set(items) == {"draft", "checking"} and items["checking"]["number"] == card["number"]
    assert items["checking"]["total_kw"] == 15
    created = [i["created_at"] for i in listed["items"]]
    assert created == sorted(created, reverse=True)  # newest first
    with count_calls("dynamodb") as calls:
        status, _ = api.get(f"/connection-applications/{card['id']}", token=user["token"])
    assert status == 200 and len(calls) <= 2, calls


def test_a_representative_must_attach_a_power_of_attorney(api, user):
    card = complete_draft(api, user["token"], representative=True, representative_name="Петров Пётр Петрович")
    status, answer = api.post(f"/connection-applications/{card['id']}/submit", token=user["token"])
    assert status == 422 and [f["path"] for f in answer["error"]["fields"]] == ["documents.power_of_attorney"]
    attach(api, user["token"], card["id"], "power_of_attorney")
    assert api.post(f"/connection-applications/{card['id']}/submit", token=user["token"])[0] == 200


def test_an_organisation_submits_above_150_kw_with_schemes(api):
    company = organisation(api)
    card = complete_draft(
        api,
        company["token"],
        "from_150_to_670",
        technical={
            **TECHNICAL,
            "requested_kw": 400,
            "voltage": "10",
            "okved": "10.71",
            "reliability": "II",
            "reliability_justification": "Холодильные камеры",
        },
        documents=("location_plan", "ownership", "single_line_diagram", "devices_list"),
    )
    status, card = api.post(f"/connection-applications/{card['id']}/submit", token=company["token"])
    assert status == 200 and card["number"].endswith("-3")
    contract = {d["code"]: d for d in card["deadlines"]}["contract"]
    from chalicelib.connection import calendar

    assert contract["due"] == calendar.add_working_days(date.fromisoformat(contract["start"]), 20).isoformat()
    assert card["applicant"]["inn"] == "7707083893" and PASSPORT["number"] not in json.dumps(card)
    assert applicant_of(card)["short_name"] == "ООО «Ромашка»"
