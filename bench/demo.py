"""What the benchmarks that run on the demo data share: the demo stack under moto with a client of the app,
the stack's buckets as the template passes them, and the console's two-step sign-in of a demo employee."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bench.environment import bench_environment


@contextmanager
def demo_api() -> Iterator[Any]:
    """The demo data on the local stack, under moto in this process, and the API tests' JSON client of the
    app (tests/api/helpers.Api). Password hashing is cheap: sign-in is measured for its DynamoDB calls,
    not for argon2."""
    bench_environment(KABINET_ARGON2_TIME_COST="1", KABINET_ARGON2_MEMORY_KIB="8192")
    from moto import mock_aws

    with mock_aws():
        from chalice.test import Client

        create_stack()
        from infra.local.demo import seed

        seed()
        from helpers import Api

        from app import app

        with Client(app) as client:
            yield Api(client)


def create_stack() -> dict[str, str]:
    """The local stack under the caller's moto, with the environment its functions get in AWS."""
    import boto3

    from chalicelib.core.config import get_settings
    from infra.local.stack import create_local_stack

    outputs = create_local_stack(boto3.session.Session(region_name="eu-central-1"), stage="bench")
    os.environ["KABINET_ATTACHMENTS_BUCKET"] = outputs["AttachmentsBucketName"]
    os.environ["KABINET_EXCHANGE_BUCKET"] = outputs["ExchangeBucketName"]
    get_settings.cache_clear()
    return outputs


def staff_token(api: Any, employee: Any) -> str:
    """A demo employee signed in as the console does: the password, then the authenticator's code."""
    import pyotp

    status, step = api.post("/staff/auth/login", {"identifier": employee.login, "password": employee.password})
    assert status == 200 and step["second_factor"] == "totp", step
    code = pyotp.TOTP(employee.totp_secret).now()
    status, session = api.post("/staff/auth/login/totp", {"challenge": step["challenge"], "code": code})
    assert status == 200, session
    return str(session["access_token"])
