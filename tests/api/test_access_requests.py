"""Access requests: a consumer who cannot prove ownership asks the company with a document; staff approve
it with a right or refuse it with a reason (docs/design-ownership.md, «Access requests»)."""

from __future__ import annotations

import pytest
import requests
from helpers import (
    billing_meter,
    count_calls,
    deliver_notifications,
    load_billing,
    login,
    register_and_confirm,
    sent_emails,
    staff_user,
    unique_contract,
    upload,
)

# Another person's valid СНИЛС: the test users (helpers.person_payload) are the holders billing_meter names.
STRANGER_SNILS = "123-456-789 64"


@pytest.fixture
def stranger(api):
    person = register_and_confirm(api, snils=STRANGER_SNILS, last_name="Смирнова", first_name="Ольга")
    person["token"] = login(api, person["login"])["access_token"]
    return person


@pytest.fixture
def operator(api):
    return staff_user(api, "operator")


@pytest.fixture
def contract():
    """A contract of the standard test holder with one meter; returns (number, serial)."""
    number = unique_contract()
    serial = f"S{number[-6:].upper()}"
    load_billing(billing_meter(number, serial))
    return number, serial


def file_request(api, user, number, serial, **overrides):
    body = {
        "contract_number": number,
        "meter_serial": serial,
        "relation": "tenant",
        "right": "submit",
        "comment": "Снимаю квартиру, договор аренды прилагаю",
        "files": [upload(api, user["token"], file_name="Договор аренды.pdf", purpose="access_request")],
    }
    body.update(overrides)
    return api.post("/accounts/access-requests", body, token=user["token"])


def submitted(api, user, number, serial, **overrides):
    status, answer = file_request(api, user, number, serial, **overrides)
    assert status == 201, answer
    return answer


def test_a_request_is_accepted_alike_whether_or_not_the_contract_exists(api, stranger, contract):
    number, serial = contract
    real = submitted(api, stranger, number, serial)
    invented = submitted(api, stranger, unique_contract(), "NOSUCH1")
    wrong_serial = submitted(api, stranger, unique_contract(), serial)
    for answer in (real, invented, wrong_serial):
        assert answer["status"] == "pending" and answer["status_title"] == "На рассмотрении"
        assert answer["reason"] is None and [f["name"] for f in answer["files"]] == ["Договор аренды.pdf"]
    assert set(real) == set(invented) == set(wrong_serial)
    assert "Иванов" not in str(real) and "Плехановская" not in str(real)
    deliver_notifications()
    subjects = [m.subject for m in sent_emails(stranger["email"])]
    assert f"Запрос доступа к договору № {number} принят" in subjects


def test_a_request_needs_a_document_uploaded_for_it(api, stranger, contract):
    number, serial = contract
    status, answer = file_request(api, stranger, number, serial, files=[])
    assert status == 422 and [f["path"] for f in answer["error"]["fields"]] == ["files"]
    appeal_file = upload(api, stranger["token"], purpose="appeal")
    status, answer = file_request(api, stranger, number, serial, files=[appeal_file])
    assert status == 422 and [f["path"] for f in answer["error"]["fields"]] == ["files.0"]
    status, answer = file_request(api, stranger, number, serial, relation="landlord", comment="x" * 1001)
    assert status == 422 and {f["path"] for f in answer["error"]["fields"]} == {"relation", "comment"}


def test_one_pending_request_per_contract_and_a_daily_limit(api, stranger, contract):
    number, serial = contract
    submitted(api, stranger, number, serial)
    status, answer = file_request(api, stranger, number, serial, right="view")
    assert status == 409 and "уже рассматривается" in answer["error"]["message"]
    for _ in range(3):  # five attempts a day in all, the refused duplicate among them
        submitted(api, stranger, unique_contract(), serial)
    status, answer = file_request(api, stranger, unique_contract(), serial)
    assert status == 429


def test_my_requests_list_with_status_in_two_calls(api, stranger, contract):
    number, serial = contract
    first = submitted(api, stranger, number, serial)
    second = submitted(api, stranger, unique_contract(), "X1")
    with count_calls("dynamodb") as calls:
        status, answer = api.get("/accounts/access-requests", token=stranger["token"])
    assert status == 200
    assert [i["id"] for i in answer["items"]] == [second["id"], first["id"]]
    assert len(calls) <= 2 and not any(c.startswith("Scan") for c in calls), calls


