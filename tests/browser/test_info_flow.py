"""«Информация» in a real browser: an administrator edits a help page in the console (Markdown), the site
shows it sanitised and links it from the footer; the registration form links the user agreement with
the edition it records."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_staff_edit_help_and_the_site_shows_it(page: Page, site_url, demo_accounts, staff_sign_in):
    tag = uuid.uuid4().hex[:6]
    staff = demo_accounts["staff"]
    staff_sign_in(page, staff, "#/pages")
    expect(page.get_by_role("heading", name="Информация", level=1)).to_be_visible()
    page.get_by_role("link", name="Изменить: Помощь: отключения").click()
    expect(page.get_by_role("heading", name="Информация: Помощь: отключения", level=1)).to_be_visible()

    page.locator('[name="markdown"]').fill(
        f"## Что делать при отключении {tag}\n\nПозвоните в [аварийную службу](tel:112).\n\n"
        "<script>window.hacked = 1</script>\n\n[ловушка](javascript:window.hacked=2)"
    )
    page.get_by_role("button", name="Сохранить").click()
    expect(page.get_by_text("Сохранено.")).to_be_visible()
    preview = page.get_by_role("region", name="Как страница выглядит на сайте")
    expect(preview.get_by_role("heading", name=f"Что делать при отключении {tag}")).to_be_visible()

    # The public site: the outages page links its help from the footer.
    page.goto(f"{site_url}/#/outages")
    page.get_by_role("contentinfo").get_by_role("link", name="Помощь: Отключения").click()
    expect(page).to_have_url(f"{site_url}/#/info/help/outages")
    text = page.locator(".info-page__text")
    expect(text.get_by_role("heading", name=f"Что делать при отключении {tag}")).to_be_visible()
    expect(text.get_by_role("link", name="аварийную службу")).to_have_attribute("href", "tel:112")
    # Neither the script nor the javascript: link became anything but text.
    expect(text.locator("script")).to_have_count(0)
    expect(text.get_by_role("link", name="ловушка")).to_have_count(0)
    assert page.evaluate("window.hacked") is None

    page.get_by_role("contentinfo").get_by_role("link", name="Контакты").click()
    expect(page.get_by_role("heading", name="Контакты", level=1)).to_be_visible()


def test_the_registration_form_links_the_agreement_it_records(page: Page, site_url):
    current = page.request.get(f"{site_url}/api/v1/pages/agreement").json()
    page.goto(f"{site_url}/#/register")
    agreement = page.locator(".consent__agreement")
    expect(agreement).to_contain_text(f"(редакция {current['version']})")
    with page.context.expect_page() as opened:
        agreement.get_by_role("link", name="пользовательское соглашение").click()
    tab = opened.value
    expect(tab.get_by_role("heading", name=current["title"], level=1)).to_be_visible()
    expect(tab.get_by_text(f"Редакция {current['version']}")).to_be_visible()
