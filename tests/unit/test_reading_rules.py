"""Reading entry rules: periods, the 25th–last-day window, exchange locks, digit capacity, rollover."""

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from chalicelib.metering.periods import InvalidPeriod, Period
from chalicelib.readings.rules import (
    DEFAULT_LOCK_WINDOWS,
    FIRST_READING_NOTE,
    ROLLOVER_QUESTION,
    Problem,
    ReadingRejected,
    ReadingWindowPolicy,
    SubmissionNotAllowed,
    assert_submittable,
    evaluate,
    submitters_rule,
)
from chalicelib.settings.parsers import InvalidReadingSettings, parse_lock_windows, parse_submitters, parse_timezone

MSK = ZoneInfo("Europe/Moscow")
UTC = UTC
POLICY = ReadingWindowPolicy(MSK)


def msk(*args: int) -> datetime:
    return datetime(*args, tzinfo=MSK)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- Periods -------------------------------------------------------------------------------------------


def test_period_key_round_trips_and_is_zero_padded():
    assert Period(2026, 3).key == "2026-03"
    assert Period.parse("2026-03") == Period(2026, 3)
    assert str(Period(2026, 11)) == "2026-11"


@pytest.mark.parametrize("key", ["2026-13", "2026-00", "2026-1", "26-11", "2026/11", "ноябрь", "", "0000-05"])
def test_malformed_period_key_is_refused_in_russian(key):
    with pytest.raises(InvalidPeriod, match="ГГГГ-ММ"):
        Period.parse(key)


def test_previous_and_next_cross_the_year_boundary():
    assert Period(2027, 1).previous() == Period(2026, 12)
    assert Period(2026, 12).next() == Period(2027, 1)
    assert Period(2026, 6).previous() == Period(2026, 5)
    assert Period(2026, 6).next() == Period(2026, 7)


@pytest.mark.parametrize(
    "period, last",
    [
        (Period(2028, 2), date(2028, 2, 29)),  # leap year
        (Period(2027, 2), date(2027, 2, 28)),
        (Period(2100, 2), date(2100, 2, 28)),  # century, not divisible by 400
        (Period(2000, 2), date(2000, 2, 29)),
        (Period(2026, 11), date(2026, 11, 30)),
        (Period(2026, 12), date(2026, 12, 31)),
    ],
)
def test_last_day_follows_the_calendar(period, last):
    assert period.last_day == last
    assert period.first_day == date(period.year, period.month, 1)


def test_period_of_a_local_datetime_and_its_russian_label():
    assert Period.of(msk(2026, 11, 30, 23, 59)) == Period(2026, 11)
    assert Period(2016, 11).label_ru == "Ноябрь 2016"


def test_periods_order_in_time():
    assert Period(2026, 11) < Period(2026, 12) < Period(2027, 1)


# --- Entry window --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "moment, is_open",
    [
        (msk(2026, 11, 24, 23, 59, 59, 999999), False),
        (msk(2026, 11, 25, 0, 0, 0), True),
        (msk(2026, 11, 30, 23, 59, 59, 999999), True),  # 30-day month: last day, last instant
        (msk(2026, 12, 1, 0, 0, 0), False),
        (msk(2026, 12, 31, 23, 59, 59), True),  # 31-day month
        (msk(2027, 1, 1, 0, 0, 0), False),
        (msk(2028, 2, 29, 23, 59, 59), True),  # leap February ends on the 29th
        (msk(2028, 3, 1, 0, 0, 0), False),
        (msk(2027, 2, 28, 23, 59, 59), True),  # ordinary February ends on the 28th
        (msk(2027, 3, 1, 0, 0, 0), False),
        (msk(2026, 11, 10, 12, 0), False),
    ],
)
def test_window_is_open_from_the_25th_to_the_last_day_of_the_month(moment, is_open):
    assert POLICY.status(moment).open is is_open


def test_leap_february_28th_is_not_the_last_day():
    status = POLICY.status(msk(2028, 2, 28, 12, 0))
    assert status.open and status.days_left == 2
    assert status.closes_at == msk(2028, 3, 1)


