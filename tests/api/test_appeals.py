"""Appeals: submission with a registration number, lists, the card, the staff console, notifications."""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import requests
from helpers import (
    PDF_BYTES,
    count_calls,
    deliver_notifications,
    login,
    register_and_confirm,
    sent_emails,
    sent_sms,
    staff_login,
    staff_user,
    upload,
)

NUMBER = re.compile(r"^\d{4}-\d{6}$")


@pytest.fixture
def operator(api):
    return staff_user(api, "operator")


def appeal_body(user, **overrides):
    body = {
        "type": "complaint",
        "addressee": "Главный инженер",
        "topic": "Перепады напряжения",
        "text": "Вечером напряжение падает до 180 В.",
        "contact_phone": user["phone"],
        "attachments": [],
    }
    body.update(overrides)
    return body


def submit(api, user, **overrides):
    status, card = api.post("/appeals", appeal_body(user, **overrides), token=user["token"])
    assert status == 201, card
    return card


def test_options_list_types_addressees_and_terms(api, user):
    status, options = api.get("/cases/options", token=user["token"])
    assert status == 200
    assert [o["code"] for o in options["appeal_types"]] == [
        "information",
        "complaint",
        "unmetered_consumption",
        "grid_theft",
        "consultation",
    ]
    assert options["appeal_types"][1]["title"] == "Жалоба"
    assert [o["code"] for o in options["service_types"]] == [
        "reading_removal",
        "meter_commissioning",
        "supply_point_equipping",
        "meter_installation",
    ]
    assert "Главный инженер" in options["addressees"]
    assert options["appeal_answer_days"] == 30 and options["max_text"] == 1000


def test_submitted_appeal_gets_a_number_a_deadline_and_its_file(api, user):
    upload_id = upload(api, user["token"], file_name="Фото щитка.pdf")
    card = submit(api, user, attachments=[upload_id], contact_phone="8 (900) 111-22-33")
    assert NUMBER.match(card["number"])
    assert card["status"] == "submitted" and card["status_title"] == "Ожидает рассмотрения"
    assert card["type_title"] == "Жалоба" and card["addressee"] == "Главный инженер"
    assert card["contact_phone"] == "+79001112233"
    assert [f["name"] for f in card["files"]] == ["Фото щитка.pdf"] and card["files"][0]["id"] == upload_id
    assert [h["status"] for h in card["history"]] == ["submitted"] and card["history"][0]["by_company"] is False
    assert card["answer"] is None and card["overdue"] is False and card["archived"] is False

    status, again = api.get(f"/appeals/{card['id']}", token=user["token"])
    assert status == 200 and again == card
    status, listing = api.get("/appeals", token=user["token"])
    assert [i["number"] for i in listing["items"]] == [card["number"]]
    # The same upload cannot go to a second case.
    status, answer = api.post("/appeals", appeal_body(user, attachments=[upload_id]), token=user["token"])
    assert status == 422 and answer["error"]["fields"][0]["path"] == "attachments.0"


def test_submission_is_notified_by_sms_email_and_feed(api, user):
    card = submit(api, user)
    deliver_notifications()
    sms = sent_sms(user["phone"])
    assert any(f"Обращение № {card['number']} зарегистрировано" in text for text in sms)
    mail = [m for m in sent_emails(user["email"]) if card["number"] in m.subject]
    assert mail and "Жалоба" in mail[0].body and "не позднее" in mail[0].body
    status, feed = api.get("/me/notifications", token=user["token"])
    assert feed["items"][0]["title"] == f"Обращение № {card['number']} зарегистрировано"


@pytest.mark.parametrize(
    "overrides,path",
    [
        ({"text": "я" * 1001}, "text"),
        ({"text": "   "}, "text"),
        ({"type": "praise"}, "type"),
        ({"addressee": "Президент"}, "addressee"),
        ({"contact_phone": "123"}, "contact_phone"),
        ({"topic": ""}, "topic"),
        ({"attachments": ["../../etc"]}, "attachments.0"),
        ({"attachments": ["0" * 32]}, "attachments.0"),
        ({"attachments": ["a" * 32] * 6}, "attachments"),
        ({"extra": 1}, "body"),
    ],
)
def test_invalid_appeals_are_refused_in_russian(api, user, overrides, path):
    status, answer = api.post("/appeals", appeal_body(user, **overrides), token=user["token"])
    assert status == 422
    assert path in [f["path"] for f in answer["error"]["fields"]]
    assert "Президент" not in str(answer) and "praise" not in str(answer)