def test_only_operators_and_administrators_handle_requests(api, stranger, contract):
    number, serial = contract
    request_id = submitted(api, stranger, number, serial)["id"]
    engineer = staff_user(api, "engineer")
    for token in (engineer["token"], stranger["token"]):
        assert api.get("/staff/access-requests", token=token)[0] == 403
        assert api.get(f"/staff/access-requests/{request_id}", token=token)[0] == 403
        status, _ = api.post(f"/staff/access-requests/{request_id}/decision", {"decision": "approve"}, token=token)
        assert status == 403
    admin = staff_user(api, "admin")
    assert api.get(f"/staff/access-requests/{request_id}", token=admin["token"])[0] == 200
    # Staff accounts hold no contracts: they cannot file requests either.
    status, _ = file_request(api, admin, number, serial)
    assert status == 403


def test_staff_queue_oldest_first_in_two_calls(api, stranger, operator, contract):
    number, serial = contract
    first = submitted(api, stranger, number, serial)
    second = submitted(api, stranger, unique_contract(), serial)
    with count_calls("dynamodb") as calls:
        status, answer = api.get("/staff/access-requests?status=pending&limit=100", token=operator["token"])
    assert status == 200
    assert len(calls) <= 2 and not any(c.startswith("Scan") for c in calls), calls
    ids = [i["id"] for i in answer["items"]]
    assert ids.index(first["id"]) < ids.index(second["id"])
    row = answer["items"][ids.index(first["id"])]
    assert row["applicant_login"] == stranger["login"] and row["applicant_name"] == "Смирнова О. И."
    # Paging: one at a time, the cursor continues the queue.
    status, page = api.get("/staff/access-requests?limit=1", token=operator["token"])
    assert status == 200 and len(page["items"]) == 1 and page["next_cursor"]
    status, rest = api.get(f"/staff/access-requests?limit=100&cursor={page['next_cursor']}", token=operator["token"])
    assert page["items"][0]["id"] not in [i["id"] for i in rest["items"]]
    assert api.get("/staff/access-requests?cursor=bogus", token=operator["token"])[0] == 422


def test_the_card_puts_the_applicant_beside_the_holder(api, stranger, operator, contract):
    number, serial = contract
    holder = register_and_confirm(api)
    holder["token"] = login(api, holder["login"])["access_token"]
    assert api.post("/accounts", {"contract_number": number, "meter_serial": serial}, token=holder["token"])[0] == 201
    request_id = submitted(api, stranger, number, serial.lower())["id"]
    status, card = api.get(f"/staff/access-requests/{request_id}", token=operator["token"])
    assert status == 200
    assert card["applicant"]["snils"] == STRANGER_SNILS and card["applicant"]["name"].startswith("Смирнова Ольга")
    assert card["holder"]["snils"] == "112-233-445 95" and card["holder"]["name"] == "Иванов Иван Иванович"
    assert card["contract_found"] and card["serial_matched"] and not card["identity_matches"]
    assert [(u["login"], u["right"]) for u in card["users"]] == [(holder["login"], "holder")]
    assert card["can_approve"] and card["relation_title"] == "Арендатор (наниматель)"
    file_id = card["files"][0]["id"]
    status, link = api.get(f"/staff/access-requests/{request_id}/files/{file_id}", token=operator["token"])
    assert status == 200 and requests.get(link["url"], timeout=10).content.startswith(b"%PDF-")
    assert api.get(f"/staff/access-requests/{'0' * 32}", token=operator["token"])[0] == 404

    invented = submitted(api, stranger, unique_contract(), serial)["id"]
    status, card = api.get(f"/staff/access-requests/{invented}", token=operator["token"])
    assert not card["contract_found"] and card["holder"] is None and not card["can_approve"]


