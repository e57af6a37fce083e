"""АИИС КУЭ pages in a real browser with a 15-minute meter: the profile in quarter hours, the
readings table's day-start registers (marked where they are the first reading after midnight), and
the CSV downloads of the chart and of the event journal.

Data are put in through the ingestion service in-process, as in test_aiis_flow.py (same demo meter,
other days: that test fills the last ten days with half hours; snapshots do not collide with them).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from aiis_browser import link_aiis_consumer, sign_in
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

MOSCOW = ZoneInfo("Europe/Moscow")


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


@pytest.fixture(scope="module")
def quarter_consumer(site_url):
    from chalicelib.aiis.ingestion.ingest import BatchIngest
    from chalicelib.aiis.reads.contracts import AiisContracts
    from chalicelib.aiis.storage.days import day_start
    from chalicelib.exchange.demo import AIIS_SERIAL, DEMO_CONTRACT

    made = link_aiis_consumer("aiisq")
    login = made["login"]
    AiisContracts().set_connected(made["principal"], DEMO_CONTRACT, True)
    agent = made["agent"]
    meter_id = agent.meters.as_dict()[AIIS_SERIAL]["meter_id"]
    today = datetime.now(MOSCOW).date()
    quarter_day, snapshot_days = today - timedelta(days=20), [today - timedelta(days=n) for n in (3, 2)]
    midnight = day_start(quarter_day, MOSCOW)
    records = [
        {
            "kind": "interval",
            "meter": AIIS_SERIAL,
            "start": iso(midnight + timedelta(minutes=15 * n)),
            "minutes": 15,
            "values": {"A+": 0.2, "A-": 0.0, "R+": 0.05, "R-": 0.0},
            "status": "ok",
        }
        for n in range(96)
    ]
    records += [
        {
            "kind": "snapshot",
            "meter": AIIS_SERIAL,
            "day": d.isoformat(),
            "day_start": iso(day_start(d, MOSCOW)),
            "values": {"A+": 40000.5 + n, "A-": 0.0, "R+": 10000.25, "R-": 0.0},
            "source": "first_after_midnight" if n == 0 else "meter",
        }
        for n, d in enumerate(snapshot_days)
    ]
    records.append(
        {
            "kind": "event",
            "meter": AIIS_SERIAL,
            "at": iso(datetime.now(UTC) - timedelta(hours=1)),
            "journal": "tamper",
            "code": "5",
            "severity": "critical",
            "text": "Вскрытие клеммной крышки",
        }
    )
    outcome = BatchIngest().apply(agent, records)
    assert not outcome.rejected, outcome.rejected[:3]
    return {"login": login, "meter_id": meter_id, "quarter_day": quarter_day, "snapshot_days": snapshot_days}


def test_quarter_hours_day_start_registers_and_csv_downloads(page: Page, site_url: str, quarter_consumer) -> None:
    data = quarter_consumer
    sign_in(page, site_url, data["login"])
    page.goto(f"{site_url}/#/aiis/meter?id={data['meter_id']}")
    expect(page.get_by_role("heading", name="АИИС КУЭ:", exact=False)).to_be_visible()

    # The profile of the 15-minute day: 96 intervals.
    profile = page.get_by_role("region", name="Профиль мощности")
    day: date = data["quarter_day"]
    expect(profile.locator(".aiis-total")).to_contain_text("Интервалов по")  # the first load is done
    profile.get_by_label("С", exact=True).fill(day.isoformat())
    profile.get_by_label("По", exact=True).fill(day.isoformat())
    profile.get_by_role("button", name="Показать").click()
    expect(profile.locator(".aiis-total")).to_have_text(
        "Интервалов по 15 мин: достоверных 96, расчётных 0, без значения в счётчике 0, не поступило 0."
    )

    # Day-start registers for past days; the agent's first reading after midnight is marked.
    readings = page.get_by_role("region", name="Показания по суткам")
    earlier, later = (readings.get_by_role("row").filter(has_text=f"{d:%d.%m.%Y}") for d in data["snapshot_days"])
    expect(later).to_contain_text("40\u00a0001,5")
    expect(later.locator(".aiis-mark")).to_have_count(0)
    expect(earlier).to_contain_text("40\u00a0000,5")
    expect(earlier.locator(".aiis-mark").first).to_have_attribute("title", "первое показание после полуночи")
    expect(readings).to_contain_text("показано первое показание после полуночи")

    # The journal as CSV, with the page's filters.
    journal = page.get_by_role("region", name="Журнал событий")
    expect(journal).to_contain_text("Вскрытие клеммной крышки")
    with page.expect_download() as download:
        journal.get_by_role("button", name="Скачать CSV").click()
    with open(download.value.path(), encoding="utf-8", newline="") as file:
        text = file.read()
    assert text.startswith("\ufeffВремя;Важность;Журнал;Код события;Событие\r\n")
    assert "Авария;Внешние воздействия;5;Вскрытие клеммной крышки" in text

    # The chart's points as CSV (the year the chart opens on).
    chart = page.get_by_role("region", name="График потребления")
    expect(page.locator(".aiis-chart canvas").first).to_have_attribute("data-scale", "year")
    with page.expect_download() as download:
        chart.get_by_role("button", name="Скачать CSV").click()
    rows = download.value.path().read_text(encoding="utf-8-sig").splitlines()
    assert rows[0].startswith("С;По;A+, кВт·ч;Данные") and len(rows) == 13
