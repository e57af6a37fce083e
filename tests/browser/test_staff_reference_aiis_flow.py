"""The staff console's «Справочники» (the street directory: add, search, rename, import) and «АИИС КУЭ»
(the 80020 export: one day as XML, several days as a zip) in a real browser, as the demo administrator."""

from __future__ import annotations

import uuid
import zipfile
from datetime import date, timedelta
from xml.etree import ElementTree as ET

import pytest
from aiis_browser import aiis_agent
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

RUSSIAN = "абвгдежзиклмнопрстуфхцчшэюя"


def test_admin_adds_finds_renames_and_imports_streets(page: Page, site_url, demo_accounts, staff_sign_in):
    # Street names searched by prefix: a Russian tag keeps this run's streets apart from earlier runs'.
    tag = "".join(RUSSIAN[b % len(RUSSIAN)] for b in uuid.uuid4().bytes[:5])
    staff = demo_accounts["staff"]
    staff_sign_in(page, staff, "#/reference")
    expect(page.get_by_role("heading", name="Справочники: улицы", level=1)).to_be_visible()

    add = page.get_by_role("form", name="Добавить улицу")
    add.locator('[name="locality"]').fill("Воронеж")
    add.locator('[name="name"]').fill(f"ул. Тест{tag}")
    add.get_by_role("button", name="Добавить").click()
    expect(add.get_by_text(f"Добавлена улица: ул. Тест{tag} (Воронеж)")).to_be_visible()

    search = page.get_by_role("search", name="Поиск улиц")
    search.locator('[name="locality"]').select_option("Воронеж")
    search.locator('[name="q"]').fill(f"тест{tag}")
    search.get_by_role("button", name="Найти").click()
    page.get_by_role("button", name=f"Переименовать: ул. Тест{tag}").click()
    rename = page.get_by_role("form", name=f"Переименовать: ул. Тест{tag}")
    rename.locator('[name="name"]').fill(f"пр-т Тест{tag}")
    rename.get_by_role("button", name="Сохранить").click()
    expect(page.get_by_text(f"Улица переименована: пр-т Тест{tag}")).to_be_visible()

    # The new name is listed; renaming to a name in use is refused at the field.
    page.get_by_role("button", name=f"Переименовать: пр-т Тест{tag}").click()
    rename = page.get_by_role("form", name=f"Переименовать: пр-т Тест{tag}")
    rename.locator('[name="name"]').fill("ул. Плехановская")
    rename.get_by_role("button", name="Сохранить").click()
    expect(rename.locator('[data-field="name"] .field-error')).to_have_text(
        "Улица с таким названием уже есть в этом населённом пункте"
    )

    load = page.get_by_role("form", name="Загрузить список улиц")
    load.locator('[name="locality"]').fill("Воронеж")
    load.locator('[name="names"]').fill(f"ул. Второй{tag}\n\nул.\nул. Плехановская")
    load.get_by_role("button", name="Загрузить").click()
    expect(load.get_by_text("Добавлено 1 улица, уже были в справочнике: 1, с ошибками: 1.")).to_be_visible()
    expect(load.get_by_text("Строка 3: Укажите название улицы, а не только её вид")).to_be_visible()


@pytest.fixture(scope="module")
def aiis_point(site_url):
    """The demo АИИС meter assigned to an agent, the way staff do it: then it is a point of the export."""
    from chalicelib.exchange.demo import AIIS_POINT_CODE

    aiis_agent()
    return AIIS_POINT_CODE


def test_admin_downloads_80020_for_a_day_and_for_a_range(
    page: Page, site_url, demo_accounts, aiis_point, tmp_path, staff_sign_in
):
    staff = demo_accounts["staff"]
    staff_sign_in(page, staff, "#/aiis")
    expect(page.get_by_role("heading", name="АИИС КУЭ: выгрузка 80020", level=1)).to_be_visible()
    first, last = date.today() - timedelta(days=4), date.today() - timedelta(days=2)

    page.locator('[name="from"]').fill(first.isoformat())
    page.locator('[name="to"]').fill(last.isoformat())
    with page.expect_download() as started:
        page.get_by_role("button", name="Скачать").click()
    download = started.value
    assert download.suggested_filename == f"80020_{first:%Y%m%d}-{last:%Y%m%d}.zip"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    with zipfile.ZipFile(path) as archive:
        names = sorted(archive.namelist())
        assert [n.split("_")[2] for n in names] == [f"{first + timedelta(days=d):%Y%m%d}" for d in range(3)]
        for name in names:
            root = ET.fromstring(archive.read(name))
            assert root.get("class") == "80020"
            assert [p.get("code") for p in root.findall("area/measuringpoint")] == [aiis_point]
    expect(page.get_by_text(f"Архив 80020 за {first.isoformat()} — {last.isoformat()} скачан.")).to_be_visible()

    page.locator('[name="to"]').fill(first.isoformat())
    with page.expect_download() as started:
        page.get_by_role("button", name="Скачать").click()
    download = started.value
    assert download.suggested_filename == f"80020_{first:%Y%m%d}.xml"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    assert ET.parse(path).getroot().get("class") == "80020"

    # A day that has not come yet is refused at the field, in Russian.
    page.locator('[name="from"]').fill((date.today() + timedelta(days=2)).isoformat())
    page.locator('[name="to"]').fill("")
    page.get_by_role("button", name="Скачать").click()
    expect(page.locator('[data-field="from"] .field-error')).to_have_text("Этот день ещё не наступил")
