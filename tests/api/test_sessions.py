"""Sign-in by login, e-mail or phone; lockout; token rotation and revocation."""
from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.core import clock
from helpers import count_calls, login, register_and_confirm


@pytest.fixture
def user(api):
    return register_and_confirm(api)


@pytest.fixture
def moving_clock():
    start = clock.now()
    state = {"offset": timedelta(0)}
    clock.set_clock(lambda: start + state["offset"])
    yield state
    clock.set_clock(None)


def test_sign_in_by_login_email_or_phone_in_any_spelling(api, user):
    phone = user["phone"]
    for identifier in (user["login"].upper(), user["email"].upper(), f"8 ({phone[2:5]}) {phone[5:]}"):
        assert login(api, identifier)["user"]["login"] == user["login"]


def test_wrong_password_and_unknown_user_get_the_same_answer(api, user):
    wrong = api.post("/auth/login", {"identifier": user["login"], "password": "Wrong12345"})
    unknown = api.post("/auth/login", {"identifier": "nobody12345", "password": "Wrong12345"})
    assert wrong == unknown == (401, {"error": {"code": "unauthorized", "message": "Неверный логин или пароль",
                                                "fields": []}})


def test_five_failures_lock_sign_in_for_fifteen_minutes_even_with_the_right_password(api, user, moving_clock):
    for _ in range(4):
        assert api.post("/auth/login", {"identifier": user["login"], "password": "Wrong12345"})[0] == 401
    status, answer = api.post("/auth/login", {"identifier": user["login"], "password": "Wrong12345"})
    assert status == 429 and "15 мин" in answer["error"]["message"]
    assert api.post("/auth/login", {"identifier": user["login"], "password": user["password"]})[0] == 429
    moving_clock["offset"] = timedelta(minutes=15, seconds=1)
    assert login(api, user["login"])


def test_unknown_identifiers_are_locked_out_the_same_way(api, moving_clock):
    statuses = [api.post("/auth/login", {"identifier": "ghost98765", "password": "Wrong12345"})[0] for _ in range(6)]
    assert statuses == [401] * 5 + [429]


def test_access_token_opens_me_and_expires_after_fifteen_minutes(api, user, moving_clock):
    session = login(api, user["login"])
    assert session["expires_in"] == 900
    status, me = api.get("/me", token=session["access_token"])
    assert status == 200 and me["login"] == user["login"]
    moving_clock["offset"] = timedelta(minutes=15)
    status, answer = api.get("/me", token=session["access_token"])
    assert status == 401 and answer["error"]["message"] == "Сеанс завершён. Войдите снова"


def test_refresh_rotates_and_a_spent_token_revokes_the_session(api, user):
    session = login(api, user["login"])
    status, renewed = api.post("/auth/refresh", {"refresh_token": session["refresh_token"]})
    assert status == 200 and renewed["refresh_token"] != session["refresh_token"]
    assert api.get("/me", token=renewed["access_token"])[0] == 200
    # Replaying the spent token (stolen?) kills the session for both holders.
    assert api.post("/auth/refresh", {"refresh_token": session["refresh_token"]})[0] == 401
    assert api.post("/auth/refresh", {"refresh_token": renewed["refresh_token"]})[0] == 401
    assert api.get("/me", token=renewed["access_token"])[0] == 401


def test_remember_me_gives_a_thirty_day_refresh_token(api, user, moving_clock):
    short = login(api, user["login"])
    long = login(api, user["login"], remember=True)
    assert (short["refresh_expires_in"], long["refresh_expires_in"]) == (86400, 30 * 86400)
    moving_clock["offset"] = timedelta(days=2)
    assert api.post("/auth/refresh", {"refresh_token": short["refresh_token"]})[0] == 401
    assert api.post("/auth/refresh", {"refresh_token": long["refresh_token"]})[0] == 200


def test_logout_ends_only_the_current_session(api, user):
    first, second = login(api, user["login"]), login(api, user["login"])
    assert api.post("/auth/logout", token=first["access_token"])[0] == 204
    assert api.get("/me", token=first["access_token"])[0] == 401
    assert api.post("/auth/refresh", {"refresh_token": first["refresh_token"]})[0] == 401
    assert api.get("/me", token=second["access_token"])[0] == 200


def test_password_change_needs_the_old_password_and_ends_other_sessions(api, user):
    current, other = login(api, user["login"]), login(api, user["login"])
    status, answer = api.post("/me/password", {"old_password": "Wrong12345", "new_password": "Newpass456"},
                              token=current["access_token"])
    assert status == 422 and answer["error"]["fields"][0]["path"] == "old_password"
    status, renewed = api.post("/me/password", {"old_password": user["password"], "new_password": "Newpass456"},
                               token=current["access_token"])
    assert status == 200
    assert api.get("/me", token=other["access_token"])[0] == 401
    assert api.get("/me", token=current["access_token"])[0] == 401  # old version
    assert api.get("/me", token=renewed["access_token"])[0] == 200
    assert api.post("/auth/login", {"identifier": user["login"], "password": user["password"]})[0] == 401
    assert login(api, user["login"], password="Newpass456")


def test_requests_without_or_with_garbage_tokens_are_refused(api):
    for header in (None, "garbage", "Bearer ", "Bearer a.b.c", "Basic dXNlcjpwYXNz"):
        headers = {"Authorization": header} if header else {}
        status, answer = api.get("/me", headers=headers)
        assert status == 401 and answer["error"]["code"] == "unauthorized"


def test_consumers_cannot_open_staff_routes(api, user):
    session = login(api, user["login"])
    status, answer = api.get("/staff/me", token=session["access_token"])
    assert status == 403 and answer["error"]["code"] == "forbidden"


def test_sign_in_me_and_feed_cost_at_most_two_dynamodb_calls(api, user):
    with count_calls("dynamodb") as calls:
        session = login(api, user["login"])
    assert len(calls) <= 2, calls
    for path in ("/me", "/me/notifications", "/me/summary"):
        with count_calls("dynamodb") as calls:
            assert api.get(path, token=session["access_token"])[0] == 200
        assert len(calls) <= 2, (path, calls)
        assert not any(op.startswith("Scan") for op in calls)
