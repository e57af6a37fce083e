"""Contracts belong to their holders, in a real browser on the demo stack: the demo company cannot link
the demo individual's contract and sees nothing of its holder; the individual links it, invites a
freshly registered account, which accepts from the e-mailed link and sees the contract; the holder is
told, lists the co-user and revokes them."""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import APIRequestContext, Page, expect

pytestmark = pytest.mark.browser

PASSWORD = "Smirnova2024"


def field(page: Page, name: str):
    return page.locator(f'[name="{name}"]')


def mails(request: APIRequestContext, site_url: str, to: str) -> list[dict]:
    response = request.get(f"{site_url}/dev/outbox.json")
    assert response.ok, response.status
    return [m for m in response.json()["messages"] if m["channel"] == "email" and m["to"] == to]


def wait_for_mail(page: Page, site_url: str, to: str, pattern: str) -> re.Match:
    for _ in range(75):
        for message in reversed(mails(page.request, site_url, to)):
            found = re.search(pattern, message["body"])
            if found:
                return found
        page.wait_for_timeout(200)
    raise AssertionError(f"no e-mail to {to} matching {pattern!r}")


def register_through_the_api(page: Page, site_url: str) -> dict[str, str]:
    """A fresh ФЛ account, registered and confirmed as a scripted client of the stack would."""
    from chalicelib.accounts.pow import solve

    suffix = secrets.token_hex(4)
    person = {"login": f"smirnova{suffix}", "email": f"smirnova.{suffix}@example.com"}
    api = f"{site_url}/api/v1"
    challenge = page.request.get(f"{api}/auth/challenge").json()
    body = {
        "kind": "person",
        "login": person["login"],
        "password": PASSWORD,
        "email": person["email"],
        "phone": "+79" + "".join(str(secrets.randbelow(10)) for _ in range(9)),
        "address": {"postcode": "394000", "locality": "Воронеж", "street": "ул. Ленина", "house": "3", "flat": "7"},
        "consent": {
            "accepted": True,
            "version": page.request.get(f"{api}/auth/consent").json()["version"],
            "agreement_version": page.request.get(f"{api}/pages/agreement").json()["version"],
        },
        "last_name": "Смирнова",
        "first_name": "Ольга",
        "middle_name": "Петровна",
        "snils": "123-456-789 64",
        "pow": {"challenge": challenge["challenge"], "nonce": solve(challenge["challenge"], challenge["difficulty"])},
    }
    response = page.request.post(f"{api}/auth/register", data=body)
    assert response.status == 202, response.text()
    token = wait_for_mail(page, site_url, person["email"], r"#/confirm\?token=([A-Za-z0-9_\-]+)").group(1)
    response = page.request.post(f"{api}/auth/confirm", data={"token": token})
    assert response.ok, response.text()
    return person


def sign_in(page: Page, site_url: str, login: str, password: str) -> None:
    page.goto(f"{site_url}/#/login")
    field(page, "identifier").fill(login)
    field(page, "password").fill(password)
    page.get_by_role("button", name="Войти").click()
    expect(page.get_by_role("heading", name=re.compile("^Здравствуйте"))).to_be_visible()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Выйти").click()
    expect(page.get_by_text("Вы вышли из личного кабинета.")).to_be_visible()


def open_accounts(page: Page) -> None:
    page.get_by_role("navigation", name="Разделы кабинета").get_by_role("link", name="Счета и приборы").click()
    expect(page.get_by_role("heading", name="Лицевые счета и приборы учёта", level=1)).to_be_visible()


def link_contract(page: Page, contract: str, serial: str) -> None:
    field(page, "contract_number").fill(contract)
    field(page, "meter_serial").fill(serial)
    page.locator("form").get_by_role("button", name="Привязать договор").click()