@pytest.mark.parametrize(
    "instant, is_open, period",
    [
        (utc(2026, 11, 24, 21, 0, 0), True, Period(2026, 11)),  # 25th 00:00 in Moscow
        (utc(2026, 11, 24, 20, 59, 59), False, Period(2026, 11)),  # still the 24th in Moscow
        (utc(2026, 11, 30, 20, 59, 59), True, Period(2026, 11)),
        (utc(2026, 11, 30, 21, 0, 0), False, Period(2026, 12)),  # 1 December already in Moscow
    ],
)
def test_utc_instant_is_judged_on_the_company_local_day(instant, is_open, period):
    status = POLICY.status(instant)
    assert (status.open, status.period) == (is_open, period)


def test_open_window_reports_its_bounds_days_left_and_message():
    status = POLICY.status(utc(2026, 11, 24, 21, 0))
    assert status.opens_at == utc(2026, 11, 24, 21, 0)
    assert status.closes_at == utc(2026, 11, 30, 21, 0)  # the 1st, 00:00 Moscow: the period closes
    assert status.days_left == 6
    assert status.accepts_entry and not status.locked and status.unlocks_at is None
    assert status.message_ru == "Приём показаний открыт до 30 ноября 23:59. Осталось 6 дней."


def test_last_day_of_the_window_says_so():
    status = POLICY.status(msk(2026, 12, 31, 20, 0))
    assert status.days_left == 1
    assert status.message_ru == "Приём показаний открыт до 31 декабря 23:59. Сегодня последний день."


def test_closed_window_points_to_the_next_opening_in_the_current_period():
    status = POLICY.status(msk(2026, 12, 1, 0, 0))
    assert not status.open and not status.accepts_entry
    assert status.period == Period(2026, 12)
    assert status.opens_at == msk(2026, 12, 25)
    assert status.closes_at == msk(2027, 1, 1)
    assert status.days_left == 0
    assert status.message_ru == (
        "Приём показаний с 25 по последнее число месяца. Следующий приём откроется 25 декабря в 00:00."
    )


@pytest.mark.parametrize(
    "moment, expected",
    [
        (msk(2026, 11, 1, 9, 0), "Осталось 30 дней."),
        (msk(2026, 11, 10, 9, 0), "Остался 21 день."),
        (msk(2026, 11, 20, 9, 0), "Осталось 11 дней."),
        (msk(2026, 12, 20, 9, 0), "Осталось 12 дней."),
        (msk(2026, 11, 28, 9, 0), "Осталось 3 дня."),
        (msk(2026, 11, 29, 9, 0), "Осталось 2 дня."),
        (msk(2026, 12, 1, 9, 0), "Остался 31 день."),
    ],
)
def test_days_left_agree_with_the_russian_numeral(moment, expected):
    whole_month = ReadingWindowPolicy(MSK, window_start_day=1)
    assert whole_month.status(moment).message_ru.endswith(expected)


@pytest.mark.parametrize(
    "start_day, period, opens",
    [
        (30, Period(2027, 2), date(2027, 2, 28)),
        (30, Period(2028, 2), date(2028, 2, 29)),
        (31, Period(2026, 4), date(2026, 4, 30)),
        (31, Period(2026, 5), date(2026, 5, 31)),
        (1, Period(2026, 5), date(2026, 5, 1)),
    ],
)
def test_start_day_beyond_a_short_month_is_clamped_to_its_last_day(start_day, period, opens):
    opens_at, closes_at = ReadingWindowPolicy(MSK, window_start_day=start_day).window_of(period)
    assert opens_at == datetime(opens.year, opens.month, opens.day, tzinfo=MSK)
    assert closes_at == datetime(period.next().year, period.next().month, 1, tzinfo=MSK)


