"""Co-users by invitation (issue 9, item 3): the holder invites an e-mail address with a right, the
account with that confirmed address accepts once, the holder sees and revokes co-users."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote

import pytest
from helpers import (
    billing_meter,
    consumer,
    count_calls,
    deliver_notifications,
    load_billing,
    login,
    sent_emails,
    unique_contract,
)

from chalicelib.core import clock

SNILS = "112-233-445 95"
# 27 November 2026, 10:00 in Moscow: inside the readings entry window.
IN_WINDOW = datetime(2026, 11, 27, 7, 0, tzinfo=UTC)


def person(api, last_name="Иванов", first_name="Иван", middle_name="Иванович", snils=SNILS):
    return consumer(api, "person", last_name=last_name, first_name=first_name, middle_name=middle_name, snils=snils)


@pytest.fixture
def holder(api):
    number = unique_contract()
    serial = f"H{number[-6:].upper()}1"
    load_billing(
        billing_meter(number, serial, last_period="2026-10", last_values={"T1": "12000"}),
        billing_meter(
            number,
            f"H{number[-6:].upper()}2",
            object_id="2",
            object_name="Гараж",
            object_address="г. Воронеж, ГСК «Волна», бокс 7",
        ),
    )
    account = person(api)
    status, tree = api.post("/accounts", {"contract_number": number, "meter_serial": serial}, token=account["token"])
    assert status == 201, tree
    account["contract"] = number
    account["meter_ids"] = [m["id"] for o in tree["contracts"][0]["objects"] for m in o["meters"]]
    return account


@pytest.fixture
def invitee(api):
    return person(api, last_name="Смирнова", first_name="Ольга", middle_name="Петровна", snils="112-233-446 96")


def invite(api, holder, email, right="submit"):
    return api.post(
        f"/accounts/{holder['contract']}/invitations", {"email": email, "right": right}, token=holder["token"]
    )


def invitation_link(email: str) -> tuple[str, str]:
    """(contract, token) from the newest invitation letter to `email`."""
    deliver_notifications()
    for message in reversed(sent_emails(email)):
        found = re.search(r"#/invitation\?contract=([^&\s]+)&token=([\w\-]+)", message.body)
        if found:
            return unquote(found.group(1)), found.group(2)
    raise AssertionError(f"no invitation to {email}")


def accept(api, account, contract, token):
    return api.post("/invitations/accept", {"contract_number": contract, "token": token}, token=account["token"])


def invited_and_accepted(api, holder, invitee, right="submit"):
    assert invite(api, holder, invitee["email"], right)[0] == 201
    status, tree = accept(api, invitee, *invitation_link(invitee["email"]))
    assert status == 200, tree
    return tree


def feed(api, account):
    return api.get("/me/notifications", token=account["token"])[1]["items"]


def test_invited_account_accepts_and_sees_the_contract_with_the_right(api, holder, invitee):
    status, created = invite(api, holder, invitee["email"].upper().replace("@EXAMPLE.RU", "@example.ru"))
    assert status == 201, created
    assert created["right"] == "submit"
    expires = datetime.fromisoformat(created["expires_at"].replace("Z", "+00:00"))
    assert timedelta(days=6, hours=23) < expires - datetime.now(UTC) <= timedelta(days=7)
    contract, token = invitation_link(created["email"])
    assert contract == holder["contract"]

    status, tree = accept(api, invitee, contract, token)
    assert status == 200, tree
    [shared] = tree["contracts"]
    assert shared["number"] == holder["contract"] and shared["right"] == "submit"
    assert sorted(m["id"] for o in shared["objects"] for m in o["meters"]) == sorted(holder["meter_ids"])
    assert api.get(f"/meters/{holder['meter_ids'][0]}", token=invitee["token"])[0] == 200

    # The holder is told, in the feed and by e-mail.
    assert any("Смирнова О. П." in n["body"] and holder["contract"] in n["title"] for n in feed(api, holder))
    deliver_notifications()
    assert any("Смирнова О. П. принял(а)" in m.body for m in sent_emails(holder["email"]))

    status, listed = api.get(f"/accounts/{holder['contract']}/co-users", token=holder["token"])
    assert status == 200
    assert listed["invitations"] == []
    [co_user] = listed["co_users"]
    assert (co_user["user_id"], co_user["name"], co_user["login"], co_user["right"]) == (
        invitee["user_id"],
        "Смирнова О. П.",
        invitee["login"],
        "submit",
    )
    assert co_user["since"]


def test_only_the_invited_address_may_accept_and_only_once(api, holder, invitee):
    assert invite(api, holder, invitee["email"])[0] == 201
    contract, token = invitation_link(invitee["email"])
    stranger = person(api, last_name="Петров")
    status, answer = accept(api, stranger, contract, token)
    assert status == 403 and answer["error"]["code"] == "invitation_other_email"
    assert invitee["email"] not in str(answer)
    assert api.get("/accounts", token=stranger["token"])[1]["contracts"] == []

    assert accept(api, invitee, contract, token)[0] == 200
    status, answer = accept(api, invitee, contract, token)
    assert status == 404 and answer["error"]["code"] == "invitation_invalid"
    assert accept(api, invitee, contract, token[:-2] + "xx")[0] == 404


def test_a_used_invitation_read_before_it_was_used_grants_nothing(api, holder, invitee):
    """Two accepts racing: both read the invitation, the conditional writes let only one through."""
    from chalicelib.accounts.principal import Principal
    from chalicelib.accounts.repository import UserRepository
    from chalicelib.accounts.tokens import secret_digest
    from chalicelib.core.errors import ApiError
    from chalicelib.metering.models import AcceptInvitationRequest
    from chalicelib.metering.repository import MeteringRepository
    from chalicelib.metering.sharing import SharingService

    assert invite(api, holder, invitee["email"])[0] == 201
    contract, token = invitation_link(invitee["email"])
    repo = MeteringRepository()
    stale_invitation, stale_links = repo.invitation(contract, secret_digest(token)), repo.users_of_contract(contract)

    class Stale(MeteringRepository):
        def invitation(self, number, digest):
            return stale_invitation

        def users_of_contract(self, number):
            return stale_links

    assert accept(api, invitee, contract, token)[0] == 200
    notes = len(feed(api, holder))
    principal = Principal(user=UserRepository().get(invitee["user_id"]), session_id="s")
    with pytest.raises(ApiError) as refused:
        SharingService(repository=Stale()).accept(
            principal, AcceptInvitationRequest(contract_number=contract, token=token)
        )
    assert refused.value.code == "invitation_invalid"
    assert len(feed(api, holder)) == notes


def test_expired_invitation_is_refused_and_not_listed(api, holder, invitee):
    assert invite(api, holder, invitee["email"])[0] == 201
    contract, token = invitation_link(invitee["email"])
    later = datetime.now(UTC) + timedelta(days=7, minutes=1)
    clock.set_clock(lambda: later)
    try:
        signed_in = login(api, invitee["login"])["access_token"]
        status, answer = accept(api, {"token": signed_in}, contract, token)
        assert status == 404 and answer["error"]["code"] == "invitation_invalid"
        holder_token = login(api, holder["login"])["access_token"]
        assert api.get(f"/accounts/{contract}/co-users", token=holder_token)[1]["invitations"] == []
    finally:
        clock.set_clock(None)


def test_same_answer_whether_or_not_an_account_has_the_address(api, holder, invitee):
    existing = invite(api, holder, invitee["email"])
    nobody = invite(api, holder, "nobody-here@example.ru")
    assert existing[0] == nobody[0] == 201
    assert set(existing[1]) == set(nobody[1])
    listed = api.get(f"/accounts/{holder['contract']}/co-users", token=holder["token"])[1]
    assert sorted(i["email"] for i in listed["invitations"]) == sorted([invitee["email"], "nobody-here@example.ru"])


def test_a_new_invitation_to_the_same_address_replaces_the_earlier_one(api, holder, invitee):
    assert invite(api, holder, invitee["email"], "submit")[0] == 201
    first = invitation_link(invitee["email"])
    assert invite(api, holder, invitee["email"], "view")[0] == 201
    second = invitation_link(invitee["email"])
    assert accept(api, invitee, *first)[0] == 404
    assert accept(api, invitee, *second)[1]["contracts"][0]["right"] == "view"


def test_holder_cancels_an_invitation(api, holder, invitee):
    created = invite(api, holder, invitee["email"])[1]
    contract, token = invitation_link(invitee["email"])
    path = f"/accounts/{contract}/invitations/{created['id']}"
    assert api.call("DELETE", path, token=holder["token"])[0] == 204
    assert api.call("DELETE", path, token=holder["token"])[0] == 404
    assert accept(api, invitee, contract, token)[0] == 404
    assert api.get(f"/accounts/{contract}/co-users", token=holder["token"])[1]["invitations"] == []


def test_revoking_removes_access_at_once_and_tells_the_co_user(api, holder, invitee):
    invited_and_accepted(api, holder, invitee)
    meter = holder["meter_ids"][0]
    assert api.get(f"/meters/{meter}", token=invitee["token"])[0] == 200
    status, _ = api.call(
        "DELETE", f"/accounts/{holder['contract']}/co-users/{invitee['user_id']}", token=holder["token"]
    )
    assert status == 204
    assert api.get(f"/meters/{meter}", token=invitee["token"])[0] == 404
    assert api.get("/accounts", token=invitee["token"])[1]["contracts"] == []
    assert any(holder["contract"] in n["title"] and "отменён" in n["title"] for n in feed(api, invitee))
    assert api.get(f"/accounts/{holder['contract']}/co-users", token=holder["token"])[1]["co_users"] == []
    # The holder itself cannot be revoked through this route.
    assert (
        api.call("DELETE", f"/accounts/{holder['contract']}/co-users/{holder['user_id']}", token=holder["token"])[0]
        == 404
    )


def test_view_only_co_user_sees_the_contract_but_does_not_submit(api, holder, invitee):
    tree = invited_and_accepted(api, holder, invitee, right="view")
    assert tree["contracts"][0]["right"] == "view"
    meter = holder["meter_ids"][0]
    assert api.get(f"/meters/{meter}", token=invitee["token"])[0] == 200
    clock.set_clock(lambda: IN_WINDOW)
    try:
        token = login(api, invitee["login"])["access_token"]
        status, answer = api.post(f"/meters/{meter}/readings", {"values": {"T1": "12100"}}, token=token)
        assert status == 403 and answer["error"]["code"] == "view_only", answer
    finally:
        clock.set_clock(None)


def test_holder_routes_answer_404_to_everyone_else(api, holder, invitee):
    invited_and_accepted(api, holder, invitee)
    stranger = person(api, last_name="Петров")
    contract = holder["contract"]
    for account in (invitee, stranger):
        for method, path, body in (
            ("POST", f"/accounts/{contract}/invitations", {"email": "x@example.ru", "right": "view"}),
            ("GET", f"/accounts/{contract}/co-users", None),
            ("DELETE", f"/accounts/{contract}/invitations/abc", None),
            ("DELETE", f"/accounts/{contract}/co-users/{holder['user_id']}", None),
        ):
            status, answer = api.call(method, path, body, token=account["token"])
            assert status == 404, (method, path, answer)
            assert "Иванов" not in str(answer)
    assert api.get("/accounts/НЕТ-1/co-users", token=holder["token"])[0] == 404


def test_co_users_list_costs_at_most_two_dynamodb_calls(api, holder, invitee):
    invited_and_accepted(api, holder, invitee, right="view")
    assert invite(api, holder, "pending@example.ru")[0] == 201
    with count_calls("dynamodb") as calls:
        status, listed = api.get(f"/accounts/{holder['contract']}/co-users", token=holder["token"])
    assert status == 200 and len(listed["co_users"]) == 1 and len(listed["invitations"]) == 1
    assert len(calls) <= 2 and not any(c.startswith("Scan") for c in calls), calls


def test_invitations_per_holder_are_limited_per_day(api, holder):
    statuses = [invite(api, holder, f"guest{i}@example.ru")[0] for i in range(21)]
    assert statuses == [201] * 20 + [429]


def test_invitation_needs_a_valid_address_and_right(api, holder):
    status, answer = api.post(
        f"/accounts/{holder['contract']}/invitations",
        {"email": "not-an-email", "right": "holder"},
        token=holder["token"],
    )
    assert status == 422 and {f["path"] for f in answer["error"]["fields"]} == {"email", "right"}
    assert invite(api, holder, holder["email"])[0] == 422  # oneself
