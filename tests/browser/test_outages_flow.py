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


def test_guest_finds_outages_that_staff_entered_and_published(page: Page, site_url, demo_accounts):
    results = find_outages(page, site_url, "Плехан", "10")  # the demo: planned works next week, houses 2–16
    expect(results.get_by_role("listitem").filter(has_text="Плановое")).to_contain_text("Плановый ремонт оборудования")
    expect(page.get_by_role("link", name="Войти").first).to_be_visible()

    staff = demo_accounts["staff"]
    day = (datetime.now(ZoneInfo("Europe/Moscow")) + timedelta(days=3)).date()
    page.goto(f"{site_url}/staff.html#/outages/new")
    field(page, "identifier").fill(staff.login)
    field(page, "password").fill(staff.password)
    page.get_by_role("button", name="Войти").click()
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
