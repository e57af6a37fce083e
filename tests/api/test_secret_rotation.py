"""The deployment's signing secret is cached for a maximum age, not for the life of a container: once
it is rotated in Secrets Manager, tokens signed with the old key stop working within that time and
new sign-ins use the new key — without waiting for a cold start."""

from __future__ import annotations

import json
import secrets
import time

from helpers import consumer, count_calls, login, staff_login, staff_user


def _rotate_signing_key() -> None:
    from chalicelib.core.aws import client
    from chalicelib.core.config import get_settings

    client("secretsmanager").put_secret_value(
        SecretId=get_settings().resource("app-secrets"), SecretString=json.dumps({"signing_key": secrets.token_hex(32)})
    )


def test_within_its_maximum_age_the_secret_is_read_once_per_container(api):
    user = consumer(api)
    with count_calls("secretsmanager") as calls:
        assert api.get("/me", token=user["token"])[0] == 200
        _rotate_signing_key()
        # The key read at sign-in is still the one in force: no second read, the token still works.
        assert api.get("/me", token=user["token"])[0] == 200
    assert calls == ["PutSecretValue"]


def test_a_rotated_key_is_in_force_once_the_cached_one_is_older_than_its_maximum_age(api, settings_override):
    from chalicelib.core import secrets as app_secrets

    settings_override(secret_max_age_seconds=1)
    app_secrets.reset_cache()  # a container started with this maximum age
    user = consumer(api)
    _rotate_signing_key()
    time.sleep(1.1)

    with count_calls("secretsmanager") as calls:
        status, body = api.get("/me", token=user["token"])
    assert status == 401, body
    assert calls == ["GetSecretValue"]

    token = login(api, user["login"])["access_token"]
    assert api.get("/me", token=token)[0] == 200


def test_rotating_the_signing_key_leaves_employees_enrolments_readable(api, settings_override):
    """Authenticator secrets are encrypted with the data key, not the signing key: after a rotation the
    employee still signs in with the app, no re-enrolment."""
    from chalicelib.core import secrets as app_secrets

    employee = staff_user(api, "operator")
    settings_override(secret_max_age_seconds=1)
    app_secrets.reset_cache()
    _rotate_signing_key()
    time.sleep(1.1)

    session = staff_login(api, employee["login"])
    assert api.get("/staff/auth/totp", token=session["access_token"])[0] == 200
