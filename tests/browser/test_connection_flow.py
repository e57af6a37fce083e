"""Grid connection in a real browser (seeds 000–002): a ФЛ files a household application up to 15 kW
through the wizard — a draft left and resumed, the total power computed while typing, both required
documents uploaded as PDF files with progress bars — and gets its number on submission; an engineer
(the demo administrator: the demo has no engineer account) asks for missing documents in the staff
console, the applicant uploads a file and presses «Завершить загрузку», and the application is back in
checking.

Each test signs in as its own fresh consumer, created in the stack's process (tests/browser/conftest.py
runs the stack in this process), so the tests share nothing but the demo staff account.
"""

from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import Browser, Page, expect
from stack_accounts import new_consumer

pytestmark = pytest.mark.browser

# A small valid PDF (the API checks the %PDF- signature).
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PASSWORD = "Secret123pass"
PASSPORT = {
    "series": "2010",
    "number": "654321",
    "issued_by": "ГУ МВД России по Воронежской области",
    "issued_on": "2015-05-05",
}


def field(page: Page, name: str):
    return page.locator(f'[name="{name}"]')


def pdf(name: str) -> dict:
    return {"name": name, "mimeType": "application/pdf", "buffer": PDF}


@pytest.fixture
def consumer(site_url):
    """A fresh active ФЛ: login, password, surname."""
    account = new_consumer(
        "tp",
        PASSWORD,
        last_name="Смирнова",
        first_name="Ольга",
        middle_name="Петровна",
        snils="112-233-445 95",
        address={"postcode": "394036", "locality": "Воронеж", "street": "ул. Кольцовская", "house": "5", "flat": "7"},
    )
    return {**account, "surname": "Смирнова"}


def sign_in(page: Page, site_url: str, login: str, password: str) -> None:
    page.goto(f"{site_url}/#/login")
    field(page, "identifier").fill(login)
    field(page, "password").fill(password)
    page.get_by_role("button", name="Войти").click()
    expect(page.get_by_role("heading", name=re.compile("^Здравствуйте"))).to_be_visible()


def staff_page(browser: Browser, staff, sign_in) -> Page:
    context = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    sign_in(page, staff, "#/connections")
    expect(page.get_by_role("heading", name="Технологическое присоединение", level=1)).to_be_visible()
    return page


def step_heading(page: Page, text: str):
    return page.get_by_role("heading", name=re.compile(rf"^Шаг \d из 6\. {text}$"))


