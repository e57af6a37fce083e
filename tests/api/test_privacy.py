"""The person's own data (152-ФЗ): the export, withdrawing consent and closing the account, retention."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from connection_helpers import create as create_draft, submitted as submitted_application
from helpers import (
    PDF_BYTES,
    billing_meter,
    count_calls,
    deliver_notifications,
    load_billing,
    login,
    person_payload,
    register_and_confirm,
    sent_emails,
    staff_user,
    unique_contract,
    unique_suffix,
    upload,
)

from chalicelib.core import clock

# 27 November 2026, 10:00 in Moscow: inside the reading entry window, outside the lock windows.
IN_WINDOW = datetime(2026, 11, 27, 7, 0, tzinfo=UTC)
PASSWORD = "Secret123pass"


@pytest.fixture(autouse=True)
def frozen_clock():
    clock.set_clock(lambda: IN_WINDOW)
    yield
    clock.set_clock(None)


def signed_in(api, **overrides):
    user = register_and_confirm(api, **overrides)
    tokens = login(api, user["login"])
    user["token"], user["refresh"] = tokens["access_token"], tokens["refresh_token"]
    return user


@pytest.fixture
def user(api):
    return signed_in(api)


def linked_contract(api, user):
    """A contract of the test identity (Иванов, СНИЛС of person_payload) linked by `user`; its meter ids."""
    number = unique_contract()
    prefix = f"P{number[-6:].upper()}"
    load_billing(
        billing_meter(number, f"{prefix}1", last_period="2026-10", last_values={"T1": "12000"}),
        billing_meter(number, f"{prefix}2"),
    )
    status, tree = api.post("/accounts", {"contract_number": number, "meter_serial": f"{prefix}1"}, token=user["token"])
    assert status == 201, tree
    return number, [m["id"] for o in tree["contracts"][0]["objects"] for m in o["meters"]]


def file_appeal(api, user, topic="Перепады напряжения", data=PDF_BYTES, file_name="Фото щитка.pdf"):
    upload_id = upload(api, user["token"], data=data, file_name=file_name)
    status, card = api.post(
        "/appeals",
        {
            "type": "complaint",
            "addressee": "Главный инженер",
            "topic": topic,
            "text": "Вечером напряжение падает до 180 В.",
            "contact_phone": user["phone"],
            "attachments": [upload_id],
        },
        token=user["token"],
    )
    assert status == 201, card
    return card


def subscribe(api, user):
    from chalicelib.reference.repository import Street, StreetRepository

    street = Street.new(f"Приватск-{unique_suffix()}", "ул. Тихая")
    StreetRepository().write_many([street])
    status, sub = api.post("/outages/subscriptions", {"street_id": street.id, "house": "7"}, token=user["token"])
    assert status == 201, sub
    return street.id


def export(api, user):
    status, link = api.post("/me/data-export", token=user["token"])
    assert status == 200, link
    response = requests.get(link["url"], timeout=30)
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    return link, archive, json.loads(archive.read("data.json"))


def close(api, user, password=PASSWORD, confirm=True):
    return api.post("/me/close", {"password": password, "confirm": confirm}, token=user["token"])


def raw_item(table, pk, sk):
    import boto3

    found = boto3.client("dynamodb", region_name="eu-central-1").get_item(
        TableName=f"kabinet-test-{table}", Key={"pk": {"S": pk}, "sk": {"S": sk}}, ConsistentRead=True
    )
    return found.get("Item")


# --- consent in the profile ------------------------------------------------------------------------


def test_the_profile_shows_the_accepted_consent_whose_text_is_published(api, user):
    status, me = api.get("/me", token=user["token"])
    assert status == 200
    assert me["consent"]["version"] == "2024-01"
    assert me["consent"]["accepted_at"].startswith("2026-11-27")
    status, text = api.get("/auth/consent")
    assert status == 200 and text["version"] == me["consent"]["version"] and "152-ФЗ" in text["text"]
    # The page's terms cost nothing beyond the auth guard's read.
    with count_calls("dynamodb") as calls:
        status, terms = api.get("/me/privacy", token=user["token"])
    assert status == 200 and terms["retention_years"] == 5 and terms["export_link_seconds"] <= 60
    assert len(calls) == 1


# --- export -----------------------------------------------------------------------------------------


def test_the_export_holds_the_accounts_data_and_files_and_nothing_of_another_account(api, user):
    number, meters = linked_contract(api, user)
    status, reading = api.post(f"/meters/{meters[0]}/readings", {"values": {"T1": "12100"}}, token=user["token"])
    assert status == 201, reading
    appeal = file_appeal(api, user)
    subscribe(api, user)
    # Another account with its own appeal and file, and a reading of its own on a meter of its own.
    other = signed_in(api)
    other_file = PDF_BYTES.replace(b"endobj", b"endobj %chuzhoy")
    other_appeal = file_appeal(api, other, topic="Чужая тема обращения", data=other_file, file_name="Чужой.pdf")

    link, archive, data = export(api, user)

    assert data["account"]["login"] == user["login"] and data["account"]["email"] == user["email"]
    assert data["account"]["snils"] and data["consent"]["version"] == "2024-01"
    assert len(data["sessions"]) == 1 and set(data["sessions"][0]) == {"id", "created_at", "expires_at", "remember"}
    assert [c["number"] for c in data["contracts"]] == [number] and data["contracts"][0]["right"] == "holder"
    assert sorted(m["meter_id"] for m in data["meters"]) == sorted(meters)
    assert [(r["meter_id"], r["period"], r["values"]) for r in data["readings"]] == [
        (meters[0], "2026-11", {"T1": "12100"})
    ]
    assert [a["number"] for a in data["appeals"]] == [appeal["number"]]
    assert data["appeals"][0]["history"] and data["appeals"][0]["topic"] == "Перепады напряжения"
    assert [s["house"] for s in data["outage_subscriptions"]] == ["7"]
    assert any(n["title"] == "Добро пожаловать в личный кабинет" for n in data["notifications"])
    assert [u["name"] for u in data["uploads"]] == ["Фото щитка.pdf"]
    # The file itself, under the path data.json names.
    [entry] = data["files"]
    assert entry["name"] == "Фото щитка.pdf" and archive.read(entry["path"]) == PDF_BYTES
    assert link["files"] == 1 and link["files_not_included"] == 0

    everything = b"".join(archive.read(name) for name in archive.namelist())
    for foreign in (other["login"], other["email"], other_appeal["number"], "Чужая тема обращения", b"%chuzhoy"):
        assert (foreign if isinstance(foreign, bytes) else foreign.encode()) not in everything
    # Session secrets never leave: neither the stored digests nor the tokens themselves.
    text = archive.read("data.json").decode()
    assert "digest" not in text and user["refresh"] not in text and user["token"] not in text


def test_the_export_link_is_short_lived_and_exports_are_limited(api, user):
    status, link = api.post("/me/data-export", token=user["token"])
    assert status == 200 and link["expires_in"] <= 60
    assert int(parse_qs(urlsplit(link["url"]).query)["X-Amz-Expires"][0]) <= 60
    assert link["file_name"].endswith(".zip")
    assert "/exports/" in urlsplit(link["url"]).path
    for _ in range(2):
        assert api.post("/me/data-export", token=user["token"])[0] == 200
    status, answer = api.post("/me/data-export", token=user["token"])
    assert status == 429 and answer["error"]["code"] == "rate_limited"
    assert api.post("/me/data-export")[0] == 401


# --- closing: refusals ------------------------------------------------------------------------------


def test_a_wrong_password_or_no_confirmation_closes_nothing(api, user):
    status, answer = close(api, user, password="Wrong123pass")
    assert status == 422 and [f["path"] for f in answer["error"]["fields"]] == ["password"]
    assert "Wrong123pass" not in json.dumps(answer, ensure_ascii=False)
    status, answer = close(api, user, confirm=False)
    assert status == 422 and [f["path"] for f in answer["error"]["fields"]] == ["confirm"]
    assert api.get("/me", token=user["token"])[0] == 200
    login(api, user["login"])


def test_staff_accounts_are_not_closed_by_themselves(api):
    operator = staff_user(api, "operator")
    status, answer = api.post("/me/close", {"password": "Staff12345pass", "confirm": True}, token=operator["token"])
    assert status == 403


# --- closing: what happens --------------------------------------------------------------------------


def test_closing_ends_sign_in_and_tokens_frees_the_identifiers_and_tells_the_old_address(api, user):
    linked_contract(api, user)
    street_id = subscribe(api, user)
    status, answer = close(api, user)
    assert status == 200, answer
    assert "учётная запись закрыта" in answer["message"]

    # Tokens refused at once, the refresh token too.
    assert api.get("/me", token=user["token"])[0] == 401
    assert api.post("/auth/refresh", {"refresh_token": user["refresh"]})[0] == 401
    # Sign-in fails exactly like an unknown login, by login, e-mail and phone.
    unknown = api.post("/auth/login", {"identifier": f"nobody{unique_suffix()}", "password": PASSWORD})
    for identifier in (user["login"], user["email"], user["phone"]):
        assert api.post("/auth/login", {"identifier": identifier, "password": PASSWORD}) == unknown

    # The confirmation letter went to the address that was erased.
    deliver_notifications()
    letters = [m for m in sent_emails(user["email"]) if "Учётная запись закрыта" in m.subject]
    assert len(letters) == 1 and "27.11.2031" in letters[0].body

    # The user item is a tombstone: status, kind, dates, consent version and withdrawal — nothing personal.
    item = raw_item("identity", f"USER#{user['user_id']}", "PROFILE")
    from chalicelib.accounts.privacy import TOMBSTONE_KEEPS

    assert set(item) <= set(TOMBSTONE_KEEPS)
    assert item["status"]["S"] == "closed" and item["kind"]["S"] == "person"
    assert set(item["consent"]["M"]) == {"version", "accepted_at", "withdrawn_at"}
    assert item["consent"]["M"]["version"]["S"] == "2024-01"
    for personal in (user["login"], user["email"], user["phone"], "Иванов", "112"):
        assert personal not in json.dumps(item, ensure_ascii=False)
    # Subscriptions and the feed are gone.
    from chalicelib.notifications.repository import NotificationRepository
    from chalicelib.outages.repository import OutageRepository

    assert OutageRepository().subscriptions(user["user_id"]) == []
    assert [s.user_id for s in OutageRepository().subscribers(street_id)] == []  # nobody is texted any more
    assert NotificationRepository().all_notes(user["user_id"]) == []

    # The same login, e-mail and phone register anew, as a new account.
    again = person_payload(api, login=user["login"], email=user["email"], phone=user["phone"])
    assert api.post("/auth/register", again)[0] == 202
    fresh = signed_in_from(api, again)
    assert fresh["id"] != user["user_id"] and fresh["email"] == user["email"]


def signed_in_from(api, body):
    from helpers import confirm_link_token

    status, answer = api.post("/auth/confirm", {"token": confirm_link_token(body["email"])})
    assert status == 200, answer
    return login(api, body["login"])["user"]


def test_closing_revokes_links_and_invitations_but_not_the_co_users_access(api):
    holder = signed_in(api)
    number, meters = linked_contract(api, holder)
    co_user = signed_in(api)
    status, _ = api.post(
        f"/accounts/{number}/invitations", {"email": co_user["email"], "right": "submit"}, token=holder["token"]
    )
    assert status == 201
    deliver_notifications()
    token = re.search(r"token=([\w\-]+)", sent_emails(co_user["email"])[-1].body).group(1)
    status, tree = api.post("/invitations/accept", {"contract_number": number, "token": token}, token=co_user["token"])
    assert status == 200, tree
    pending = f"someone{unique_suffix()}@example.ru"
    assert (
        api.post(f"/accounts/{number}/invitations", {"email": pending, "right": "view"}, token=holder["token"])[0]
        == 201
    )

    assert close(api, holder)[0] == 200

    from chalicelib.metering.repository import MeteringRepository

    repo = MeteringRepository()
    assert repo.user_items(holder["user_id"]) == []
    links, invitations = repo.people_of_contract(number)
    assert invitations == []
    assert [link.pk for link in links] == [f"USER#{co_user['user_id']}"]
    # The co-user still sees the contract and may still submit.
    status, accounts = api.get("/accounts", token=co_user["token"])
    assert status == 200 and [c["number"] for c in accounts["contracts"]] == [number]
    assert api.post(f"/meters/{meters[0]}/readings", {"values": {"T1": "12100"}}, token=co_user["token"])[0] == 201


def test_a_co_user_closing_leaves_the_holder_untouched_and_readings_without_a_name(api):
    holder = signed_in(api)
    number, meters = linked_contract(api, holder)
    co_user = signed_in(api)
    api.post(f"/accounts/{number}/invitations", {"email": co_user["email"], "right": "submit"}, token=holder["token"])
    deliver_notifications()
    token = re.search(r"token=([\w\-]+)", sent_emails(co_user["email"])[-1].body).group(1)
    assert (
        api.post("/invitations/accept", {"contract_number": number, "token": token}, token=co_user["token"])[0] == 200
    )
    assert api.post(f"/meters/{meters[0]}/readings", {"values": {"T1": "12100"}}, token=co_user["token"])[0] == 201

    assert close(api, co_user)[0] == 200

    status, co_users = api.get(f"/accounts/{number}/co-users", token=holder["token"])
    assert status == 200 and co_users["co_users"] == []
    status, accounts = api.get("/accounts", token=holder["token"])
    assert [c["number"] for c in accounts["contracts"]] == [number]
    from chalicelib.metering.repository import MeteringRepository

    [reading] = [r for r in MeteringRepository().readings(meters[0]) if r.period == "2026-11"]
    assert reading.values.as_dict() == {"T1": "12100"}  # the contract's accounting data stays
    assert reading.submitted_by_name == "учётная запись закрыта"


def test_appeals_and_applications_are_kept_without_the_login_until_the_retention_date(api, user):
    appeal = file_appeal(api, user)
    application = submitted_application(api, user["token"])
    draft = create_draft(api, user["token"])
    operator = staff_user(api, "operator")

    assert close(api, user)[0] == 200

    from chalicelib.appeals.repository import CaseRepository
    from chalicelib.connection.repository import ConnectionRepository

    [case] = CaseRepository().by_number(appeal["number"])
    assert case.owner_pk == f"CLOSED#{user['user_id']}" and case.owner_id == ""
    assert CaseRepository().of_owner(user["user_id"]) == []
    assert ConnectionRepository().of_owner(user["user_id"]) == []
    case_item = raw_item("cases", case.pk, "CASE")
    assert case_item["retain_until"]["S"] == "2031-11-27" and int(case_item["ttl"]["N"]) > clock.epoch(IN_WINDOW)
    history = [i for i in CaseRepository().card(case.kind, case.case_id)[1]]
    assert history and all(raw_item("cases", h.pk, h.sk)["retain_until"]["S"] == "2031-11-27" for h in history)
    kept = ConnectionRepository().get(application["id"])
    assert kept is not None and kept.owner_pk == f"CLOSED#{user['user_id']}"
    assert raw_item("cases", kept.pk, "TP")["retain_until"]["S"] == "2031-11-27"
    # A draft was never filed: it is gone.
    assert ConnectionRepository().get(draft["id"]) is None
    # Staff still work with the kept appeal; its file is still there.
    status, card = api.get(f"/staff/appeals/{appeal['id']}", token=operator["token"])
    assert status == 200 and card["number"] == appeal["number"]
    file_id = appeal["files"][0]["id"]
    status, download = api.get(f"/staff/appeals/{appeal['id']}/files/{file_id}", token=operator["token"])
    assert status == 200 and requests.get(download["url"], timeout=30).content == PDF_BYTES
    status, taken = api.post(f"/staff/appeals/{appeal['id']}/take", token=operator["token"])
    assert status == 200, taken
    from chalicelib.notifications.repository import NotificationRepository

    assert NotificationRepository().all_notes(user["user_id"]) == []  # no feed is revived for the closed account

    # A new account with the same e-mail does not get them back.
    again = person_payload(api, email=user["email"])
    assert api.post("/auth/register", again)[0] == 202
    fresh_token = login(api, signed_in_from(api, again)["login"])["access_token"]
    assert api.get("/appeals", token=fresh_token)[1]["items"] == []
    assert api.get(f"/appeals/{appeal['id']}", token=fresh_token)[0] == 404

    # When the date comes, the sweep deletes the case, its history and its file.
    from chalicelib.accounts.privacy import PrivacyService

    clock.set_clock(lambda: datetime(2031, 11, 27, 9, 0, tzinfo=UTC))
    assert PrivacyService().sweep_retention() >= 2
    assert CaseRepository().by_number(appeal["number"]) == []
    assert CaseRepository().card(case.kind, case.case_id) == (None, [])
    assert ConnectionRepository().get(application["id"]) is None
    from chalicelib.attachments import storage

    assert storage.head(case.files[0].key) is None


def test_a_retention_date_not_yet_come_is_left_alone(api, user):
    appeal = file_appeal(api, user)
    assert close(api, user)[0] == 200
    from chalicelib.accounts.privacy import PrivacyService
    from chalicelib.appeals.repository import CaseRepository

    clock.set_clock(lambda: datetime(2031, 11, 25, 9, 0, tzinfo=UTC))
    PrivacyService().sweep_retention()
    assert [c.number for c in CaseRepository().by_number(appeal["number"])] == [appeal["number"]]


def test_an_email_change_link_sent_before_closing_no_longer_works(api, user):
    new_email = f"new{unique_suffix()}@example.ru"
    status, _ = api.patch("/me", {"email": new_email}, token=user["token"])
    assert status == 200
    deliver_notifications()
    token = re.search(r"#/confirm\?token=([\w\-]+)", sent_emails(new_email)[-1].body).group(1)
    assert close(api, user)[0] == 200

    status, answer = api.post("/auth/confirm", {"token": token})
    assert status == 400 and answer["error"]["code"] == "link_invalid"
    assert api.post("/auth/login", {"identifier": new_email, "password": PASSWORD})[0] == 401
    item = raw_item("identity", f"USER#{user['user_id']}", "PROFILE")
    assert "email" not in item and raw_item("identity", f"CLAIM#email#{new_email}", "CLAIM") is None


def test_access_requests_are_exported_with_their_scan_and_deleted_on_closing(api, user):
    scan = PDF_BYTES.replace(b"endobj", b"endobj %doverennost")
    upload_id = upload(api, user["token"], data=scan, file_name="Доверенность.pdf", purpose="access_request")
    status, request = api.post(
        "/accounts/access-requests",
        {
            "contract_number": unique_contract(),
            "meter_serial": "Z12345",
            "relation": "tenant",
            "right": "submit",
            "comment": "Снимаю квартиру",
            "files": [upload_id],
        },
        token=user["token"],
    )
    assert status == 201, request

    _link, archive, data = export(api, user)
    [exported] = data["access_requests"]
    assert exported["status"] == "pending" and exported["comment"] == "Снимаю квартиру"
    [entry] = [f for f in data["files"] if f["name"] == "Доверенность.pdf"]
    assert archive.read(entry["path"]) == scan

    assert close(api, user)[0] == 200
    from chalicelib.attachments import storage
    from chalicelib.metering.access_requests import AccessRequestRepository

    assert AccessRequestRepository().of_user(user["user_id"]) == []
    assert AccessRequestRepository().get(request["id"]) is None
    assert storage.keys_under(f"uploads/{user['user_id']}/") == []
    assert storage.keys_under(f"exports/{user['user_id']}/") == []


def test_a_close_interrupted_half_way_is_repeated_and_keeps_the_cases_files(api, user, monkeypatch):
    appeal = file_appeal(api, user)
    from chalicelib.accounts import privacy

    def storage_down(self, uid):
        raise RuntimeError("S3 is unavailable")

    with monkeypatch.context() as patched:
        patched.setattr(privacy.PrivacyService, "_drop_uploads", storage_down)
        assert close(api, user)[0] == 500
    # The sessions ended at the first step; the account itself is still there, so its owner finishes.
    assert api.get("/me", token=user["token"])[0] == 401
    user["token"] = login(api, user["login"])["access_token"]
    assert close(api, user)[0] == 200

    from chalicelib.appeals.repository import CaseRepository
    from chalicelib.attachments import storage

    [case] = CaseRepository().by_number(appeal["number"])
    assert case.owner_pk == f"CLOSED#{user['user_id']}"
    assert storage.head(case.files[0].key) is not None
    assert raw_item("cases", f"UPLOAD#{case.files[0].id}", "UPLOAD")["retain_until"]["S"] == "2031-11-27"