def test_approval_grants_the_right_and_tells_the_applicant(api, stranger, operator, contract):
    number, serial = contract
    request_id = submitted(api, stranger, number, serial, right="holder")["id"]
    status, card = api.post(
        f"/staff/access-requests/{request_id}/decision",
        {"decision": "approve", "right": "submit", "reason": "Договор аренды проверен"},
        token=operator["token"],
    )
    assert status == 200, card
    assert card["status"] == "approved" and card["granted_right"] == "submit"
    assert card["decided_by"] == operator["login"]
    assert [(u["login"], u["right"], u["granted_by"]) for u in card["users"]] == [
        (stranger["login"], "submit", f"staff:{operator['user_id']}")
    ]

    status, accounts = api.get("/accounts", token=stranger["token"])
    assert [(c["number"], c["right"]) for c in accounts["contracts"]] == [(number, "submit")]
    meter_id = accounts["contracts"][0]["objects"][0]["meters"][0]["id"]
    assert api.get(f"/meters/{meter_id}", token=stranger["token"])[0] == 200

    mine = api.get("/accounts/access-requests", token=stranger["token"])[1]["items"][0]
    assert mine["status"] == "approved" and mine["granted_right"] == "submit"
    deliver_notifications()
    letter = next(m for m in sent_emails(stranger["email"]) if "предоставлен" in m.subject)
    assert "«Просмотр и передача показаний»" in letter.body and "Договор аренды проверен" in letter.body
    feed = api.get("/me/notifications", token=stranger["token"])[1]
    assert any(n["title"] == f"Доступ к договору № {number} предоставлен" for n in feed["items"])

    from chalicelib.core import audit

    entries = audit.for_target("access_request", request_id)
    assert [(e.action, e.actor_login, e.details["right"]) for e in entries] == [
        ("access_request.approve", operator["login"], "submit")
    ]

    # Decided once: a second decision, either way, is refused.
    for body in ({"decision": "approve"}, {"decision": "refuse", "reason": "Повторно"}):
        status, answer = api.post(f"/staff/access-requests/{request_id}/decision", body, token=operator["token"])
        assert status == 409, answer
    assert len(audit.for_target("access_request", request_id)) == 1


def test_the_holder_hears_whom_staff_let_into_the_contract(api, stranger, operator, contract):
    number, serial = contract
    holder = register_and_confirm(api)  # the standard test identity: billing names this account the holder
    holder["token"] = login(api, holder["login"])["access_token"]
    assert api.post("/accounts", {"contract_number": number, "meter_serial": serial}, token=holder["token"])[0] == 201
    request_id = submitted(api, stranger, number, serial, right="view")["id"]
    status, _ = api.post(
        f"/staff/access-requests/{request_id}/decision", {"decision": "approve"}, token=operator["token"]
    )
    assert status == 200
    deliver_notifications()
    letter = next(m for m in sent_emails(holder["email"]) if "открыла доступ" in m.subject)
    assert "Смирнова О." in letter.body and "«Только просмотр»" in letter.body
    feed = api.get("/me/notifications", token=holder["token"])[1]
    assert any(n["title"] == f"Сетевая компания открыла доступ к Вашему договору № {number}" for n in feed["items"])


def test_refusal_needs_a_reason_and_grants_nothing(api, stranger, operator, contract):
    number, serial = contract
    request_id = submitted(api, stranger, number, serial)["id"]
    path = f"/staff/access-requests/{request_id}/decision"
    status, answer = api.post(path, {"decision": "refuse"}, token=operator["token"])
    assert status == 422 and [f["path"] for f in answer["error"]["fields"]] == ["reason"]
    status, card = api.post(path, {"decision": "refuse", "reason": "Доверенность не заверена"}, token=operator["token"])
    assert status == 200 and card["status"] == "refused" and card["reason"] == "Доверенность не заверена"
    assert card["users"] == []
    assert api.get("/accounts", token=stranger["token"])[1]["contracts"] == []
    mine = api.get("/accounts/access-requests", token=stranger["token"])[1]["items"][0]
    assert mine["status"] == "refused" and mine["reason"] == "Доверенность не заверена"
    deliver_notifications()
    letter = next(m for m in sent_emails(stranger["email"]) if m.subject.startswith("Отказ в доступе"))
    assert "Доверенность не заверена" in letter.body

    from chalicelib.core import audit

    assert [e.action for e in audit.for_target("access_request", request_id)] == ["access_request.refuse"]
    queue = api.get("/staff/access-requests?status=refused", token=operator["token"])[1]
    assert queue["items"][0]["id"] == request_id
    pending = api.get("/staff/access-requests?limit=100", token=operator["token"])[1]
    assert request_id not in [i["id"] for i in pending["items"]]


def test_a_request_for_what_billing_does_not_have_can_only_be_refused(api, stranger, operator, contract):
    number, serial = contract
    for contract_number, meter_serial in ((unique_contract(), serial), (number, "WRONG1")):
        request_id = submitted(api, stranger, contract_number, meter_serial)["id"]
        path = f"/staff/access-requests/{request_id}/decision"
        status, answer = api.post(path, {"decision": "approve", "right": "view"}, token=operator["token"])
        assert status == 409 and "можно только отклонить" in answer["error"]["message"]
        assert api.post(path, {"decision": "refuse", "reason": "Нет такого"}, token=operator["token"])[0] == 200
    assert api.get("/accounts", token=stranger["token"])[1]["contracts"] == []
