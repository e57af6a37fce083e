"""Meter readings in a real browser (seed 000): link a contract by its number and one meter, open the
meter, enter 00123 after billing's 99958, answer «Переход электросчётчика через ноль?», see the
difference of 165 kWh and the consumption, find the reading in the period summary and, once the
period is over, in the history with who submitted each period; and a submission caught by the
billing-exchange lock keeps everything typed — across a reload of the page — until entry opens again,
but not for the next account that signs in at that browser.

The reading window depends on the date, so these tests set the server's clock: the stack runs in this
process (tests/browser/conftest.py), so `chalicelib.core.clock.set_clock` is the server's clock.
"""

from __future__ import annotations

import os
import re
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

MOSCOW = ZoneInfo("Europe/Moscow")
MONTHS = (
    "январь",
    "февраль",
    "март",
    "апрель",
    "май",
    "июнь",
    "июль",
    "август",
    "сентябрь",
    "октябрь",
    "ноябрь",
    "декабрь",
)


def entry_day() -> date:
    """The 27th of the current month: inside the entry window (25th to the month's end). The demo
    billing drop is dated the previous period, so billing's 99958 is the previous reading."""
    today = datetime.now(MOSCOW).date()
    return today.replace(day=27)


def period_label(day: date) -> str:
    return f"{MONTHS[day.month - 1]} {day.year}"


def next_month(day: date, on: int) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=on)


def previous_month(day: date) -> date:
    return day.replace(day=1) - timedelta(days=1)


@pytest.fixture
def server_clock(site_url):
    """set(moment): the server's clock runs on from `moment` (Moscow time); the real clock comes back after."""
    if os.environ.get("BROWSER_TEST_BASE_URL"):
        pytest.skip("the server clock can only be set when the stack runs in this process")
    from chalicelib.core import clock
    from chalicelib.metering.repository import ClosedPeriodItem, period_key

    this_month = entry_day().strftime("%Y-%m")

    def closed() -> bool:
        return ClosedPeriodItem.count(period_key(this_month)) > 0

    was_closed = closed()

    def set_to(day: date, hour: int, minute: int) -> None:
        moment = datetime(day.year, day.month, day.day, hour, minute, tzinfo=MOSCOW)
        started = time.monotonic()
        clock.set_clock(lambda: moment + timedelta(seconds=time.monotonic() - started))

    yield set_to
    clock.set_clock(None)
    # The stack's minute tick closes the month before the server's current one: while a test held the
    # clock in the next month, it may have closed this one, which the next tests must find open.
    if closed() and not was_closed:
        ClosedPeriodItem(period_key(this_month), "CLOSED").delete()


