"""Outage rules without storage: houses, periods, overlap, durations, CSV, street names."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from chalicelib.core.validation import to_api_error
from chalicelib.outages import rules
from chalicelib.outages.csvrows import CsvError, parse_csv
from chalicelib.outages.houses import House, HouseRange, HousesError, covers, format_houses, parse_house, parse_houses
from chalicelib.outages.models import ImportRow, OutageIn
from chalicelib.reference.names import parse_street, search_prefix, street_id

MSK = ZoneInfo("Europe/Moscow")
UTC = UTC
STREET = "0" * 32


def at(day: int, hour: int = 0) -> datetime:
    return datetime(2024, 3, day, hour, tzinfo=UTC)


# --- houses -----------------------------------------------------------------------------------


def test_houses_list_parses_singles_ranges_and_buildings_into_canonical_form():
    specs = parse_houses("1, 3, 5–11, 12к2")
    assert specs == (House(1), House(3), HouseRange(5, 11), House(12, "к2"))


def test_houses_spellings_normalise_and_repeats_drop():
    assert (
        format_houses(parse_houses("5-11, 12 корп. 2, д. 7А, 14/1, 3, 3, 20 строение 1,"))
        == "5–11, 12к2, 7а, 14/1, 3, 20с1"
    )
    assert parse_houses("") == () and parse_houses(None) == () and parse_houses(" , ") == ()


@pytest.mark.parametrize(
    "text, message",
    [
        ("1, abc", "Номера домов, элемент 2: неверный формат. Пример: 1, 3, 5–11, 12к2"),
        ("11–5", "Номера домов, элемент 1: начало диапазона должно быть меньше конца"),
        ("1,,x", "Номера домов, элемент 3: неверный формат. Пример: 1, 3, 5–11, 12к2"),
        (", ".join(str(n) for n in range(1, 202)), "Не более 200 номеров и диапазонов домов"),
    ],
)
def test_bad_houses_are_reported_by_position_without_echoing_them(text, message):
    with pytest.raises(HousesError) as caught:
        parse_houses(text)
    assert str(caught.value) == message


def test_a_single_house_as_a_consumer_types_it():
    assert parse_house("д. 10") == House(10)
    assert parse_house("12 корпус 2") == House(12, "к2")
    assert str(parse_house("14/1")) == "14/1"
    with pytest.raises(HousesError):
        parse_house("5-7")


def test_coverage_ranges_bare_numbers_and_exact_buildings():
    specs = parse_houses("1, 5–11, 12к2, 20")
    assert covers(specs, House(7, "а")) and covers(specs, House(11)) and covers(specs, House(5, "к1"))
    assert covers(specs, House(12, "к2")) and not covers(specs, House(12)) and not covers(specs, House(12, "к1"))
    assert covers(specs, House(20, "а")) and covers(specs, House(20, "/1"))  # a bare number covers variants
    assert not covers(specs, House(2)) and not covers(specs, House(13))
    assert covers((), House(999))  # no houses: the whole street


# --- periods and overlap -----------------------------------------------------------------------


def test_lookup_range_defaults_to_today_and_fourteen_days():
    today = date(2024, 3, 10)
    assert rules.lookup_range(None, None, today) == (today, date(2024, 3, 24))
    assert rules.lookup_range(date(2024, 4, 1), None, today) == (date(2024, 4, 1), date(2024, 4, 15))
    assert rules.lookup_range(date(2024, 1, 1), date(2024, 4, 1), today)[1] == date(2024, 4, 1)  # 92 days


@pytest.mark.parametrize(
    "first, last, message",
    [
        (date(2024, 3, 10), date(2024, 3, 9), "Дата окончания периода раньше даты начала"),
        (date(2024, 1, 1), date(2024, 4, 2), "Период не может быть длиннее 92 дней"),
    ],
)
def test_lookup_range_limits(first, last, message):
    with pytest.raises(rules.RuleError) as caught:
        rules.lookup_range(first, last, date(2024, 3, 10))
    assert caught.value.path == "to" and caught.value.message == message


def test_day_bounds_are_company_local_midnights():
    start, end = rules.day_bounds(date(2024, 3, 10), date(2024, 3, 10), MSK)
    assert start == datetime(2024, 3, 9, 21, tzinfo=UTC) and end == datetime(2024, 3, 10, 21, tzinfo=UTC)


def test_overlap_is_half_open_and_an_open_emergency_is_ongoing():
    period = (at(10), at(11))
    assert rules.overlaps(at(9), at(10, 1), *period)
    assert not rules.overlaps(at(9), at(10), *period)  # ended exactly when the period began
    assert not rules.overlaps(at(11), at(11, 5), *period)  # starts exactly when the period ends
    assert rules.overlaps(at(10, 5), at(10, 6), *period)
    assert rules.overlaps(at(1), None, *period)
    assert rules.earliest_start(at(20)) == at(20) - rules.MAX_DURATION


def test_end_rules_by_kind():
    assert rules.end_problem("planned", at(10, 9), None) == "Укажите окончание планового отключения"
    assert rules.end_problem("emergency", at(10, 9), None) is None
    assert rules.end_problem("planned", at(10, 9), at(10, 9)) == "Окончание должно быть позже начала"
    assert (
        rules.end_problem("planned", at(1), at(1) + timedelta(days=15)) == "Отключение не может длиться дольше 14 дней"
    )
    assert rules.end_problem("planned", at(10, 9), at(10, 17)) is None


def test_times_without_offset_are_company_local_and_listed_by_local_month():
    assert rules.to_utc(datetime(2024, 3, 1, 0, 30), MSK) == datetime(2024, 2, 29, 21, 30, tzinfo=UTC)
    assert rules.month_of(datetime(2024, 2, 29, 21, 30, tzinfo=UTC), MSK) == "2024-03"


# --- request models ---------------------------------------------------------------------------


def errors_of(model, data):
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    return {f.path: f.message for f in to_api_error(caught.value).fields}


def test_outage_in_checks_times_streets_and_houses_with_russian_messages():
    errors = errors_of(
        OutageIn,
        {
            "kind": "planned",
            "start": "2024-03-12T17:00",
            "end": "2024-03-12T09:00",
            "reason": "Ремонт",
            "streets": [{"street_id": STREET, "houses": "1, zz"}, {"street_id": "bad"}],
        },
    )
    assert errors == {
        "end": "Окончание должно быть позже начала",
        "streets.0.houses": "Номера домов, элемент 2: неверный формат. Пример: 1, 3, 5–11, 12к2",
        "streets.1.street_id": "Неверный формат",
    }
    assert errors_of(
        OutageIn,
        {
            "kind": "planned",
            "start": "2024-03-12T09:00",
            "reason": "Ремонт",
            "streets": [{"street_id": STREET}, {"street_id": STREET}],
        },
    ) == {
        "end": "Укажите окончание планового отключения",
        "streets": "Каждая улица указывается один раз; дома перечислите через запятую",
    }


def test_outage_in_reads_local_time_and_stores_canonical_houses():
    outage = OutageIn.model_validate(
        {
            "kind": "emergency",
            "start": "12.03.2024 09:00",
            "reason": "Авария",
            "streets": [{"street_id": STREET, "houses": "5-7, 9 корп 1"}],
        }
    )
    assert outage.start == datetime(2024, 3, 12, 6, tzinfo=UTC) and outage.end is None
    assert outage.streets[0].houses == "5–7, 9к1"


# --- CSV --------------------------------------------------------------------------------------

HEADER = "kind;locality;street;houses;start;end;reason"


def test_csv_rows_keep_excel_line_numbers():
    text = (
        "\ufeff" + HEADER + "\r\n"
        "плановое;Воронеж;ул. Плехановская;1, 3, 5–11;12.03.2024 09:00;12.03.2024 17:00;Ремонт ТП-12\r\n"
        "\r\n"
        'аварийное;Воронеж;ул. Кольцовская;;12.03.2024 10:00;;"Повреждение кабеля; ведутся работы"\r\n'
        "planned;Воронеж;ул. Лизюкова\r\n"
        "planned;Воронеж;ул. Лизюкова;1;12.03.2024 09:00;12.03.2024 17:00;Ремонт;;\r\n"
    )
    rows, problems = parse_csv(text)
    assert [r.line for r in rows] == [2, 4, 6]
    assert rows[0].values["houses"] == "1, 3, 5–11" and rows[1].values["end"] == ""
    assert rows[1].values["reason"] == "Повреждение кабеля; ведутся работы"
    assert [(p.line, p.message) for p in problems] == [(5, "Ожидается 7 столбцов через «;», а в строке 3")]


def test_csv_without_the_header_is_refused_as_a_whole():
    with pytest.raises(CsvError) as caught:
        parse_csv("planned;Воронеж;ул. Лизюкова;1;12.03.2024 09:00;12.03.2024 17:00;Ремонт")
    assert str(caught.value) == (
        "Первая строка должна быть заголовком: "
        + HEADER
        + " (и, если есть номер отключения в диспетчерской системе, столбец number)"
    )


def test_csv_row_fields_validate_through_the_import_model():
    rows, _ = parse_csv(
        HEADER + "\nаварийное;Воронеж;ул. Кольцовская;;12.03.2024 10:00;;Авария\n"
        "когда-нибудь;Воронеж;ул. Кольцовская;1;31.02.2024 10:00;;\n"
    )
    good = ImportRow.model_validate(rows[0].values)
    assert good.kind == "emergency" and good.end is None and good.houses == ""
    assert errors_of(ImportRow, rows[1].values) == {
        "kind": "Недопустимое значение",
        "start": "Ожидаются дата и время: ДД.ММ.ГГГГ ЧЧ:ММ",
        "reason": "Слишком короткое значение: не менее 1 символов",
    }


def test_csv_may_carry_the_dispatchers_number_in_any_column():
    rows, problems = parse_csv(
        "number;" + HEADER + "\n"
        "ОП-7;плановое;Воронеж;ул. Лизюкова;1;12.03.2024 09:00;12.03.2024 17:00;Ремонт\n"
        ";аварийное;Воронеж;ул. Лизюкова;;12.03.2024 10:00;;Авария\n"
    )
    assert problems == [] and [r.values["number"] for r in rows] == ["ОП-7", ""]
    assert ImportRow.model_validate(rows[0].values).number == "ОП-7"
    assert ImportRow.model_validate(rows[1].values).number is None
    rows, _ = parse_csv(
        HEADER + ";number\nplanned;Воронеж;ул. Лизюкова;1;12.03.2024 09:00;12.03.2024 17:00;Ремонт;12\n"
    )
    assert rows[0].values["number"] == "12" and rows[0].values["reason"] == "Ремонт"
    for header in ("number;number;" + HEADER, "street;kind;locality;houses;start;end;reason", HEADER + ";comment"):
        with pytest.raises(CsvError):
            parse_csv(header + "\n")


def import_row(**overrides) -> ImportRow:
    row = {
        "kind": "planned",
        "locality": "Воронеж",
        "street": "ул. Лизюкова",
        "houses": "1–9",
        "start": "12.03.2024 09:00",
        "end": "12.03.2024 17:00",
        "reason": "Ремонт",
    }
    return ImportRow.model_validate({**row, **overrides})


def test_an_import_rows_key_is_its_number_or_what_identifies_the_outage_without_one():
    from chalicelib.outages.imports import fingerprint, natural_key, outage_id_for

    base = import_row()
    assert natural_key(import_row(end="12.03.2024 19:00", reason="Другое"), STREET) == natural_key(base, STREET)
    for changed in ({"start": "12.03.2024 10:00"}, {"houses": "1–7"}, {"kind": "emergency"}):
        assert natural_key(import_row(**changed), STREET) != natural_key(base, STREET)
    assert natural_key(base, "1" * 32) != natural_key(base, STREET)
    numbered = natural_key(import_row(number="№ оп-12"), STREET)
    assert numbered == natural_key(
        import_row(number=" ОП-12", start="13.03.2024 09:00", end="13.03.2024 10:00", houses="2"), STREET
    )
    assert len(outage_id_for(numbered)) == 32 and outage_id_for(numbered) == outage_id_for(numbered)
    # The fingerprint changes with anything the row says, and only then.
    assert fingerprint(import_row(houses="1-9"), STREET) == fingerprint(base, STREET)
    assert fingerprint(import_row(end="12.03.2024 19:00"), STREET) != fingerprint(base, STREET)
    assert fingerprint(import_row(reason="Другое"), STREET) != fingerprint(base, STREET)


def test_only_news_about_an_announced_outage_that_is_not_over_is_sent():
    from chalicelib.outages.notices import Scope, notifies

    def scope(**overrides) -> Scope:
        values = dict(
            kind="planned",
            status="active",
            published=True,
            start_at="2024-03-12T06:00:00Z",
            end_at="2024-03-12T14:00:00Z",
            streets=((STREET, "ул. Лизюкова", ("1–9",)),),
        )
        return Scope(**{**values, **overrides})

    before, now = scope(), at(1)
    assert notifies(before, scope(end_at="2024-03-12T16:00:00Z"), now)
    assert notifies(before, scope(streets=((STREET, "ул. Лизюкова", ("1–5",)),)), now)
    assert notifies(before, scope(status="cancelled"), now)
    assert notifies(scope(status="cancelled"), before, now)  # brought back
    assert not notifies(before, scope(), now)  # the reason alone, or nothing
    assert not notifies(scope(published=False), scope(published=False, end_at="2024-03-12T16:00:00Z"), now)
    assert not notifies(scope(kind="emergency", end_at=None), scope(kind="emergency"), now)
    assert not notifies(before, scope(end_at="2024-03-12T15:00:00Z"), at(20))  # over before and after
    assert notifies(before, scope(end_at="2024-03-22T15:00:00Z"), at(20))


# --- street names -----------------------------------------------------------------------------


def test_street_names_normalise_to_one_key_whatever_the_spelling():
    assert parse_street("ул. Плехановская").key == parse_street("Плехановская улица").key == "плехановская#ул"
    assert parse_street("пр-т Революции").key == parse_street("проспект  Революции").key == "революции#пр-кт"
    assert parse_street("ул. Ленина").key != parse_street("пер. Ленина").key
    assert parse_street("ул.Щёрса").key == "щерса#ул"
    assert street_id("Воронеж", "ул. Плехановская") == street_id(" воронеж ", "Плехановская ул.")


def test_search_prefix_drops_a_type_word_only_when_more_follows():
    assert search_prefix("ул плех") == "плех"
    assert search_prefix("Ул") == "ул"  # may be the start of «Ульяновская»
    assert search_prefix("ЩЁР") == "щер"
