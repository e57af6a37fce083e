"""Feed entries open the exact case, application, meter, contract or address they are about; entries stored
before they carried such a link still open their section."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from connection_helpers import person as connection_applicant, staff_move, submitted as submitted_application
from helpers import login, staff_user

# Fixtures of other modules, used here by name.
from test_access_requests import contract, stranger, submitted as access_request  # noqa: F401
from test_appeals import submit as submit_appeal
from test_outages import create as create_outage, planned, quick_subscribers, town  # noqa: F401
from test_reference import staff_token
from test_service_requests import request_body, street  # noqa: F401
from test_sharing import IN_WINDOW, holder, invited_and_accepted, invitee  # noqa: F401

from chalicelib.core import clock


def feed(api, token: str) -> list[dict]:
    return api.get("/me/notifications?limit=100", token=token)[1]["items"]


def link_of(api, token: str, title: str) -> str:
    found = [n["link"] for n in feed(api, token) if n["title"] == title]
    assert len(found) == 1, (title, [n["title"] for n in feed(api, token)])
    return found[0]


def test_appeal_notices_open_the_appeal(api, user):
    operator = staff_user(api, "operator")
    card = submit_appeal(api, user)
    assert api.post(f"/staff/appeals/{card['id']}/take", token=operator["token"])[0] == 200
    card_link = f"#/appeals/appeal?id={card['id']}"
    assert link_of(api, user["token"], f"Обращение № {card['number']} зарегистрировано") == card_link
    assert link_of(api, user["token"], f"Обращение № {card['number']}: В работе") == card_link


def test_service_request_notices_open_the_request(api, user, street):
    status, card = api.post("/service-requests", request_body(user, street), token=user["token"])
    assert status == 201, card
    assert (
        link_of(api, user["token"], f"Заявка № {card['number']} зарегистрирована")
        == f"#/appeals/service-request?id={card['id']}"
    )


def test_connection_notices_open_the_application(api):
    applicant = connection_applicant(api)
    card = submitted_application(api, applicant["token"])
    engineer = staff_user(api, "engineer")
    staff_move(api, engineer["token"], card, "registered")
    card_link = f"#/connection/application?id={card['id']}"
    titles = [n["title"] for n in feed(api, applicant["token"]) if card["number"] in n["title"]]
    assert len(titles) == 2
    assert {link_of(api, applicant["token"], title) for title in titles} == {card_link}


def test_a_co_users_reading_opens_the_meters_history_for_the_holder(api, holder, invitee):
    invited_and_accepted(api, holder, invitee)
    meter = holder["meter_ids"][0]
    clock.set_clock(lambda: IN_WINDOW)
    try:
        token = login(api, invitee["login"])["access_token"]
        status, answer = api.post(f"/meters/{meter}/readings", {"values": {"T1": "12100"}}, token=token)
        assert status in (200, 201), answer
    finally:
        clock.set_clock(None)
    links = [n["link"] for n in feed(api, holder["token"]) if n["title"].startswith("Переданы показания")]
    assert links == [f"#/meter/history?id={quote(meter, safe='')}"]
    # The holder also hears that the invitation was accepted: it opens the contract's card.
    accepted = f"Приглашение к договору № {holder['contract']} принято"
    assert link_of(api, holder["token"], accepted) == f"#/accounts?focus={quote('contract-' + holder['contract'])}"


def test_access_request_notices_open_my_requests_and_then_the_contract(api, stranger, contract):
    number, serial = contract
    request_id = access_request(api, stranger, number, serial)["id"]
    assert (
        link_of(api, stranger["token"], f"Запрос доступа к договору № {number} принят")
        == "#/accounts/request?focus=my-requests-title"
    )
    operator = staff_user(api, "operator")
    status, _ = api.post(
        f"/staff/access-requests/{request_id}/decision",
        {"decision": "approve", "right": "submit"},
        token=operator["token"],
    )
    assert status == 200
    assert (
        link_of(api, stranger["token"], f"Доступ к договору № {number} предоставлен")
        == f"#/accounts?focus={quote('contract-' + number)}"
    )


def test_outage_notices_open_the_outages_of_the_subscribed_address(api, town):
    street_id = town["ул. Плехановская"]
    operator = staff_token(api, "operator")
    user_id = _subscriber(street_id, "7к1")
    outage = create_outage(api, operator, planned(street_id, "7к1"))
    assert api.post(f"/staff/outages/{outage['id']}/publish", token=operator)[0] == 200
    from chalicelib.notifications.repository import NotificationRepository

    (note,) = [
        n for n in NotificationRepository().all_notes(user_id) if n.title == "Плановое отключение электроэнергии"
    ]
    assert note.link == f"#/outages?street_id={street_id}&house=7%D0%BA1"


def _subscriber(street_id: str, house: str) -> str:
    """A subscriber written directly, as test_outages.quick_subscribers does; its user id."""
    from chalicelib.outages.repository import SubscriberItem

    quick_subscribers(street_id, [house])
    return [s.user_id for s in SubscriberItem.query(f"SUBS#{street_id}") if s.house == house][-1]


def test_a_notice_without_a_target_opens_its_section_and_old_entries_keep_working(api, user):
    from chalicelib.core.dynamo import transaction
    from chalicelib.notifications import outbox
    from chalicelib.notifications.repository import FeedItem, feed_key, note_key

    with transaction() as tx:
        outbox.stage(tx, outbox.Notification("password_changed", {}, user_id=user["user_id"]))
    # As stored before targets existed: the template's section link, or (older still) none at all.
    FeedItem(
        feed_key(user["user_id"]),
        note_key("000000000001aaaaaaaaaa"),
        note_id="000000000001aaaaaaaaaa",
        title="Обращение № 2024-000001 зарегистрировано",
        body="Жалоба.",
        link="#/appeals",
        read=False,
        created_at="2024-01-01T00:00:00Z",
    ).save()
    FeedItem(
        feed_key(user["user_id"]),
        note_key("000000000000aaaaaaaaaa"),
        note_id="000000000000aaaaaaaaaa",
        title="Старое уведомление",
        body="",
        read=True,
        created_at="2023-01-01T00:00:00Z",
    ).save()
    items = feed(api, user["token"])
    assert link_of(api, user["token"], "Пароль изменён") == "#/profile"
    assert [(n["title"], n["link"]) for n in items[-2:]] == [
        ("Обращение № 2024-000001 зарегистрировано", "#/appeals"),
        ("Старое уведомление", None),
    ]


def test_a_target_is_always_a_page_of_this_site(aws):
    from chalicelib.core.dynamo import transaction
    from chalicelib.notifications import outbox

    with pytest.raises(ValueError), transaction() as tx:
        outbox.stage(tx, outbox.Notification("password_changed", {}, user_id="u1", link="https://example.com/"))