def test_clamped_window_opens_on_the_last_day_of_february():
    policy = ReadingWindowPolicy(MSK, window_start_day=30)
    before = policy.status(msk(2027, 2, 27, 23, 59, 59))
    assert not before.open
    assert before.message_ru.endswith("Следующий приём откроется 28 февраля в 00:00.")
    assert policy.status(msk(2027, 2, 28, 0, 0)).days_left == 1


def test_naive_now_is_a_programming_error():
    with pytest.raises(ValueError, match="timezone-aware"):
        POLICY.status(datetime(2026, 11, 25))


@pytest.mark.parametrize("day", [0, 32])
def test_window_start_day_must_be_a_day_of_month(day):
    with pytest.raises(InvalidReadingSettings, match="от 1 до 31"):
        ReadingWindowPolicy(MSK, window_start_day=day)


# --- Exchange lock windows -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "hms, locked",
    [
        ((0, 54, 59), False),
        ((0, 55, 0), True),
        ((1, 24, 59), True),
        ((1, 25, 0), False),
        ((12, 54, 59), False),
        ((12, 55, 0), True),
        ((13, 24, 59), True),
        ((13, 25, 0), False),
    ],
)
def test_lock_windows_are_half_open(hms, locked):
    status = POLICY.status(msk(2026, 11, 26, *hms))
    assert status.open
    assert status.locked is locked
    assert status.accepts_entry is not locked


def test_locked_entry_says_when_it_unlocks_and_that_typed_values_are_kept():
    status = POLICY.status(utc(2026, 11, 26, 9, 55))  # 12:55 Moscow
    assert status.locked and status.open and not status.accepts_entry
    assert status.unlocks_at == msk(2026, 11, 26, 13, 25)
    assert status.message_ru == (
        "Идёт обмен данными с биллинговой системой. "
        "Ввод показаний будет доступен в 13:25. "
        "Введённые значения сохранены на странице."
    )


def test_lock_on_the_first_night_of_the_window():
    status = POLICY.status(msk(2026, 11, 25, 0, 55))
    assert status.open and status.locked
    assert status.unlocks_at == msk(2026, 11, 25, 1, 25)


def test_outside_the_window_a_lock_is_reported_but_the_message_is_about_the_closed_window():
    # The exchange runs every day, so `locked` stays truthful; the user only needs to know entry is closed.
    status = POLICY.status(msk(2026, 11, 10, 0, 55))
    assert not status.open and status.locked and not status.accepts_entry
    assert status.unlocks_at == msk(2026, 11, 10, 1, 25)
    assert status.message_ru.startswith("Приём показаний с 25 по последнее число месяца.")


def test_lock_windows_follow_the_local_wall_clock_across_daylight_saving():
    berlin = ReadingWindowPolicy(ZoneInfo("Europe/Berlin"))
    assert berlin.status(utc(2026, 1, 26, 23, 55)).locked  # 00:55 CET (+01)
    assert berlin.status(utc(2026, 7, 25, 22, 55)).locked  # 00:55 CEST (+02)
    assert not berlin.status(utc(2026, 7, 25, 23, 55)).locked  # 01:55 CEST


def test_policy_from_company_settings():
    from chalicelib.readings.window import policy_of
    from chalicelib.settings.model import CompanySettings
    from chalicelib.settings.service import defaults

    document = defaults()
    document["time_zone"] = "Asia/Yekaterinburg"
    document["readings"].update(window_start_day=20, lock_windows=[{"start": "02:00", "end": "02:30"}])
    policy = policy_of(CompanySettings.model_validate(document))
    assert policy.status(utc(2026, 11, 19, 19, 0)).open  # 20th 00:00 at +05
    assert not policy.status(utc(2026, 11, 19, 18, 59, 59)).open
    assert policy.status(utc(2026, 11, 20, 21, 0)).locked  # 21st 02:00 local
    assert not policy.status(utc(2026, 11, 20, 19, 55)).locked  # 00:55 is not a lock time here


def test_default_lock_windows_are_the_seed_exchange_times():
    assert [str(w) for w in DEFAULT_LOCK_WINDOWS] == ["00:55-01:25", "12:55-13:25"]
    assert ReadingWindowPolicy(MSK).lock_windows == DEFAULT_LOCK_WINDOWS