def test_only_the_holder_links_and_invites_a_co_user(page: Page, site_url: str, demo_accounts):
    from chalicelib.exchange.demo import DEMO_CONTRACT, DEMO_SERIAL

    romashka, demo = demo_accounts["romashka"], demo_accounts["demo"]

    # The demo company knows the contract number and the serial on the staircase meter: not enough.
    sign_in(page, site_url, romashka.login, romashka.password)
    open_accounts(page)
    link_contract(page, DEMO_CONTRACT, DEMO_SERIAL)
    alert = page.locator(".form-alert")
    expect(alert).to_contain_text("Не удалось подтвердить, что Вы — владелец этого договора")
    expect(alert.get_by_role("link", name="Запросить доступ")).to_have_attribute("href", "#/accounts/request")
    expect(page.get_by_text("Договоры ещё не привязаны.")).to_be_visible()
    shown = page.locator("main").inner_text()
    for holder_data in ("Иванов", "Плехановская, д. 10", "кв. 15", "Квартира", "Меркурий"):
        assert holder_data not in shown, holder_data
    sign_out(page)

    fresh = register_through_the_api(page, site_url)

    # The holder proves ownership by the СНИЛС of the profile and invites the fresh account.
    sign_in(page, site_url, demo.login, demo.password)
    open_accounts(page)
    link_contract(page, DEMO_CONTRACT, DEMO_SERIAL)
    expect(page.get_by_role("status").filter(has_text=f"Договор № {DEMO_CONTRACT} привязан")).to_be_visible()
    card = page.locator("section.contract").filter(has=page.get_by_role("heading", name=f"Договор № {DEMO_CONTRACT}"))
    expect(card.locator(".pill").filter(has_text="Владелец договора")).to_be_visible()
    sharing = card.locator("section.sharing")
    expect(sharing).to_contain_text("Доступ к договору есть только у Вас.")
    sharing.locator('[name="email"]').fill(fresh["email"])
    sharing.get_by_text("Просмотр и передача показаний").click()
    sharing.get_by_role("button", name="Пригласить").click()
    expect(sharing.get_by_text(f"Приглашение отправлено на {fresh['email']}.")).to_be_visible()
    expect(sharing.get_by_role("row").filter(has_text=fresh["email"])).to_contain_text("приглашение отправлено")
    sign_out(page)

    # The invitee opens the e-mailed link as a guest, signs in and accepts.
    link = wait_for_mail(
        page, site_url, fresh["email"], r"(#/invitation\?contract=[^&\s]+&token=[A-Za-z0-9_\-]+)"
    ).group(1)
    page.goto(f"{site_url}/{link}")
    expect(page.get_by_role("heading", name=f"Приглашение к договору № {DEMO_CONTRACT}")).to_be_visible()
    page.locator("main").get_by_role("link", name="Войти").click()
    field(page, "identifier").fill(fresh["login"])
    field(page, "password").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    expect(page.get_by_text("Вы вошли как Смирнова О. П.")).to_be_visible()
    page.get_by_role("button", name="Принять приглашение").click()
    expect(page.get_by_text(f"Договор № {DEMO_CONTRACT} подключён к Вашему личному кабинету")).to_be_visible()
    shared = page.locator("section.contract").filter(has=page.get_by_role("heading", name=f"Договор № {DEMO_CONTRACT}"))
    expect(shared.locator(".pill").filter(has_text="Просмотр и передача показаний")).to_be_visible()
    expect(shared.get_by_role("link", name=f"Счётчик № {DEMO_SERIAL}")).to_be_visible()
    expect(shared.locator("section.sharing")).to_have_count(0)  # only the holder manages access
    sign_out(page)

    # The holder is told and sees the co-user; revoking removes the access.
    sign_in(page, site_url, demo.login, demo.password)
    page.get_by_role("navigation", name="Разделы кабинета").get_by_role("link", name=re.compile("^Уведомления")).click()
    expect(page.get_by_text(f"Приглашение к договору № {DEMO_CONTRACT} принято")).to_be_visible()
    open_accounts(page)
    row = card.locator("section.sharing").get_by_role("row").filter(has_text="Смирнова О. П.")
    expect(row).to_contain_text(fresh["login"])
    expect(row).to_contain_text("Просмотр и передача показаний")
    row.get_by_role("button", name="Отменить доступ").click()
    page.get_by_role("dialog").get_by_role("button", name="Отменить доступ").click()
    expect(page.get_by_text("Доступ пользователя Смирнова О. П. отменён.")).to_be_visible()
    expect(card.locator("section.sharing")).to_contain_text("Доступ к договору есть только у Вас.")

    # Leave the demo contract unlinked, as the other browser tests expect it.
    card.get_by_role("button", name="Отвязать договор").click()
    page.get_by_role("dialog").get_by_role("button", name="Отвязать").click()
    expect(page.get_by_text(f"Договор № {DEMO_CONTRACT} отвязан от личного кабинета.")).to_be_visible()
    sign_out(page)

    sign_in(page, site_url, fresh["login"], PASSWORD)
    open_accounts(page)
    expect(page.get_by_text("Договоры ещё не привязаны.")).to_be_visible()