@pytest.fixture
def phone(browser):
    """A 360 px wide phone screen; page errors fail the test."""
    context = browser.new_context(
        locale="ru-RU",
        timezone_id="Europe/Moscow",
        viewport={"width": 360, "height": 780},
        is_mobile=True,
        has_touch=True,
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def field(page: Page, name: str):
    return page.locator(f'[name="{name}"]')


def sign_in(page: Page, site_url: str, login: str, password: str) -> None:
    page.goto(f"{site_url}/#/login")
    field(page, "identifier").fill(login)
    field(page, "password").fill(password)
    page.get_by_role("button", name="Войти").click()
    expect(page.get_by_role("heading", name=re.compile("^Здравствуйте"))).to_be_visible()


def link_contract(page: Page, contract: str, serial: str, billed_reading: str = "") -> None:
    field(page, "contract_number").fill(contract)
    field(page, "meter_serial").fill(serial)
    field(page, "billed_reading").fill(billed_reading)
    page.locator("form").get_by_role("button", name="Привязать договор").click()


def test_rollover_reading_from_linking_to_the_summary(page: Page, site_url, demo_accounts, server_clock):
    from chalicelib.exchange.demo import DEMO_CONTRACT, DEMO_LAST_READING, DEMO_SERIAL

    day = entry_day()
    server_clock(day, 10, 0)
    demo = demo_accounts["demo"]
    sign_in(page, site_url, demo.login, demo.password)

    page.get_by_role("link", name=re.compile("^Лицевые счета и приборы учёта")).click()
    expect(page.get_by_role("heading", name="Лицевые счета и приборы учёта", level=1)).to_be_visible()
    expect(page.get_by_text("Договоры ещё не привязаны.")).to_be_visible()

    link_contract(page, DEMO_CONTRACT, "99999999")  # a meter of another contract: refused, nothing linked
    expect(page.locator(".form-alert")).to_contain_text("Не удалось подтвердить, что Вы — владелец этого договора")
    expect(field(page, "contract_number")).to_have_value(DEMO_CONTRACT)

    link_contract(page, DEMO_CONTRACT, DEMO_SERIAL)
    expect(page.get_by_role("status").filter(has_text=f"Договор № {DEMO_CONTRACT} привязан")).to_be_visible()
    expect(page.get_by_role("heading", name=f"Договор № {DEMO_CONTRACT}")).to_be_visible()

    page.get_by_role("link", name=f"Счётчик № {DEMO_SERIAL}").click()
    expect(page.get_by_role("heading", name=f"Счётчик № {DEMO_SERIAL}", level=1)).to_be_visible()
    facts = page.locator(".facts")
    expect(facts).to_contain_text("Меркурий 201.5")
    expect(facts).to_contain_text(re.compile(r"99\s958"))

    page.get_by_role("link", name="Передать показания").click()
    expect(page.get_by_role("heading", name="Передача показаний")).to_be_visible()
    expect(page.locator(".period")).to_contain_text(period_label(day))
    expect(page.locator('[data-field="values.T1"] .hint')).to_contain_text(
        re.compile(r"^Предыдущее показание: 99\s958")
    )
    reading = page.get_by_label("Текущее показание")
    expect(reading).to_have_attribute("inputmode", "decimal")

    reading.fill("00123")
    live = page.locator(".reading__result")
    expect(live).to_contain_text("Разность165 кВт·ч")  # computed in the browser while typing
    expect(live).to_contain_text("Расход165 кВт·ч")

    save = page.get_by_role("button", name="Сохранить показания")
    save.click()
    dialog = page.get_by_role("dialog", name="Переход электросчётчика через ноль?")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(
        re.compile(rf"00123 меньше предыдущего {DEMO_LAST_READING[:2]}\s{DEMO_LAST_READING[2:]}")
    )
    dialog.get_by_role("button", name="Нет — исправить").click()
    expect(dialog).to_be_hidden()
    expect(page.locator('[data-field="values.T1"] .field-error')).to_contain_text("меньше предыдущего")
    expect(reading).to_have_value("00123")

    save.click()
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Да").click()
    expect(page.get_by_text("Показания сохранены.")).to_be_visible()
    saved = page.locator(".receipt")
    expect(saved).to_contain_text("Показание123")
    expect(saved).to_contain_text("Разность165 кВт·ч")
    expect(saved).to_contain_text("Расход165 кВт·ч")
    expect(saved).to_contain_text("Учтён переход счётчика через ноль.")
    expect(page.locator(".receipt__time")).to_contain_text("переданы Вами")
    history_href = page.get_by_role("link", name="История показаний").get_attribute("href")

    page.get_by_role("link", name="Сводка за период").click()
    expect(page.get_by_role("heading", name=f"Показания за {period_label(day)}")).to_be_visible()
    expect(page.locator(".counter")).to_contain_text(re.compile(r"Передано 1 из \d+"))
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=f"Счётчик № {DEMO_SERIAL}"))
    expect(row).to_contain_text("123")
    expect(row).to_contain_text("165 кВт·ч")
    expect(row.get_by_role("link", name="Исправить")).to_be_visible()

    page.get_by_role("navigation", name="Разделы кабинета").get_by_role("link", name="Главная").click()
    tile = page.locator(".tile--link").filter(has=page.get_by_role("heading", name="Показания", exact=True))
    expect(tile).to_contain_text(re.compile(r"1 из \d+"))

    # Once the period is over its reading is history, with who submitted each period. (Days later the
    # session is over too: the page asks to sign in again and comes back.)
    server_clock(next_month(day, 2), 10, 0)
    page.goto(f"{site_url}/{history_href}")
    expect(page.get_by_role("heading", name="Вход")).to_be_visible()
    field(page, "identifier").fill(demo.login)
    field(page, "password").fill(demo.password)
    page.get_by_role("button", name="Войти").click()
    expect(page.get_by_role("heading", name="История показаний")).to_be_visible()
    expect(page.get_by_role("columnheader", name="Кто передал")).to_be_visible()
    ours = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=period_label(day), exact=False))
    expect(ours).to_contain_text("Вы")
    billed = page.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name=period_label(previous_month(day)), exact=False)
    )
    expect(billed).to_contain_text("Биллинг")


