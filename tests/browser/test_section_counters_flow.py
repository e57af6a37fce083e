"""Menu counters and notifications that open the exact thing (seed 004 §4.1): a consumer's appeal is
registered while they are away; on return the «Обращения» menu item shows one new event, the notification
opens that appeal's card (not the list), and the counter is gone — also after a reload. Something new that
arrives meanwhile shows up on the next move to another page.

The consumer is created in the stack's process (tests/browser/conftest.py runs the stack in this process).
"""

from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import Page, expect
from stack_accounts import new_consumer

pytestmark = pytest.mark.browser

PASSWORD = "Secret123pass"


@pytest.fixture
def consumer(site_url):
    account = new_consumer("sc", PASSWORD, last_name="Орлова", first_name="Мария", snils="112-233-445 95")
    token = requests.post(
        f"{site_url}/api/v1/auth/login", json={"identifier": account["login"], "password": PASSWORD}, timeout=30
    ).json()["access_token"]
    return {**account, "token": token}


def file_appeal(site_url: str, consumer: dict, topic: str) -> dict:
    """An appeal filed from another device: the browser learns of it only through the counters."""
    answer = requests.post(
        f"{site_url}/api/v1/appeals",
        timeout=30,
        headers={"Authorization": f"Bearer {consumer['token']}"},
        json={
            "type": "complaint",
            "addressee": "Главный инженер",
            "topic": topic,
            "text": "Вечером напряжение падает до 180 В.",
            "contact_phone": consumer["phone"],
            "attachments": [],
        },
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def menu_item(page: Page, name: str):
    return page.get_by_role("navigation", name="Разделы кабинета").get_by_role("link", name=re.compile(f"^{name}"))


def test_menu_counts_what_is_new_and_a_notification_opens_the_appeal(page: Page, site_url, consumer):
    card = file_appeal(site_url, consumer, "Перепады напряжения")

    page.goto(f"{site_url}/#/login")
    page.locator('[name="identifier"]').fill(consumer["login"])
    page.locator('[name="password"]').fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    expect(page.get_by_role("heading", name=re.compile("^Здравствуйте"))).to_be_visible()

    appeals = menu_item(page, "Обращения")
    expect(appeals.locator(".badge")).to_have_text("1")
    expect(appeals.locator(".badge")).to_have_attribute("aria-label", "новых событий: 1")
    expect(menu_item(page, "Присоединение").locator(".badge")).to_have_count(0)

    menu_item(page, "Уведомления").click()
    entry = page.get_by_role("listitem").filter(has_text=f"Обращение № {card['number']} зарегистрировано")
    entry.get_by_role("link", name="Подробнее").click()
    expect(page).to_have_url(re.compile(rf"#/appeals/appeal\?id={card['id']}$"))
    expect(page.get_by_role("heading", name=f"Обращение № {card['number']}", level=1)).to_be_visible()
    expect(appeals).to_have_attribute("aria-current", "page")
    expect(appeals.locator(".badge")).to_have_count(0)  # the section is open: nothing new in it any more

    page.reload()
    expect(page.get_by_role("heading", name=f"Обращение № {card['number']}", level=1)).to_be_visible()
    menu_item(page, "Показания").click()
    expect(menu_item(page, "Показания")).to_have_attribute("aria-current", "page")
    expect(appeals.locator(".badge")).to_have_count(0)  # seen stays seen

    file_appeal(site_url, consumer, "Нет света в подъезде")
    menu_item(page, "Главная").click()
    expect(appeals.locator(".badge")).to_have_text("1")
    appeals.click()
    expect(page.get_by_role("heading", name="Обращения", level=1)).to_be_visible()
    expect(appeals.locator(".badge")).to_have_count(0)


def test_an_emergency_reaches_a_subscriber_to_all_outages_and_opens_its_address(
    page: Page, browser, site_url, consumer, demo_accounts, staff_sign_in
):
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    page.goto(f"{site_url}/#/login")
    page.locator('[name="identifier"]').fill(consumer["login"])
    page.locator('[name="password"]').fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    expect(page.get_by_role("heading", name=re.compile("^Здравствуйте"))).to_be_visible()

    menu_item(page, "Отключения").click()
    page.locator('[name="street_id"]').fill("Никитин")
    page.get_by_role("option", name=re.compile("Никитин")).click()
    page.locator('[name="house"]').fill("17")
    page.get_by_role("button", name="Показать отключения").click()
    page.get_by_label("Также об аварийных отключениях").check()
    page.get_by_role("button", name="Подписаться на SMS по этому адресу").click()
    subscriptions = page.locator(".subscriptions")
    expect(subscriptions).to_contain_text("ул. Никитинская, д. 17 — плановые и аварийные")
    menu_item(page, "Главная").click()

    # The dispatcher enters an emergency at that house in the console.
    console = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 900}).new_page()
    staff_sign_in(console, demo_accounts["staff"], "#/outages/new")
    console.get_by_text("Аварийное", exact=True).click()  # the styled radio's label
    console.locator('[name="streets.0.street_id"]').fill("Никитин")
    console.get_by_role("option", name=re.compile("Никитин")).click()
    console.locator('[name="streets.0.houses"]').fill("15-19")
    started = datetime.now(ZoneInfo("Europe/Moscow")) - timedelta(minutes=30)
    console.locator('[name="start"]').fill(f"{started:%Y-%m-%dT%H:%M}")
    console.locator('[name="reason"]').fill("Обрыв провода на опоре № 17")
    console.get_by_role("button", name="Сохранить").click()
    expect(console.get_by_role("row").filter(has_text="Обрыв провода на опоре № 17")).to_be_visible()
    console.context.close()

    menu_item(page, "Показания").click()  # any move brings the counters up to date
    outages = menu_item(page, "Отключения")
    expect(outages.locator(".badge")).to_have_text("1")
    menu_item(page, "Уведомления").click()
    entry = page.get_by_role("listitem").filter(has_text="Аварийное отключение электроэнергии")
    expect(entry).to_contain_text("ул. Никитинская, д. 17")
    entry.get_by_role("link", name="Подробнее").click()

    results = page.locator(".outages-results")
    expect(results.get_by_role("heading")).to_contain_text("ул. Никитинская, д. 17")
    expect(results.get_by_role("listitem").filter(has_text="Аварийное")).to_contain_text("Обрыв провода на опоре № 17")
    expect(outages.locator(".badge")).to_have_count(0)

    subscriptions.get_by_role("button", name="Только плановые").click()
    expect(page.get_by_text("ул. Никитинская, д. 17: только плановые.")).to_be_visible()
    expect(subscriptions).to_contain_text("ул. Никитинская, д. 17 — только плановые")
