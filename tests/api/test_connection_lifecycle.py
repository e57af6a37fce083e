"""The applicant's lifecycle of a grid-connection application: a draft is deleted with its files
released; a submitted application is withdrawn with a reason (the responsible employee told, staff
can do nothing more with it). The public check of an application: test_connection_public.py."""

from __future__ import annotations

from datetime import timedelta

from connection_helpers import (
    FORWARD,
    attach,
    complete_draft,
    create,
    person,
    staff_move,
    submitted,
    walk,
)
from helpers import deliver_notifications, sent_emails


def uploads_of(card) -> list:
    from chalicelib.attachments.repository import UploadRepository

    found = UploadRepository().many([d["id"] for d in card["documents"]])
    return [found[d["id"]] for d in card["documents"]]


# --- deleting a draft ------------------------------------------------------------------------------


def test_a_draft_is_deleted_gone_from_the_list_and_its_files_released_to_the_sweep(api, user):
    from chalicelib.attachments.service import AttachmentService
    from chalicelib.core import clock

    card = complete_draft(api, user["token"])
    assert "delete" in card["actions"]
    assert {u.status for u in uploads_of(card)} == {"attached"}
    status, body = api.call("DELETE", f"/connection-applications/{card['id']}", token=user["token"])
    assert (status, body) == (204, None)
    assert card["id"] not in [i["id"] for i in api.get("/connection-applications", token=user["token"])[1]["items"]]
    assert api.get(f"/connection-applications/{card['id']}", token=user["token"])[0] == 404
    released = uploads_of(card)
    assert {(u.status, u.attached_to, u.queue_pk) for u in released} == {("confirmed", None, "UPLOADS#OPEN")}
    # Free again: the sweep removes them a day later, as any upload never attached.
    later = clock.now() + timedelta(hours=25)
    clock.set_clock(lambda: later)
    try:
        AttachmentService().sweep()
    finally:
        clock.set_clock(None)
    assert _still_there([u.upload_id for u in released]) == []


def _still_there(ids: list[str]) -> list:
    from chalicelib.attachments.repository import UploadRepository

    return list(UploadRepository().many(ids).values())


def test_a_draft_with_more_files_than_one_transaction_goes_in_batches(api, user, monkeypatch):
    from chalicelib.connection import service

    monkeypatch.setattr(service, "DELETE_BATCH", 2)
    card = create(api, user["token"])
    card = attach(api, user["token"], card["id"], "location_plan", count=3)
    card = attach(api, user["token"], card["id"], "ownership", count=2)
    assert len(card["documents"]) == 5
    assert api.call("DELETE", f"/connection-applications/{card['id']}", token=user["token"])[0] == 204
    assert api.get(f"/connection-applications/{card['id']}", token=user["token"])[0] == 404
    assert {u.status for u in _still_there([d["id"] for d in card["documents"]])} == {"confirmed"}


def test_only_the_owners_draft_can_be_deleted(api, user):
    card = submitted(api, user["token"])
    status, answer = api.call("DELETE", f"/connection-applications/{card['id']}", token=user["token"])
    assert status == 409
    assert answer["error"]["message"] == "Удалить можно только черновик. Поданную заявку можно отозвать"
    draft = create(api, user["token"])
    stranger = person(api)
    assert api.call("DELETE", f"/connection-applications/{draft['id']}", token=stranger["token"])[0] == 404
    assert api.get(f"/connection-applications/{draft['id']}", token=user["token"])[0] == 200


def test_a_removed_file_of_a_draft_is_released_too(api, user):
    card = complete_draft(api, user["token"])
    document = card["documents"][0]
    assert (
        api.call("DELETE", f"/connection-applications/{card['id']}/documents/{document['id']}", token=user["token"])[0]
        == 204
    )
    [upload] = _still_there([document["id"]])
    assert upload.status == "confirmed" and upload.attached_to is None


# --- withdrawal ------------------------------------------------------------------------------------


