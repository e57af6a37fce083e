"""Browser tests: Debian's chromium driven by Playwright against the local stack.

The stack (moto server, resources, demo data, API and the built site on one origin) is started once
per session. Set BROWSER_TEST_BASE_URL to run against a stack that is already running instead.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
REPO = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(config, items):
    if os.path.exists(CHROMIUM):
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is not installed (apt-get install chromium)")
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def site_url():
    external = os.environ.get("BROWSER_TEST_BASE_URL")
    if external:
        yield external.rstrip("/")
        return
    # The tests drive what users get: the built bundles (make rebuilds only what changed).
    subprocess.run(["make", "--no-print-directory", "site"], cwd=REPO, check=True)
    from infra.local.run import LocalStack

    stack = LocalStack(port=0)
    base_url = stack.start()
    try:
        yield base_url.rstrip("/")
    finally:
        stack.stop()


@pytest.fixture(scope="session")
def demo_accounts(site_url):
    """The accounts the local stack seeds, by login."""
    from infra.local.demo import DEMO_ACCOUNTS

    return {account.login: account for account in DEMO_ACCOUNTS}


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh browser profile per test; page errors fail the test."""
    context = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


# Employees sign in with a second factor, and the server takes each TOTP step once: quick repeated
# sign-ins of one demo employee would wait for the next step. So the first sign-in also gets ten recovery
# codes through the API (a real path), spent when no fresh step is left.
_SECOND_FACTOR: dict[str, dict[str, Any]] = {}
STEP_SECONDS = 30


def _fresh_step(state: dict[str, Any]) -> int | None:
    """The first of the three steps the server accepts (now, one either side) after the last one used."""
    now = int(time.time() // STEP_SECONDS)
    step = max(state["last_step"] + 1, now - 1)
    return step if step <= now + 1 else None


def totp_code(secret: str) -> str:
    """A TOTP code of `secret` the server has not seen yet (waits for the next step if need be)."""
    import pyotp

    state = _SECOND_FACTOR.setdefault(secret, {"last_step": 0, "spare": []})
    while (step := _fresh_step(state)) is None:
        time.sleep(STEP_SECONDS - time.time() % STEP_SECONDS + 0.2)
    state["last_step"] = step
    return str(pyotp.TOTP(secret, interval=STEP_SECONDS).generate_otp(step))


def _spare_codes(site_url: str, account: Any) -> list[str]:
    """Ten recovery codes of a demo employee: signed in through the API, regenerated with a current code."""
    import requests

    api = f"{site_url}/api/v1"
    step = requests.post(
        f"{api}/staff/auth/login", json={"identifier": account.login, "password": account.password}, timeout=30
    )
    step.raise_for_status()
    session = requests.post(
        f"{api}/staff/auth/login/totp",
        timeout=30,
        json={"challenge": step.json()["challenge"], "code": totp_code(account.totp_secret)},
    )
    session.raise_for_status()
    codes = requests.post(
        f"{api}/staff/auth/totp/recovery-codes",
        json={"code": totp_code(account.totp_secret)},
        headers={"Authorization": f"Bearer {session.json()['access_token']}"},
        timeout=30,
    )
    codes.raise_for_status()
    return list(codes.json()["recovery_codes"])


def second_factor_code(site_url: str, account: Any) -> str:
    """A code for one sign-in of an enrolled (demo) employee: a fresh TOTP step, else a recovery code."""
    state = _SECOND_FACTOR.setdefault(account.totp_secret, {"last_step": 0, "spare": []})
    if not state.get("stocked"):
        state["spare"], state["stocked"] = _spare_codes(site_url, account), True
    if _fresh_step(state) is None and state["spare"]:
        return str(state["spare"].pop())
    return totp_code(account.totp_secret)


@pytest.fixture(scope="session")
def staff_sign_in(site_url) -> Callable[..., None]:
    """Sign a demo employee into the console as a person does: login and password, then the code from
    the authenticator app. `path`: open /staff.html<path> first (else the page shows the sign-in form)."""
    from playwright.sync_api import expect

    def sign_in(page: Any, account: Any, path: str | None = None) -> None:
        if path is not None:
            page.goto(f"{site_url}/staff.html{path}")
        page.locator('[name="identifier"]').fill(account.login)
        page.locator('[name="password"]').fill(account.password)
        page.get_by_role("button", name="Войти").click()
        expect(page.get_by_role("heading", name="Код подтверждения", level=1)).to_be_visible()
        page.locator('[name="code"]').fill(second_factor_code(site_url, account))
        page.get_by_role("button", name="Подтвердить").click()

    return sign_in


@pytest.fixture
def new_employee(site_url) -> Callable[..., Any]:
    """`new_employee(role, enrolled=True)`: an employee created in the stack's process (as the demo ones
    are), with the authenticator app enrolled unless `enrolled` is False: a DemoAccount with its secret."""
    if os.environ.get("BROWSER_TEST_BASE_URL"):
        pytest.skip("employees are created through the services of a stack running in this process")

    def create(role: str, enrolled: bool = True, last_name: str = "Сотрудникова", first_name: str = "Анна") -> Any:
        import uuid

        import pyotp

        from chalicelib.accounts.provisioning import create_active_user
        from chalicelib.staff_users.second_factor import enrol_with_secret
        from infra.local.demo import DemoAccount

        login = f"{role[:4]}{uuid.uuid4().hex[:10]}"
        account = DemoAccount(
            role, login, "Employee12345", f"{login}@kabinet.local", pyotp.random_base32() if enrolled else ""
        )
        user_id = create_active_user(
            login=login,
            password=account.password,
            email=account.email,
            phone=f"+7473{uuid.uuid4().int % 10**7:07d}",
            kind="person",
            role=role,
            profile={"last_name": last_name, "first_name": first_name},
        )
        if enrolled:
            enrol_with_secret(user_id, account.totp_secret)
        return account

    return create


@pytest.fixture(scope="session")
def fresh_totp_code() -> Callable[[str], str]:
    """`fresh_totp_code(secret)`: what an authenticator app shows, never a step the server has seen."""
    return totp_code