def test_unconfirmed_or_foreign_uploads_cannot_be_attached(api, user):
    status, ticket = api.post(
        "/attachments/uploads",
        {"file_name": "a.pdf", "content_type": "application/pdf", "size": 10, "purpose": "appeal"},
        token=user["token"],
    )
    status, answer = api.post("/appeals", appeal_body(user, attachments=[ticket["upload_id"]]), token=user["token"])
    assert status == 422 and answer["error"]["fields"][0]["path"] == "attachments.0"
    other = register_and_confirm(api)
    other_token = login(api, other["login"])["access_token"]
    foreign = upload(api, other_token)
    status, answer = api.post("/appeals", appeal_body(user, attachments=[foreign]), token=user["token"])
    assert status == 422
    wrong_purpose = upload(api, user["token"], purpose="service_request")
    assert api.post("/appeals", appeal_body(user, attachments=[wrong_purpose]), token=user["token"])[0] == 422


def test_other_users_cases_do_not_exist_for_them(api, user):
    upload_id = upload(api, user["token"])
    card = submit(api, user, attachments=[upload_id])
    other = register_and_confirm(api)
    token = login(api, other["login"])["access_token"]
    status, answer = api.get(f"/appeals/{card['id']}", token=token)
    assert status == 404 and answer["error"]["message"] == "Обращение не найдено"
    assert api.get(f"/appeals/{card['id']}/files/{upload_id}", token=token)[0] == 404
    assert api.get(f"/service-requests/{card['id']}", token=token)[0] == 404  # wrong kind, own or not
    assert api.get("/appeals", token=token)[1]["items"] == []
    assert api.get("/appeals/not-an-id", token=user["token"])[0] == 404
    assert api.get(f"/appeals/{card['id']}")[0] == 401


def test_owner_downloads_through_a_short_presigned_link(api, user):
    upload_id = upload(api, user["token"], file_name="Ответ №1095.pdf")
    card = submit(api, user, attachments=[upload_id])
    status, link = api.get(f"/appeals/{card['id']}/files/{upload_id}", token=user["token"])
    assert status == 200 and link["expires_in"] <= 60 and link["name"] == "Ответ №1095.pdf"
    query = parse_qs(urlsplit(link["url"]).query)
    assert int(query["X-Amz-Expires"][0]) <= 60
    disposition = query["response-content-disposition"][0]
    assert disposition.startswith("attachment;") and unquote(disposition.split("UTF-8''")[1]) == "Ответ №1095.pdf"
    response = requests.get(link["url"], timeout=30)
    assert response.status_code == 200 and response.content == PDF_BYTES
    status, inline = api.get(f"/appeals/{card['id']}/files/{upload_id}?inline=true", token=user["token"])
    assert parse_qs(urlsplit(inline["url"]).query)["response-content-disposition"][0].startswith("inline;")
    assert api.get(f"/appeals/{card['id']}/files/{'f' * 32}", token=user["token"])[0] == 404


def test_search_by_number_status_and_archive(api, user, operator):
    first, second = submit(api, user), submit(api, user, type="consultation")
    seq = int(first["number"].split("-")[1])
    for number in (first["number"], str(seq), f"№ {seq}", f"{first['number'][:4]}-{seq}"):
        status, found = api.get(f"/appeals?number={number}", token=user["token"])
        assert [i["id"] for i in found["items"]] == [first["id"]], number
    status, answer = api.get("/appeals?number=abc", token=user["token"])
    assert status == 422 and answer["error"]["fields"][0]["path"] == "number"
    # Newest first; the archive holds closed and rejected ones only.
    assert [i["id"] for i in api.get("/appeals", token=user["token"])[1]["items"]] == [second["id"], first["id"]]
    api.post(
        f"/staff/appeals/{second['id']}/status", {"status": "rejected", "comment": "Дубль"}, token=operator["token"]
    )
    archive = api.get("/appeals?archived=true", token=user["token"])[1]["items"]
    assert [(i["id"], i["archived"], i["status_title"]) for i in archive] == [(second["id"], True, "Отказано")]
    assert [i["id"] for i in api.get("/appeals?archived=false", token=user["token"])[1]["items"]] == [first["id"]]
    assert [i["id"] for i in api.get("/appeals?status=submitted", token=user["token"])[1]["items"]] == [first["id"]]


