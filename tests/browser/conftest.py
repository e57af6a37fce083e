"""Browser tests: Debian's chromium driven by Playwright against the local stack.

The stack (moto server, resources, demo data, API and static-site/ on one origin) is started once
per session. Set BROWSER_TEST_BASE_URL to run against a stack that is already running instead.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
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
