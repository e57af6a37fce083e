"""Outages in a real browser (seed 001): anyone finds the outages of an address without signing in (the
street picked from the directory by its first letters); staff enter a planned outage in the console and
publish it, and then it is found too; a signed-in consumer manages SMS subscriptions."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def field(page: Page, name: str):
    return page.locator(f'[name="{name}"]')


def pick_street(page: Page, name: str, typed: str) -> None:
    field(page, name).fill(typed)
    page.get_by_role("option", name=re.compile(typed)).click()


def find_outages(page: Page, site_url: str, street_start: str, house: str):
    page.goto(f"{site_url}/#/outages")
    expect(page.get_by_role("heading", name="Отключения электроэнергии")).to_be_visible()
    pick_street(page, "street_id", street_start)
    field(page, "house").fill(house)
    page.get_by_role("button", name="Показать отключения").click()
    return page.locator(".outages-results")


def test_guest_finds_outages_that_staff_entered_and_published(page: Page, site_url, demo_accounts, staff_sign_in):
    results = find_outages(page, site_url, "Плехан", "10")  # the demo: planned works next week, houses 2–16
    expect(results.get_by_role("listitem").filter(has_text="Плановое")).to_contain_text("Плановый ремонт оборудования")
    expect(page.get_by_role("link", name="Войти").first).to_be_visible()

    staff = demo_accounts["staff"]
    day = (datetime.now(ZoneInfo("Europe/Moscow")) + timedelta(days=3)).date()
    staff_sign_in(page, staff, "#/outages/new")
    expect(page.get_by_role("heading", name="Новое отключение")).to_be_visible()
    pick_street(page, "streets.0.street_id", "Хользун")
    field(page, "streets.0.houses").fill("1-9, 11 корп 2")
    field(page, "start").fill(f"{day}T09:00")
    field(page, "end").fill(f"{day}T08:00")  # before the start: the server says so, nothing is lost
    field(page, "reason").fill("Замена вводного кабеля")
    page.get_by_role("button", name="Сохранить").click()
    expect(page.locator('[data-field="end"] .field-error')).to_contain_text("Окончание должно быть позже начала")
    expect(field(page, "reason")).to_have_value("Замена вводного кабеля")
    field(page, "end").fill(f"{day}T17:00")
    page.get_by_role("button", name="Сохранить").click()
    expect(page.get_by_text("опубликуйте его")).to_be_visible()

    row = page.get_by_role("row").filter(has_text="Замена вводного кабеля")
    expect(row).to_contain_text("1–9, 11к2")  # stored in the canonical form
    expect(row).to_contain_text("Не опубликовано")
    row.get_by_role("button", name="Опубликовать").click()
    page.get_by_role("dialog").get_by_role("button", name="Опубликовать").click()
    expect(page.get_by_text("Отключение опубликовано")).to_be_visible()
    expect(row).to_contain_text("Опубликовано")

    results = find_outages(page, site_url, "Хользун", "11к2")
    expect(results).to_contain_text(f"{day:%d.%m.%Y}, 09:00–17:00")
    expect(results).to_contain_text("Замена вводного кабеля")
    results = find_outages(page, site_url, "Хользун", "10")
    expect(results).to_contain_text("Отключений по этому адресу за выбранный период нет.")


def test_signed_in_consumer_subscribes_and_unsubscribes(page: Page, site_url, demo_accounts):
    company = demo_accounts["romashka"]
    page.goto(f"{site_url}/#/login")
    field(page, "identifier").fill(company.login)
    field(page, "password").fill(company.password)
    page.get_by_role("button", name="Войти").click()
    expect(page.get_by_role("heading", name=re.compile("^Здравствуйте"))).to_be_visible()

    page.get_by_role("navigation", name="Разделы кабинета").get_by_role("link", name="Отключения").click()
    subscribe = page.get_by_role("button", name="Подписаться на SMS по этому адресу")
    expect(subscribe).to_be_disabled()  # no address searched yet
    find_outages(page, site_url, "Никитин", "5")
    subscribe.click()
    subscriptions = page.locator(".subscriptions")
    expect(subscriptions).to_contain_text("ул. Никитинская, д. 5")

    subscriptions.get_by_role("button", name="Отписаться").click()
    page.get_by_role("dialog").get_by_role("button", name="Отписаться").click()
    expect(page.get_by_text("Подписка на адрес ул. Никитинская, д. 5 отменена.")).to_be_visible()
    expect(subscriptions).to_be_hidden()


def test_staff_import_a_file_twice_and_change_a_published_outage(page: Page, site_url, demo_accounts, staff_sign_in):
    """The daily file uploaded again changes nothing; a changed row updates its outage; a change of a
    published outage is announced to staff before saving and marked «Изменено» for consumers."""
    staff = demo_accounts["staff"]
    day = (datetime.now(ZoneInfo("Europe/Moscow")) + timedelta(days=4)).date()
    when = f"{day:%d.%m.%Y}"

    def csv(end: str) -> dict:
        text = (
            "number;kind;locality;street;houses;start;end;reason\r\n"
            f"Д-77;плановое;Воронеж;ул. Ворошилова;1-9;{when} 09:00;{when} {end};Ремонт ТП-77\r\n"
            f"Д-78;плановое;Воронеж;ул. Несуществующая;1;{when} 09:00;{when} 17:00;Ремонт\r\n"
        )
        return {"name": "otklyucheniya.csv", "mimeType": "text/csv", "buffer": text.encode()}

    staff_sign_in(page, staff, f"#/outages?month={day:%Y-%m}")
    expect(page.get_by_role("heading", name="Загрузка из файла")).to_be_visible()
    report = page.locator("#outage-import-report")

    def upload(end: str) -> None:
        page.locator("#outage-import-file").set_input_files(csv(end))
        page.get_by_role("button", name="Загрузить").click()

    upload("17:00")
    expect(page.get_by_text("Создано: 1, обновлено: 0, без изменений: 0, с ошибками: 1.")).to_be_visible()
    expect(report.get_by_role("row").filter(has_text="Д-77")).to_contain_text("Создано")
    expect(report.get_by_role("row").filter(has_text="Д-78")).to_contain_text("Улица не найдена в справочнике")
    upload("17:00")  # the same file again
    expect(page.get_by_text("Создано: 0, обновлено: 0, без изменений: 1, с ошибками: 1.")).to_be_visible()
    expect(report.get_by_role("row").filter(has_text="Д-77")).to_contain_text("Без изменений")
    upload("18:00")  # the dispatcher extended it
    expect(page.get_by_text("Создано: 0, обновлено: 1, без изменений: 0, с ошибками: 1.")).to_be_visible()
    expect(report.get_by_role("row").filter(has_text="Д-77")).to_contain_text("Изменено: окончание.")

    rows = page.get_by_role("row").filter(has_text="№ Д-77")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text(f"{when}, 09:00–18:00")
    rows.get_by_role("button", name="Опубликовать").click()
    page.get_by_role("dialog").get_by_role("button", name="Опубликовать").click()
    expect(page.get_by_text("Отключение опубликовано")).to_be_visible()

    rows.get_by_role("link", name="Изменить").click()
    expect(page.get_by_role("heading", name="Изменение отключения")).to_be_visible()
    expect(page.get_by_role("note")).to_contain_text("подписчикам этих адресов придёт SMS об изменении")
    page.get_by_role("button", name="Сохранить изменения").click()  # nothing changed
    expect(page.get_by_text("Изменений нет — отключение осталось прежним.")).to_be_visible()
    rows.get_by_role("link", name="Изменить").click()
    field(page, "end").fill(f"{day}T19:00")
    page.get_by_role("button", name="Сохранить изменения").click()
    expect(page.get_by_text("Отключение сохранено.")).to_be_visible()
    expect(rows).to_contain_text("Изменено")

    results = find_outages(page, site_url, "Ворошил", "5")
    item = results.get_by_role("listitem").filter(has_text="Ремонт ТП-77")
    expect(item).to_contain_text(f"{when}, 09:00–19:00")
    expect(item).to_contain_text("Изменено")
    expect(item).to_contain_text(f"ранее: {when}, 09:00–18:00")
