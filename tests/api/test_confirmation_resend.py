"""«Отправить письмо ещё раз»: a new registration link replaces a lost or expired one, without
revealing which accounts exist."""

from __future__ import annotations

import re
from datetime import timedelta

from helpers import (
    confirm_link_token,
    deliver_notifications,
    login,
    person_payload,
    register_and_confirm,
    sent_emails,
    solve_pow,
)

from chalicelib.core import clock

RESEND = "/auth/confirmation/resend"
SUBJECT_CONFIRM = "Подтверждение регистрации в личном кабинете"
SUBJECT_ACTIVE = "Ваша учётная запись уже подтверждена"


def register_pending(api, **overrides):
    body = person_payload(api, **overrides)
    status, answer = api.post("/auth/register", body)
    assert status == 202, answer
    body["token"] = confirm_link_token(body["email"])
    return body


def resend(api, identifier):
    return api.post(RESEND, {"identifier": identifier, "pow": solve_pow(api)})


def subjects(email):
    deliver_notifications()
    return [m.subject for m in sent_emails(email)]


def test_resent_link_completes_registration_and_the_previous_link_stops_working(api):
    user = register_pending(api)
    status, answer = resend(api, user["email"])
    assert status == 202 and "письмо" in answer["message"]

    fresh = confirm_link_token(user["email"])
    assert fresh != user["token"]
    assert subjects(user["email"]) == [SUBJECT_CONFIRM, SUBJECT_CONFIRM]

    status, answer = api.post("/auth/confirm", {"token": user["token"]})
    assert status == 400 and answer["error"]["code"] == "link_invalid"
    status, answer = api.post("/auth/confirm", {"token": fresh})
    assert status == 200, answer
    assert login(api, user["login"])["user"]["email_confirmed"] is True
    # Spent like any link.
    assert api.post("/auth/confirm", {"token": fresh})[0] == 400


def test_only_the_latest_of_several_links_works(api):
    user = register_pending(api)
    tokens = [user["token"]]
    for identifier in (user["login"], user["phone"]):  # anything sign-in accepts
        assert resend(api, identifier)[0] == 202
        tokens.append(confirm_link_token(user["email"]))
    assert len(set(tokens)) == 3
    for stale in tokens[:2]:
        assert api.post("/auth/confirm", {"token": stale})[1]["error"]["code"] == "link_invalid"
    assert api.post("/auth/confirm", {"token": tokens[2]})[0] == 200


def test_same_answer_for_unknown_confirmed_and_unconfirmed_accounts(api):
    pending = register_pending(api)
    active = register_and_confirm(api)
    deliver_notifications()
    before_active = len(sent_emails(active["email"]))
    unknown = "nobody-resend@example.ru"

    answers = [resend(api, who) for who in (pending["email"], active["email"], unknown)]
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0] == 202
    for who in (pending["email"], active["email"], pending["login"], active["login"], unknown):
        assert who.lower() not in str(answers[0]).lower()

    assert subjects(pending["email"]) == [SUBJECT_CONFIRM, SUBJECT_CONFIRM]
    # The confirmed owner is told how to get in, and gets no link.
    letters = sent_emails(active["email"])[before_active:]
    assert [m.subject for m in letters] == [SUBJECT_ACTIVE]
    assert "#/confirm" not in letters[0].body and "#/forgot" in letters[0].body
    assert sent_emails(unknown) == []
    # The confirmed account is untouched.
    assert login(api, active["login"])["user"]["email_confirmed"] is True


def test_letter_goes_only_to_the_address_stored_on_the_account(api):
    user = register_pending(api)
    # The body cannot name a destination: unknown members are refused, not used.
    status, answer = api.post(
        RESEND, {"identifier": user["login"], "email": "attacker@example.ru", "pow": solve_pow(api)}
    )
    assert status == 422 and answer["error"]["fields"] == [
        {"path": "body", "message": "В запросе есть поля, которые не предусмотрены"}
    ]
    assert resend(api, user["login"].upper())[0] == 202
    assert subjects(user["email"]) == [SUBJECT_CONFIRM, SUBJECT_CONFIRM]
    assert sent_emails("attacker@example.ru") == []


def test_resend_after_the_link_expired_revives_the_registration(api):
    user = register_pending(api)
    start = clock.now()
    clock.set_clock(lambda: start + timedelta(hours=24, minutes=1))
    try:
        status, answer = api.post("/auth/confirm", {"token": user["token"]})
        assert status == 400 and answer["error"]["code"] == "link_invalid"
        assert "запросите новую ссылку" in answer["error"]["message"]

        assert resend(api, user["email"])[0] == 202
        fresh = confirm_link_token(user["email"])
        # The registration holds its login again for the new link's lifetime.
        status, answer = api.post("/auth/register", person_payload(api, login=user["login"]))
        assert status == 409 and answer["error"]["fields"][0]["path"] == "login"

        assert api.post("/auth/confirm", {"token": fresh})[0] == 200
        assert login(api, user["login"])["user"]["email_confirmed"] is True
    finally:
        clock.set_clock(None)


