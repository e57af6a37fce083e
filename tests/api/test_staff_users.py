"""Employees: administrators create, edit, disable and re-enable them and send password links; staff and
consumers are separate realms (a token of one is refused on the other's routes, an e-mail may be in both)."""

from __future__ import annotations

import re
import uuid

from helpers import (
    count_calls,
    deliver_notifications,
    login,
    register_and_confirm,
    sent_emails,
    staff_login,
    staff_user,
    unique_suffix,
)

PASSWORD = "Rabota2030pass"


def employee_payload(**overrides):
    suffix = unique_suffix()
    return {
        "login": f"emp{suffix}",
        "last_name": "Кузнецова",
        "first_name": "Мария",
        "middle_name": "Олеговна",
        "email": f"emp{suffix}@kabinet.local",
        "phone": f"+7473{uuid.uuid4().int % 10**7:07d}",
        "roles": ["operator"],
        **overrides,
    }


def password_link_token(email: str) -> str:
    deliver_notifications()
    body = sent_emails(email)[-1].body
    return re.search(r"staff\.html#/password\?token=([\w-]+)", body).group(1)


def create_employee(api, admin, **overrides):
    payload = employee_payload(**overrides)
    status, created = api.post("/staff/users", payload, token=admin["token"])
    assert status == 201, created
    return payload, created


def activate(api, email: str, password: str = PASSWORD) -> None:
    status, answer = api.post("/staff/auth/password", {"token": password_link_token(email), "password": password})
    assert status == 200, answer


def audit_actions(api, admin, user_id):
    status, trail = api.get(f"/staff/audit?target_kind=staff_user&target_id={user_id}", token=admin["token"])
    assert status == 200, trail
    return [e["action"] for e in trail["items"]]


def test_admin_creates_an_employee_who_sets_a_password_by_the_link_and_signs_in(api):
    admin = staff_user(api, "admin")
    payload, created = create_employee(api, admin, roles=["operator", "billing"])
    assert created["status"] == "invited" and created["roles"] == ["billing", "operator"]
    assert created["last_login_at"] is None
    # Until the link is used there is no password that works.
    assert api.post("/staff/auth/login", {"identifier": payload["login"], "password": PASSWORD})[0] == 401

    activate(api, payload["email"])
    session = staff_login(api, payload["login"], PASSWORD)
    assert session["user"]["roles"] == ["billing", "operator"]
    status, shown = api.get(f"/staff/users/{created['id']}", token=admin["token"])
    assert shown["status"] == "active" and shown["last_login_at"]
    # The link works once.
    status, answer = api.post(
        "/staff/auth/password", {"token": password_link_token(payload["email"]), "password": "Drugoi2030pass"}
    )
    assert status == 400 and answer["error"]["code"] == "link_invalid"
    assert audit_actions(api, admin, created["id"]) == ["staff_user.create"]


def test_the_list_is_one_query_and_one_batch_read_and_admins_only(api):
    admin = staff_user(api, "admin")
    _, created = create_employee(api, admin)
    with count_calls("dynamodb") as calls:
        status, listed = api.get("/staff/users", token=admin["token"])
    assert status == 200
    assert created["id"] in [u["id"] for u in listed["users"]]
    assert "Scan" not in calls and calls.count("Query") == 1 and calls.count("BatchGetItem") == 1, calls
    operator = staff_user(api, "operator")
    consumer = register_and_confirm(api)
    consumer_token = login(api, consumer["login"])["access_token"]
    for token in (operator["token"], consumer_token):
        assert api.get("/staff/users", token=token)[0] == 403
        assert api.post("/staff/users", employee_payload(), token=token)[0] == 403


