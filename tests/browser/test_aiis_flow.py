"""АИИС КУЭ in a real browser (seeds 000, 004): a consumer connects the service to his contract with
«Подключить», opens the meter on АИИС from its card (relay badge), and drills the consumption chart
down year → month (a click on the month's bar) → day (a click on the day's bar) and back; then
«Отключить» ends his access (the meter card offers to connect again). The
browser's clock is set more than a year back: the chart still opens on the server's year.

The data is put in through the ingestion service in-process (the stack runs in this process,
tests/browser/conftest.py) — the same path an agent's batch takes after its signature is checked —
so the test is fast and deterministic, with no pty agent. Intervals: ten days up to the last closed
half hour, one of them estimated and a few missing, so the chart has marked bars too.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from aiis_browser import link_aiis_consumer, sign_in
from playwright.sync_api import Page, expect

from chalicelib.metering.periods import MONTHS_NOMINATIVE

pytestmark = pytest.mark.browser

MOSCOW = ZoneInfo("Europe/Moscow")


@pytest.fixture(scope="module")
def aiis_consumer(site_url):
    """A consumer with contract ДЭ-1001 linked (not yet connected to АИИС), and ten days of data of
    its АИИС meter ingested through an agent registered the way staff do it."""
    from chalicelib.aiis.ingestion.ingest import BatchIngest
    from chalicelib.exchange.demo import AIIS_SERIAL, DEMO_CONTRACT

    made = link_aiis_consumer("aiis")
    login, agent = made["login"], made["agent"]

    now = datetime.now(UTC)
    last_start = now.replace(minute=0 if now.minute < 30 else 30, second=0, microsecond=0) - timedelta(minutes=30)
    first_start = last_start - timedelta(days=10)
    records, start, index, total = [], first_start, 0, 40000.0
    while start <= last_start:
        hour = start.astimezone(MOSCOW).hour
        energy = round(0.15 + (0.45 if 7 <= hour < 23 else 0.05) + (index % 7) * 0.01, 3)
        stamp = start.isoformat().replace("+00:00", "Z")
        if index % 97 == 5:
            records.append(
                {
                    "kind": "interval",
                    "meter": AIIS_SERIAL,
                    "start": stamp,
                    "minutes": 30,
                    "values": {},
                    "status": "missing",
                }
            )
        else:
            records.append(
                {
                    "kind": "interval",
                    "meter": AIIS_SERIAL,
                    "start": stamp,
                    "minutes": 30,
                    "values": {"A+": energy, "A-": 0.0, "R+": round(energy / 4, 3), "R-": 0.0},
                    "status": "estimated" if index % 113 == 7 else "ok",
                }
            )
            total += energy
        start += timedelta(minutes=30)
        index += 1
    read_at = (last_start + timedelta(minutes=30, seconds=5)).isoformat().replace("+00:00", "Z")
    records += [
        {
            "kind": "register",
            "meter": AIIS_SERIAL,
            "read_at": read_at,
            "values": {"A+": round(total, 3), "A-": 0.0, "R+": round(total / 4, 3), "R-": 0.0},
        },
        {"kind": "relay", "meter": AIIS_SERIAL, "at": read_at, "state": "on"},
        {
            "kind": "event",
            "meter": AIIS_SERIAL,
            "at": read_at,
            "journal": "voltage",
            "code": "17",
            "severity": "warning",
            "text": "Пропадание напряжения фазы A",
        },
    ]
    outcome = BatchIngest().apply(agent, records)
    assert not outcome.rejected, outcome.rejected[:3]
    target = (now - timedelta(days=2)).astimezone(MOSCOW).date()
    return {"login": login, "contract": DEMO_CONTRACT, "serial": AIIS_SERIAL, "target": target}


def click_bar(page: Page, index: int) -> None:
    """Clicks the chart's bar number `index`, where Chart.js drew it."""
    canvas = page.locator(".aiis-chart canvas").first
    x, y = page.evaluate(
        """([index]) => {
            const canvas = document.querySelector('.aiis-chart canvas');
            const bar = Chart.getChart(canvas).getDatasetMeta(0).data[index];
            return [bar.x, (bar.y + bar.base) / 2];
        }""",
        [index],
    )
    canvas.click(position={"x": x, "y": y})


