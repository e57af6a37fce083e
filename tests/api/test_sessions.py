"""Sign-in by login, e-mail or phone; lockout; token rotation and revocation."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from helpers import count_calls, login, register_and_confirm

from chalicelib.core import clock


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
    assert (
        wrong
        == unknown
        == (401, {"error": {"code": "unauthorized", "message": "Неверный логин или пароль", "fields": []}})
    )


def attempt(api, identifier, password="Wrong12345", ip="198.51.100.7", challenge=None):
    body = {"identifier": identifier, "password": password}
    if challenge:
        body["pow"] = challenge
    status, answer = api.call("POST", "/auth/login", body, headers={"X-Kabinet-Viewer-Ip": ip})
    return status, answer


@pytest.fixture
def viewer_ip_header(monkeypatch):
    """Tell addresses apart as the deployed API does (the edge's viewer-IP header)."""
    from chalicelib.core.config import get_settings

    monkeypatch.setenv("KABINET_CLIENT_IP_HEADER", "X-Kabinet-Viewer-Ip")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def outcome(result):
    status, answer = result
    return status, answer["error"]["code"], answer["error"]["message"]


def test_an_existing_and_an_unknown_identifier_answer_alike_at_every_attempt(api, user, moving_clock, viewer_ip_header):
    real = [attempt(api, user["login"]) for _ in range(6)]
    ghost = [attempt(api, "ghost98765") for _ in range(6)]
    assert [outcome(r) for r in real] == [outcome(r) for r in ghost]
    # Three failures are free; after them the next try from this address waits five seconds.
    assert [r[0] for r in real[:4]] == [401] * 3 + [429]


def test_retry_after_does_not_depend_on_where_a_second_boundary_falls(api, user, moving_clock, viewer_ip_header):
    # Two identifiers asked alike, 0.2 s after their third failure: for one a second boundary falls in
    # between, for the other not. Whole-second arithmetic answered 4 to one and 5 to the other.
    def at_fraction(fraction: float) -> None:
        current = clock.now().timestamp()
        moving_clock["offset"] += timedelta(seconds=(1 - current % 1) + fraction)

    def retry_after(identifier: str) -> str | None:
        response = api.client.http.post(
            "/api/v1/auth/login",
            headers={"Content-Type": "application/json", "X-Kabinet-Viewer-Ip": "198.51.100.8"},
            body='{"identifier": "%s", "password": "x"}' % identifier,
        )
        assert response.status_code == 429
        return response.headers.get("Retry-After")

    answers = []
    for identifier, fraction in ((user["login"], 0.9), ("ghost13579", 0.1)):
        at_fraction(fraction)
        for _ in range(3):
            attempt(api, identifier, ip="198.51.100.8")
        moving_clock["offset"] += timedelta(seconds=0.2)
        answers.append(retry_after(identifier))
    assert answers == ["5", "5"]


def test_waits_double_per_address_and_never_lock_the_owner_out_elsewhere(api, user, moving_clock, viewer_ip_header):
    from helpers import solve_pow

    moving_clock["offset"] -= timedelta(seconds=clock.epoch(clock.now()) % 900)  # the start of a window
    waits = []
    for _ in range(7):
        status, answer = attempt(api, user["login"], ip="203.0.113.9")
        if status == 429:
            wait = int(answer["error"]["message"].split("через ")[1].split()[0])
            waits.append(wait)
            moving_clock["offset"] += timedelta(seconds=5 * 2 ** (len(waits) - 1))
        elif status == 401 and answer["error"]["code"] == "challenge_required":
            break
    assert len(waits) == 2  # 5 s, then 10 s (the message rounds to whole minutes)
    # Five failures from anywhere: every further try of this login needs the proof-of-work; the
    # owner's browser solves it and signs in from home at once — there is no lock to abuse.
    status, answer = attempt(api, user["login"], password=user["password"], ip="192.0.2.1")
    assert (status, answer["error"]["code"]) == (401, "challenge_required")
    status, _ = attempt(api, user["login"], password=user["password"], ip="192.0.2.1", challenge=solve_pow(api))
    assert status == 200


def test_a_wait_is_announced_with_retry_after_and_then_served(api, user, moving_clock, viewer_ip_header):
    def retry_after():
        response = api.client.http.post(
            "/api/v1/auth/login",
            headers={"Content-Type": "application/json", "X-Kabinet-Viewer-Ip": "198.51.100.7"},
            body='{"identifier": "%s", "password": "x"}' % user["login"],
        )
        return response.status_code, response.headers.get("Retry-After")

    for _ in range(3):
        attempt(api, user["login"])
    assert retry_after() == (429, "5")
    moving_clock["offset"] += timedelta(seconds=5)
    assert attempt(api, user["login"])[0] == 401
    assert retry_after() == (429, "10")
    moving_clock["offset"] += timedelta(seconds=10)
    from helpers import solve_pow

    assert attempt(api, user["login"], password=user["password"], challenge=solve_pow(api))[0] == 200


def at_window_start(moving_clock, before=0):
    """Move the clock to `before` seconds ahead of the start of the next 15-minute bucket."""
    moving_clock["offset"] += timedelta(seconds=900 - clock.epoch(clock.now()) % 900 - before)


def signed_attempt(api, identifier, password="Wrong12345", ip="198.51.100.66", challenge=None):
    """An attempt as a browser makes it: with a proof of work when the server asks for one.
    Gives (status, error code or None, Retry-After)."""
    from helpers import solve_pow

    body = {"identifier": identifier, "password": password}
    if challenge:
        body["pow"] = solve_pow(api)
    headers = {"Content-Type": "application/json", "X-Kabinet-Viewer-Ip": ip}
    response = api.client.http.post("/api/v1/auth/login", headers=headers, body=json.dumps(body))
    answer = json.loads(response.body)
    return response.status_code, answer.get("error", {}).get("code"), response.headers.get("Retry-After")


def test_a_stranger_on_a_shared_address_cannot_lock_its_owner_out(api, user, moving_clock, viewer_ip_header):
    # 25 failures from one CGNAT address, a new login each time: after 20 the address needs the
    # proof of work; the stranger pays for it and keeps failing.
    outcomes = [signed_attempt(api, f"spray{i:03d}user")[:2] for i in range(20)]
    assert outcomes == [(401, "unauthorized")] * 20
    assert signed_attempt(api, "spray020user")[:2] == (401, "challenge_required")
    for i in range(20, 25):
        assert signed_attempt(api, f"spray{i:03d}user", challenge=True)[:2] == (401, "unauthorized")
    # The owner behind the same address is asked for the proof of work, not refused; solving it signs in.
    assert signed_attempt(api, user["login"], user["password"])[:2] == (401, "challenge_required")
    assert signed_attempt(api, user["login"], user["password"], challenge=True)[0] == 200
    # Another address is unaffected.
    assert signed_attempt(api, "spray999user", ip="198.51.100.67")[:2] == (401, "unauthorized")


def test_past_the_ceiling_an_address_is_refused_even_with_a_solved_challenge(
    api, user, moving_clock, viewer_ip_header, settings_override
):
    settings_override(login_failures_per_ip=2, login_failures_per_ip_ceiling=6)
    at_window_start(moving_clock)
    ip = "198.51.100.80"
    for i in range(6):
        assert signed_attempt(api, f"ceiling{i}user", ip=ip, challenge=i >= 2)[:2] == (401, "unauthorized")
    # Past the ceiling even the right password with a solved challenge waits, for the rest of the
    # bucket and a second (the count then fades below six at once).
    assert signed_attempt(api, user["login"], user["password"], ip, challenge=True) == (429, "rate_limited", "901")
    moving_clock["offset"] += timedelta(seconds=900)
    assert signed_attempt(api, user["login"], user["password"], ip, challenge=True)[0] == 429
    moving_clock["offset"] += timedelta(seconds=1)
    assert signed_attempt(api, user["login"], user["password"], ip, challenge=True)[0] == 200


def test_a_window_boundary_gives_no_second_budget(api, moving_clock, viewer_ip_header, settings_override):
    settings_override(login_failures_per_ip=100, login_failures_per_ip_ceiling=10)
    at_window_start(moving_clock, before=10)
    assert [signed_attempt(api, f"edge{i}user", ip="198.51.100.95")[0] for i in range(10)] == [401] * 10
    moving_clock["offset"] += timedelta(seconds=20)  # ten seconds into the next bucket
    after = [signed_attempt(api, f"edge{i}user", ip="198.51.100.95")[0] for i in range(10, 20)]
    # The failures of 20 seconds ago still count, all but a sliver: one more try, not ten.
    assert after == [401] + [429] * 9


def test_an_existing_and_an_unknown_identifier_meet_the_address_limits_alike(
    api, user, moving_clock, viewer_ip_header, settings_override
):
    settings_override(login_failures_per_ip=3, login_failures_per_ip_ceiling=6, login_failures_before_delay=50)

    def run(identifier, ip):
        steps = [signed_attempt(api, identifier, ip=ip) for _ in range(4)]
        steps += [signed_attempt(api, identifier, ip=ip, challenge=True) for _ in range(4)]
        return steps

    real, ghost = run(user["login"], "198.51.100.70"), run("ghost24680", "198.51.100.71")
    assert real == ghost
    # 3 free failures, then the proof of work (the identifier's own threshold is 5), then the ceiling.
    assert [step[:2] for step in real] == [(401, "unauthorized")] * 3 + [(401, "challenge_required")] + [
        (401, "unauthorized")
    ] * 3 + [(429, "rate_limited")]
    assert real[-1][2] is not None


def test_the_password_hash_work_is_the_same_for_an_unknown_identifier(api, user, monkeypatch, viewer_ip_header):
    from chalicelib.accounts import passwords

    calls = []
    real = passwords._hasher

    class Counting:
        def __init__(self, hasher):
            self.hasher = hasher

        def verify(self, *args):
            calls.append(1)
            return self.hasher.verify(*args)

    monkeypatch.setattr(passwords, "_hasher", lambda: Counting(real()))
    attempt(api, user["login"], ip="198.51.100.90")
    attempt(api, "ghost55555", ip="198.51.100.91")
    assert len(calls) == 2


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
    status, answer = api.post(
        "/me/password", {"old_password": "Wrong12345", "new_password": "Newpass456"}, token=current["access_token"]
    )
    assert status == 422 and answer["error"]["fields"][0]["path"] == "old_password"
    status, renewed = api.post(
        "/me/password", {"old_password": user["password"], "new_password": "Newpass456"}, token=current["access_token"]
    )
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


def test_sign_in_costs_three_dynamodb_calls_and_me_and_feed_two(api, user):
    with count_calls("dynamodb") as calls:
        session = login(api, user["login"])
    assert calls == ["BatchGetItem", "Query", "UpdateItem"]  # attempt counters, the account, the session
    for path in ("/me", "/me/notifications", "/me/summary"):
        with count_calls("dynamodb") as calls:
            assert api.get(path, token=session["access_token"])[0] == 200
        assert len(calls) <= 2, (path, calls)
        assert not any(op.startswith("Scan") for op in calls)


def test_the_address_limit_of_the_other_auth_routes_slides_too(api, moving_clock, viewer_ip_header, settings_override):
    settings_override(auth_requests_per_ip=3)
    body = {"email": "slide@example.ru", "code": "123456", "password": "Newpass456"}
    headers = {"Content-Type": "application/json", "X-Kabinet-Viewer-Ip": "198.51.100.99"}

    def reset():
        response = api.client.http.post("/api/v1/auth/password/reset", headers=headers, body=json.dumps(body))
        return response.status_code, response.headers.get("Retry-After")

    at_window_start(moving_clock, before=10)
    assert [reset()[0] for _ in range(3)] == [400] * 3  # a wrong code, but served
    moving_clock["offset"] += timedelta(seconds=20)
    # Across the boundary the three still count: one more request, not three.
    assert reset()[0] == 400
    assert reset() == (429, "591")  # until the earlier ones fade below the limit
    moving_clock["offset"] += timedelta(seconds=591)
    assert reset()[0] == 400
