"""Employees stored before staff became a realm of their own are moved into it by the data migration."""

from __future__ import annotations

import uuid

from helpers import login, register_and_confirm, staff_login, staff_user, unique_suffix


def legacy_employee(role: str) -> dict:
    """An employee written the way accounts were provisioned before: consumer-namespace keys and claims."""
    from chalicelib.accounts.passwords import hash_password
    from chalicelib.accounts.repository import ClaimItem, UserItem, claim_key, user_key

    suffix = unique_suffix()
    account = {
        "login": f"old{role}{suffix}",
        "email": f"old{suffix}@kabinet.local",
        "phone": f"+7473{uuid.uuid4().int % 10**7:07d}",
        "user_id": str(uuid.uuid4()),
    }
    UserItem(
        user_key(account["user_id"]),
        "PROFILE",
        user_id=account["user_id"],
        kind="person",
        role=role,
        status="active",
        login=account["login"],
        login_key=account["login"].lower(),
        email=account["email"],
        email_key=account["email"],
        phone=account["phone"],
        phone_key=account["phone"],
        profile={"last_name": "Старова", "first_name": "Ольга"},
        password_hash=hash_password("Staff12345pass"),
        created_at="2026-01-01T00:00:00Z",
    ).save()
    for kind in ("login", "email", "phone"):
        key = account[kind].lower() if kind != "phone" else account[kind]
        ClaimItem(claim_key(kind, key), "CLAIM", user_id=account["user_id"], confirmed=True).save()
    return account


def test_stored_employees_move_to_the_staff_realm_once_keeping_their_role(api):
    from chalicelib.staff_users.migration import migrate_staff_realm

    old = legacy_employee("engineer")
    consumer = register_and_confirm(api)
    assert migrate_staff_realm() >= 1
    assert migrate_staff_realm() == 0

    session = staff_login(api, old["login"])
    assert session["user"]["id"] == old["user_id"] and session["user"]["roles"] == ["engineer"]
    assert api.get("/staff/connection-applications", token=session["access_token"])[0] == 200
    assert api.post("/auth/login", {"identifier": old["login"], "password": "Staff12345pass"})[0] == 401
    # The consumer is untouched, and the employee's old e-mail is free for a consumer now.
    login(api, consumer["login"])
    register_and_confirm(api, email=old["email"], phone=old["phone"])
    status, listed = api.get("/staff/users", token=staff_user(api, "admin")["token"])
    assert old["user_id"] in [u["id"] for u in listed["users"]]
