"""Grid-connection applications in the staff console: queue, take, every status step with its
notification and audit record, ТУ and account numbers, company documents, overdue deadlines,
concurrent numbering."""

from __future__ import annotations

import base64
import json
import threading
from datetime import timedelta

from connection_helpers import AFTER_READINESS, FORWARD, complete_draft, create, staff_move, submitted, walk
from helpers import deliver_notifications, login, sent_emails, sent_sms, staff_login, staff_user, upload


def audit_actions(application_id: str) -> list[str]:
    """Sorted: the audit trail orders by the second, and a test makes several changes a second."""
    from chalicelib.core import audit

    return sorted(e.action for e in audit.for_target("connection_application", application_id))


def queue_rows(api, token: str, query: str) -> list[dict]:
    """Every row the queue lists for `query`, following the cursor (other tests fill the queue too)."""
    page = api.get(f"/staff/connection-applications?limit=100{query}", token=token)[1]
    rows = list(page["items"])
    while page["next_cursor"]:
        page = api.get(f"/staff/connection-applications?limit=100{query}&cursor={page['next_cursor']}", token=token)[1]
        rows += page["items"]
    return rows


def queue_ids(api, token: str, query: str) -> list[str]:
    return [row["id"] for row in queue_rows(api, token, query)]


def test_the_whole_way_with_a_notification_and_an_audit_record_at_every_step(api, user, engineer):
    card = submitted(api, user["token"])
    deliver_notifications()
    sms_before = len(sent_sms(user["phone"]))
    card = walk(api, engineer["token"], card, FORWARD)
    assert card["technical_conditions"] == {"number": "ТУ-1180", "date": "2026-11-20"}
    status, card = api.post(f"/connection-applications/{card['id']}/readiness", {"confirm": True}, token=user["token"])
    assert status == 200
    card = api.get(f"/staff/connection-applications/{card['id']}", token=engineer["token"])[1]
    card = walk(api, engineer["token"], card, AFTER_READINESS)
    assert card["status"] == "closed" and card["account_number"] == "3600123456"
    assert [h["status"] for h in card["history"]] == [
        "checking",
        "registered",
        "contract_sent",
        "contract_concluded",
        "works",
        "readiness_reported",
        "inspection",
        "connected",
        "closed",
    ]
    assert [h["by"] for h in card["history"]] == ["applicant"] + ["company"] * 4 + ["applicant"] + ["company"] * 3
    assert card["transitions"] == []
    # Every change is notified: 8 changes after submission, each by SMS, e-mail and in the feed.
    deliver_notifications()
    sms = sent_sms(user["phone"])[sms_before:]
    assert len(sms) == 8 and all(card["number"] in m for m in sms)
    assert any("статус «Договор заключён»" in m for m in sms)
    mails = [m for m in sent_emails(user["email"]) if "Заявка на ТП" in m.subject]
    assert any("Технические условия № ТУ-1180 от 20.11.2026." in m.body for m in mails)
    assert any("Номер лицевого счёта: 3600123456." in m.body for m in mails)
    feed = api.get("/me/notifications?limit=20", token=user["token"])[1]["items"]
    assert sum(1 for n in feed if n["title"].startswith(f"Заявка на ТП № {card['number']}:")) == 8
    assert audit_actions(card["id"]) == sorted(f"connection.{s}" for s, _ in FORWARD + AFTER_READINESS)
    public = api.get(f"/connection-applications/{card['id']}", token=user["token"])[1]
    assert public["account_number"] == "3600123456"
    assert {d["code"]: d for d in public["deadlines"]}["connection"]["done_on"] is not None


def test_steps_need_their_data_and_illegal_ones_are_refused_in_russian(api, user, engineer):
    card = submitted(api, user["token"])
    path = f"/staff/connection-applications/{card['id']}/status"
    status, answer = api.post(path, {"status": "contract_sent", "version": card["version"]}, token=engineer["token"])
    assert status == 409 and answer["error"]["message"] == (
        "Заявку в статусе «Проверка заявки» нельзя перевести в статус «Направлены договор и технические условия»"
    )
    status, answer = api.post(
        path, {"status": "awaiting_documents", "version": card["version"]}, token=engineer["token"]
    )
    assert status == 422 and answer["error"]["fields"] == [
        {"path": "comment", "message": "Укажите комментарий для заявителя"}
    ]
    status, answer = api.post(
        path,
        {"status": "registered", "version": card["version"], "account_number": "3600123456"},
        token=engineer["token"],
    )
    assert status == 422 and answer["error"]["fields"] == [
        {"path": "account_number", "message": "Для этого шага поле не заполняется"}
    ]
    card = staff_move(api, engineer["token"], card, "registered", comment="Документы в порядке")
    status, answer = api.post(path, {"status": "contract_sent", "version": card["version"]}, token=engineer["token"])
    assert status == 422 and answer["error"]["fields"][0]["path"] == "technical_conditions"
    status, answer = api.post(
        path,
        {
            "status": "contract_sent",
            "version": card["version"],
            "technical_conditions": {"number": "ТУ-1", "date": "2099-01-01"},
        },
        token=engineer["token"],
    )
    assert status == 422 and answer["error"]["fields"][0]["path"] == "technical_conditions.date"
    # Steps that are the applicant's own cannot be made for him.
    card = walk(api, engineer["token"], card, FORWARD[1:3])
    status, answer = api.post(
        path, {"status": "readiness_reported", "version": card["version"]}, token=engineer["token"]
    )
    assert status == 409 and answer["error"]["message"] == "Этот шаг выполняет заявитель"
    status, answer = api.post(path, {"status": "unknown", "version": card["version"]}, token=engineer["token"])
    assert status == 422 and answer["error"]["fields"][0]["path"] == "status"


