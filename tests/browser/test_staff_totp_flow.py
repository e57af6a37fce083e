"""Two-factor sign-in in the console: a new employee connects the authenticator app by its QR code (or key)
at the first sign-in and keeps the recovery codes; later signs in with a recovery code; an administrator
resets the second factor and the employee connects the app anew."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def field(page: Page, name: str):
    return page.locator(f'[name="{name}"]')


def password_step(page: Page, account) -> None:
    field(page, "identifier").fill(account.login)
    field(page, "password").fill(account.password)
    page.get_by_role("button", name="Войти").click()


def enrol(page: Page, totp_code) -> tuple[str, list[str]]:
    """Connect the app from the key shown beside the QR code; returns the key and the recovery codes."""
    expect(page.get_by_role("heading", name="Подключение двухфакторной защиты")).to_be_visible()
    qr = page.get_by_role("img", name="QR-код для приложения-аутентификатора")
    expect(qr).to_have_attribute("src", re.compile(r"^data:image/svg\+xml"))
    secret = page.locator(".totp-secret").inner_text().replace(" ", "")
    field(page, "code").fill("000000")  # one of the three accepted codes once in about 330 000 runs
    page.get_by_role("button", name="Подключить и войти").click()
    expect(page.locator(".form-alert")).to_contain_text("Неверный код")
    field(page, "code").fill(totp_code(secret))
    page.get_by_role("button", name="Подключить и войти").click()
    codes = page.get_by_role("list", name="Резервные коды").get_by_role("listitem")
    expect(codes).to_have_count(10)
    shown = [text.strip() for text in codes.all_inner_texts()]
    page.get_by_role("button", name="Я сохранил коды — продолжить").click()
    expect(page.get_by_role("navigation", name="Разделы консоли")).to_be_visible()
    return secret, shown


def test_enrolment_recovery_code_and_reset_by_the_administrator(
    page: Page, browser, site_url, demo_accounts, new_employee, staff_sign_in, fresh_totp_code
):
    operator = new_employee("operator", enrolled=False, last_name="Ключникова", first_name="Вера")
    page.goto(f"{site_url}/staff.html")
    password_step(page, operator)
    secret, codes = enrol(page, fresh_totp_code)

    page.get_by_role("link", name="Двухфакторная защита").click()
    expect(page.get_by_text("Осталось 10 резервных кодов.")).to_be_visible()
    page.get_by_role("button", name="Выйти").click()

    # A recovery code instead of the app's code: accepted once.
    password_step(page, operator)
    expect(page.get_by_role("heading", name="Код подтверждения")).to_be_visible()
    expect(page.get_by_text(secret)).to_have_count(0)
    field(page, "code").fill(codes[0])
    page.get_by_role("button", name="Подтвердить").click()
    page.get_by_role("link", name="Двухфакторная защита").click()
    expect(page.get_by_text("Осталось 9 резервных кодов.")).to_be_visible()

    # The administrator resets it (the phone is lost): the operator's session ends at once.
    admin_context = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 900})
    admin_context.set_default_timeout(15_000)
    admin = admin_context.new_page()
    staff_sign_in(admin, demo_accounts["staff"], "#/users")
    admin.get_by_role("link", name="Ключникова Вера").click()
    expect(admin.get_by_text("подключена", exact=True)).to_be_visible()
    admin.get_by_role("button", name="Сбросить двухфакторную защиту").click()
    admin.get_by_role("dialog").get_by_role("button", name="Сбросить двухфакторную защиту").click()
    expect(admin.locator(".notice--success")).to_contain_text("Двухфакторная защита сброшена")
    expect(admin.get_by_text("не подключена (подключается при входе)")).to_be_visible()
    admin_context.close()

    page.reload()
    expect(page.get_by_role("button", name="Войти")).to_be_visible()
    password_step(page, operator)
    new_secret, _ = enrol(page, fresh_totp_code)
    assert new_secret != secret