def test_household_application_from_draft_to_submission(page: Page, site_url, consumer):
    sign_in(page, site_url, consumer["login"], consumer["password"])
    page.get_by_role("navigation", name="Разделы кабинета").get_by_role("link", name="Присоединение").click()
    expect(page.get_by_text("Заявок пока нет.")).to_be_visible()
    page.get_by_role("link", name="Подать заявку").click()

    # Kind: a ФЛ sees the household category first and chosen; the reason defaults to the first connection.
    expect(step_heading(page, "Вид заявки")).to_be_visible()
    expect(page.get_by_role("radio", name=re.compile("^Физические лица до 15 кВт"))).to_be_checked()
    expect(page.get_by_role("radio", name="Присоединение впервые")).to_be_checked()
    page.get_by_role("button", name="Далее").click()

    # Applicant: prefilled from the profile; the passport is not in it yet.
    expect(step_heading(page, "Заявитель и контакты")).to_be_visible()
    expect(field(page, "applicant.last_name")).to_have_value("Смирнова")
    expect(field(page, "applicant.registration_address")).to_have_value("394036, Воронеж, ул. Кольцовская, д. 5, кв. 7")
    page.get_by_role("button", name="Далее").click()
    expect(page.locator(".form-alert")).to_contain_text("Черновик сохранён. Заполните отмеченные поля")
    expect(page.locator('[data-field="applicant.passport.series"] .field-error')).to_contain_text("Обязательное поле")
    field(page, "applicant.passport.series").fill(PASSPORT["series"])
    field(page, "applicant.passport.number").fill(PASSPORT["number"])
    field(page, "applicant.passport.issued_on").fill(PASSPORT["issued_on"])
    field(page, "applicant.passport.issued_by").fill(PASSPORT["issued_by"])
    page.get_by_label("Совпадает с адресом регистрации").check()
    page.get_by_role("button", name="Далее").click()

    # Object, then the draft is left…
    expect(step_heading(page, "Объект")).to_be_visible()
    field(page, "object.name").fill("Индивидуальный жилой дом")
    field(page, "object.address").fill("Воронеж, СНТ «Берёзка», участок 42")
    field(page, "object.cadastral_number").fill("36:34:0605001:421")
    field(page, "object.ownership").select_option("owner")
    page.get_by_text("Сельская местность").click()
    page.get_by_role("button", name="Сохранить черновик").click()
    expect(page.get_by_text("Черновик сохранён. Продолжить заполнение можно в любой момент.")).to_be_visible()
    expect(page.get_by_role("heading", name="Черновик заявки")).to_be_visible()

    # …and resumed from the list, straight to the technical data by the step bar.
    page.get_by_role("link", name="Технологическое присоединение").first.click()
    row = page.get_by_role("row").filter(has_text="Черновик")
    expect(row).to_contain_text("Воронеж, СНТ «Берёзка», участок 42")
    row.get_by_role("link", name="Продолжить заполнение").click()
    expect(step_heading(page, "Вид заявки")).to_be_visible()
    page.get_by_role("navigation", name="Шаги заявки").get_by_role(
        "link", name=re.compile("Технические данные")
    ).click()
    expect(step_heading(page, "Технические данные")).to_be_visible()

    # Technical data: the total is computed while typing.
    total = page.locator("#total-kw")
    field(page, "technical.requested_kw").fill("20")
    expect(total).to_have_text("20 кВт")
    field(page, "technical.requested_kw").fill("7,5")
    expect(total).to_have_text("7,5 кВт")
    field(page, "technical.voltage").select_option("0.4")
    page.get_by_text("Договор энергоснабжения", exact=True).click()
    field(page, "technical.retail_company").fill("ПАО «ТНС энерго Воронеж»")
    page.get_by_role("button", name="Далее").click()

    # Documents: the two the category requires, each uploaded with a progress bar and attached.
    expect(step_heading(page, "Документы")).to_be_visible()
    for title, name in (
        ("План расположения энергопринимающих устройств", "План участка.pdf"),
        ("Документ, подтверждающий право собственности или иное законное основание на объект", "Выписка ЕГРН.pdf"),
    ):
        section = page.get_by_role("region", name=title)
        expect(section.get_by_text("Не приложен")).to_be_visible()
        section.locator('input[type="file"]').set_input_files(pdf(name))
        expect(section.get_by_text("Приложен", exact=True)).to_be_visible()
        expect(section.locator(".files-list")).to_contain_text(name)
    page.get_by_role("button", name="Далее").click()

    # Preview, then submit: the number is shown and the draft is gone.
    expect(step_heading(page, "Проверьте заявку")).to_be_visible()
    preview = page.locator("form")
    expect(preview).to_contain_text("Смирнова Ольга Петровна")
    expect(preview).to_contain_text(re.compile(r"7,5\sкВт"))
    expect(preview).to_contain_text("Сельская местность")
    expect(preview).to_contain_text("План участка.pdf")
    page.get_by_role("button", name="Отправить заявку").click()
    page.get_by_role("dialog", name="Отправить заявку?").get_by_role("button", name="Отправить").click()
    notice = page.get_by_role("status").filter(has_text="Заявка отправлена и зарегистрирована под номером")
    expect(notice).to_contain_text(
        re.compile(r"под номером \d{4}-\d{2}-\d{2}-\d+-1\. Ориентировочный срок рассмотрения — до \d{2}\.\d{2}\.\d{4}")
    )
    number = re.search(r"\d{4}-\d{2}-\d{2}-\d+-1", notice.inner_text()).group(0)
    expect(page.get_by_role("heading", name=f"Заявка № {number}", level=1)).to_be_visible()
    expect(page.locator(".meter__pills--lead")).to_contain_text("Проверка заявки")
    expect(page.get_by_role("table", name=re.compile("Сроки"))).to_contain_text(
        "Проверка заявки и уведомление о недостающих документах"
    )

    # The public check finds it by number and surname, without a session.
    page.get_by_role("button", name="Выйти").click()
    expect(page.get_by_text("Вы вышли из личного кабинета.")).to_be_visible()
    page.goto(f"{site_url}/#/connection/check")
    field(page, "number").fill(number)
    field(page, "name").fill("смирнова")
    page.get_by_role("button", name="Проверить").click()
    expect(page.get_by_role("heading", name=f"Заявка № {number}")).to_be_visible()
    expect(page.locator(".facts")).to_contain_text("Проверка заявки")


