"""Profile editing, notification feed, and that nobody sees another user's data."""

from __future__ import annotations

import re

from helpers import (
    confirm_link_token,
    deliver_notifications,
    login,
    person_payload,
    register_and_confirm,
    sent_emails,
    sent_sms,
)


def test_person_edits_contacts_and_passport_but_not_login(api):
    user = register_and_confirm(api)
    token = login(api, user["login"])["access_token"]
    passport = {
        "series": "2004",
        "number": "123456",
        "issued_by": "ГУ МВД России по Воронежской области",
        "issued_on": "2015-06-01",
    }
    status, me = api.patch(
        "/me",
        {"passport": passport, "middle_name": "Петрович", "address": {**user["address"], "flat": "7"}},
        token=token,
    )
    assert status == 200
    assert me["passport"] == passport and me["middle_name"] == "Петрович" and me["address"]["flat"] == "7"
    status, answer = api.patch("/me", {"login": "another1"}, token=token)
    assert status == 422 and answer["error"]["fields"] == [{"path": "login", "message": "Это поле изменить нельзя"}]
    status, answer = api.patch("/me", {"egr_record": {"number": "1027700132195", "date": "2010-01-01"}}, token=token)
    assert status == 422 and answer["error"]["fields"][0]["path"] == "egr_record"


def sms_code(phone: str) -> str:
    deliver_notifications()
    return re.search(r"\b(\d{6})\b", sent_sms(phone)[-1]).group(1)


def other_phone(phone: str) -> str:
    return "+7901" + phone[5:]


def test_a_new_phone_takes_effect_only_with_the_code_sent_to_it(api):
    user = register_and_confirm(api)
    token = login(api, user["login"])["access_token"]
    new_phone = other_phone(user["phone"])

    # Not through PATCH: the answer points to the confirmed flow.
    status, answer = api.patch("/me", {"phone": new_phone}, token=token)
    assert status == 422 and answer["error"]["fields"][0]["path"] == "phone"
    assert "СМС" in answer["error"]["fields"][0]["message"]
    assert api.patch("/me", {"phone": user["phone"]}, token=token)[0] == 200  # the current number: nothing to do

    status, started = api.post("/me/phone", {"phone": "8 (901) " + user["phone"][5:]}, token=token)
    assert status == 202 and started["expires_in"] == 600
    code = sms_code(new_phone)  # to the new number only
    assert sent_sms(user["phone"]) == []
    # Until confirmed, the old number stays and the new one signs in nobody.
    assert api.get("/me", token=token)[1]["phone"] == user["phone"]
    assert api.post("/auth/login", {"identifier": new_phone, "password": user["password"]})[0] == 401

    wrong = f"{(int(code) + 1) % 10**6:06d}"
    status, answer = api.post("/me/phone/confirm", {"code": wrong}, token=token)
    assert status == 400 and answer["error"]["code"] == "code_invalid"
    assert answer["error"]["fields"][0]["path"] == "code"
    status, me = api.post("/me/phone/confirm", {"code": code}, token=token)
    assert status == 200 and me["phone"] == new_phone
    assert api.post("/me/phone/confirm", {"code": code}, token=token)[0] == 400  # single use
    assert login(api, new_phone)
    # The account's e-mail, the old number and the feed are told.
    deliver_notifications()
    assert any(m.subject == "Номер телефона изменён" and "+7 *** ***-" in m.body for m in sent_emails(user["email"]))
    assert any("изменён" in text for text in sent_sms(user["phone"]))
    assert api.get("/me/notifications", token=token)[1]["items"][0]["title"] == "Номер телефона изменён"
    # The old number can be registered by someone else now.
    assert api.post("/auth/register", person_payload(api, phone=user["phone"]))[0] == 202


def test_the_code_is_stored_only_as_a_digest(api):
    from chalicelib.accounts.repository import UserRepository

    user = register_and_confirm(api)
    token = login(api, user["login"])["access_token"]
    assert api.post("/me/phone", {"phone": other_phone(user["phone"])}, token=token)[0] == 202
    code = sms_code(other_phone(user["phone"]))
    stored = UserRepository().get_phone_change(user["user_id"])
    assert code not in str(stored.attribute_values)


def test_guessing_spends_the_code_and_a_new_request_replaces_it(api):
    user = register_and_confirm(api)
    token = login(api, user["login"])["access_token"]
    new_phone = other_phone(user["phone"])
    api.post("/me/phone", {"phone": new_phone}, token=token)
    code = sms_code(new_phone)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        assert api.post("/me/phone/confirm", {"code": wrong}, token=token)[0] == 400
    assert api.post("/me/phone/confirm", {"code": code}, token=token)[0] == 400  # spent by the guesses

    api.post("/me/phone", {"phone": new_phone}, token=token)
    first = sms_code(new_phone)
    api.post("/me/phone", {"phone": new_phone}, token=token)
    second = sms_code(new_phone)
    if first != second:  # only the latest code works
        assert api.post("/me/phone/confirm", {"code": first}, token=token)[0] == 400
    assert api.post("/me/phone/confirm", {"code": second}, token=token)[1]["phone"] == new_phone


