"""Schema-driven fuzzing of the whole API (issue 10): schemathesis with every check, against the local stack.

Every operation of /api/v1/openapi.json is called with generated requests — valid ones, invalid ones,
undeclared methods, missing credentials, and create-then-use sequences — as the demo consumer, and
as the demo administrator for /staff routes. The run fails on any 5xx, any status or body the
document does not describe, any schema-valid request refused (except the refusals listed with their
reasons in schemathesis.toml) and any schema-invalid request accepted. The signed agent routes are
left out (schemathesis.toml says why). The run is deterministic and bounded: at most
`max-examples` cases per operation and phase, and FUZZ_MAX_SECONDS (default 180) in all.

`make test` runs this module in its own process: the stack binds the app to a moto server, as the
browser suite does. To fuzz a stack started with `make run` instead:

    FUZZ_BASE_URL=http://127.0.0.1:8000 FUZZ_USER_TOKEN=<demo's access_token> \\
    FUZZ_STAFF_TOKEN=<staff's, from /staff/auth/login and …/login/totp> \\
    FUZZ_LOGOUT_LOGIN=romashka FUZZ_LOGOUT_PASSWORD=Demo12345 \\
    FUZZ_CLIENT_IP_HEADER=X-Fuzz-Client-Address \\
    .venv/bin/schemathesis --config-file tests/fuzz/schemathesis.toml run \\
        http://127.0.0.1:8000/api/v1/openapi.json --workers 1
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
CONFIG = Path(__file__).with_name("schemathesis.toml")
MAX_SECONDS = int(os.environ.get("FUZZ_MAX_SECONDS", "180"))
SUMMARY: list[str] = []  # printed by conftest.py at the end of the session


# The stack takes the client's address from this header, as it does behind CloudFront: the fuzzer's
# failed sign-ins lock its own address out (as they should), while the run's helpers sign in from theirs.
CLIENT_IP_HEADER = "X-Fuzz-Client-Address"


@pytest.fixture(scope="module")
def stack():
    from infra.local.run import LocalStack

    os.environ["KABINET_CLIENT_IP_HEADER"] = CLIENT_IP_HEADER
    local = LocalStack(port=0, seed=True)
    base_url = local.start()
    try:
        yield base_url
    finally:
        local.stop()


def _token(base_url: str, login: str, password: str, path: str = "/auth/login") -> str:
    answer = requests.post(
        f"{base_url}/api/v1{path}",
        json={"identifier": login, "password": password},
        timeout=30,
        headers={CLIENT_IP_HEADER: "192.0.2.10"},
    )
    answer.raise_for_status()
    return answer.json()["access_token"]


def _staff_token(base_url: str, login: str) -> str:
    """The console's sign-in of a demo employee: the password, then a code of its published TOTP secret."""
    import pyotp

    from infra.local.demo import DEMO_ACCOUNTS

    account = next(a for a in DEMO_ACCOUNTS if a.login == login)
    headers = {CLIENT_IP_HEADER: "192.0.2.10"}
    step = requests.post(
        f"{base_url}/api/v1/staff/auth/login",
        timeout=30,
        headers=headers,
        json={"identifier": account.login, "password": account.password},
    )
    step.raise_for_status()
    answer = requests.post(
        f"{base_url}/api/v1/staff/auth/login/totp",
        timeout=30,
        headers=headers,
        json={"challenge": step.json()["challenge"], "code": pyotp.TOTP(account.totp_secret).now()},
    )
    answer.raise_for_status()
    return answer.json()["access_token"]


def _summary(output: str, seconds: float) -> str:
    tested = re.search(r"Tested: (\d+)", output)
    generated = re.search(r"(\d+) generated", output)
    failures = re.search(r"found (\d+) unique failure", output)
    return (
        f"schema fuzz: {tested[1] if tested else '?'} operations, {generated[1] if generated else '?'} "
        f"test cases, {failures[1] if failures else 0} failures, in {seconds:.0f} s"
    )


def test_every_operation_holds_to_its_schema(stack):
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "FUZZ_BASE_URL": stack,
        "FUZZ_USER_TOKEN": _token(stack, "demo", "Demo12345"),
        "FUZZ_STAFF_TOKEN": _staff_token(stack, "staff"),
        # POST /auth/logout ends a fresh session of another demo account, not the run's own.
        "FUZZ_LOGOUT_LOGIN": "romashka",
        "FUZZ_LOGOUT_PASSWORD": "Demo12345",
        "FUZZ_CLIENT_IP_HEADER": CLIENT_IP_HEADER,
    }
    started = time.monotonic()
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "--config-file",
            str(CONFIG),
            "run",
            f"{stack}/api/v1/openapi.json",
            "--max-time",
            str(MAX_SECONDS),
            "--workers",
            "1",
            "--no-color",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=MAX_SECONDS + 600,
    )
    output = run.stdout + run.stderr
    SUMMARY.append(_summary(output, time.monotonic() - started))
    assert run.returncode == 0, output[-20000:]