def submitted_application(site_url: str, login: str, password: str) -> dict:
    """A complete household application submitted through the API, as the wizard would send it."""
    api = f"{site_url}/api/v1"
    token = requests.post(
        f"{api}/auth/login", json={"identifier": login, "password": password, "remember": False}, timeout=30
    ).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    card = requests.post(
        f"{api}/connection-applications", json={"category": "household_15"}, headers=auth, timeout=30
    ).json()
    applicant = {k: v for k, v in card["applicant"].items() if v is not None and k not in ("snils", "inn", "ogrn")}
    answer = requests.patch(
        f"{api}/connection-applications/{card['id']}",
        headers=auth,
        timeout=30,
        json={
            "applicant": {**applicant, "passport": PASSPORT},
            "object": {
                "name": "Садовый дом",
                "address": "Воронеж, ул. Лесная, д. 5",
                "cadastral_number": "36:34:0101001:15",
                "ownership": "owner",
                "settlement": "urban",
            },
            "technical": {
                "requested_kw": 15,
                "voltage": "0.4",
                "contract_type": "supply",
                "retail_company": "ПАО «ТНС энерго Воронеж»",
            },
        },
    )
    assert answer.ok, answer.text
    for kind in ("location_plan", "ownership"):
        ticket = requests.post(
            f"{api}/attachments/uploads",
            headers=auth,
            timeout=30,
            json={
                "file_name": f"{kind}.pdf",
                "content_type": "application/pdf",
                "size": len(PDF),
                "purpose": "connection_application",
            },
        ).json()
        assert requests.post(ticket["url"], data=ticket["fields"], files={"file": (f"{kind}.pdf", PDF)}, timeout=30).ok
        assert requests.post(f"{api}/attachments/uploads/{ticket['upload_id']}/confirm", headers=auth, timeout=30).ok
        answer = requests.post(
            f"{api}/connection-applications/{card['id']}/documents",
            headers=auth,
            timeout=30,
            json={"kind": kind, "upload_ids": [ticket["upload_id"]]},
        )
        assert answer.ok, answer.text
    answer = requests.post(f"{api}/connection-applications/{card['id']}/submit", headers=auth, timeout=30)
    assert answer.ok, answer.text
    return answer.json()


def test_missing_documents_requested_uploaded_and_completed(
    page: Page, browser: Browser, site_url, consumer, demo_accounts, staff_sign_in
):
    application = submitted_application(site_url, consumer["login"], consumer["password"])
    number = application["number"]

    # The engineer takes the application and asks for what is missing; the comment is required.
    staff = staff_page(browser, demo_accounts["staff"], staff_sign_in)
    link = staff.get_by_role("link", name=re.compile(re.escape(number)))
    row = staff.get_by_role("row").filter(has=link)
    expect(row).to_contain_text("Смирнова Ольга Петровна")
    expect(row).to_contain_text("Проверка заявки")
    link.click()
    expect(staff.get_by_role("heading", name=f"Заявка № {number}", level=1)).to_be_visible()
    staff.get_by_role("button", name="Взять в работу").click()
    expect(staff.get_by_text("Заявка назначена на Вас.")).to_be_visible()
    statuses = field(staff, "status")
    expect(statuses.locator("option")).to_have_text(
        ["Выберите статус", "Ожидание недостающих документов", "Заявка зарегистрирована", "Заявка аннулирована"]
    )
    statuses.select_option("awaiting_documents")
    staff.get_by_role("button", name="Сменить статус").click()
    expect(staff.locator('[data-field="comment"] .field-error')).to_contain_text("Заполните это поле.")
    field(staff, "comment").fill("Приложите однолинейную схему с отметкой точки присоединения.")
    staff.get_by_role("button", name="Сменить статус").click()
    expect(staff.get_by_text("Статус изменён: «Ожидание недостающих документов».")).to_be_visible()
    staff.context.close()

    # The applicant sees the request, uploads a file and completes the upload.
    sign_in(page, site_url, consumer["login"], consumer["password"])
    page.goto(f"{site_url}/#/connection/application?id={application['id']}")
    missing = page.get_by_role("region", name="Направьте недостающие документы")
    expect(missing).to_contain_text("Приложите однолинейную схему с отметкой точки присоединения.")
    complete = missing.get_by_role("button", name="Завершить загрузку")
    expect(complete).to_be_disabled()
    missing.get_by_label("Какой это документ").select_option("single_line_diagram")
    missing.locator('input[type="file"]').set_input_files(pdf("Однолинейная схема.pdf"))
    expect(missing.locator(".files-list")).to_contain_text("Однолинейная схема.pdf")
    expect(missing.locator(".files-list")).to_contain_text("Однолинейная схема электрических сетей заявителя")
    expect(complete).to_be_enabled()
    complete.click()
    page.get_by_role("dialog", name="Завершить загрузку?").get_by_role("button", name="Завершить загрузку").click()
    expect(page.get_by_text("Документы переданы. Заявка возвращена на проверку.")).to_be_visible()
    expect(page.locator(".meter__pills--lead")).to_contain_text("Проверка заявки")
    expect(page.get_by_role("region", name="Направьте недостающие документы")).to_have_count(0)
    expect(page.get_by_role("region", name="Мои документы")).to_contain_text("Однолинейная схема.pdf")
    history = page.get_by_role("region", name="История")
    expect(history).to_contain_text("Ожидание недостающих документов")
    expect(history.locator(".timeline__item").last).to_contain_text("Проверка заявки")
