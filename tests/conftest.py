"""Test environment: a moto backend per test module, resources created from infra/resources.yaml.

Environment is set before any project import so settings, table names and clients see it.
Within a module, tests keep apart by creating their own users (unique logins).
"""

from __future__ import annotations

import os

os.environ.update(
    {
        "KABINET_STAGE": "test",
        "AWS_REGION": "eu-central-1",
        "AWS_DEFAULT_REGION": "eu-central-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        # Cheaper hashing and proof of work keep the suite fast; production values are the defaults.
        "KABINET_ARGON2_TIME_COST": "1",
        "KABINET_ARGON2_MEMORY_KIB": "8192",
        "KABINET_POW_DIFFICULTY": "6",
        # The response-time floor of registration, recovery and linking is tested where it matters
        # (test_hardening, test_ownership).
        "KABINET_AUTH_RESPONSE_FLOOR_MS": "0",
        # chalice's test client gives every request the same source IP; tests that check the per-IP
        # limit lower it themselves (see `settings_override`).
        "KABINET_AUTH_REQUESTS_PER_IP": "100000",
    }
)
os.environ.pop("AWS_ENDPOINT_URL", None)

import pytest
from moto import mock_aws

from infra.local.serial_aws import one_aws_call_at_a_time


@pytest.fixture(scope="module")
def aws():
    """A fresh moto backend per test module, with the stack created from infra/resources.yaml.

    Per module rather than per session because moto's transactions copy every table they touch:
    tables that grew through the whole session made each later transaction slower.
    """
    with mock_aws(), one_aws_call_at_a_time():
        import boto3

        from chalicelib.core import aws as aws_clients, secrets
        from chalicelib.core.config import get_settings
        from infra.local.stack import create_local_stack

        outputs = create_local_stack(
            boto3.session.Session(region_name="eu-central-1"), stage="test", mail_from="noreply@kabinet.local"
        )
        # What the template's Globals pass to the functions in AWS.
        os.environ["KABINET_ATTACHMENTS_BUCKET"] = outputs["AttachmentsBucketName"]
        os.environ["KABINET_EXCHANGE_BUCKET"] = outputs["ExchangeBucketName"]
        get_settings.cache_clear()
        forget_company_settings()  # a document cached from the previous module's stack
        # A save refreshes the saving process's cache at once; its expiry (which lets other Lambda
        # containers see a save) would only add a DynamoDB call at random to the counts tests assert.
        from chalicelib.settings import service as company_settings

        company_settings.CACHE_SECONDS = 24 * 3600
        secrets.reset_cache()  # the new stack generated a new signing key
        aws_clients.reset_clients()
        yield outputs


def forget_company_settings(stored: bool = False) -> None:
    """Drop the cached company settings document; with `stored`, the stored one and its history too,
    so the seed (defaults and KABINET_* values) is in force again."""
    from chalicelib.exchange.schedule import reset_memo
    from chalicelib.settings import repository, service

    if stored:
        for item in repository.SettingsItem.query(repository.PK):
            item.delete()
    service.reset_cache()
    reset_memo()


@pytest.fixture
def settings_override(monkeypatch):
    """Change settings for one test: `settings_override(auth_requests_per_ip=2)`. A company setting
    (`company_inn=…`, the former KABINET_* ones) applies as the seed of a fresh settings document."""
    from chalicelib.core.config import get_settings
    from chalicelib.settings.service import SEED_FIELDS

    company = False

    def override(**values):
        nonlocal company
        for name, value in values.items():
            monkeypatch.setenv(f"KABINET_{name.upper()}", str(value))
        get_settings.cache_clear()
        if set(values) & set(SEED_FIELDS):
            company = True
            forget_company_settings(stored=True)

    yield override
    monkeypatch.undo()
    get_settings.cache_clear()
    if company:
        forget_company_settings(stored=True)
