"""Password recovery by e-mail code, login reminder."""

from __future__ import annotations

import re
from datetime import timedelta

from helpers import deliver_notifications, login, register_and_confirm, sent_emails, sent_sms, solve_pow

from chalicelib.core import clock


def latest_code(api, email):
    deliver_notifications()
    for message in reversed(sent_emails(email)):
        found = re.search(r"Код для восстановления пароля: (\d{6})", message.body)
        if found:
            return found.group(1)
    raise AssertionError("no code e-mail")


def test_password_is_reset_by_a_single_use_code(api):
    user = register_and_confirm(api)
    session = login(api, user["login"])
    status, answer = api.post("/auth/password/forgot", {"email": user["email"], "pow": solve_pow(api)})
    assert status == 202
    code = latest_code(api, user["email"])
    status, answer = api.post(
        "/auth/password/reset", {"email": user["email"], "code": code, "password": "Fresh789pass"}
    )
    assert status == 200
    assert login(api, user["login"], password="Fresh789pass")
    assert api.get("/me", token=session["access_token"])[0] == 401  # sessions ended
    again = api.post("/auth/password/reset", {"email": user["email"], "code": code, "password": "Other789pass"})
    assert again[0] == 400 and again[1]["error"]["message"].startswith("Код неверен")
    deliver_notifications()
    assert sent_sms(user["phone"]) == ["Пароль от личного кабинета изменён. Если это были не Вы, восстановите пароль."]


def test_code_expires_after_fifteen_minutes(api):
    user = register_and_confirm(api)
    api.post("/auth/password/forgot", {"email": user["email"], "pow": solve_pow(api)})
    code = latest_code(api, user["email"])
    start = clock.now()
    clock.set_clock(lambda: start + timedelta(minutes=15, seconds=1))
    try:
        status, _ = api.post("/auth/password/reset", {"email": user["email"], "code": code, "password": "Fresh789pass"})
    finally:
        clock.set_clock(None)
    assert status == 400


def test_five_wrong_codes_spend_the_code(api):
    user = register_and_confirm(api)
    api.post("/auth/password/forgot", {"email": user["email"], "pow": solve_pow(api)})
    code = latest_code(api, user["email"])
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        assert (
            api.post("/auth/password/reset", {"email": user["email"], "code": wrong, "password": "Fresh789pass"})[0]
            == 400
        )
    status, _ = api.post("/auth/password/reset", {"email": user["email"], "code": code, "password": "Fresh789pass"})
    assert status == 400


def test_unknown_address_gets_the_same_answer_and_no_mail(api):
    known = register_and_confirm(api)
    a = api.post("/auth/password/forgot", {"email": known["email"], "pow": solve_pow(api)})
    b = api.post("/auth/password/forgot", {"email": "nobody-here@example.ru", "pow": solve_pow(api)})
    assert a == b and a[0] == 202
    deliver_notifications()
    assert sent_emails("nobody-here@example.ru") == []
    c = api.post(
        "/auth/password/reset", {"email": "nobody-here@example.ru", "code": "123456", "password": "Fresh789pass"}
    )
    assert c[0] == 400 and c[1]["error"]["message"].startswith("Код неверен")


def test_login_reminder_is_mailed(api):
    user = register_and_confirm(api)
    status, _ = api.post("/auth/login/recover", {"email": user["email"], "pow": solve_pow(api)})
    assert status == 202
    deliver_notifications()
    assert user["login"] in sent_emails(user["email"])[-1].body


def test_recovery_needs_bot_protection(api):
    status, answer = api.post("/auth/password/forgot", {"email": "a@b.ru"})
    assert status == 422 and answer["error"]["fields"] == [{"path": "pow", "message": "Обязательное поле"}]