def test_staff_take_answer_and_close_with_history_audit_and_notifications(api, user, operator):
    from chalicelib.core import audit

    card = submit(api, user)
    deliver_notifications()
    before = len(sent_sms(user["phone"]))

    status, queue = api.get("/staff/appeals?status=submitted&type=complaint", token=operator["token"])
    assert status == 200 and card["id"] in [i["id"] for i in queue["items"]]
    status, taken = api.post(f"/staff/appeals/{card['id']}/take", token=operator["token"])
    assert status == 200 and taken["status"] == "in_progress"
    assert taken["assignee"] == {"user_id": operator["user_id"], "login": operator["login"]}
    assert taken["applicant"]["name"] == "Иванов Иван Иванович" and taken["applicant"]["email"] == user["email"]

    answer_file = upload(api, operator["token"], file_name="Ответ.pdf", purpose="company_document")
    status, answered = api.post(
        f"/staff/appeals/{card['id']}/answer",
        {"text": "Проведён замер, напряжение в норме.", "attachments": [answer_file]},
        token=operator["token"],
    )
    assert status == 200 and answered["status"] == "answered"
    status, closed = api.post(
        f"/staff/appeals/{card['id']}/status", {"status": "closed", "comment": "Готово"}, token=operator["token"]
    )
    assert status == 200 and closed["status"] == "closed" and closed["archived"] is True

    status, seen = api.get(f"/appeals/{card['id']}", token=user["token"])
    assert [h["status"] for h in seen["history"]] == ["submitted", "in_progress", "answered", "closed"]
    assert [h["by_company"] for h in seen["history"]] == [False, True, True, True]
    assert seen["history"][-1]["comment"] == "Готово"
    assert seen["answer"]["text"] == "Проведён замер, напряжение в норме."
    assert seen["answer"]["files"][0]["from_company"] is True
    status, link = api.get(f"/appeals/{card['id']}/files/{answer_file}", token=user["token"])
    assert status == 200 and requests.get(link["url"], timeout=30).content == PDF_BYTES

    deliver_notifications()
    sms = sent_sms(user["phone"])[before:]
    assert sms == [
        f"Обращение № {card['number']}: статус «В работе». АО «Горэлектросеть»",
        f"Обращение № {card['number']}: статус «Дан ответ». АО «Горэлектросеть»",
        f"Обращение № {card['number']}: статус «Рассмотрение завершено». АО «Горэлектросеть»",
    ]
    mail = [m for m in sent_emails(user["email"]) if "Дан ответ" in m.subject]
    assert mail and "Ответ можно прочитать в личном кабинете" in mail[0].body

    actions = [(e.action, e.actor_login, e.details["to"]) for e in audit.for_target("appeal", card["id"])]
    assert sorted(actions) == sorted(
        [
            ("appeal.take", operator["login"], "in_progress"),
            ("appeal.answer", operator["login"], "answered"),
            ("appeal.status", operator["login"], "closed"),
        ]
    )


def test_illegal_transitions_are_refused_clearly(api, user, operator):
    card = submit(api, user)
    path = f"/staff/appeals/{card['id']}"
    status, answer = api.post(f"{path}/status", {"status": "closed"}, token=operator["token"])
    assert status == 409 and answer["error"] == {
        "code": "illegal_transition",
        "fields": [],
        "message": "Нельзя перевести из статуса «Ожидает рассмотрения» в статус «Рассмотрение завершено»",
    }
    assert api.post(f"{path}/answer", {"text": "Ответ"}, token=operator["token"])[0] == 409
    status, answer = api.post(f"{path}/status", {"status": "answered"}, token=operator["token"])
    assert status == 422 and answer["error"]["fields"][0]["path"] == "status"
    status, answer = api.post(f"{path}/status", {"status": "rejected"}, token=operator["token"])
    assert status == 422 and answer["error"]["fields"] == [{"path": "comment", "message": "Укажите причину отказа"}]
    assert (
        api.post(f"{path}/status", {"status": "in_progress"}, token=operator["token"])[1]["assignee"]["login"]
        == operator["login"]
    )
    assert (
        api.post(f"{path}/status", {"status": "rejected", "comment": "Не по адресу"}, token=operator["token"])[0] == 200
    )
    status, answer = api.post(f"{path}/take", token=operator["token"])
    assert status == 409
    assert api.post(f"/staff/appeals/{'0' * 32}/take", token=operator["token"])[0] == 404


