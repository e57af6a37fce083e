"""Appeals in a real browser (seeds 000, 001, 004): a consumer files an appeal with a PDF attached (the
text counter, the upload's progress bar), gets its registration number; an operator (the demo
administrator) takes it in the staff console and answers with a file of the company; the consumer sees
the answer on the card, the notification in the feed, and the counter on the home page. An
extra-service request is filed with its street picked from the directory and is listed with appeals.

Each test signs in as its own fresh consumer, created in the stack's process (tests/browser/conftest.py
runs the stack in this process).
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Browser, Page, expect
from stack_accounts import new_consumer

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PASSWORD = "Secret123pass"
TEXT = "По вечерам напряжение в доме падает до 180 В, мигает свет. Прошу проверить ввод."


def field(page: Page, name: str):
    return page.locator(f'[name="{name}"]')


@pytest.fixture
def consumer(site_url):
    """A fresh active ФЛ: login and password."""
    return new_consumer(
        "ap",
        PASSWORD,
        last_name="Кузнецов",
        first_name="Павел",
        middle_name="Андреевич",
        snils="112-233-445 95",
        address={"postcode": "394036", "locality": "Воронеж", "street": "ул. Плехановская", "house": "12", "flat": "3"},
    )


def sign_in(page: Page, site_url: str, login: str, password: str) -> None:
    page.goto(f"{site_url}/#/login")
    field(page, "identifier").fill(login)
    field(page, "password").fill(password)
    page.get_by_role("button", name="Войти").click()
    expect(page.get_by_role("heading", name=re.compile("^Здравствуйте"))).to_be_visible()


def test_appeal_with_a_file_answered_by_staff(
    page: Page, browser: Browser, site_url, consumer, demo_accounts, staff_sign_in
):
    sign_in(page, site_url, consumer["login"], consumer["password"])
    page.get_by_role("navigation", name="Разделы кабинета").get_by_role("link", name="Обращения").click()
    expect(page.get_by_text("Обращений и заявок пока нет.")).to_be_visible()
    page.get_by_role("link", name="Новое обращение").click()

    expect(page.get_by_role("heading", name="Новое обращение")).to_be_visible()
    expect(field(page, "contact_phone")).to_have_value(re.compile(r"^\+7 903 "))  # from the profile
    field(page, "type").select_option(label="Жалоба")
    field(page, "addressee").select_option(label="Главный инженер")
    field(page, "topic").fill("Перепады напряжения")
    field(page, "text").fill(TEXT)
    expect(page.locator(".counter-hint")).to_have_text(f"Осталось {1000 - len(TEXT)} из 1000 символов")
    files = page.get_by_role("group", name="Файлы")
    files.locator('input[type="file"]').set_input_files(
        {"name": "Фото щитка.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    upload = files.get_by_role("listitem").filter(has_text="Фото щитка.pdf")
    expect(upload).to_contain_text("Загружен")
    page.get_by_role("button", name="Отправить обращение").click()

    notice = page.get_by_role("status").filter(has_text="Обращение зарегистрировано под номером")
    expect(notice).to_contain_text(
        re.compile(r"под номером \d{4}-\d{6}\. Ответ будет дан не позднее \d{2}\.\d{2}\.\d{4}")
    )
    number = re.search(r"\d{4}-\d{6}", notice.inner_text()).group(0)
    expect(page.get_by_role("heading", name=f"Обращение № {number}", level=1)).to_be_visible()
    expect(page.locator(".meter__pills--lead")).to_contain_text("Ожидает рассмотрения")
    expect(page.get_by_role("region", name="Обращение")).to_contain_text("Фото щитка.pdf")

    # The operator takes the appeal and answers it with the company's file.
    staff = demo_accounts["staff"]
    context = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    console = context.new_page()
    staff_sign_in(console, staff, "#/appeals")
    expect(console.get_by_role("heading", name="Обращения", level=1)).to_be_visible()
    field(console, "number").fill(number)
    console.get_by_role("button", name="Показать").click()
    link = console.get_by_role("link", name=re.compile(re.escape(number)))
    expect(console.get_by_role("row").filter(has=link)).to_contain_text("Перепады напряжения")
    link.click()
    expect(console.get_by_role("heading", name=f"Обращение № {number}", level=1)).to_be_visible()
    expect(console.locator(".facts")).to_contain_text("Кузнецов Павел Андреевич")
    expect(console.get_by_text("Фото щитка.pdf")).to_be_visible()
    console.get_by_role("button", name="Взять в работу").click()
    expect(console.get_by_text("Обращение назначено на Вас.")).to_be_visible()
    field(console, "text").fill(
        "Проведён замер напряжения на вводе; отпайка трансформатора переключена, напряжение в норме."
    )
    answer_files = console.get_by_role("group", name="Файлы ответа")
    answer_files.locator('input[type="file"]').set_input_files(
        {"name": "Акт замера.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    expect(answer_files.get_by_role("listitem").filter(has_text="Акт замера.pdf")).to_contain_text("Загружен")
    console.get_by_role("button", name="Отправить ответ").click()
    expect(console.get_by_text("Ответ отправлен заявителю.")).to_be_visible()
    expect(console.locator(".meter__pills")).to_contain_text("Дан ответ")
    context.close()

    # The consumer reads the answer on the card…
    page.reload()
    answer = page.get_by_role("region", name="Ответ сетевой организации")
    expect(answer).to_contain_text("отпайка трансформатора переключена")
    expect(answer).to_contain_text("Акт замера.pdf")
    expect(page.locator(".meter__pills--lead")).to_contain_text("Дан ответ")
    expect(page.get_by_role("region", name="Ход рассмотрения")).to_contain_text("Дан ответ")

    # …and in the feed (the notification goes through the queue, so it may take a moment)…
    feed_item = page.get_by_role("listitem").filter(has_text=f"Обращение № {number}: Дан ответ")
    deadline = time.monotonic() + 20
    page.goto(f"{site_url}/#/notifications")
    while not feed_item.count() and time.monotonic() < deadline:
        page.wait_for_timeout(500)
        page.reload()
        expect(page.get_by_role("heading", name="Уведомления", level=1)).to_be_visible()
    expect(feed_item).to_contain_text("Ответ можно прочитать в личном кабинете.")

    # …and on the home page's tile.
    page.get_by_role("navigation", name="Разделы кабинета").get_by_role("link", name="Главная").click()
    tile = page.locator("a.tile").filter(has=page.get_by_role("heading", name="Обращения"))
    expect(tile.locator(".tile__counter")).to_have_text(re.compile(r"^1\s*обращение с ответом$"))


def test_service_request_listed_with_appeals(page: Page, site_url, consumer):
    sign_in(page, site_url, consumer["login"], consumer["password"])
    page.goto(f"{site_url}/#/appeals/service")
    expect(page.get_by_role("heading", name="Заявка на дополнительную услугу")).to_be_visible()
    field(page, "address.street_id").fill("Плехан")
    page.get_by_role("option", name=re.compile("Плехановская")).click()
    field(page, "address.house").fill("12")
    field(page, "service").select_option(label="Снятие показаний существующего прибора учёта (ПУ)")
    page.get_by_role("button", name="Отправить заявку").click()
    expect(page.locator('[data-field="text"] .field-error')).to_contain_text("Заполните это поле.")
    field(page, "text").fill("Прошу снять показания: счётчик в подвале, доступ по звонку.")
    page.get_by_role("button", name="Отправить заявку").click()

    notice = page.get_by_role("status").filter(has_text="Заявка зарегистрирована под номером")
    number = re.search(r"\d{4}-\d{6}", notice.inner_text()).group(0)
    expect(page.get_by_role("region", name="Заявка на услугу")).to_contain_text("Плехановская, д. 12")

    page.get_by_role("link", name="Обращения").first.click()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=re.compile(re.escape(number))))
    expect(row).to_contain_text("Снятие показаний существующего прибора учёта (ПУ)")
    expect(row).to_contain_text("Заявка на дополнительную услугу")
    field(page, "number").fill(number.split("-")[1].lstrip("0"))
    page.get_by_role("button", name="Найти").click()
    expect(page.get_by_role("row")).to_have_count(2)  # the header and the one found
    page.get_by_role("link", name="Архив").click()
    expect(page.get_by_text("В архиве пока ничего нет")).to_be_visible()


def submit_appeal(site_url: str, consumer: dict, topic: str) -> dict:
    """The consumer files an appeal through the API (the form itself is tested above)."""
    import requests

    api = f"{site_url}/api/v1"
    signed_in = requests.post(
        f"{api}/auth/login",
        json={"identifier": consumer["login"], "password": consumer["password"], "remember": False},
        timeout=30,
    )
    assert signed_in.status_code == 200, signed_in.text
    token = signed_in.json()["access_token"]
    phone = requests.get(f"{api}/me", headers={"Authorization": f"Bearer {token}"}, timeout=30).json()["phone"]
    answer = requests.post(
        f"{api}/appeals",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
        json={
            "type": "consultation",
            "addressee": "Главный инженер",
            "topic": topic,
            "text": TEXT,
            "contact_phone": phone,
            "attachments": [],
        },
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_staff_process_a_case_with_the_offered_buttons_and_find_it_in_the_audit_trail(
    page: Page, site_url, consumer, demo_accounts, staff_sign_in
):
    card = submit_appeal(site_url, consumer, "Консультация по тарифу")
    number = card["number"]
    staff = demo_accounts["staff"]  # an administrator
    staff_sign_in(page, staff, "")
    expect(page.get_by_role("heading", name="Обращения", level=1)).to_be_visible()
    page.goto(f"{site_url}/staff.html#/appeals/case?id={card['id']}")
    expect(page.get_by_role("heading", name=f"Обращение № {number}", level=1)).to_be_visible()
    actions = page.get_by_role("region", name="Действия")

    # A new appeal: take it, refuse it or hand it to a colleague of the queue (the demo operator) — a
    # refusal needs its reason; closing is not offered yet.
    expect(actions.get_by_role("button")).to_have_text(["Взять в работу", "Отказать", "Передать коллеге"])
    expect(actions.locator('[name="colleague_id"]')).to_contain_text("operator")
    actions.get_by_role("button", name="Отказать").click()
    expect(actions.locator('[data-field="comment"] .field-error')).to_contain_text("Причина придёт заявителю")
    expect(page.locator(".meter__pills")).to_contain_text("Ожидает рассмотрения")
    actions.get_by_role("button", name="Взять в работу").click()
    expect(page.get_by_text("Обращение назначено на Вас.")).to_be_visible()

    # In work and mine: answer it (with files, if any) or refuse it.
    expect(actions.get_by_role("button", name="Отправить ответ")).to_be_visible()
    expect(actions.get_by_role("button", name="Отказать")).to_be_visible()
    for gone in ("Взять в работу", "Завершить рассмотрение"):
        expect(actions.get_by_role("button", name=gone)).to_have_count(0)
    actions.locator('[name="text"]').fill("Тариф для населения: одноставочный, 6,43 руб./кВт·ч.")
    actions.get_by_role("button", name="Отправить ответ").click()
    expect(page.get_by_text("Ответ отправлен заявителю.")).to_be_visible()

    # Answered: only closing is left, and after it nothing.
    expect(actions.get_by_role("button")).to_have_text(["Завершить рассмотрение"])
    actions.locator('[name="comment"]').fill("Вопрос исчерпан")
    actions.get_by_role("button", name="Завершить рассмотрение").click()
    expect(page.get_by_text("Статус изменён: «Рассмотрение завершено».")).to_be_visible()
    expect(actions.get_by_role("button")).to_have_count(0)
    expect(actions).to_contain_text("Рассмотрение завершено: действий больше нет.")
    expect(page.get_by_role("region", name="История")).to_contain_text("Вопрос исчерпан")

    # The administrator finds what was just done in «Журнал действий», newest first.
    page.get_by_role("navigation", name="Разделы консоли").get_by_role("link", name="Журнал действий").click()
    expect(page.get_by_role("heading", name="Журнал действий", level=1)).to_be_visible()
    search = page.get_by_role("search", name="Поиск по объекту")
    search.locator('[name="target_kind"]').select_option(label="Обращение")
    search.locator('[name="target_id"]').fill(number)
    search.get_by_role("button", name="Найти").click()
    trail = page.get_by_role("region", name=f"Обращение № {number}")
    rows = trail.get_by_role("row")
    expect(rows).to_have_count(4)  # the header and three actions
    expect(rows.nth(1)).to_contain_text("Смена статуса")
    expect(rows.nth(1)).to_contain_text("Статус: Дан ответ → Рассмотрение завершено")
    expect(rows.nth(1)).to_contain_text(staff.login)
    expect(rows.nth(1)).to_contain_text("администратор")
    expect(rows.nth(1).get_by_role("link", name=f"Обращение № {number}")).to_be_visible()
    expect(rows.nth(1).locator("time")).to_have_text(re.compile(r"^\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}$"))
    expect(rows.nth(2)).to_contain_text("Ответ заявителю")
    expect(rows.nth(3)).to_contain_text("Взятие в работу")

    # The employee's name opens everything they did, this closing first.
    rows.nth(1).get_by_role("link", name=staff.login).click()
    mine = page.get_by_role("region", name=f"Сотрудник {staff.login}")
    expect(mine.get_by_role("row").nth(1)).to_contain_text(f"Обращение № {number}")
    expect(page.get_by_role("search", name="Поиск по сотруднику").locator('[name="actor_login"]')).to_have_value(
        staff.login
    )

    # A number nobody has is said so next to the field.
    search = page.get_by_role("search", name="Поиск по объекту")
    search.locator('[name="target_id"]').fill("1990-000001")
    search.get_by_role("button", name="Найти").click()
    expect(search.locator('[data-field="target_id"] .field-error')).to_have_text("Обращение с таким номером не найдено")


def test_the_audit_trail_is_for_administrators_only(page: Page, site_url, new_employee, staff_sign_in):
    staff_sign_in(page, new_employee("operator", last_name="Операторова", first_name="Ольга"), "")
    expect(page.get_by_role("heading", name="Обращения", level=1)).to_be_visible()
    nav = page.get_by_role("navigation", name="Разделы консоли")
    expect(nav.get_by_role("link", name="Обращения")).to_be_visible()
    expect(nav.get_by_role("link", name="Журнал действий")).to_have_count(0)
    page.goto(f"{site_url}/staff.html#/audit")
    expect(page.get_by_text("Этот раздел недоступен для Вашей роли.")).to_be_visible()
