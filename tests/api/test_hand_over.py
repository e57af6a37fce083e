"""«Передать коллеге»: an open appeal, service request or grid-connection application is handed to an
employee who works its queue; audited; anyone else is refused on the field."""

from __future__ import annotations

from connection_helpers import person, submitted
from helpers import login, register_and_confirm, staff_user


def appeal(api) -> dict:
    user = register_and_confirm(api)
    token = login(api, user["login"])["access_token"]
    status, card = api.post(
        "/appeals",
        {
            "type": "complaint",
            "addressee": "Главный инженер",
            "topic": "Напряжение",
            "text": "Вечером напряжение падает.",
            "contact_phone": user["phone"],
            "attachments": [],
        },
        token=token,
    )
    assert status == 201, card
    return card


def trail(kind: str, target_id: str) -> list[tuple[str, dict]]:
    from chalicelib.core import audit

    return [(e.action, e.details) for e in audit.for_target(kind, target_id)]


def test_an_appeal_goes_to_a_colleague_of_the_queue_and_the_trail_says_so(api):
    card = appeal(api)
    operator, colleague = staff_user(api, "operator"), staff_user(api, "operator")
    assert api.post(f"/staff/appeals/{card['id']}/take", token=operator["token"])[0] == 200
    status, listed = api.get("/staff/colleagues?queue=appeals", token=operator["token"])
    assert status == 200 and colleague["user_id"] in [c["id"] for c in listed["colleagues"]]

    status, handed = api.post(
        f"/staff/appeals/{card['id']}/hand-over", {"colleague_id": colleague["user_id"]}, token=operator["token"]
    )
    assert status == 200, handed
    assert handed["assignee"]["login"] == colleague["login"] and handed["status"] == "in_progress"
    action, details = trail("appeal", card["id"])[0]
    assert action == "appeal.hand_over" and details["to"] == colleague["login"]
    assert details["previous"] == operator["login"]


def test_only_employees_of_the_queue_receive_a_case(api):
    card = appeal(api)
    operator = staff_user(api, "operator")
    engineer, billing = staff_user(api, "engineer"), staff_user(api, "billing")
    consumer = register_and_confirm(api)
    listed = api.get("/staff/colleagues?queue=appeals", token=operator["token"])[1]["colleagues"]
    assert engineer["user_id"] not in [c["id"] for c in listed] and billing["user_id"] not in [c["id"] for c in listed]
    for someone in (engineer["user_id"], billing["user_id"], consumer["user_id"], "no-such"):
        status, answer = api.post(
            f"/staff/appeals/{card['id']}/hand-over", {"colleague_id": someone}, token=operator["token"]
        )
        assert status == 422 and answer["error"]["fields"][0]["path"] == "colleague_id", someone
    # A disabled colleague receives nothing either.
    admin, colleague = staff_user(api, "admin"), staff_user(api, "operator")
    assert api.post(f"/staff/users/{colleague['user_id']}/disable", token=admin["token"])[0] == 200
    assert (
        api.post(
            f"/staff/appeals/{card['id']}/hand-over", {"colleague_id": colleague["user_id"]}, token=operator["token"]
        )[0]
        == 422
    )
    # An engineer cannot hand an appeal over at all: it is not his queue.
    assert (
        api.post(
            f"/staff/appeals/{card['id']}/hand-over", {"colleague_id": operator["user_id"]}, token=engineer["token"]
        )[0]
        == 403
    )


def test_a_connection_application_goes_to_another_engineer(api):
    user = person(api)
    card = submitted(api, user["token"])
    engineer, colleague, operator = (
        staff_user(api, "engineer"),
        staff_user(api, "engineer"),
        staff_user(api, "operator"),
    )
    assert api.post(f"/staff/connection-applications/{card['id']}/take", token=engineer["token"])[0] == 200
    path = f"/staff/connection-applications/{card['id']}/hand-over"
    assert api.post(path, {"colleague_id": operator["user_id"]}, token=engineer["token"])[0] == 422
    status, handed = api.post(path, {"colleague_id": colleague["user_id"]}, token=engineer["token"])
    assert status == 200 and handed["assignee_login"] == colleague["login"]
    action, details = trail("connection_application", card["id"])[0]
    assert action == "connection.hand_over" and details["to"] == colleague["login"]
    listed = api.get("/staff/colleagues?queue=connection", token=engineer["token"])[1]["colleagues"]
    assert colleague["user_id"] in [c["id"] for c in listed] and operator["user_id"] not in [c["id"] for c in listed]