def test_lock_windows_parse_with_spaces_in_any_order():
    parsed = parse_lock_windows(" 12:55 - 13:25 , 0:55-01:25, ")
    assert [str(w) for w in parsed] == ["00:55-01:25", "12:55-13:25"]


def test_empty_lock_windows_setting_means_no_locks():
    policy = ReadingWindowPolicy(MSK, lock_windows=parse_lock_windows(""))
    assert policy.status(msk(2026, 11, 26, 0, 55)).accepts_entry


@pytest.mark.parametrize(
    "spec, message",
    [
        ("0055-0125", "нужно ЧЧ:ММ-ЧЧ:ММ"),
        ("00:55", "нужно ЧЧ:ММ-ЧЧ:ММ"),
        ("24:00-24:30", "такого времени суток нет"),
        ("00:60-01:10", "такого времени суток нет"),
        ("13:25-12:55", "заканчиваться позже, чем начинается"),
        ("23:50-00:10", "заканчиваться позже, чем начинается"),
        ("01:00-01:00", "заканчиваться позже, чем начинается"),
        ("00:55-01:25,01:00-02:00", "пересекаются"),
        ("00:55-01:25,01:25-01:40", "примыкают"),
    ],
)
def test_bad_lock_window_setting_is_refused_with_a_clear_reason(spec, message):
    with pytest.raises(InvalidReadingSettings, match=message):
        parse_lock_windows(spec)


@pytest.mark.parametrize("name", ["Mars/Olympus_Mons", "", "../etc/passwd"])
def test_unknown_time_zone_is_refused(name):
    with pytest.raises(InvalidReadingSettings, match="Неизвестный часовой пояс"):
        parse_timezone(name)


# --- Reading values ------------------------------------------------------------------------------------


def one_zone(value, previous, *, digits=5, coefficient="1", confirmed=False):
    return evaluate(
        {"T1": value},
        {"T1": None if previous is None else Decimal(previous)},
        digits,
        ["T1"],
        Decimal(coefficient),
        confirmed,
    )


def rejection(check, *args, **kwargs) -> ReadingRejected:
    with pytest.raises(ReadingRejected) as caught:
        check(*args, **kwargs)
    return caught.value


def test_seed_rollover_example_99958_to_00123_on_five_digits_is_165():
    zone = one_zone("00123", "99958", confirmed=True).zone("T1")
    assert (zone.value, zone.previous, zone.difference, zone.consumption, zone.rollover) == (
        Decimal(123),
        Decimal(99958),
        Decimal(165),
        Decimal(165),
        True,
    )


def test_rollover_consumption_is_multiplied_by_the_coefficient():
    result = one_zone("00123", "99958", coefficient="40", confirmed=True)
    assert result.zone("T1").consumption == Decimal(6600)
    assert (result.total_difference, result.total_consumption) == (Decimal(165), Decimal(6600))


def test_rollover_on_a_six_digit_meter_wraps_at_a_million():
    zone = one_zone("000010", "999990", digits=6, confirmed=True).zone("T1")
    assert (zone.difference, zone.rollover) == (Decimal(20), True)


def test_unconfirmed_rollover_asks_the_question_on_the_zone():
    error = rejection(one_zone, "00123", "99958")
    assert error.errors == [Problem("values.T1", "Переход электросчётчика через ноль?")]
    assert error.needs_rollover_confirmation == ["T1"]
    assert error.only_needs_confirmation


def test_multi_zone_meter_with_one_zone_rolling_over():
    result = evaluate(
        {"T1": "12400", "T2": "00010"},
        {"T1": Decimal(12345), "T2": Decimal(99990)},
        5,
        ["T1", "T2"],
        Decimal(2),
        {"T2": True},
    )
    assert [(z.zone, z.difference, z.consumption, z.rollover) for z in result.zones] == [
        ("T1", Decimal(55), Decimal(110), False),
        ("T2", Decimal(20), Decimal(40), True),
    ]
    assert (result.total_difference, result.total_consumption) == (Decimal(75), Decimal(150))