def test_the_code_expires(api):
    from datetime import timedelta

    from chalicelib.core import clock

    user = register_and_confirm(api)
    token = login(api, user["login"])["access_token"]
    api.post("/me/phone", {"phone": other_phone(user["phone"])}, token=token)
    code = sms_code(other_phone(user["phone"]))
    later = clock.now() + timedelta(minutes=11)
    clock.set_clock(lambda: later)
    try:
        status, answer = api.post("/me/phone/confirm", {"code": code}, token=token)
    finally:
        clock.set_clock(None)
    assert status == 400 and answer["error"]["code"] == "code_invalid"
    assert api.get("/me", token=token)[1]["phone"] == user["phone"]


def test_codes_are_rate_limited(api):
    user = register_and_confirm(api)
    token = login(api, user["login"])["access_token"]
    for tail in range(3):
        assert api.post("/me/phone", {"phone": f"+7902000000{tail}"}, token=token)[0] == 202
    status, answer = api.post("/me/phone", {"phone": "+79020000009"}, token=token)
    assert status == 429 and answer["error"]["code"] == "rate_limited"
    deliver_notifications()
    assert sent_sms("+79020000009") == []


def test_phone_taken_by_another_account_is_refused(api):
    first, second = register_and_confirm(api), register_and_confirm(api)
    token = login(api, second["login"])["access_token"]
    status, answer = api.post("/me/phone", {"phone": first["phone"]}, token=token)
    assert status == 409 and answer["error"]["fields"][0]["path"] == "phone"
    deliver_notifications()
    assert sent_sms(first["phone"]) == []
    status, answer = api.post("/me/phone", {"phone": second["phone"]}, token=token)
    assert status == 422 and answer["error"]["fields"][0]["path"] == "phone"
    assert api.get("/me", token=token)[1]["phone"] == second["phone"]


def test_email_change_tells_the_old_address_without_revealing_the_new_one(api):
    user = register_and_confirm(api)
    token = login(api, user["login"])["access_token"]
    new_email = "moved-" + user["email"]
    assert api.patch("/me", {"email": new_email}, token=token)[0] == 200
    deliver_notifications()
    notice = [m for m in sent_emails(user["email"]) if m.subject == "Запрошена смена адреса электронной почты"]
    assert len(notice) == 1
    assert "m***@e***.ru" in notice[0].body and new_email not in notice[0].body
    assert "Если это были не Вы" in notice[0].body and "#/confirm" not in notice[0].body


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


def test_a_company_edits_its_kpp_and_a_person_has_none(api):
    company = person_payload(
        api,
        kind="company",
        inn="7707083893",
        ogrn="1027700132195",
        kpp="770701001",
        short_name="ООО «Ромашка»",
        head_name="Петров Пётр Петрович",
        full_name="Общество с ограниченной ответственностью «Ромашка»",
    )
    for field in ("last_name", "first_name", "middle_name", "snils"):
        company.pop(field)
    assert api.post("/auth/register", company)[0] == 202
    assert api.post("/auth/confirm", {"token": confirm_link_token(company["email"])})[0] == 200
    token = login(api, company["login"])["access_token"]
    assert api.get("/me", token=token)[1]["kpp"] == "770701001"
    # Moved to another tax office: a new КПП, the ИНН stays.
    status, me = api.patch("/me", {"kpp": "7707 02 001"}, token=token)
    assert status == 200 and (me["kpp"], me["inn"]) == ("770702001", "7707083893")
    status, answer = api.patch("/me", {"kpp": "77070200"}, token=token)
    assert status == 422 and [f["path"] for f in answer["error"]["fields"]] == ["kpp"]
    status, answer = api.patch("/me", {"kpp": None}, token=token)
    assert status == 422 and answer["error"]["fields"] == [{"path": "kpp", "message": "Обязательное поле"}]
    assert api.get("/me", token=token)[1]["kpp"] == "770702001"

    person = register_and_confirm(api)
    token = login(api, person["login"])["access_token"]
    status, answer = api.patch("/me", {"kpp": "770701001"}, token=token)
    assert status == 422 and answer["error"]["fields"] == [
        {"path": "kpp", "message": "Поле не относится к Вашему виду учётной записи"}
    ]
    assert api.get("/me", token=token)[1]["kpp"] is None


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
        n["id"] for n in second["items"]
    )
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