def test_identifiers_are_unique_among_employees_with_field_errors(api):
    admin = staff_user(api, "admin")
    payload, _ = create_employee(api, admin)
    status, answer = api.post(
        "/staff/users", employee_payload(email=payload["email"].upper(), phone=payload["phone"]), token=admin["token"]
    )
    assert status == 409
    assert {f["path"] for f in answer["error"]["fields"]} == {"email", "phone"}
    status, answer = api.post("/staff/users", employee_payload(roles=[]), token=admin["token"])
    assert status == 422 and answer["error"]["fields"] == [{"path": "roles", "message": "Выберите хотя бы одну роль"}]
    status, answer = api.post("/staff/users", employee_payload(roles=["consumer"]), token=admin["token"])
    assert status == 422 and answer["error"]["fields"][0]["path"].startswith("roles")


def test_edit_changes_roles_at_once_and_moves_the_email(api):
    admin = staff_user(api, "admin")
    payload, created = create_employee(api, admin)
    activate(api, payload["email"])
    token = staff_login(api, payload["login"], PASSWORD)["access_token"]
    assert api.get("/staff/appeals", token=token)[0] == 200
    assert api.get("/staff/exchange/runs", token=token)[0] == 403

    new_email = f"new{unique_suffix()}@kabinet.local"
    status, edited = api.patch(
        f"/staff/users/{created['id']}",
        {"roles": ["billing"], "email": new_email, "last_name": "Смирнова"},
        token=admin["token"],
    )
    assert status == 200, edited
    assert edited["roles"] == ["billing"] and edited["email"] == new_email and edited["last_name"] == "Смирнова"
    # The same token: roles are read from the account on every request.
    assert api.get("/staff/appeals", token=token)[0] == 403
    assert api.get("/staff/exchange/runs", token=token)[0] == 200
    assert staff_login(api, new_email, PASSWORD)["user"]["id"] == created["id"]
    assert api.post("/staff/auth/login", {"identifier": payload["email"], "password": PASSWORD})[0] == 401
    # The old address is free for another employee.
    create_employee(api, admin, email=payload["email"])
    assert audit_actions(api, admin, created["id"]) == ["staff_user.update", "staff_user.create"]


def test_disabling_ends_sessions_at_once_and_enabling_lets_the_employee_back(api):
    admin = staff_user(api, "admin")
    payload, created = create_employee(api, admin)
    activate(api, payload["email"])
    session = staff_login(api, payload["login"], PASSWORD)
    status, disabled = api.post(f"/staff/users/{created['id']}/disable", token=admin["token"])
    assert status == 200 and disabled["status"] == "disabled"
    assert api.get("/staff/me", token=session["access_token"])[0] == 401
    assert api.post("/auth/refresh", {"refresh_token": session["refresh_token"]})[0] == 401
    status, answer = api.post("/staff/auth/login", {"identifier": payload["login"], "password": PASSWORD})
    assert status == 401 and answer["error"]["code"] == "account_disabled"

    status, enabled = api.post(f"/staff/users/{created['id']}/enable", token=admin["token"])
    assert status == 200 and enabled["status"] == "active"
    staff_login(api, payload["login"], PASSWORD)
    assert audit_actions(api, admin, created["id"]) == ["staff_user.enable", "staff_user.disable", "staff_user.create"]


def test_an_administrator_cannot_disable_or_demote_himself(api):
    admin = staff_user(api, "admin")
    assert api.post(f"/staff/users/{admin['user_id']}/disable", token=admin["token"])[0] == 403
    # Nor reset his own password: that would end his own session and leave him locked out.
    assert api.post(f"/staff/users/{admin['user_id']}/password-reset", token=admin["token"])[0] == 403
    assert api.get("/staff/me", token=admin["token"])[0] == 200
    status, answer = api.patch(f"/staff/users/{admin['user_id']}", {"roles": ["operator"]}, token=admin["token"])
    assert status == 422 and answer["error"]["fields"][0]["path"] == "roles"