def test_exchange_lock_keeps_what_was_typed_and_lets_it_be_saved_after(
    phone: Page, site_url, demo_accounts, server_clock
):
    from chalicelib.exchange.demo import COMPANY_CONTRACT, COMPANY_LAST_READING, demo_rows

    [meter] = [r for r in demo_rows("") if r["contract"] == COMPANY_CONTRACT]
    page = phone
    day = entry_day()
    server_clock(day, 12, 50)  # five minutes before the 12:55 exchange
    company = demo_accounts["romashka"]
    sign_in(page, site_url, company.login, company.password)
    page.goto(f"{site_url}/#/accounts")
    link_contract(page, COMPANY_CONTRACT, meter["serial"], COMPANY_LAST_READING)  # the reading on its invoice
    expect(page.get_by_role("heading", name=f"Договор № {COMPANY_CONTRACT}")).to_be_visible()
    page.get_by_role("link", name="Передать показания").click()
    expect(page.get_by_role("heading", name="Передача показаний")).to_be_visible()

    typed = {"values.T1": "8500", "values.T2": "3150,45", "values.T3": "5050"}  # three zones, coefficient 40
    for name, value in typed.items():
        field(page, name).fill(value)
    expect(page.locator('[data-field="values.T1"] .reading__result')).to_contain_text(
        re.compile(r"Расход \(× 40\)1\s755,2 кВт·ч")
    )
    expect(page.locator(".reading__total")).to_contain_text(re.compile(r"Итого расход: 4\s463,2 кВт·ч"))

    server_clock(day, 12, 56)  # the exchange holds the lock now
    page.get_by_role("button", name="Сохранить показания").click()
    lock = page.locator(".lockbox")
    expect(lock).to_contain_text("Идёт обмен данными с биллинговой системой")
    expect(lock).to_contain_text("Введённые значения сохранены на странице.")
    retry = lock.get_by_role("button", name="Повторить сохранение")
    expect(retry).to_be_disabled()
    for name, value in typed.items():
        expect(field(page, name)).to_have_value(value)

    # The promise holds across a reload: the browser keeps what was typed until it is saved.
    page.reload()
    expect(page.get_by_role("heading", name="Передача показаний")).to_be_visible()
    expect(page.get_by_text("Восстановлены значения, введённые ранее на этой странице")).to_be_visible()
    for name, value in typed.items():
        expect(field(page, name)).to_have_value(value)
    expect(page.locator(".reading__total")).to_contain_text(re.compile(r"Итого расход: 4\s463,2 кВт·ч"))
    retry = lock.get_by_role("button", name="Повторить сохранение")
    expect(retry).to_be_disabled()

    server_clock(day, 13, 26)  # the lock is over: the page finds out by itself
    expect(retry).to_be_enabled(timeout=40_000)
    expect(lock).to_contain_text("Обмен данными завершён")
    retry.click()
    expect(page.get_by_text("Показания сохранены.")).to_be_visible()
    expect(page.locator(".receipt__total")).to_contain_text(re.compile(r"Расход за период: 4\s463,2 кВт·ч"))
    # Saved: nothing is kept any more, and a reload shows the saved reading only.
    assert page.evaluate("Object.keys(localStorage).filter((k) => k.startsWith('kabinet.typed-reading.'))") == []
    page.reload()
    expect(page.locator(".receipt__total")).to_be_visible()
    expect(page.get_by_text("Восстановлены значения")).to_have_count(0)


def _house_user(right: str) -> dict[str, str]:
    """A fresh active ФЛ with `right` on the demo's contract without СНИЛС (no other test of this module uses it)."""
    import uuid

    from helpers import grant_contract

    from chalicelib.accounts.provisioning import create_active_user
    from chalicelib.exchange.demo import HOUSE_CONTRACT

    login = f"hs{uuid.uuid4().hex[:10]}"
    password = "Secret123pass"
    user_id = create_active_user(
        login=login,
        password=password,
        email=f"{login}@example.ru",
        phone=f"+7905{uuid.uuid4().int % 10**7:07d}",
        kind="person",
        role="consumer",
        profile={"last_name": "Петрова", "first_name": "Мария", "middle_name": "Сергеевна"},
    )
    grant_contract(user_id, HOUSE_CONTRACT, right)
    return {"login": login, "password": password}


def test_signing_out_drops_what_was_typed_so_the_next_account_does_not_get_it(phone: Page, site_url, server_clock):
    """A shared computer: the holder types a reading and signs out; a co-user of the same meter signs in
    there. The holder's value must not come back into the co-user's form (it would be sent as theirs)."""
    from chalicelib.exchange.demo import HOUSE_SERIAL

    holder, tenant = _house_user("holder"), _house_user("submit")
    page = phone
    server_clock(entry_day(), 10, 0)
    sign_in(page, site_url, holder["login"], holder["password"])
    page.goto(f"{site_url}/#/accounts")
    expect(page.get_by_role("link", name=f"Счётчик № {HOUSE_SERIAL}")).to_be_visible()
    page.get_by_role("link", name="Передать показания").click()
    expect(page.get_by_role("heading", name="Передача показаний")).to_be_visible()
    field(page, "values.T1").fill("12400")
    page.reload()  # kept in the browser until saved, as the lock message promises
    expect(field(page, "values.T1")).to_have_value("12400")
    meter_page = page.url

    page.get_by_role("button", name="Выйти").click()
    expect(page.get_by_text("Вы вышли из личного кабинета.")).to_be_visible()
    assert page.evaluate("Object.keys(localStorage).filter((k) => k.startsWith('kabinet.typed-reading.'))") == []

    sign_in(page, site_url, tenant["login"], tenant["password"])
    page.goto(meter_page)
    expect(page.get_by_role("heading", name="Передача показаний")).to_be_visible()
    expect(field(page, "values.T1")).to_be_editable()
    expect(field(page, "values.T1")).to_have_value("")
    expect(page.get_by_text("Восстановлены значения")).to_have_count(0)