def test_inspection_remarks_send_the_work_back(api, user, engineer):
    card = walk(api, engineer["token"], submitted(api, user["token"]), FORWARD)
    api.post(f"/connection-applications/{card['id']}/readiness", {"confirm": True}, token=user["token"])
    card = api.get(f"/staff/connection-applications/{card['id']}", token=engineer["token"])[1]
    card = staff_move(api, engineer["token"], card, "inspection")
    assert {t["status"]: t["needs"] for t in card["transitions"]} == {
        "works": ["comment"],
        "connected": ["account_number"],
    }
    card = staff_move(api, engineer["token"], card, "works", comment="Нет заземления ВРУ")
    own = api.get(f"/connection-applications/{card['id']}", token=user["token"])[1]
    assert own["status"] == "works" and "report_readiness" in own["actions"]
    assert own["history"][-1]["comment"] == "Нет заземления ВРУ"


def test_stale_versions_are_refused(api, user, engineer):
    card = submitted(api, user["token"])
    colleague = staff_user(api, "admin")
    staff_move(api, colleague["token"], card, "registered")
    status, answer = api.post(
        f"/staff/connection-applications/{card['id']}/status",
        {"status": "annulled", "version": card["version"], "comment": "Дубль"},
        token=engineer["token"],
    )
    assert status == 409 and answer["error"]["message"] == "Заявка изменена. Обновите страницу и повторите"


def test_annulment_closes_the_application_with_a_reason(api, user, engineer):
    card = submitted(api, user["token"])
    card = staff_move(api, engineer["token"], card, "awaiting_documents", comment="Нет плана")
    card = staff_move(api, engineer["token"], card, "annulled", comment="Документы не представлены в срок")
    own = api.get(f"/connection-applications/{card['id']}", token=user["token"])[1]
    assert own["status_title"] == "Заявка аннулирована" and own["actions"] == ["ask"]
    assert card["id"] in queue_ids(api, engineer["token"], "&status=annulled")
    assert card["id"] not in queue_ids(api, engineer["token"], "")


def test_take_assigns_and_a_colleague_may_not_take_over_unless_admin(api, user, engineer):
    card = submitted(api, user["token"])
    status, taken = api.post(f"/staff/connection-applications/{card['id']}/take", token=engineer["token"])
    assert status == 200 and taken["assignee_login"] == engineer["login"]
    other = staff_user(api, "engineer")
    status, answer = api.post(f"/staff/connection-applications/{card['id']}/take", token=other["token"])
    assert status == 409 and answer["error"]["message"] == "Заявку уже взял в работу другой сотрудник"
    admin = staff_user(api, "admin")
    status, taken = api.post(f"/staff/connection-applications/{card['id']}/take", token=admin["token"])
    assert status == 200 and taken["assignee_login"] == admin["login"]
    assert audit_actions(card["id"]) == ["connection.take", "connection.take"]


def test_queue_filters_and_hides_drafts(api, user, engineer):
    draft = create(api, user["token"])
    household = submitted(api, user["token"])
    temporary = submitted(
        api,
        user["token"],
        category="temporary",
        technical={
            "requested_kw": 30,
            "voltage": "0.4",
            "temporary_months": 6,
            "contract_type": "supply",
            "retail_company": "ПАО «ТНС энерго»",
        },
    )
    staff_move(api, engineer["token"], household, "registered")
    everything = queue_ids(api, engineer["token"], "")
    assert household["id"] in everything and temporary["id"] in everything and draft["id"] not in everything
    assert household["id"] in queue_ids(api, engineer["token"], "&status=registered")
    assert temporary["id"] not in queue_ids(api, engineer["token"], "&status=registered")
    assert temporary["id"] in queue_ids(api, engineer["token"], "&category=temporary")
    assert household["id"] not in queue_ids(api, engineer["token"], "&category=temporary")
    row = next(r for r in queue_rows(api, engineer["token"], "&status=registered") if r["id"] == household["id"])
    assert row["applicant_name"] == "Иванов Иван Иванович" and row["next_due"] and row["overdue"] is False
    status, answer = api.get("/staff/connection-applications?status=draft", token=engineer["token"])
    assert status == 422 and answer["error"]["fields"][0]["path"] == "status"
    assert api.get(f"/staff/connection-applications/{draft['id']}", token=engineer["token"])[0] == 404


