"""Access to a contract approved by staff, in a real browser: a fresh account cannot link the demo contract
of the old billing format (no holder identity), asks the company from the refusal with a PDF; the demo
administrator compares the applicant with the holder in the console and approves; the consumer sees the
decision in the list of requests and the contract among their accounts."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect
from stack_accounts import new_consumer

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PASSWORD = "Secret123pass"


def field(page: Page, name: str):
    return page.locator(f'[name="{name}"]')


@pytest.fixture
def tenant(site_url):
    """A fresh active ФЛ who is not the holder of any demo contract."""
    return new_consumer(
        "ar",
        PASSWORD,
        last_name="Смирнова",
        first_name="Ольга",
        middle_name="Игоревна",
        snils="123-456-789 64",
        address={"postcode": "394036", "locality": "Воронеж", "street": "ул. Кольцовская", "house": "20", "flat": "4"},
    )


def test_a_request_with_a_document_approved_in_the_console(
    page: Page, browser: Browser, site_url, tenant, demo_accounts, staff_sign_in
):
    from chalicelib.exchange.demo import OLD_FORMAT_CONTRACT, OLD_FORMAT_SERIAL

    page.goto(f"{site_url}/#/login")
    field(page, "identifier").fill(tenant["login"])
    field(page, "password").fill(tenant["password"])
    page.get_by_role("button", name="Войти").click()
    expect(page.get_by_role("heading", name=re.compile("^Здравствуйте"))).to_be_visible()

    # Linking cannot prove ownership of an old-format contract: the refusal leads to the request.
    page.goto(f"{site_url}/#/accounts")
    field(page, "contract_number").fill(OLD_FORMAT_CONTRACT)
    field(page, "meter_serial").fill(OLD_FORMAT_SERIAL)
    page.locator("form").filter(has=field(page, "meter_serial")).locator('button[type="submit"]').click()
    expect(page.get_by_role("alert")).to_contain_text("Не удалось подтвердить")
    expect(page.get_by_role("alert")).not_to_contain_text("Сидоров")
    page.get_by_role("link", name="Запросить доступ").click()

    expect(page.get_by_role("heading", name="Запрос доступа к договору", level=1)).to_be_visible()
    expect(page.get_by_text("Запросов пока нет.")).to_be_visible()
    field(page, "contract_number").fill(OLD_FORMAT_CONTRACT)
    field(page, "meter_serial").fill(OLD_FORMAT_SERIAL)
    field(page, "relation").select_option(label="Арендатор (наниматель)")
    field(page, "right").select_option(label="Просмотр и передача показаний")
    field(page, "comment").fill("Снимаю квартиру у владельца, договор аренды прилагаю.")
    page.get_by_role("button", name="Отправить запрос").click()
    expect(page.locator("form .form-alert")).to_contain_text("Приложите хотя бы один документ.")
    documents = page.get_by_role("group", name="Документы")
    documents.locator('input[type="file"]').set_input_files(
        {"name": "Договор аренды.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    expect(documents.get_by_role("listitem").filter(has_text="Договор аренды.pdf")).to_contain_text("Загружен")
    page.get_by_role("button", name="Отправить запрос").click()
    expect(page.get_by_role("status")).to_contain_text(f"Запрос по договору № {OLD_FORMAT_CONTRACT} отправлен")
    mine = page.get_by_role("row").filter(has_text=OLD_FORMAT_CONTRACT)
    expect(mine).to_contain_text("На рассмотрении")

    # The demo administrator decides in the console.
    staff = demo_accounts["staff"]
    context = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    console = context.new_page()
    staff_sign_in(console, staff, "#/access")
    expect(console.get_by_role("heading", name="Доступ к договорам", level=1)).to_be_visible()
    row = console.get_by_role("row").filter(has_text=tenant["login"])
    expect(row).to_contain_text("Арендатор (наниматель)")
    row.get_by_role("link", name=f"Договор № {OLD_FORMAT_CONTRACT}").click()

    expect(console.get_by_role("heading", name=f"Запрос доступа к договору № {OLD_FORMAT_CONTRACT}")).to_be_visible()
    compare = console.locator('[data-compare="identities"]')
    expect(compare).to_contain_text("Смирнова Ольга Игоревна")
    expect(compare).to_contain_text("Сидоров Николай Петрович")
    expect(compare).to_contain_text("старый формат биллинга")
    checks = console.locator("[data-checks]")
    expect(checks).to_contain_text("Договор найден")
    expect(checks).to_contain_text("Счётчик в договоре")
    expect(checks).to_contain_text("Данные не совпадают")
    expect(console.get_by_text("Договор аренды.pdf")).to_be_visible()
    field(console, "right").select_option(label="Просмотр и передача показаний")
    field(console, "reason").fill("Договор аренды проверен.")
    console.get_by_role("button", name="Одобрить").click()
    expect(console.get_by_role("status")).to_contain_text("Доступ предоставлен: «Просмотр и передача показаний».")
    expect(console.locator(".meter__pills").first).to_contain_text("Доступ предоставлен")
    context.close()

    # The consumer sees the decision and the contract.
    page.reload()
    expect(mine).to_contain_text("Доступ предоставлен")
    expect(mine).to_contain_text("Договор аренды проверен.")
    page.goto(f"{site_url}/#/accounts")
    expect(page.get_by_text(OLD_FORMAT_CONTRACT).first).to_be_visible()
    expect(page.get_by_text(OLD_FORMAT_SERIAL).first).to_be_visible()