def test_per_zone_confirmation_asks_only_for_the_unconfirmed_zone():
    error = rejection(
        evaluate,
        {"T1": "00005", "T2": "00010", "T3": "500"},
        {"T1": Decimal(99999), "T2": Decimal(99990), "T3": Decimal(400)},
        5,
        ["T1", "T2", "T3"],
        Decimal(1),
        {"T1": True},
    )
    assert error.errors == [Problem("values.T2", ROLLOVER_QUESTION)]
    assert error.needs_rollover_confirmation == ["T2"]


def test_a_question_next_to_a_real_error_is_not_only_a_confirmation():
    error = rejection(
        evaluate, {"T1": "00010", "T2": "abc"}, {"T1": Decimal(99990), "T2": Decimal(1)}, 5, ["T1", "T2"], Decimal(1)
    )
    assert [p.path for p in error.errors] == ["values.T1", "values.T2"]
    assert error.needs_rollover_confirmation == ["T1"]
    assert not error.only_needs_confirmation


def test_value_below_previous_that_a_rollover_cannot_explain_is_rejected_without_asking():
    # 12345 → 12300 as a rollover would be 99955 kWh: a misread, so confirming must not bill it.
    error = rejection(one_zone, "12300", "12345", confirmed=True)
    assert error.needs_rollover_confirmation == []
    assert error.errors[0].path == "values.T1"
    assert error.errors[0].message.startswith("Показание меньше предыдущего")


def test_rollover_of_exactly_half_the_range_is_still_plausible():
    assert one_zone("00000", "50000", confirmed=True).zone("T1").difference == Decimal(50000)
    with pytest.raises(ReadingRejected, match="Проверьте показания") as caught:
        one_zone("00000", "49999", confirmed=True)
    assert caught.value.needs_rollover_confirmation == []


def test_previous_value_the_meter_cannot_show_never_explains_a_rollover():
    error = rejection(one_zone, "00100", "123456", confirmed=True)  # 6-digit previous on a 5-digit meter
    assert error.errors[0].message.startswith("Показание меньше предыдущего")


def test_confirmation_is_ignored_for_a_zone_that_did_not_roll_over():
    zone = one_zone("12400", "12345", confirmed=True).zone("T1")
    assert (zone.difference, zone.rollover) == (Decimal(55), False)


def test_same_value_as_previous_is_zero_consumption():
    assert one_zone("12345", "12345").zone("T1").consumption == Decimal(0)


@pytest.mark.parametrize("previous", [{"T1": None}, {}])
def test_first_reading_has_no_difference_yet(previous):
    result = evaluate({"T1": "555"}, previous, 5, ["T1"], Decimal(1))
    zone = result.zone("T1")
    assert (zone.difference, zone.consumption, zone.rollover) == (None, None, False)
    assert zone.note_ru == FIRST_READING_NOTE == "Расход будет рассчитан после проверки"
    assert (result.total_difference, result.total_consumption) == (None, None)


def test_totals_are_withheld_when_any_zone_lacks_a_previous_value():
    result = evaluate({"T1": "200", "T2": "50"}, {"T1": Decimal(100)}, 5, ["T1", "T2"], Decimal(1))
    assert result.zone("T1").difference == Decimal(100) and result.zone("T1").note_ru is None
    assert result.total_difference is None and result.total_consumption is None


def test_arithmetic_is_exact_decimal():
    zone = one_zone("0.3", "0.1", coefficient="3").zone("T1")
    assert zone.difference == Decimal("0.2") and zone.consumption == Decimal("0.6")
    assert all(isinstance(v, Decimal) for v in (zone.value, zone.difference, zone.consumption))


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("74 525", Decimal(74525)),
        ("\u00a012\u202f345,5 ", Decimal("12345.5")),
        ("123,45", Decimal("123.45")),
        ("123.4", Decimal("123.4")),
        ("000123", Decimal(123)),  # leading zeros as the display shows them are not extra digits
        ("99999.99", Decimal("99999.99")),
    ],
)
def test_values_are_read_the_way_people_type_them(raw, expected):
    assert one_zone(raw, None).zone("T1").value == expected