def test_a_colleague_may_take_over_and_stale_changes_are_refused(api, user, operator):
    from chalicelib.accounts.guard import authenticate
    from chalicelib.appeals.models import StatusChangeIn
    from chalicelib.appeals.repository import CaseRepository
    from chalicelib.appeals.staff import StaffCaseService

    card = submit(api, user)
    api.post(f"/staff/appeals/{card['id']}/take", token=operator["token"])
    admin = staff_user(api, "admin")
    status, taken = api.post(f"/staff/appeals/{card['id']}/take", token=admin["token"])
    assert status == 200 and taken["assignee"]["login"] == admin["login"] and taken["status"] == "in_progress"

    # An employee acting on a card someone changed meanwhile is told so instead of overwriting it.
    stale, _ = CaseRepository().card("appeal", card["id"])
    api.post(f"/staff/appeals/{card['id']}/status", {"status": "rejected", "comment": "Дубль"}, token=admin["token"])

    class StaleRepository(CaseRepository):
        def card(self, kind, case_id):
            return stale, []

    service = StaffCaseService(repository=StaleRepository())
    with pytest.raises(Exception) as caught:
        service.change_status(
            authenticate(operator["token"]), "appeal", card["id"], StatusChangeIn(status="rejected", comment="Повтор")
        )
    assert getattr(caught.value, "status", None) == 409


# --- the steps the staff card offers ---------------------------------------------------------


def steps_of(card):
    return [(t["action"], t["status"], t["title"], t["needs"]) for t in card["transitions"]]


TAKE = ("take", "in_progress", "Взять в работу", [])
TAKE_OVER = ("take", "in_progress", "Взять на себя", [])
ANSWER = ("answer", "answered", "Ответить", ["text"])
REJECT = ("status", "rejected", "Отказать", ["comment"])
CLOSE = ("status", "closed", "Завершить рассмотрение", [])


def case_in(api, user, operator, state):
    """A new appeal brought to `state` by `operator` (who is then its assignee)."""
    card = submit(api, user)
    path = f"/staff/appeals/{card['id']}"
    moves = {
        "submitted": [],
        "in_progress": [("take", None)],
        "rejected": [("status", {"status": "rejected", "comment": "Не по адресу"})],
        "answered": [("take", None), ("answer", {"text": "Ответ"})],
        "closed": [("take", None), ("answer", {"text": "Ответ"}), ("status", {"status": "closed"})],
    }[state]
    for action, body in moves:
        status, answer = api.post(f"{path}/{action}", body, token=operator["token"])
        assert status == 200, answer
    return card


def perform(api, path, step, token):
    """Make a listed step through the request it names, with what it needs."""
    action, target, _, needs = step
    if action == "take":
        return api.post(f"{path}/take", token=token)
    if action == "answer":
        return api.post(f"{path}/answer", {"text": "Ответ заявителю"}, token=token)
    return api.post(
        f"{path}/status", {"status": target, "comment": "Причина" if "comment" in needs else ""}, token=token
    )


def test_the_staff_card_lists_the_steps_of_each_status_for_this_employee(api, user, operator, settings_override):
    from chalicelib.appeals.rules import STATUS_TITLES, TRANSITIONS, staff_steps

    settings_override(cases_per_hour=100)
    admin = staff_user(api, "admin")
    expected = {  # state → (what its assignee, the operator, sees; what a colleague, the administrator, sees)
        "submitted": ([TAKE, REJECT], [TAKE, REJECT]),
        "in_progress": ([ANSWER, REJECT], [TAKE_OVER, ANSWER, REJECT]),
        "answered": ([CLOSE], [CLOSE]),
        "closed": ([], []),
        "rejected": ([], []),
    }
    assert set(expected) == set(STATUS_TITLES)
    for state, (assignee_sees, colleague_sees) in expected.items():
        card = case_in(api, user, operator, state)
        mine = api.get(f"/staff/appeals/{card['id']}", token=operator["token"])[1]
        theirs = api.get(f"/staff/appeals/{card['id']}", token=admin["token"])[1]
        assert mine["status"] == state
        assert steps_of(mine) == assignee_sees, state
        assert steps_of(theirs) == colleague_sees, state
    # The roles differ in nothing here: an operator who is not the assignee sees what the administrator sees.
    other = staff_user(api, "operator")
    card = case_in(api, user, operator, "in_progress")
    assert steps_of(api.get(f"/staff/appeals/{card['id']}", token=other["token"])[1]) == [TAKE_OVER, ANSWER, REJECT]
    # Every next status of the workflow is offered by some step, and only those.
    for status, targets in TRANSITIONS.items():
        assert {s.status for s in staff_steps(status, "someone", "me") if s.status != status} == set(targets)
    # The applicant's own card says nothing about the console's steps.
    assert "transitions" not in api.get(f"/appeals/{card['id']}", token=user["token"])[1]