def test_password_reset_sends_a_new_link_ends_sessions_and_only_the_newest_link_works(api):
    admin = staff_user(api, "admin")
    payload, created = create_employee(api, admin)
    activate(api, payload["email"])
    session = staff_login(api, payload["login"], PASSWORD)
    assert api.post(f"/staff/users/{created['id']}/password-reset", token=admin["token"])[0] == 200
    first = password_link_token(payload["email"])
    assert api.post(f"/staff/users/{created['id']}/password-reset", token=admin["token"])[0] == 200
    second = password_link_token(payload["email"])
    assert api.get("/staff/me", token=session["access_token"])[0] == 401
    assert api.post("/staff/auth/login", {"identifier": payload["login"], "password": PASSWORD})[0] == 401
    assert api.post("/staff/auth/password", {"token": first, "password": "Novyi2030pass"})[0] == 400
    status, answer = api.post("/staff/auth/password", {"token": second, "password": payload["login"]})
    assert status == 422 and answer["error"]["fields"][0]["path"] == "password"
    assert api.post("/staff/auth/password", {"token": second, "password": "Novyi2030pass"})[0] == 200
    staff_login(api, payload["login"], "Novyi2030pass")
    assert audit_actions(api, admin, created["id"])[:2] == ["staff_user.password_reset", "staff_user.password_reset"]


def test_unknown_employee_is_404_and_a_consumer_is_not_an_employee(api):
    admin = staff_user(api, "admin")
    consumer = register_and_confirm(api)
    consumer_id = login(api, consumer["login"])["user"]["id"]
    for user_id in ("no-such", consumer_id):
        assert api.get(f"/staff/users/{user_id}", token=admin["token"])[0] == 404
        assert api.post(f"/staff/users/{user_id}/disable", token=admin["token"])[0] == 404


# --- separate realms ---------------------------------------------------------------------------


def test_staff_tokens_are_refused_on_consumer_routes_and_consumer_tokens_on_staff_routes(api):
    admin = staff_user(api, "admin")
    consumer = register_and_confirm(api)
    consumer_token = login(api, consumer["login"])["access_token"]
    for method, path in (("POST", "/appeals"), ("GET", "/accounts"), ("GET", "/me"), ("GET", "/appeals")):
        status, answer = api.call(method, path, {} if method == "POST" else None, token=admin["token"])
        assert status == 403, (path, answer)
    for path in ("/staff/me", "/staff/appeals", "/staff/users"):
        assert api.get(path, token=consumer_token)[0] == 403, path
    # Routes both realms use still work for either.
    for token in (admin["token"], consumer_token):
        assert api.get("/cases/options", token=token)[0] == 200


def test_each_realm_signs_in_only_at_its_own_door(api):
    admin = staff_user(api, "admin")
    consumer = register_and_confirm(api)
    status, answer = api.post("/auth/login", {"identifier": admin["login"], "password": "Staff12345pass"})
    assert status == 401
    status, answer = api.post("/staff/auth/login", {"identifier": consumer["login"], "password": "Secret123pass"})
    assert status == 401


def test_an_employee_email_may_also_own_a_consumer_account_without_mixing_them(api):
    admin = staff_user(api, "admin")
    payload, created = create_employee(api, admin)
    activate(api, payload["email"])
    # The same person registers as a consumer with the same e-mail and phone.
    consumer = register_and_confirm(api, email=payload["email"], phone=payload["phone"])
    as_consumer = login(api, payload["email"])
    as_employee = staff_login(api, payload["email"], PASSWORD)
    assert as_consumer["user"]["id"] == consumer["user_id"] != as_employee["user"]["id"] == created["id"]
    assert as_consumer["user"]["role"] == "consumer" and as_employee["user"]["role"] == "operator"
    # The consumer's password does not open the console and the employee's does not open the cabinet.
    assert api.post("/staff/auth/login", {"identifier": payload["email"], "password": "Secret123pass"})[0] == 401
    assert api.post("/auth/login", {"identifier": payload["email"], "password": PASSWORD})[0] == 401
    assert api.get("/me", token=as_consumer["access_token"])[0] == 200
    assert api.get("/me", token=as_employee["access_token"])[0] == 403