def test_withdrawal_closes_the_application_tells_the_employee_and_ends_staff_work(api, user, engineer):
    card = submitted(api, user["token"])
    assert "withdraw" in card["actions"]
    api.post(f"/staff/connection-applications/{card['id']}/take", token=engineer["token"])
    deliver_notifications()
    status, card = api.post(
        f"/connection-applications/{card['id']}/withdraw", {"reason": "Передумали строить дом"}, token=user["token"]
    )
    assert status == 200, card
    assert (card["status"], card["status_title"]) == ("withdrawn", "Отозвана заявителем")
    assert card["history"][-1] | {"at": None} == {
        "at": None,
        "status": "withdrawn",
        "status_title": "Отозвана заявителем",
        "by": "applicant",
        "comment": "Передумали строить дом",
    }
    assert "withdraw" not in card["actions"]
    deliver_notifications()
    [told] = [m for m in sent_emails(engineer["email"]) if "отозвана заявителем" in m.subject]
    assert told.subject == f"Заявка на ТП № {card['number']} отозвана заявителем"
    assert "Причина: Передумали строить дом" in told.body
    [own] = [m for m in sent_emails(user["email"]) if m.subject.endswith("Отозвана заявителем")]
    assert "Причина: Передумали строить дом" in own.body

    staff_card = api.get(f"/staff/connection-applications/{card['id']}", token=engineer["token"])[1]
    assert staff_card["transitions"] == []
    for target in ("registered", "annulled", "checking"):
        status, answer = api.post(
            f"/staff/connection-applications/{card['id']}/status",
            {"status": target, "version": staff_card["version"], "comment": "x"},
            token=engineer["token"],
        )
        assert status == 409, (target, answer)
    assert api.post(f"/staff/connection-applications/{card['id']}/take", token=engineer["token"])[0] == 409
    open_queue = api.get("/staff/connection-applications?limit=100", token=engineer["token"])[1]["items"]
    assert card["id"] not in [row["id"] for row in open_queue]
    closed = api.get("/staff/connection-applications?status=withdrawn&limit=100", token=engineer["token"])[1]
    assert card["id"] in [row["id"] for row in closed["items"]]
    # Closed for good: nothing left for the deadline watcher either.
    from chalicelib.connection.repository import ConnectionRepository

    assert ConnectionRepository().get(card["id"]).due_on is None


def test_withdrawal_needs_a_reason_and_ends_with_the_contract(api, user, engineer):
    card = submitted(api, user["token"])
    status, answer = api.post(f"/connection-applications/{card['id']}/withdraw", {}, token=user["token"])
    assert status == 422 and answer["error"]["fields"][0]["path"] == "reason"
    status, answer = api.post(f"/connection-applications/{card['id']}/withdraw", {"reason": "   "}, token=user["token"])
    assert status == 422
    card = walk(api, engineer["token"], card, FORWARD[:3])
    assert card["status"] == "contract_concluded"
    status, answer = api.post(
        f"/connection-applications/{card['id']}/withdraw", {"reason": "Дорого"}, token=user["token"]
    )
    assert status == 409
    assert answer["error"]["message"] == (
        "Заявку в статусе «Договор заключён» нельзя перевести в статус «Отозвана заявителем»"
    )
    draft = create(api, user["token"])
    assert api.post(f"/connection-applications/{draft['id']}/withdraw", {"reason": "x"}, token=user["token"])[0] == 409
    stranger = person(api)
    other = submitted(api, user["token"])
    assert (
        api.post(f"/connection-applications/{other['id']}/withdraw", {"reason": "x"}, token=stranger["token"])[0] == 404
    )


def test_staff_cannot_withdraw_for_the_applicant(api, user, engineer):
    card = submitted(api, user["token"])
    status, answer = api.post(
        f"/staff/connection-applications/{card['id']}/status",
        {"status": "withdrawn", "version": card["version"], "comment": "x"},
        token=engineer["token"],
    )
    assert status == 409 and answer["error"]["message"] == "Этот шаг выполняет заявитель"


def test_withdrawing_while_awaiting_documents_is_allowed(api, user, engineer):
    card = staff_move(api, engineer["token"], submitted(api, user["token"]), "awaiting_documents", comment="Нет плана")
    status, card = api.post(
        f"/connection-applications/{card['id']}/withdraw", {"reason": "Продали участок"}, token=user["token"]
    )
    assert status == 200 and card["status"] == "withdrawn"
