"""Profile editing, notification feed, and that nobody sees another user's data."""
from __future__ import annotations

import re

from helpers import (deliver_notifications, login, person_payload, register_and_confirm, sent_emails, sent_sms)


def test_person_edits_contacts_and_passport_but_not_login(api):
    user = register_and_confirm(api)
    token = login(api, user["login"])["access_token"]
    passport = {"series": "2004", "number": "123456", "issued_by": "ГУ МВД России по Воронежской области",
                "issued_on": "2015-06-01"}
    status, me = api.patch("/me", {"passport": passport, "middle_name": "Петрович",
                                   "address": {**user["address"], "flat": "7"}}, token=token)
    assert status == 200
    assert me["passport"] == passport and me["middle_name"] == "Петрович" and me["address"]["flat"] == "7"
    status, answer = api.patch("/me", {"login": "another1"}, token=token)
    assert status == 422 and answer["error"]["fields"] == [{"path": "login", "message": "Это поле изменить нельзя"}]
    status, answer = api.patch("/me", {"egr_record": {"number": "1027700132195", "date": "2010-01-01"}}, token=token)
    assert status == 422 and answer["error"]["fields"][0]["path"] == "egr_record"


def test_phone_change_frees_the_old_number(api):
    user = register_and_confirm(api)
    token = login(api, user["login"])["access_token"]
    new_phone = "+7901" + user["phone"][5:]
    status, me = api.patch("/me", {"phone": new_phone}, token=token)
    assert status == 200 and me["phone"] == new_phone
    assert login(api, new_phone)
    # The old number can be registered by someone else now.
    assert api.post("/auth/register", person_payload(api, phone=user["phone"]))[0] == 202


def test_phone_taken_by_another_account_is_refused(api):
    first, second = register_and_confirm(api), register_and_confirm(api)
    token = login(api, second["login"])["access_token"]
    status, answer = api.patch("/me", {"phone": first["phone"]}, token=token)
    assert status == 409 and answer["error"]["fields"][0]["path"] == "phone"
    assert api.get("/me", token=token)[1]["phone"] == second["phone"]


def test_email_change_takes_effect_after_the_new_address_confirms(api):
    user = register_and_confirm(api)
    token = login(api, user["login"])["access_token"]
    new_email = "changed-" + user["email"]
    status, me = api.patch("/me", {"email": new_email}, token=token)
    assert status == 200 and me["email"] == user["email"] and me["pending_email"] == new_email
    deliver_notifications()
    link = re.search(r"token=([\w\-]+)", sent_emails(new_email)[-1].body).group(1)
    assert api.post("/auth/confirm", {"token": link})[0] == 200
    me = api.get("/me", token=token)[1]
    assert me["email"] == new_email and me["pending_email"] is None
    assert login(api, new_email)


def test_feed_receives_notifications_and_marks_them_read(api):
    user = register_and_confirm(api)
    session = login(api, user["login"])
    token = session["access_token"]
    api.post("/me/password", {"old_password": user["password"], "new_password": "Another123"}, token=token)
    token = login(api, user["login"], password="Another123")["access_token"]
    status, feed = api.get("/me/notifications", token=token)
    assert status == 200
    titles = [n["title"] for n in feed["items"]]
    assert titles == ["Пароль изменён", "Добро пожаловать в личный кабинет"]  # newest first
    assert feed["unread"] == 2
    assert api.post(f"/me/notifications/{feed['items'][0]['id']}/read", token=token)[0] == 204
    assert api.post(f"/me/notifications/{feed['items'][0]['id']}/read", token=token)[0] == 204  # idempotent
    assert api.get("/me/notifications", token=token)[1]["unread"] == 1
    assert api.post("/me/notifications/read-all", token=token)[0] == 204
    feed = api.get("/me/notifications", token=token)[1]
    assert feed["unread"] == 0 and all(n["read"] for n in feed["items"])
    deliver_notifications()
    assert any(m.subject == "Пароль изменён" for m in sent_emails(user["email"]))
    assert len(sent_sms(user["phone"])) == 1


def test_feed_pages_by_cursor(api):
    user = register_and_confirm(api)
    token = login(api, user["login"])["access_token"]
    for i in range(3):
        new = f"Pass{i}word99"
        old = user["password"] if i == 0 else f"Pass{i - 1}word99"
        status, tokens = api.post("/me/password", {"old_password": old, "new_password": new}, token=token)
        token = tokens["access_token"]
    first = api.get("/me/notifications?limit=2", token=token)[1]
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = api.get(f"/me/notifications?limit=2&cursor={first['next_cursor']}", token=token)[1]
    assert [n["id"] for n in second["items"]] and not set(n["id"] for n in first["items"]) & set(
        n["id"] for n in second["items"])
    status, answer = api.get("/me/notifications?limit=500", token=token)
    assert status == 422 and answer["error"]["fields"][0]["path"] == "limit"


def test_a_user_cannot_mark_another_users_notification(api):
    alice, bob = register_and_confirm(api), register_and_confirm(api)
    alice_token = login(api, alice["login"])["access_token"]
    bob_token = login(api, bob["login"])["access_token"]
    note_id = api.get("/me/notifications", token=alice_token)[1]["items"][0]["id"]
    status, answer = api.post(f"/me/notifications/{note_id}/read", token=bob_token)
    assert status == 404
    assert api.get("/me/notifications", token=alice_token)[1]["unread"] == 1


def test_required_profile_fields_cannot_be_cleared_but_optional_ones_can(api):
    user = register_and_confirm(api)
    token = login(api, user["login"])["access_token"]
    status, answer = api.patch("/me", {"address": None, "phone": None, "first_name": None}, token=token)
    assert status == 422
    assert {f["path"] for f in answer["error"]["fields"]} == {"address", "phone", "first_name"}
    status, me = api.patch("/me", {"middle_name": None}, token=token)
    assert status == 200 and me["middle_name"] is None and me["address"] == user["address"]