def test_more_digits_than_the_meter_has_is_refused():
    error = rejection(one_zone, "100000", "99958")
    assert error.errors == [Problem("values.T1", "Показание содержит больше цифр, чем разрядность счётчика (5)")]
    assert error.needs_rollover_confirmation == []


@pytest.mark.parametrize("raw", ["-5", "−5", "-0,5"])
def test_negative_value_is_refused(raw):
    assert rejection(one_zone, raw, None).errors == [Problem("values.T1", "Показание не может быть отрицательным")]


@pytest.mark.parametrize("raw", ["12a45", "1e5", "NaN", "Infinity", "12.3.4", ".5", "5.", "+5", "0x10"])
def test_non_numeric_value_is_refused_without_echoing_it(raw):
    (problem,) = rejection(one_zone, raw, None).errors
    assert problem.path == "values.T1"
    assert problem.message.startswith("Показание должно быть числом")
    assert raw not in problem.message


def test_more_than_two_decimals_is_refused():
    assert rejection(one_zone, "123.456", None).errors == [
        Problem("values.T1", "После запятой допускается не больше 2 знаков")
    ]


@pytest.mark.parametrize("values", [{"T1": "1"}, {"T1": "1", "T2": "  "}])
def test_missing_zone_value_is_asked_for_on_its_path(values):
    error = rejection(evaluate, values, {}, 5, ["T1", "T2"], Decimal(1))
    assert error.errors == [Problem("values.T2", "Введите показание")]


def test_zone_the_meter_does_not_have_is_refused():
    error = rejection(evaluate, {"T1": "1", "T3": "2"}, {}, 5, ["T1"], Decimal(1))
    assert error.errors == [Problem("values.T3", "У этого счётчика нет такой тарифной зоны")]


def test_all_problems_of_all_zones_come_back_together():
    error = rejection(evaluate, {"T1": "-1", "T2": "1000000", "T9": "1"}, {}, 5, ["T1", "T2", "T3"], Decimal(1))
    assert [p.path for p in error.errors] == ["values.T1", "values.T2", "values.T3", "values.T9"]


@pytest.mark.parametrize(
    "digits, zones, coefficient",
    [
        (0, ["T1"], "1"),
        (5, [], "1"),
        (5, ["T1", "T1"], "1"),
        (5, ["T1"], "0"),
        (5, ["T1"], "-1"),
    ],
)
def test_inconsistent_meter_data_is_a_programming_error(digits, zones, coefficient):
    with pytest.raises(ValueError, match="meter data"):
        evaluate({"T1": "1"}, {}, digits, zones, Decimal(coefficient))


# --- Who may submit (seed 002 §4.7: by the contract's consumer category) ---------------------------------

EVERYBODY = parse_submitters("flat_common_meter,flat_no_common_meter,private_house,entrepreneur,company,cooperative")
NO_COMPANIES = parse_submitters("flat_common_meter,flat_no_common_meter,private_house,entrepreneur")


def test_active_meter_of_an_admitted_category_is_submittable():
    assert assert_submittable("active", "private_house", EVERYBODY) is None
    assert assert_submittable("active", "entrepreneur", NO_COMPANIES) is None


@pytest.mark.parametrize(
    "status, code, reason",
    [
        ("decommissioned", "decommissioned", "Счётчик выведен из эксплуатации: показания не принимаются"),
        ("aiis", "aiis", "Показания этого счётчика передаются автоматически (АИИС КУЭ)"),
    ],
)
def test_decommissioned_and_aiis_meters_take_no_manual_readings(status, code, reason):
    with pytest.raises(SubmissionNotAllowed) as caught:
        assert_submittable(status, "private_house", EVERYBODY)
    assert (caught.value.code, caught.value.reason) == (code, reason)


