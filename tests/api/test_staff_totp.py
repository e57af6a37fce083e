"""Two-factor sign-in of employees: the password step answers a challenge, a code from the authenticator app
(or a recovery code) issues the session; the first sign-in enrols the app; codes and challenges work once;
wrong codes are rate-limited like passwords; an administrator resets an employee's second factor."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from helpers import staff_user, unique_suffix

from chalicelib.core import clock
from chalicelib.staff_users.second_factor import STEP_SECONDS, TotpItem, totp_key

PASSWORD = "Staff12345pass"


@pytest.fixture(autouse=True)
def started():
    """Time stands still unless a test moves it: which step a code belongs to is then certain."""
    now = datetime.now(UTC)
    clock.set_clock(lambda: now)
    yield now
    clock.set_clock(None)


def employee(role: str = "operator") -> dict:
    from chalicelib.accounts.provisioning import create_active_user

    suffix = unique_suffix()
    login = f"totp{suffix}"
    user_id = create_active_user(
        login=login,
        password=PASSWORD,
        email=f"{login}@kabinet.local",
        phone=f"+7473{uuid.uuid4().int % 10**7:07d}",
        kind="person",
        role=role,
        profile={"last_name": "Смирнов", "first_name": "Олег"},
    )
    return {"login": login, "user_id": user_id}


def password_step(api, login: str, **extra) -> dict:
    status, answer = api.post("/staff/auth/login", {"identifier": login, "password": PASSWORD, **extra})
    assert status == 200, answer
    return answer


def code(secret: str, steps_from_now: int = 0) -> str:
    now = int(clock.now().timestamp() // STEP_SECONDS)
    return pyotp.TOTP(secret).generate_otp(now + steps_from_now)


def code_step(api, challenge: str, value: str) -> tuple[int, dict]:
    return api.post("/staff/auth/login/totp", {"challenge": challenge, "code": value})


def enrolled(api, login: str) -> dict:
    """The first sign-in: enrol the app with a first code. {"secret", "recovery_codes", "session"}."""
    first = password_step(api, login)
    assert first["second_factor"] == "totp_enrolment"
    secret = first["enrolment"]["secret"]
    status, session = code_step(api, first["challenge"], code(secret))
    assert status == 200, session
    return {"secret": secret, "recovery_codes": session["recovery_codes"], "session": session}


def test_the_first_sign_in_enrols_the_app_and_then_every_sign_in_asks_for_a_code(api):
    person = employee()
    first = password_step(api, person["login"])
    # No session after the password alone.
    assert "access_token" not in first and first["second_factor"] == "totp_enrolment"
    enrolment = first["enrolment"]
    assert len(enrolment["secret"]) == 32
    assert enrolment["otpauth_uri"].startswith("otpauth://totp/") and enrolment["secret"] in enrolment["otpauth_uri"]
    assert enrolment["qr_svg"].startswith("data:image/svg+xml")
    # Until confirmed, each sign-in shows the same secret (a reload does not break the app's entry).
    again = password_step(api, person["login"])
    assert again["enrolment"]["secret"] == enrolment["secret"] and again["challenge"] != first["challenge"]
    # A recovery code cannot confirm an enrolment; a wrong code does not either.
    status, answer = code_step(api, first["challenge"], "abcde-fghjk")
    assert status == 422 and answer["error"]["fields"][0]["path"] == "code"
    status, answer = code_step(api, first["challenge"], str((int(code(enrolment["secret"])) + 1) % 10**6).zfill(6))
    assert status == 401 and answer["error"]["code"] == "wrong_code"

    status, session = code_step(api, again["challenge"], code(enrolment["secret"]))
    assert status == 200, session
    assert session["user"]["login"] == person["login"] and session["access_token"]
    codes = session["recovery_codes"]
    assert len(codes) == 10 == len(set(codes)) and all(len(c) == 11 and c[5] == "-" for c in codes)
    assert api.get("/staff/me", token=session["access_token"])[0] == 200
    status, mine = api.get("/staff/auth/totp", token=session["access_token"])
    assert status == 200 and mine["recovery_codes_left"] == 10 and mine["enrolled_at"]

    # Enrolled: the next sign-in asks for a code and never shows the secret again.
    later = password_step(api, person["login"])
    assert later["second_factor"] == "totp" and later["enrolment"] is None
    assert enrolment["secret"] not in str(later)
    # The other enrolment challenge is void now.
    assert code_step(api, first["challenge"], code(enrolment["secret"], 1))[1]["error"]["code"] == "challenge_invalid"
    # Stored encrypted, and the recovery codes only as hashes.
    item = TotpItem.get(*totp_key(person["user_id"]))
    assert enrolment["secret"] not in item.secret
    assert not set(codes) & set(item.recovery) and len(item.recovery) == 10


def test_a_code_is_accepted_one_step_either_side_and_only_once(api, started):
    person = employee()
    secret = enrolled(api, person["login"])["secret"]
    # The enrolment used the current step: the same code again is refused as used.
    challenge = password_step(api, person["login"])["challenge"]
    status, answer = code_step(api, challenge, code(secret))
    assert status == 401 and answer["error"]["code"] == "code_used"
    assert answer["error"]["fields"][0]["path"] == "code"
    # Two steps ahead is not accepted; the next step (a phone's clock a little fast) is.
    status, answer = code_step(api, challenge, code(secret, 2))
    assert status == 401 and answer["error"]["code"] == "wrong_code"
    status, session = code_step(api, challenge, code(secret, 1))
    assert status == 200 and session["recovery_codes"] is None
    # A challenge works once.
    assert code_step(api, challenge, code(secret, 1))[1]["error"]["code"] == "challenge_invalid"
    # A minute later the previous step's code (a phone a little slow) is accepted: it was not used yet.
    clock.set_clock(lambda: started + timedelta(seconds=3 * STEP_SECONDS))
    status, _ = code_step(api, password_step(api, person["login"])["challenge"], code(secret, -1))
    assert status == 200
    # An older step than the last used one is refused even though it lies in the window.
    status, answer = code_step(api, password_step(api, person["login"])["challenge"], code(secret, -1))
    assert status == 401 and answer["error"]["code"] == "code_used"


def test_a_recovery_code_signs_in_once(api):
    person = employee()
    first = enrolled(api, person["login"])
    spare = first["recovery_codes"][3]
    # Typed in capitals, without the hyphen: the same code.
    status, session = code_step(api, password_step(api, person["login"])["challenge"], spare.upper().replace("-", ""))
    assert status == 200, session
    status, answer = code_step(api, password_step(api, person["login"])["challenge"], spare)
    assert status == 401 and answer["error"]["code"] == "wrong_code"
    assert api.get("/staff/auth/totp", token=session["access_token"])[1]["recovery_codes_left"] == 9
    status, answer = code_step(api, password_step(api, person["login"])["challenge"], "not a code")
    assert status == 422 and answer["error"]["fields"][0]["path"] == "code"


def test_an_expired_challenge_is_refused(api, started):
    person = employee()
    secret = enrolled(api, person["login"])["secret"]
    challenge = password_step(api, person["login"])["challenge"]
    clock.set_clock(lambda: started + timedelta(minutes=6))
    status, answer = code_step(api, challenge, code(secret))
    assert status == 401 and answer["error"]["code"] == "challenge_invalid"
    assert code_step(api, "x" * 43, code(secret))[1]["error"]["code"] == "challenge_invalid"


def test_a_challenge_belongs_to_its_employee(api):
    alice, bob = employee(), employee()
    alice_secret = enrolled(api, alice["login"])["secret"]
    bob_secret = enrolled(api, bob["login"])["secret"]
    alice_challenge = password_step(api, alice["login"])["challenge"]
    # Bob's valid code does not open Alice's challenge…
    status, answer = code_step(api, alice_challenge, code(bob_secret, 1))
    assert status == 401 and answer["error"]["code"] == "wrong_code"
    # …and Alice's code on her challenge signs in Alice, never Bob.
    status, session = code_step(api, alice_challenge, code(alice_secret, 1))
    assert status == 200 and session["user"]["id"] == alice["user_id"]


def test_wrong_codes_are_counted_by_the_login_guard(api):
    person = employee()
    secret = enrolled(api, person["login"])["secret"]
    wrong = str((int(code(secret)) + 500_000) % 10**6).zfill(6)
    challenge = password_step(api, person["login"])["challenge"]
    for _ in range(3):
        assert code_step(api, challenge, wrong)[0] == 401
    # The fourth try of this employee from this address waits, even with the right code…
    status, answer = code_step(api, challenge, code(secret, 1))
    assert status == 429 and answer["error"]["code"] == "rate_limited"
    # …and a fresh challenge (the password again, another spelling of the login) does not reset it.
    status, answer = code_step(api, password_step(api, person["login"].upper())["challenge"], code(secret, 1))
    assert status == 429


def test_a_challenge_dies_after_five_wrong_codes(api, settings_override):
    settings_override(login_failures_before_delay=50, login_failures_before_challenge=50)
    person = employee()
    secret = enrolled(api, person["login"])["secret"]
    wrong = str((int(code(secret)) + 500_000) % 10**6).zfill(6)
    challenge = password_step(api, person["login"])["challenge"]
    answers = [code_step(api, challenge, wrong)[1]["error"]["code"] for _ in range(5)]
    assert answers == ["wrong_code"] * 4 + ["challenge_invalid"]
    assert code_step(api, challenge, code(secret, 1))[1]["error"]["code"] == "challenge_invalid"


def test_a_password_reset_or_disabling_between_the_steps_voids_the_challenge(api):
    admin = staff_user(api, "admin")
    person = employee()
    secret = enrolled(api, person["login"])["secret"]
    challenge = password_step(api, person["login"])["challenge"]
    assert api.post(f"/staff/users/{person['user_id']}/disable", token=admin["token"])[0] == 200
    status, answer = code_step(api, challenge, code(secret, 1))
    assert status == 401 and answer["error"]["code"] == "challenge_invalid"


def test_an_employee_regenerates_the_recovery_codes_with_a_current_code(api):
    person = employee()
    first = enrolled(api, person["login"])
    token = first["session"]["access_token"]
    status, answer = api.post("/staff/auth/totp/recovery-codes", {"code": code(first["secret"])}, token=token)
    assert status == 422 and answer["error"]["fields"][0]["message"].startswith("Этот код уже использован")
    status, answer = api.post("/staff/auth/totp/recovery-codes", {"code": "12345"}, token=token)
    assert status == 422 and answer["error"]["fields"][0]["path"] == "code"
    status, fresh = api.post("/staff/auth/totp/recovery-codes", {"code": code(first["secret"], 1)}, token=token)
    assert status == 200 and len(fresh["recovery_codes"]) == 10
    assert not set(fresh["recovery_codes"]) & set(first["recovery_codes"])
    # The old ones stop working, the new ones work.
    status, _ = code_step(api, password_step(api, person["login"])["challenge"], first["recovery_codes"][0])
    assert status == 401
    status, _ = code_step(api, password_step(api, person["login"])["challenge"], fresh["recovery_codes"][0])
    assert status == 200
    # Consumers have no such thing.
    from helpers import login, register_and_confirm

    consumer = register_and_confirm(api)
    assert api.get("/staff/auth/totp", token=login(api, consumer["login"])["access_token"])[0] == 403


def test_an_administrator_resets_the_second_factor_and_the_employee_enrols_again(api):
    admin = staff_user(api, "admin")
    person = employee()
    first = enrolled(api, person["login"])
    status, card = api.get(f"/staff/users/{person['user_id']}", token=admin["token"])
    assert status == 200 and card["totp_enrolled"] is True

    # Only administrators, and not for themselves.
    operator = staff_user(api, "operator")
    assert api.post(f"/staff/users/{person['user_id']}/totp-reset", token=operator["token"])[0] == 403
    status, answer = api.post(f"/staff/users/{admin['user_id']}/totp-reset", token=admin["token"])
    assert status == 403 and answer["error"]["code"] == "forbidden"
    assert api.post("/staff/users/no-such-user/totp-reset", token=admin["token"])[0] == 404

    status, card = api.post(f"/staff/users/{person['user_id']}/totp-reset", token=admin["token"])
    assert status == 200 and card["totp_enrolled"] is False
    # The employee's sessions end; the old secret and recovery codes are gone.
    assert api.get("/staff/me", token=first["session"]["access_token"])[0] == 401
    again = password_step(api, person["login"])
    assert again["second_factor"] == "totp_enrolment" and again["enrolment"]["secret"] != first["secret"]
    assert code_step(api, again["challenge"], first["recovery_codes"][0])[0] == 422
    status, session = code_step(api, again["challenge"], code(again["enrolment"]["secret"]))
    assert status == 200 and len(session["recovery_codes"]) == 10
    status, trail = api.get(f"/staff/audit?target_kind=staff_user&target_id={person['user_id']}", token=admin["token"])
    assert status == 200 and next(e["action"] for e in trail["items"]) == "staff_user.totp_reset"


def test_the_routes_are_documented_with_their_statuses_and_code_patterns(api):
    status, document = api.get("/openapi.json")
    assert status == 200
    paths = document["paths"]
    totp = paths["/api/v1/staff/auth/login/totp"]["post"]
    assert {"200", "401", "422", "429"} <= set(totp["responses"])
    assert set(paths["/api/v1/staff/users/{user_id}/totp-reset"]["post"]["responses"]) >= {"200", "401", "403", "404"}
    assert "/api/v1/staff/auth/totp/recovery-codes" in paths and "/api/v1/staff/auth/totp" in paths
    schemas = document["components"]["schemas"]
    assert "[0-9]{6}" in schemas["SecondFactorIn"]["properties"]["code"]["pattern"]
    assert schemas["RecoveryCodesIn"]["properties"]["code"]["pattern"] == "^[0-9]{6}$"