CANDIDATES = [
    ("take", "in_progress"),
    ("answer", "answered"),
    ("status", "in_progress"),
    ("status", "rejected"),
    ("status", "closed"),
]


@pytest.mark.parametrize(
    "state,who",
    [
        ("submitted", "operator"),
        ("in_progress", "operator"),
        ("in_progress", "admin"),
        ("answered", "admin"),
        ("closed", "operator"),
        ("rejected", "admin"),
    ],
)
def test_every_listed_step_succeeds_and_every_other_request_is_refused(
    api, user, operator, settings_override, state, who
):
    settings_override(cases_per_hour=100)
    actor = operator if who == "operator" else staff_user(api, "admin")
    probe = case_in(api, user, operator, state)
    listed = api.get(f"/staff/appeals/{probe['id']}", token=actor["token"])[1]["transitions"]

    for step in listed:  # each on a case of its own in the same state
        card = case_in(api, user, operator, state)
        path = f"/staff/appeals/{card['id']}"
        status, after = perform(
            api, path, (step["action"], step["status"], step["title"], step["needs"]), actor["token"]
        )
        assert status == 200 and after["status"] == step["status"], (state, who, step, after)
        if step["action"] == "take":
            assert after["assignee"]["user_id"] == actor["user_id"]
        if step["needs"] == ["comment"]:  # and without what it needs it is refused
            other = case_in(api, user, operator, state)
            status, answer = api.post(
                f"/staff/appeals/{other['id']}/status", {"status": step["status"]}, token=actor["token"]
            )
            assert status == 422 and answer["error"]["fields"][0]["path"] == "comment"

    path = f"/staff/appeals/{probe['id']}"
    offered = {(t["action"], t["status"]) for t in listed}
    for action, target in CANDIDATES:
        if (action, target) in offered:
            continue
        if (action, target) == ("status", "in_progress") and ("take", "in_progress") in offered and state != target:
            continue  # a new case goes into work by «Взять в работу»; POST …/status in_progress is that same step
        before = api.get(path, token=actor["token"])[1]
        status, answer = perform(
            api, path, (action, target, "", ["comment"] if action == "status" else []), actor["token"]
        )
        if status == 200:  # only taking one's own open case again, which is not offered and changes nothing
            assert action == "take" and before["assignee"]["user_id"] == actor["user_id"], (state, who, action, target)
            assert answer["updated_at"] == before["updated_at"] and answer["history"] == before["history"]
            continue
        assert status == 409, (state, who, action, target, answer)
        assert answer["error"]["code"] in ("illegal_transition", "conflict")
        assert api.get(path, token=actor["token"])[1]["updated_at"] == before["updated_at"]


@pytest.mark.parametrize("role", ["engineer", "consumer"])
def test_engineers_and_consumers_have_no_staff_appeal_routes(api, user, role):
    card = submit(api, user)
    token = user["token"] if role == "consumer" else staff_user(api, role)["token"]
    for method, path, body in (
        ("GET", "/staff/appeals", None),
        ("GET", f"/staff/appeals/{card['id']}", None),
        ("POST", f"/staff/appeals/{card['id']}/take", None),
        ("POST", f"/staff/appeals/{card['id']}/status", {"status": "in_progress"}),
        ("POST", f"/staff/appeals/{card['id']}/answer", {"text": "x"}),
        ("GET", "/staff/service-requests", None),
    ):
        status, answer = api.call(method, path, body, token=token)
        assert status == 403 and answer["error"]["code"] == "forbidden", path


def test_overdue_cases_are_flagged_and_filtered(api, user, operator):
    from chalicelib.core import clock

    card = submit(api, user, type="grid_theft")
    later = clock.now() + timedelta(days=31)
    clock.set_clock(lambda: later)
    try:
        # Tokens issued a month ago have expired: sign in again "then".
        operator_token = staff_login(api, operator["login"], password="Staff12345pass")["access_token"]
        user_token = login(api, user["login"])["access_token"]
        status, found = api.get(
            "/staff/appeals?status=submitted&overdue=true&type=grid_theft&limit=100", token=operator_token
        )
        assert status == 200, found
        items = {i["id"]: i for i in found["items"]}
        while found["next_cursor"] and card["id"] not in items:
            found = api.get(
                f"/staff/appeals?status=submitted&overdue=true&type=grid_theft&limit=100&cursor={found['next_cursor']}",
                token=operator_token,
            )[1]
            items.update({i["id"]: i for i in found["items"]})
        assert items[card["id"]]["overdue"] is True
        assert api.get(f"/appeals/{card['id']}", token=user_token)[1]["overdue"] is True
        assert api.get("/staff/appeals?status=closed&overdue=true", token=operator_token)[1]["items"] == []
    finally:
        clock.set_clock(None)
    operator_token = staff_login(api, operator["login"], password="Staff12345pass")["access_token"]
    fresh = api.get("/staff/appeals?status=submitted&overdue=true&type=grid_theft&limit=100", token=operator_token)[1]
    assert card["id"] not in [i["id"] for i in fresh["items"]]