def test_consumption_chart_drill_down(page: Page, site_url: str, aiis_consumer) -> None:
    target = aiis_consumer["target"]
    today = datetime.now(MOSCOW).date()
    if target.year != today.year:
        pytest.skip("the first two days of a year: the data's month is in last year's chart")
    sign_in(page, site_url, aiis_consumer["login"])
    # A browser whose clock is wrong: the period the chart opens on is the server's, not the browser's.
    page.clock.set_system_time(datetime(today.year - 2, 6, 15, 12, 0, tzinfo=MOSCOW))

    # The service is not connected yet: the section offers «Подключить» with the contract number.
    page.get_by_role("navigation", name="Разделы кабинета").get_by_role("link", name="АИИС КУЭ").click()
    expect(page.get_by_role("heading", name="Подключение сервиса")).to_be_visible()
    page.get_by_label("Номер договора энергоснабжения").fill(aiis_consumer["contract"])
    page.get_by_role("button", name="Подключить").click()
    expect(page.get_by_text(f"Услуга АИИС КУЭ подключена к договору № {aiis_consumer['contract']}")).to_be_visible()

    # The meter card shows the relay state and leads to the АИИС pages.
    with page.expect_response(lambda r: "/aiis/consumption?" in r.url) as first:
        page.get_by_role("link", name=f"Счётчик № {aiis_consumer['serial']}").click()
    assert "date=" not in first.value.url, first.value.url  # the server's today, in the company's time zone
    opened = first.value.json()
    expect(page.get_by_role("heading", name=re.compile("^АИИС КУЭ:"))).to_be_visible()
    expect(page.locator(".aiis-relay").first).to_contain_text("ВКЛ")
    registers = page.get_by_role("region", name="Показания (накопленные)")
    expect(registers).to_contain_text("Сняты")

    chart = page.locator(".aiis-chart canvas").first
    period = page.locator(".aiis-chart__period")
    expect(chart).to_have_attribute("data-scale", "year")
    assert (opened["scale"], opened["period_start"]) == ("year", f"{today.year}-01-01")
    expect(period).to_have_text(f"{today.year} год")

    click_bar(page, target.month - 1)
    expect(chart).to_have_attribute("data-scale", "month")
    expect(period).to_have_text(f"{MONTHS_NOMINATIVE[target.month - 1]} {target.year}")

    click_bar(page, target.day - 1)
    expect(chart).to_have_attribute("data-scale", "day")
    expect(chart).to_have_attribute("data-period", target.isoformat())
    expect(page.locator(".aiis-total").first).to_contain_text("кВт·ч")

    page.get_by_role("button", name="← Назад").click()
    expect(chart).to_have_attribute("data-scale", "month")
    expect(period).to_have_text(f"{MONTHS_NOMINATIVE[target.month - 1]} {target.year}")
    page.get_by_role("button", name="← Назад").click()
    expect(chart).to_have_attribute("data-scale", "year")
    expect(page.get_by_role("button", name="← Назад")).to_be_hidden()

    # «Отключить» on the АИИС page ends this account's access: the meter card then offers to connect.
    page.get_by_role("navigation", name="Разделы кабинета").get_by_role("link", name="АИИС КУЭ").click()
    page.get_by_role("button", name=f"Отключить АИИС КУЭ от договора № {aiis_consumer['contract']}").click()
    page.get_by_role("dialog").get_by_role("button", name="Отключить").click()
    expect(page.get_by_text(f"Услуга АИИС КУЭ отключена от договора № {aiis_consumer['contract']}")).to_be_visible()
    expect(page.get_by_role("heading", name="Подключение сервиса")).to_be_visible()
    page.goto(f"{site_url}/#/accounts")
    page.get_by_role("link", name=f"Счётчик № {aiis_consumer['serial']}").click()
    expect(page.get_by_role("link", name="Подключить АИИС КУЭ")).to_be_visible()