def test_queue_pages_with_a_cursor(api, user, engineer):
    for _ in range(3):
        submitted(api, user["token"])
    first = api.get("/staff/connection-applications?limit=2", token=engineer["token"])[1]
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = api.get(f"/staff/connection-applications?limit=2&cursor={first['next_cursor']}", token=engineer["token"])[
        1
    ]
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}
    status, answer = api.get("/staff/connection-applications?cursor=%%%", token=engineer["token"])
    assert status == 422 and answer["error"]["fields"][0]["path"] == "cursor"


def test_a_cursor_the_client_wrote_is_refused_not_passed_to_dynamodb(api, engineer):
    # The cursor used to be the start key itself, base64 JSON: {"pk": 5, "sk": null} was a 500.
    forged = base64.urlsafe_b64encode(json.dumps({"pk": 5, "sk": None}).encode()).decode()
    for cursor in (forged, "2026-11-05T09:30:00Z_not-an-id", "2026-11-05T09:30:00Z_" + "a" * 31):
        status, answer = api.get(f"/staff/connection-applications?cursor={cursor}", token=engineer["token"])
        assert status == 422 and answer["error"]["fields"][0]["path"] == "cursor", cursor
    # An empty cursor is the first page, as the document says.
    assert api.get("/staff/connection-applications?cursor=", token=engineer["token"])[0] == 200


def test_overdue_deadlines_are_flagged_and_filtered(api, user, engineer):
    from chalicelib.connection.watcher import watch_deadlines
    from chalicelib.core import clock

    card = submitted(api, user["token"])
    # Ten days on, at noon company time (the deadline watcher acts from 09:00 local).
    later = (clock.now() + timedelta(days=10)).replace(hour=9, minute=0)
    clock.set_clock(lambda: later)
    try:
        # Tokens issued ten days ago have expired: sign in again "then".
        engineer_token = staff_login(api, engineer["login"], password="Staff12345pass")["access_token"]
        user_token = login(api, user["login"])["access_token"]
        fresh = submitted(api, user_token)
        watch_deadlines()  # the queue's overdue filter reads the flag the daily watcher stores
        overdue = queue_ids(api, engineer_token, "&overdue=true")
        assert card["id"] in overdue and fresh["id"] not in overdue
        own = api.get(f"/connection-applications/{card['id']}", token=user_token)[1]
        check = {d["code"]: d for d in own["deadlines"]}["check"]
        assert check["overdue"] is True and check["done_on"] is None
    finally:
        clock.set_clock(None)


def test_company_documents_are_attached_listed_notified_and_downloadable(api, user, engineer):
    card = walk(api, engineer["token"], submitted(api, user["token"]), FORWARD[:2])
    tu = upload(api, engineer["token"], file_name="ТУ-1180.pdf", purpose="company_document")
    contract = upload(api, engineer["token"], file_name="Договор.pdf", purpose="company_document")
    status, staff_card = api.post(
        f"/staff/connection-applications/{card['id']}/company-documents",
        {"kind": "technical_conditions", "upload_ids": [tu, contract]},
        token=engineer["token"],
    )
    assert status == 201 and [d["name"] for d in staff_card["company_documents"]] == ["ТУ-1180.pdf", "Договор.pdf"]
    own = api.get(f"/connection-applications/{card['id']}", token=user["token"])[1]
    document = own["company_documents"][0]
    assert document["from_company"] and document["kind_title"] == "Технические условия" and not document["editable"]
    status, link = api.get(
        f"/connection-applications/{card['id']}/documents/{document['id']}/download", token=user["token"]
    )
    assert status == 200 and link["name"] == "ТУ-1180.pdf"
    status, link = api.get(
        f"/staff/connection-applications/{card['id']}/documents/{own['documents'][0]['id']}/download",
        token=engineer["token"],
    )
    assert status == 200
    deliver_notifications()
    assert any("размещён документ «Технические условия»" in m for m in sent_sms(user["phone"]))
    assert "connection.company_document" in audit_actions(card["id"])
    # A consumer's upload is not a company document, and an upload goes to one case only.
    status, answer = api.post(
        f"/staff/connection-applications/{card['id']}/company-documents",
        {"kind": "answer", "upload_ids": [tu]},
        token=engineer["token"],
    )
    assert status == 422 and answer["error"]["fields"][0]["path"] == "upload_ids.0"


def test_concurrent_submissions_get_distinct_numbers(api, user):
    from chalicelib.accounts.principal import Principal
    from chalicelib.accounts.repository import UserRepository
    from chalicelib.connection.service import ConnectionService

    drafts = [complete_draft(api, user["token"])["id"] for _ in range(8)]
    principal = Principal(user=UserRepository().get(user["user_id"]), session_id="test")
    numbers: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(drafts))

    def submit(application_id: str) -> None:
        try:
            barrier.wait()
            numbers.append(ConnectionService().submit(principal, application_id).number)
        except BaseException as exc:  # noqa: BLE001 — reported below
            errors.append(exc)

    threads = [threading.Thread(target=submit, args=(d,)) for d in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert len(numbers) == len(set(numbers)) == len(drafts)
    sequences = sorted(int(n.split("-")[3]) for n in numbers)
    assert len(set(sequences)) == len(drafts) and all(n.endswith("-1") for n in numbers)