def test_staff_queue_pages_with_a_cursor_and_finds_by_number(api, user, operator):
    cards = [submit(api, user, type="information") for _ in range(3)]
    seen, cursor = [], ""
    for _ in range(200):
        status, page = api.get(f"/staff/appeals?type=information&limit=2{cursor}", token=operator["token"])
        assert status == 200 and len(page["items"]) <= 2
        seen += [i["id"] for i in page["items"]]
        if not page["next_cursor"]:
            break
        cursor = f"&cursor={page['next_cursor']}"
    assert {c["id"] for c in cards} <= set(seen) and len(seen) == len(set(seen))
    status, found = api.get(f"/staff/appeals?number={cards[1]['number']}", token=operator["token"])
    assert [i["id"] for i in found["items"]] == [cards[1]["id"]]
    assert api.get(f"/staff/service-requests?number={cards[1]['number']}", token=operator["token"])[1]["items"] == []
    assert api.get("/staff/appeals?cursor=bad", token=operator["token"])[0] == 422
    assert api.get("/staff/appeals?type=reading_removal", token=operator["token"])[0] == 422


def test_lists_and_cards_cost_at_most_two_dynamodb_calls(api, user, operator):
    upload_id = upload(api, user["token"])
    card = submit(api, user, attachments=[upload_id])
    for path, token in (
        ("/appeals", user["token"]),
        ("/cases", user["token"]),
        ("/appeals?archived=true&number=1", user["token"]),
        (f"/appeals/{card['id']}", user["token"]),
        (f"/appeals/{card['id']}/files/{upload_id}", user["token"]),
        ("/staff/appeals?status=submitted&overdue=true", operator["token"]),
        (f"/staff/appeals/{card['id']}", operator["token"]),
    ):
        with count_calls("dynamodb") as calls:
            status, _ = api.get(path, token=token)
        assert status == 200 and len(calls) <= 2 and not any(c.startswith("Scan") for c in calls), (path, calls)


@pytest.fixture
def serialised_dynamodb(monkeypatch):
    """DynamoDB executes each request atomically (transactions are serialisable); moto's in-process
    backend is not thread-safe, so each request is made atomic here. Requests still interleave, so
    the race between reading the counter and the transaction is exercised as in AWS."""
    from moto.dynamodb.responses import DynamoHandler

    lock = threading.Lock()
    original = DynamoHandler.call_action

    def atomic(self):
        with lock:
            return original(self)

    monkeypatch.setattr(DynamoHandler, "call_action", atomic)


def test_concurrent_submissions_never_share_a_number(api, aws, user, serialised_dynamodb, settings_override):
    from chalicelib.accounts.guard import authenticate
    from chalicelib.appeals.models import AppealIn
    from chalicelib.appeals.service import CaseService

    settings_override(cases_per_hour=100)
    principal = authenticate(user["token"])
    body = AppealIn.model_validate(appeal_body(user))
    numbers: list[str] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(3):
                numbers.append(CaseService().submit_appeal(principal, body).number)
        except BaseException as exc:  # noqa: BLE001 — reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(numbers) == 12 and len(set(numbers)) == 12
    seqs = sorted(int(n.split("-")[1]) for n in numbers)
    assert seqs == list(range(seqs[0], seqs[0] + 12))  # and none was skipped


def test_attached_uploads_survive_the_sweeper(api, user):
    from chalicelib.attachments.repository import UploadRepository
    from chalicelib.attachments.service import AttachmentService
    from chalicelib.core import clock

    upload_id = upload(api, user["token"])
    submit(api, user, attachments=[upload_id])
    later = clock.now() + timedelta(days=2)
    clock.set_clock(lambda: later)
    try:
        AttachmentService().sweep()
    finally:
        clock.set_clock(None)
    item = UploadRepository().get(upload_id)
    assert item is not None and item.status == "attached" and item.ttl is None
