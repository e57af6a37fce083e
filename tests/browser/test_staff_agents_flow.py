"""«Агенты УСПД» in the staff console in a real browser: an administrator registers an agent with a demo
meter and sees its secret once (with the warning and a copy button), renames it, edits its meters — a
wrong serial is reported at its row, a meter of another agent too — changes the secret, takes the
meters off and disables the agent. An engineer may only edit the meters: the other controls are not
shown to him.

Demo meters (chalicelib/exchange/demo.py): «ЮЛ-2002» / 40404040 (coefficient 40) and «ДЭ-1001» /
7654321 are assigned to no agent (the АИИС test and the local concentrator use 0098765432); the test
takes them off again at the end, so it can run again against the same stack.
"""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

SECRET = re.compile(r"^[0-9a-f]{64}$")
COMPANY_CONTRACT, COMPANY_SERIAL = "ЮЛ-2002", "40404040"
PERSON_CONTRACT, PERSON_SERIAL = "ДЭ-1001", "7654321"


def field(page: Page, name: str):
    return page.locator(f'[name="{name}"]')


def row_error(page: Page, name: str):
    return page.locator(f'[data-field="{name}"] .field-error')


def confirm(page: Page, answer: str) -> None:
    page.get_by_role("dialog").get_by_role("button", name=answer).click()
    expect(page.get_by_role("dialog")).to_have_count(0)


def test_admin_registers_edits_rotates_and_disables_an_agent(page: Page, site_url, demo_accounts, staff_sign_in):
    tag = uuid.uuid4().hex[:6]
    agent_id, name = f"uspd-{tag}", f"ТП-5, ул. Кольцовская, 1 ({tag})"
    staff = demo_accounts["staff"]
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site_url)
    staff_sign_in(page, staff, "#/agents")
    expect(page.get_by_role("heading", name="Агенты УСПД", level=1)).to_be_visible()

    # Registration: one demo meter; the secret is shown once, with the warning and a copy button.
    page.get_by_role("link", name="Зарегистрировать агента").click()
    expect(page.get_by_role("heading", name="Регистрация агента")).to_be_visible()
    field(page, "id").fill(agent_id)
    field(page, "name").fill(name)
    field(page, "meters.0.contract").fill(COMPANY_CONTRACT)
    field(page, "meters.0.serial").fill(COMPANY_SERIAL)
    page.get_by_role("button", name="Зарегистрировать").click()

    expect(page.get_by_role("heading", name=f"Агент «{name}»")).to_be_visible()
    expect(page.get_by_text(f"Агент «{name}» зарегистрирован.")).to_be_visible()
    panel = page.get_by_role("region", name="Секрет агента")
    expect(panel).to_contain_text("Сохраните секрет в файл ключа агента: больше он показан не будет")
    secret_box = panel.get_by_label("Секрет агента")
    expect(secret_box).to_have_value(SECRET)
    secret = secret_box.input_value()
    panel.get_by_role("button", name="Скопировать").click()
    expect(panel.get_by_role("status")).to_have_text("Секрет скопирован в буфер обмена.")
    assert page.evaluate("navigator.clipboard.readText()") == secret

    meters = page.get_by_role("region", name="Счётчики")
    company_row = meters.get_by_role("row").filter(has_text=COMPANY_SERIAL)
    expect(company_row).to_contain_text(COMPANY_CONTRACT)
    expect(company_row).to_contain_text("ТУ-2002-1")
    if meters.get_by_role("columnheader", name="Расч. коэф.").count():  # the API sends it
        expect(company_row.locator('[data-label="Расч. коэф."]')).to_have_text("40")

    panel.get_by_role("button", name="Секрет сохранён, скрыть").click()
    expect(page.get_by_role("region", name="Секрет агента")).to_have_count(0)
    expect(page.get_by_text("Секрет скрыт.")).to_be_visible()
    page.reload()
    expect(page.get_by_role("heading", name=f"Агент «{name}»")).to_be_visible()
    expect(page.get_by_role("region", name="Секрет агента")).to_have_count(0)  # shown once

    # Rename.
    renamed = f"ТП-5, ул. Кольцовская, 1а ({tag})"
    admin = page.get_by_role("region", name="Управление агентом")
    admin.get_by_label("Где стоит УСПД").fill(renamed)
    admin.get_by_role("button", name="Сохранить название").click()
    expect(page.get_by_text("Название агента изменено.")).to_be_visible()
    expect(page.get_by_role("heading", name=f"Агент «{renamed}»")).to_be_visible()

    # Meters: a wrong serial is reported at its row, nothing is saved; corrected, the list is saved.
    page.get_by_role("button", name="Изменить список счётчиков").click()
    expect(field(page, "meters.0.serial")).to_have_value(COMPANY_SERIAL)
    page.get_by_role("button", name="Добавить счётчик").click()
    field(page, "meters.1.contract").fill(PERSON_CONTRACT)
    field(page, "meters.1.serial").fill("7654320")
    page.get_by_role("button", name="Сохранить счётчики").click()
    expect(row_error(page, "meters.1.serial")).to_have_text("В договоре нет счётчика с таким номером")
    expect(row_error(page, "meters.0.serial")).to_be_empty()
    expect(field(page, "meters.1.serial")).to_have_attribute("aria-invalid", "true")
    field(page, "meters.1.serial").fill(PERSON_SERIAL)
    page.get_by_role("button", name="Сохранить счётчики").click()
    expect(page.get_by_text("Список счётчиков сохранён: 2.")).to_be_visible()
    expect(meters.get_by_role("row").filter(has_text=PERSON_SERIAL)).to_contain_text(PERSON_CONTRACT)

    # Another agent cannot take a meter this one has: the row says so.
    page.get_by_role("link", name="← Все агенты").click()
    page.get_by_role("link", name="Зарегистрировать агента").click()
    field(page, "id").fill(f"uspd-{tag}-2")
    field(page, "name").fill("ТП-6 (тест)")
    field(page, "meters.0.contract").fill(PERSON_CONTRACT)
    field(page, "meters.0.serial").fill(PERSON_SERIAL)
    page.get_by_role("button", name="Зарегистрировать").click()
    expect(row_error(page, "meters.0.serial")).to_contain_text("уже закреплён за другим агентом")
    page.get_by_role("link", name="Отмена").click()
    card = page.get_by_role("region", name=f"Агент {agent_id}")
    expect(card).to_contain_text(PERSON_SERIAL)
    expect(page.get_by_role("region", name=f"Агент uspd-{tag}-2")).to_have_count(0)
    card.get_by_role("link", name=renamed).click()

    # A new secret, after a confirmation; shown once again.
    page.get_by_role("button", name="Сменить секрет").click()
    confirm(page, "Сменить секрет")
    panel = page.get_by_role("region", name="Секрет агента")
    expect(panel.get_by_role("heading", name="Новый секрет агента")).to_be_visible()
    expect(panel.get_by_label("Секрет агента")).to_have_value(SECRET)
    assert panel.get_by_label("Секрет агента").input_value() != secret
    expect(panel).to_contain_text(
        re.compile(r"Прежний ключ (действует до \d\d\.\d\d\.\d{4},? \d\d:\d\d|больше не действует)")
    )
    expect(page.get_by_text("Секрет агента сменён.")).to_be_visible()
    panel.get_by_role("button", name="Секрет сохранён, скрыть").click()

    # The meters off (after a confirmation), then the agent disabled.
    page.get_by_role("button", name="Изменить список счётчиков").click()
    page.get_by_role("button", name="Убрать").first.click()
    page.get_by_role("button", name="Убрать").first.click()
    expect(page.get_by_role("button", name="Убрать")).to_have_count(0)
    page.get_by_role("button", name="Сохранить счётчики").click()
    expect(page.get_by_role("dialog")).to_contain_text(COMPANY_SERIAL)
    confirm(page, "Снять и сохранить")
    expect(page.get_by_text("Список счётчиков сохранён: 0.")).to_be_visible()
    expect(meters).to_contain_text("Счётчики за агентом не закреплены")

    page.get_by_role("button", name="Отключить агента").click()
    confirm(page, "Отключить")
    expect(page.get_by_text("Агент отключён: его данные не принимаются.")).to_be_visible()
    expect(page.locator(".meter__pills")).to_have_text("Отключён")
    expect(page.get_by_role("button", name="Включить агента")).to_be_visible()
    page.get_by_role("link", name="← Все агенты").click()
    expect(page.get_by_role("region", name=f"Агент {agent_id}")).to_contain_text("Отключён")