def test_meter_status_is_reported_before_the_category():
    with pytest.raises(SubmissionNotAllowed) as caught:
        assert_submittable("aiis", "private_house", frozenset({"company"}))
    assert caught.value.code == "aiis"


def test_a_category_the_company_excludes_is_refused_with_the_rule():
    with pytest.raises(SubmissionNotAllowed) as caught:
        assert_submittable("active", "company", NO_COMPANIES)
    assert caught.value.code == "category_not_allowed"
    assert caught.value.reason == (
        "Показания через личный кабинет принимаются только от индивидуальных "
        "предпринимателей и физических лиц. Потребитель по этому договору к ним не относится"
    )


def test_seed_rule_flats_with_a_common_meter_excluded():
    """Seed 002: ЮЛ, кооперативы и ФЛ, в домах которых не установлены общедомовые приборы учёта."""
    seed = parse_submitters("company,cooperative,flat_no_common_meter,private_house")
    assert assert_submittable("active", "cooperative", seed) is None
    assert assert_submittable("active", "flat_no_common_meter", seed) is None
    with pytest.raises(SubmissionNotAllowed) as caught:
        assert_submittable("active", "flat_common_meter", seed)
    assert caught.value.reason.startswith(
        "Показания через личный кабинет принимаются только от юридических лиц, садоводческих, гаражных и "
        "погребных кооперативов, ТСЖ, физических лиц в многоквартирных домах без общедомового прибора учёта и "
        "физических лиц в частных домах."
    )


def test_unknown_category_of_an_old_drop_submits_only_when_every_category_may():
    assert assert_submittable("active", None, EVERYBODY) is None
    with pytest.raises(SubmissionNotAllowed) as caught:
        assert_submittable("active", None, EVERYBODY - {"cooperative"})
    assert caught.value.code == "category_not_allowed"
    assert "ещё не получена из биллинга" in caught.value.reason


def test_nobody_admitted_means_no_manual_entry_at_all():
    with pytest.raises(SubmissionNotAllowed) as caught:
        assert_submittable("active", "private_house", parse_submitters(""))
    assert caught.value.reason == "Приём показаний через личный кабинет не ведётся"


@pytest.mark.parametrize(
    "allowed, rule",
    [
        ("person,entrepreneur,company", None),
        (
            "company",
            "Показания через личный кабинет принимаются только от юридических лиц и садоводческих, "
            "гаражных и погребных кооперативов, ТСЖ",
        ),
        (
            "company,entrepreneur",
            "Показания через личный кабинет принимаются только от юридических лиц, "
            "садоводческих, гаражных и погребных кооперативов, ТСЖ и индивидуальных предпринимателей",
        ),
        ("private_house", "Показания через личный кабинет принимаются только от физических лиц в частных домах"),
        ("", "Приём показаний через личный кабинет не ведётся"),
    ],
)
def test_the_rule_as_the_entry_form_states_it(allowed, rule):
    assert submitters_rule(parse_submitters(allowed)) == rule


def test_old_setting_values_stand_for_their_categories():
    assert parse_submitters("person") == frozenset({"flat_common_meter", "flat_no_common_meter", "private_house"})
    assert parse_submitters(" company , entrepreneur ") == frozenset({"company", "cooperative", "entrepreneur"})
    assert parse_submitters("person,entrepreneur,company") == EVERYBODY
    assert parse_submitters("person,cooperative") == frozenset(
        {"flat_common_meter", "flat_no_common_meter", "private_house", "cooperative"}
    )


def test_default_setting_admits_every_category():
    from chalicelib.core.config import Settings

    assert parse_submitters(Settings().reading_submitters) == EVERYBODY


def test_unknown_setting_values_are_refused_by_name():
    with pytest.raises(InvalidReadingSettings, match="robot"):
        parse_submitters("person,robot")


def test_unknown_meter_status_is_a_data_error():
    with pytest.raises(ValueError):
        assert_submittable("stolen", "private_house", EVERYBODY)
