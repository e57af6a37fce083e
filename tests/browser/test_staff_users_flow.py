"""The administrator creates an operator in «Сотрудники»; the operator sets a password from the e-mailed
link, signs in and sees only the sections of the role; the administrator disables him: his session ends
and he cannot sign in again."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect


def field(page: Page, name: str):
    return page.locator(f'[name="{name}"]')


def mail_link(page: Page, site_url: str, to: str) -> str:
    for _ in range(75):
        response = page.request.get(f"{site_url}/dev/outbox.json")
        assert response.ok, response.status
        for message in reversed(response.json()["messages"]):
            if message["channel"] == "email" and message["to"] == to:
                found = re.search(r"staff\.html#/password\?token=[\w-]+", message["body"])
                if found:
                    return found.group(0)
        page.wait_for_timeout(200)
    raise AssertionError(f"no password link to {to}")


def sign_in(page: Page, login: str, password: str) -> None:
    field(page, "identifier").fill(login)
    field(page, "password").fill(password)
    page.get_by_role("button", name="Войти").click()


def enrol(page: Page, totp_code) -> None:
    """The first sign-in: connect the authenticator app (its key is shown beside the QR code), keep the codes."""
    expect(page.get_by_role("heading", name="Подключение двухфакторной защиты")).to_be_visible()
    secret = page.locator(".totp-secret").inner_text().replace(" ", "")
    field(page, "code").fill(totp_code(secret))
    page.get_by_role("button", name="Подключить и войти").click()
    expect(page.get_by_role("list", name="Резервные коды").get_by_role("listitem")).to_have_count(10)
    page.get_by_role("button", name="Я сохранил коды — продолжить").click()


def test_admin_creates_an_operator_who_sets_a_password_and_sees_only_his_queues(
    page: Page, browser, site_url: str, demo_accounts: dict, staff_sign_in, fresh_totp_code
):
    admin = demo_accounts["staff"]
    tag = uuid.uuid4().hex[:6]
    login, email, password = f"oper{tag}", f"oper{tag}@kabinet.local", "Operator2030pass"

    staff_sign_in(page, admin, "#/users")
    expect(page.get_by_role("heading", name="Сотрудники", level=1)).to_be_visible()
    page.get_by_role("link", name="Новый сотрудник").click()
    field(page, "login").fill(login)
    field(page, "last_name").fill("Орлов")
    field(page, "first_name").fill("Пётр")
    field(page, "email").fill(email)
    field(page, "phone").fill(f"+7 473 {int(tag, 16) % 10_000_000:07d}")
    page.get_by_role("button", name="Создать и отправить ссылку").click()
    expect(page.locator(".form-alert")).to_contain_text("Выберите хотя бы одну роль")
    page.get_by_label("Оператор обращений и услуг").check()
    page.get_by_role("button", name="Создать и отправить ссылку").click()
    expect(page.locator(".notice--success")).to_contain_text(f"Сотрудник {login} создан")
    expect(page.get_by_text("Ждёт пароля")).to_be_visible()

    # The operator, in a browser of his own, follows the link from the e-mail.
    other = browser.new_context(base_url=site_url)
    operator = other.new_page()
    operator.goto(f"{site_url}/{mail_link(page, site_url, email)}")
    expect(operator.get_by_role("heading", name="Пароль для консоли сотрудника")).to_be_visible()
    field(operator, "password").fill(password)
    field(operator, "repeat").fill(password)
    operator.get_by_role("button", name="Задать пароль").click()
    expect(operator.locator(".notice--info")).to_contain_text("Пароль задан")
    sign_in(operator, login, password)
    enrol(operator, fresh_totp_code)
    nav = operator.get_by_role("navigation", name="Разделы консоли")
    expect(nav).to_be_visible()
    expect(operator.locator(".usermenu__name")).to_contain_text("Оператор обращений и услуг")
    for shown in ("Обращения", "Заявки на услуги", "Доступ к договорам", "Отключения"):
        expect(nav.get_by_role("link", name=shown)).to_be_visible()
    for hidden in (
        "Сотрудники",
        "Обмен с биллингом",
        "Технологическое присоединение",
        "Агенты УСПД",
        "Журнал действий",
    ):
        expect(nav.get_by_role("link", name=hidden)).to_have_count(0)

    # The administrator sees the last sign-in and disables the operator: his next request is refused.
    page.reload()
    expect(page.get_by_text("не входил")).to_have_count(0)
    page.get_by_role("button", name="Отключить").click()
    page.get_by_role("dialog").get_by_role("button", name="Отключить").click()
    expect(page.locator(".notice--success")).to_contain_text("Сотрудник отключён")
    operator.reload()
    expect(operator.get_by_role("button", name="Войти")).to_be_visible()
    sign_in(operator, login, password)
    expect(operator.locator(".form-alert")).to_contain_text("Учётная запись отключена")
    other.close()