def test_resending_cannot_hold_a_registration_beyond_a_week(api):
    """Else whoever registered someone else's e-mail could keep it from its owner by resending daily."""
    user = register_pending(api)
    start = clock.now()
    try:
        clock.set_clock(lambda: start + timedelta(days=6, hours=20))
        assert resend(api, user["email"])[0] == 202
        deliver_notifications()
        assert "Ссылка действует 4 ч." in sent_emails(user["email"])[-1].body  # not past the week
        seen = len(sent_emails(user["email"]))

        clock.set_clock(lambda: start + timedelta(days=7, minutes=1))
        answer = resend(api, user["login"])
        assert answer == resend(api, "nobody-week@example.ru")
        assert subjects(user["email"])[seen:] == []
        # The registration has lapsed: its data are free to register again.
        again = person_payload(api, login=user["login"], email=user["email"])
        assert api.post("/auth/register", again)[0] == 202
        assert api.post("/auth/confirm", {"token": confirm_link_token(user["email"])})[0] == 200
        assert login(api, user["login"], password=again["password"])["user"]["email_confirmed"] is True
    finally:
        clock.set_clock(None)


def test_resend_is_limited_per_identifier_visibly_and_per_account_silently(api):
    user = register_pending(api)
    for _ in range(3):
        assert resend(api, user["email"])[0] == 202
    assert subjects(user["email"]).count(SUBJECT_CONFIRM) == 4  # registration + 3 resends

    # The same identifier again: 429, exactly as for an identifier no account has.
    status, answer = resend(api, user["email"])
    assert status == 429 and answer["error"]["code"] == "rate_limited"
    unknown = f"nobody-{user['login']}@example.ru"
    for _ in range(3):
        assert resend(api, unknown)[0] == 202
    status, unknown_answer = resend(api, unknown)
    assert status == 429 and unknown_answer["error"]["code"] == "rate_limited"

    # Another identifier of the same account: the usual answer, but the account's allowance is spent.
    last_link = confirm_link_token(user["email"])
    status, answer = resend(api, user["login"])
    assert status == 202
    assert subjects(user["email"]).count(SUBJECT_CONFIRM) == 4
    assert api.post("/auth/confirm", {"token": last_link})[0] == 200


def test_resend_is_rate_limited_per_client_address(api, settings_override):
    settings_override(auth_requests_per_ip=1, auth_window_seconds=3600)
    statuses = [resend(api, f"someone{n}@example.ru")[0] for n in range(2)]
    assert statuses[-1] == 429
    status, answer = resend(api, "someone-else@example.ru")
    assert status == 429 and answer["error"]["code"] == "rate_limited"


def test_resend_needs_bot_protection_and_an_identifier(api):
    status, answer = api.post(RESEND, {"identifier": "ivanov1"})
    assert status == 422 and answer["error"]["fields"] == [{"path": "pow", "message": "Обязательное поле"}]
    status, answer = api.post(RESEND, {"identifier": "   ", "pow": solve_pow(api)})
    assert status == 422
    assert answer["error"]["fields"] == [{"path": "identifier", "message": "Укажите логин, e-mail или телефон"}]
    status, answer = api.post(RESEND, {"identifier": "ivanov1", "pow": {"challenge": "1.2.3.forged", "nonce": "1"}})
    assert status == 400 and answer["error"]["code"] == "captcha_failed"
    pow_ = solve_pow(api)
    assert api.post(RESEND, {"identifier": "ivanov1", "pow": pow_})[0] == 202
    assert api.post(RESEND, {"identifier": "ivanov1", "pow": pow_})[1]["error"]["code"] == "captcha_failed"


def test_sign_in_of_an_unconfirmed_account_points_to_the_resend(api):
    user = register_pending(api)
    status, answer = api.post("/auth/login", {"identifier": user["email"], "password": "Wrong123pass"})
    assert status == 401 and answer["error"]["code"] == "unauthorized"  # nothing revealed without the password
    status, answer = api.post("/auth/login", {"identifier": user["email"], "password": user["password"]})
    assert status == 401 and answer["error"]["code"] == "not_confirmed"
    assert "ещё раз" in answer["error"]["message"]


def test_a_link_issued_before_resend_existed_is_superseded_too(api):
    """Pending accounts written before the user item named its live link still get the old link revoked."""
    from chalicelib.accounts.repository import UserItem, UserRepository

    user = register_pending(api)
    item = UserRepository().find_by_identifier("login", user["login"].lower())
    item.update(actions=[UserItem.confirm_digest.remove()])

    assert resend(api, user["login"])[0] == 202
    fresh = confirm_link_token(user["email"])
    status, answer = api.post("/auth/confirm", {"token": user["token"]})
    assert status == 400 and answer["error"]["code"] == "link_invalid"
    assert api.post("/auth/confirm", {"token": fresh})[0] == 200


def test_confirmation_letter_names_a_fresh_lifetime(api):
    user = register_pending(api)
    assert resend(api, user["login"])[0] == 202
    deliver_notifications()
    body = sent_emails(user["email"])[-1].body
    assert re.search(r"Ссылка действует 24 ч\.", body)
