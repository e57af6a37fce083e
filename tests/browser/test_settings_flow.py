"""«Настройки» in the staff console in a real browser: the administrator changes the reading window
start day, a wrong value is refused on its field in Russian, the saved version is shown, and the site
reads the company's name and contacts from the API."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

DAY = "settings.readings.window_start_day"


def field(page: Page, name: str):
    return page.locator(f'[name="{name}"]')


def version_of(page: Page) -> int:
    return int(page.locator("[data-settings-version]").get_attribute("data-settings-version"))


def test_admin_changes_the_reading_window_and_sees_the_new_version(page: Page, site_url, demo_accounts, staff_sign_in):
    staff = demo_accounts["staff"]
    staff_sign_in(page, staff, "#/settings")
    expect(page.get_by_role("heading", name="Настройки", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Настройки")).to_have_attribute("aria-current", "page")
    version = version_of(page)
    original = field(page, DAY).input_value()

    # A day that is not in a month: refused on the field, nothing saved.
    field(page, DAY).fill("0")
    page.get_by_role("button", name="Сохранить новую версию").click()
    expect(page.locator(f'[data-field="{DAY}"] .field-error')).to_have_text(
        "День начала приёма показаний — целое число от 1 до 31"
    )
    assert version_of(page) == version

    new_day = "20" if original != "20" else "21"
    field(page, DAY).fill(new_day)
    page.get_by_role("button", name="Сохранить новую версию").click()
    expect(page.get_by_role("status")).to_have_text(f"Сохранена версия {version + 1}")
    expect(page.locator("[data-settings-version]")).to_have_text(
        re.compile(rf"^Версия {version + 1} · сохранена .+ · staff$")
    )
    expect(field(page, DAY)).to_have_value(new_day)
    page.get_by_text("История версий").click()
    expect(page.get_by_text(re.compile(rf"^Версия {version + 1} — .+, staff$"))).to_be_visible()
    public = page.request.get(f"{site_url}/api/v1/settings/public").json()
    assert public["reading_window"]["start_day"] == int(new_day)

    # Back as it was, for the other browser tests of the session (the entry window from the 25th).
    field(page, DAY).fill(original)
    page.get_by_role("button", name="Сохранить новую версию").click()
    expect(page.get_by_role("status")).to_have_text(f"Сохранена версия {version + 2}")


def test_the_site_shows_the_company_from_the_api(page: Page, site_url):
    public = page.request.get(f"{site_url}/api/v1/settings/public").json()
    page.goto(f"{site_url}/#/login")
    expect(page.locator(".brand__company")).to_have_text(public["name"])
    expect(page.locator("footer")).to_contain_text(public["contacts"]["phone"])
    expect(page.get_by_text(public["contacts"]["hours"][0])).to_be_visible()


def test_the_site_works_while_the_settings_cannot_be_had(page: Page, site_url):
    page.route("**/api/v1/settings/public", lambda route: route.abort())
    page.goto(f"{site_url}/#/login")
    expect(page.get_by_role("heading", name="Вход в личный кабинет")).to_be_visible()
    expect(page.locator("footer")).to_contain_text("Личный кабинет потребителя")
    # Once the API answers, the next visit shows the company (and keeps a copy for a slow API).
    page.unroute("**/api/v1/settings/public")
    page.reload()
    expect(page.locator(".brand__company")).not_to_be_empty()
    assert page.evaluate("JSON.parse(localStorage.getItem('kabinet.company')).name")
