"""The company settings document: what it accepts, what it refuses and how it says so."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from chalicelib.core.validation import to_api_error
from chalicelib.settings.model import CompanySettings
from chalicelib.settings.service import defaults, seed


def errors(change) -> list[dict[str, str]]:
    data = defaults()
    change(data)
    with pytest.raises(ValidationError) as raised:
        CompanySettings.model_validate(data)
    return to_api_error(raised.value).body()["error"]["fields"]


def test_the_repositorys_defaults_are_a_valid_document():
    settings = CompanySettings.model_validate(defaults())
    assert settings.tz.key == "Europe/Moscow" and settings.readings.window_start_day == 25
    assert [f"{r}" for r in settings.readings.lock_ranges] == ["00:55-01:25", "12:55-13:25"]
    assert len(settings.submitter_categories) == 6


@pytest.mark.parametrize("day", [0, 32, "двадцать", 2.5])
def test_the_window_start_day_is_a_day_of_the_month(day):
    assert errors(lambda d: d["readings"].update(window_start_day=day)) == [
        {"path": "readings.window_start_day", "message": "День начала приёма показаний — целое число от 1 до 31"}
    ]


@pytest.mark.parametrize(
    "windows, message",
    [
        (
            [{"start": "13:00", "end": "12:00"}],
            "Окно блокировки «13:00-12:00» должно заканчиваться позже, чем начинается, в пределах суток",
        ),
        (
            [{"start": "12:00", "end": "12:00"}],
            "Окно блокировки «12:00-12:00» должно заканчиваться позже, чем начинается, в пределах суток",
        ),
        (
            [{"start": "01:00", "end": "02:00"}, {"start": "02:00", "end": "03:00"}],
            "Окна блокировки «01:00-02:00» и «02:00-03:00» пересекаются или примыкают друг к другу: объедините их",
        ),
    ],
)
def test_lock_windows_that_cannot_be_scheduled_are_refused(windows, message):
    assert errors(lambda d: d["readings"].update(lock_windows=windows)) == [
        {"path": "readings.lock_windows", "message": message}
    ]


def test_a_lock_window_time_must_be_a_time_of_day():
    assert errors(lambda d: d["readings"].update(lock_windows=[{"start": "1:5", "end": "25:00"}])) == [
        {"path": "readings.lock_windows.0.start", "message": "Время указывается как ЧЧ:ММ, например 00:55"},
        {"path": "readings.lock_windows.0.end", "message": "Время указывается как ЧЧ:ММ, например 00:55"},
    ]


def test_lock_windows_are_kept_in_the_order_of_the_day_and_none_is_allowed():
    data = defaults()
    data["readings"]["lock_windows"] = [{"start": "18:31", "end": "18:47"}, {"start": "06:02", "end": "06:03"}]
    settings = CompanySettings.model_validate(data)
    assert settings.readings.lock_windows_spec == "06:02-06:03,18:31-18:47"
    data["readings"]["lock_windows"] = []
    assert CompanySettings.model_validate(data).readings.lock_ranges == ()


def test_submitters_are_consumer_categories_in_one_order():
    data = defaults()
    data["readings"]["submitters"] = ["cooperative", "company", "company"]
    assert CompanySettings.model_validate(data).readings.submitters == ["company", "cooperative"]
    assert errors(lambda d: d["readings"].update(submitters=["person"])) == [
        {"path": "readings.submitters", "message": "Неизвестная категория потребителей: выберите из списка"}
    ]


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("inn", "77070838", "ИНН: 10 или 12 цифр"),
        ("inn", "77070838AB", "ИНН: 10 или 12 цифр"),
        ("kpp", "7707010", "КПП: 9 цифр"),
        ("ogrn", "10277000000", "ОГРН: 13 или 15 цифр"),
    ],
)
def test_requisites_have_their_lengths(field, value, message):
    assert errors(lambda d: d["requisites"].update({field: value})) == [
        {"path": f"requisites.{field}", "message": message}
    ]


def test_requisites_of_a_company_and_of_an_entrepreneur_are_accepted():
    data = defaults()
    data["requisites"].update(inn="7707083893", kpp="770701001", ogrn="1027700132195")
    assert CompanySettings.model_validate(data).requisites.kpp == "770701001"
    data["requisites"].update(inn="500100732259", kpp="", ogrn="304500116000157")
    assert CompanySettings.model_validate(data).requisites.ogrn == "304500116000157"


def test_billing_end_day_colours_and_addressees():
    assert errors(lambda d: d.update(billing_period_end_day=32))[0]["path"] == "billing_period_end_day"
    assert errors(lambda d: d["branding"].update(accent_color="yellow")) == [
        {"path": "branding.accent_color", "message": "Цвет указывается как #RRGGBB, например #1a4f86"}
    ]
    assert errors(lambda d: d.update(appeal_addressees=[]))[0]["path"] == "appeal_addressees"
    assert errors(lambda d: d["contacts"].update(email="support"))[0] == {
        "path": "contacts.email",
        "message": "Адрес электронной почты указан неверно",
    }


def test_unknown_fields_are_refused():
    assert errors(lambda d: d["readings"].update(window_end_day=3)) == [
        {"path": "readings", "message": "В запросе есть поля, которые не предусмотрены"}
    ]


def test_the_seed_takes_the_deployments_env_values_and_skips_invalid_ones():
    from chalicelib.core.config import Settings

    env = Settings.from_env(
        {
            "KABINET_COMPANY_NAME": "ООО «Свет»",
            "KABINET_READING_WINDOW_START_DAY": "20",
            "KABINET_READING_SUBMITTERS": "company",
            "KABINET_COMPANY_TIMEZONE": "Mars/Olympus",
            "KABINET_READING_LOCK_WINDOWS": "",
        }
    )
    settings = seed(env)
    assert settings.requisites.name == "ООО «Свет»" and settings.readings.window_start_day == 20
    assert settings.readings.submitters == ["company", "cooperative"]  # the old value «company» covers both
    assert settings.time_zone == "Europe/Moscow"  # not a zone: the default stays
    assert settings.readings.lock_windows == []  # explicitly none: a company without exchange
