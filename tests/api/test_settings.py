"""Company settings: the administrator's versioned document, the public part the site reads, and
the reading window it sets applying to the consumers' entry form at once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from helpers import billing_meter, count_calls, load_billing, login, register_and_confirm, staff_user, unique_contract

from chalicelib.core import clock

# 27 November 2026, 10:00 in Moscow: inside the default entry window (from the 25th).
IN_WINDOW = datetime(2026, 11, 27, 7, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fresh_settings(aws):
    """Each test starts with no stored document (the seed in force) and a frozen clock."""
    from chalicelib.settings import repository, service

    def forget() -> None:
        for item in repository.SettingsItem.query(repository.PK):
            item.delete()
        service.reset_cache()

    forget()
    clock.set_clock(lambda: IN_WINDOW)
    yield
    clock.set_clock(None)
    forget()


@pytest.fixture
def admin(api):
    return staff_user(api, "admin")


def read(api, admin) -> dict:
    status, answer = api.get("/staff/settings", token=admin["token"])
    assert status == 200, answer
    return answer


def put(api, admin, version: int, settings: dict):
    return api.call("PUT", "/staff/settings", {"version": version, "settings": settings}, token=admin["token"])


def test_the_first_read_stores_the_defaults_as_version_one(api, admin):
    answer = read(api, admin)
    assert answer["version"] == 1 and answer["saved_by"] == "начальные значения"
    settings = answer["settings"]
    assert settings["requisites"]["name"] == "АО «Горэлектросеть»" and settings["time_zone"] == "Europe/Moscow"
    assert settings["readings"]["window_start_day"] == 25
    assert settings["readings"]["lock_windows"] == [
        {"start": "00:55", "end": "01:25"},
        {"start": "12:55", "end": "13:25"},
    ]
    assert answer["history"] == [{"version": 1, "saved_at": answer["saved_at"], "saved_by": "начальные значения"}]
    assert answer["categories"]["company"] == "юридических лиц"
    assert read(api, admin)["version"] == 1  # reading again stores nothing new


def test_the_deployments_former_env_values_seed_version_one(api, admin, settings_override):
    settings_override(
        company_name="ООО «Сетевая компания»",
        company_timezone="Asia/Yekaterinburg",
        reading_window_start_day=20,
        reading_lock_windows="02:00-02:30",
        company_inn="6658000000",
        appeal_addressees="Директор;Главный инженер",
        aiis_billing_period_end_day=14,
    )
    settings = read(api, admin)["settings"]
    assert settings["requisites"]["name"] == "ООО «Сетевая компания»" and settings["requisites"]["inn"] == "6658000000"
    assert settings["time_zone"] == "Asia/Yekaterinburg" and settings["billing_period_end_day"] == 14
    assert settings["readings"]["window_start_day"] == 20
    assert settings["readings"]["lock_windows"] == [{"start": "02:00", "end": "02:30"}]
    assert settings["appeal_addressees"] == ["Директор", "Главный инженер"]


def test_an_env_value_the_document_refuses_leaves_the_default(api, admin, settings_override):
    settings_override(reading_lock_windows="00:55-01:25,01:00-02:00", reading_window_start_day=40)
    settings = read(api, admin)["settings"]
    assert settings["readings"]["window_start_day"] == 25
    assert len(settings["readings"]["lock_windows"]) == 2


def test_only_an_administrator_reads_and_saves(api, admin):
    operator = staff_user(api, "operator")
    user = register_and_confirm(api)
    consumer_token = login(api, user["login"])["access_token"]
    settings = read(api, admin)["settings"]
    for token in (operator["token"], consumer_token):
        assert api.get("/staff/settings", token=token)[0] == 403
        assert api.call("PUT", "/staff/settings", {"version": 1, "settings": settings}, token=token)[0] == 403
    assert api.get("/staff/settings")[0] == 401


def test_a_save_is_a_new_version_and_a_stale_version_is_refused(api, admin):
    from chalicelib.core import audit

    settings = read(api, admin)["settings"]
    settings["contacts"]["phone"] = "8 800 100-20-30"
    status, saved = put(api, admin, 1, settings)
    assert status == 200, saved
    assert saved["version"] == 2 and saved["saved_by"] == admin["login"]
    assert [v["version"] for v in saved["history"]] == [2, 1]
    # Someone who opened the page at version 1 does not overwrite version 2.
    settings["contacts"]["phone"] = "8 800 999-99-99"
    status, answer = put(api, admin, 1, settings)
    assert status == 409 and answer["error"]["code"] == "stale_version"
    assert "Обновите страницу" in answer["error"]["message"]
    assert read(api, admin)["settings"]["contacts"]["phone"] == "8 800 100-20-30"
    [entry] = [e for e in audit.for_target("settings", "company") if e.details.get("version") == 2]
    assert entry.action == "settings.update" and entry.actor_login == admin["login"]
    assert entry.details["changed"] == ["contacts.phone"]


@pytest.mark.parametrize(
    "change, path, message",
    [
        (
            lambda s: s["readings"].update(window_start_day=0),
            "settings.readings.window_start_day",
            "День начала приёма показаний — целое число от 1 до 31",
        ),
        (
            lambda s: s["readings"].update(
                lock_windows=[{"start": "00:55", "end": "01:25"}, {"start": "01:10", "end": "02:00"}]
            ),
            "settings.readings.lock_windows",
            "Окна блокировки «00:55-01:25» и «01:10-02:00» пересекаются или примыкают друг к другу: объедините их",
        ),
        (
            lambda s: s["readings"].update(lock_windows=[{"start": "23:30", "end": "00:30"}]),
            "settings.readings.lock_windows",
            "Окно блокировки «23:30-00:30» должно заканчиваться позже, чем начинается, в пределах суток",
        ),
        (
            lambda s: s["readings"].update(lock_windows=[{"start": "24:00", "end": "24:30"}]),
            "settings.readings.lock_windows.0.start",
            "Время указывается как ЧЧ:ММ, например 00:55",
        ),
        (
            lambda s: s["readings"].update(submitters=["company", "everyone"]),
            "settings.readings.submitters",
            "Неизвестная категория потребителей: выберите из списка",
        ),
        (lambda s: s["requisites"].update(inn="12345"), "settings.requisites.inn", "ИНН: 10 или 12 цифр"),
        (
            lambda s: s.update(time_zone="Europe/Atlantis"),
            "settings.time_zone",
            "Неизвестный часовой пояс: укажите имя из базы IANA, например Europe/Moscow",
        ),
        (
            lambda s: s["branding"].update(logo_url="javascript:alert(1)"),
            "settings.branding.logo_url",
            "Логотип: путь на сайте (assets/logo.svg) или адрес https://…",
        ),
        (
            lambda s: s.update(connection_rates="nobody"),
            "settings.connection_rates",
            "Нет таблицы ставок платы с таким кодом (файлы chalicelib/calculator/rates/<код>-<год>.json)",
        ),
    ],
)
def test_an_invalid_document_is_refused_field_by_field_in_russian(api, admin, change, path, message):
    settings = read(api, admin)["settings"]
    change(settings)
    status, answer = put(api, admin, 1, settings)
    assert status == 422, answer
    assert {"path": path, "message": message} in answer["error"]["fields"]
    assert read(api, admin)["version"] == 1


def test_lock_windows_at_any_minutes_are_accepted(api, admin):
    settings = read(api, admin)["settings"]
    settings["readings"]["lock_windows"] = [{"start": "12:40", "end": "13:10"}, {"start": "00:55", "end": "01:25"}]
    status, saved = put(api, admin, 1, settings)
    assert status == 200, saved
    # Kept in the order of the day.
    assert saved["settings"]["readings"]["lock_windows"] == [
        {"start": "00:55", "end": "01:25"},
        {"start": "12:40", "end": "13:10"},
    ]


def test_the_public_part_is_what_the_site_needs_and_follows_a_save_at_once(api, admin):
    status, public = api.get("/settings/public")
    assert status == 200
    assert set(public) == {"name", "time_zone", "contacts", "branding", "reading_window"}
    assert public["name"] == "АО «Горэлектросеть»" and public["time_zone"] == "Europe/Moscow"
    assert public["contacts"]["hours"][0] == "Пн–Чт: 8:00–17:00"
    assert public["reading_window"]["start_day"] == 25
    settings = read(api, admin)["settings"]
    settings["requisites"].update(name="АО «Новая сеть»", inn="3664000000")
    settings["branding"]["primary_color"] = "#AA3300"
    assert put(api, admin, 1, settings)[0] == 200
    public = api.get("/settings/public")[1]
    assert public["name"] == "АО «Новая сеть»" and public["branding"]["primary_color"] == "#aa3300"
    assert "3664000000" not in str(public)  # requisites stay in the console
    # Served from the container's cache: no DynamoDB call.
    with count_calls("dynamodb") as calls:
        assert api.get("/settings/public")[0] == 200
    assert calls == []


def test_a_changed_reading_window_applies_to_the_consumers_entry_form_at_once(api, admin):
    number = unique_contract()
    load_billing(billing_meter(number, f"W{number[-6:].upper()}1", last_period="2026-10", last_values={"T1": "100"}))
    user = register_and_confirm(api)
    token = login(api, user["login"])["access_token"]
    tree = api.post("/accounts", {"contract_number": number, "meter_serial": f"W{number[-6:].upper()}1"}, token=token)[
        1
    ]
    meter = tree["contracts"][0]["objects"][0]["meters"][0]["id"]
    form = api.get(f"/meters/{meter}/readings/current", token=token)[1]
    assert form["window"]["accepts_entry"] and form["can_submit"]

    settings = read(api, admin)["settings"]
    settings["readings"]["window_start_day"] = 28
    assert put(api, admin, 1, settings)[0] == 200
    form = api.get(f"/meters/{meter}/readings/current", token=token)[1]
    assert not form["window"]["accepts_entry"] and not form["can_submit"]
    assert form["window"]["opens_at"] == "2026-11-27T21:00:00Z"  # 28 November, 00:00 in Moscow
    status, answer = api.post(f"/meters/{meter}/readings", {"values": {"T1": "150"}}, token=token)
    assert status == 409 and answer["error"]["code"] == "window_closed"


def test_another_container_sees_a_save_once_its_cache_expires(api, admin, monkeypatch):
    from chalicelib.settings import repository, service
    from chalicelib.settings.model import CompanySettings

    assert api.get("/settings/public")[1]["reading_window"]["start_day"] == 25  # cached here
    settings = read(api, admin)["settings"]
    settings["readings"]["window_start_day"] = 26
    # Saved by another container: written to the table, not through this process's cache.
    document = CompanySettings.model_validate(settings).model_dump_json()
    for sk in (repository.CURRENT, repository.version_sk(2)):
        repository.SettingsItem(
            repository.PK, sk, version=2, document=document, saved_at="2026-11-27T07:00:00Z", saved_by="elsewhere"
        ).save()
    assert api.get("/settings/public")[1]["reading_window"]["start_day"] == 25
    monkeypatch.setattr(service, "CACHE_SECONDS", 0.0)
    assert api.get("/settings/public")[1]["reading_window"]["start_day"] == 26