@pytest.fixture
def engineer(site_url, demo_accounts, new_employee):
    """An engineer, and an agent (registered by the demo administrator) for him to look at."""
    from chalicelib.accounts.principal import Principal
    from chalicelib.accounts.repository import UserRepository, staff_identity_key
    from chalicelib.aiis.admin.agents import AgentAdmin
    from chalicelib.aiis.admin.models import AgentCreate, AgentPatch

    tag = uuid.uuid4().hex[:6]
    account = new_employee("metering", last_name="Инженеров", first_name="Иван")
    admin = Principal(
        user=UserRepository().find_by_identifier("login", staff_identity_key(demo_accounts["staff"].login.lower())),
        session_id="test",
    )
    agent_id = f"eng-{tag}"
    AgentAdmin().create(admin, AgentCreate(id=agent_id, name=f"ТП-9 ({tag})"))

    def rename(name: str) -> None:
        AgentAdmin().patch(admin, agent_id, AgentPatch(name=name))

    return {"account": account, "agent_id": agent_id, "agent_name": f"ТП-9 ({tag})", "rename": rename}


def test_engineer_edits_meters_only(page: Page, site_url, engineer, staff_sign_in):
    staff_sign_in(page, engineer["account"], "#/agents")
    expect(page.get_by_role("heading", name="Агенты УСПД", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Зарегистрировать агента")).to_have_count(0)

    page.get_by_role("link", name=engineer["agent_name"]).click()
    expect(page.get_by_role("heading", name=f"Агент «{engineer['agent_name']}»")).to_be_visible()
    expect(page.get_by_role("button", name="Изменить список счётчиков")).to_be_visible()
    expect(
        page.get_by_text("Переименовать, отключить агента и сменить его секрет может администратор.")
    ).to_be_visible()
    for control in ("Сменить секрет", "Отключить агента", "Сохранить название"):
        expect(page.get_by_role("button", name=control)).to_have_count(0)

    # The administrator renames the agent while the engineer's page is open: the engineer's save is
    # refused (409), the page shows the agent anew and says why nothing was saved.
    page.get_by_role("button", name="Изменить список счётчиков").click()
    field(page, "meters.0.contract").fill(COMPANY_CONTRACT)
    field(page, "meters.0.serial").fill("1")
    renamed = f"{engineer['agent_name']}, РУ-0,4 кВ"
    engineer["rename"](renamed)
    page.get_by_role("button", name="Сохранить счётчики").click()
    expect(page.get_by_role("alert")).to_contain_text("изменил другой сотрудник, Ваше изменение не сохранено")
    expect(page.get_by_role("heading", name=f"Агент «{renamed}»")).to_be_visible()
    expect(page.get_by_role("button", name="Изменить список счётчиков")).to_be_visible()

    page.goto(f"{site_url}/staff.html#/agents/new")
    expect(page.get_by_text("Регистрировать агентов может администратор.")).to_be_visible()
    expect(field(page, "id")).to_have_count(0)
