"""The holder's identity and consumer category in a billing drop: the two formats, each rule of the new
one, rows of one contract that disagree, and CSV files with and without the identity columns."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from chalicelib.accounts.identifiers import normalize_inn, normalize_snils
from chalicelib.categories import CATEGORIES, KIND_OF_CATEGORY
from chalicelib.exchange.billing_format import CSV_COLUMNS, REQUIRED_CSV_COLUMNS, ParsedDrop, parse_drop

SNILS = "112-233-445 95"
COMPANY_INN, KPP = "7707083893", "770701001"
ENTREPRENEUR_INN = "500100732259"
IDENTITY = ("category", "holder_snils", "holder_inn", "holder_kpp")


def row(**changes: Any) -> dict[str, Any]:
    """A good new-format ФЛ row; `None` removes a field."""
    data = {
        "contract": "ДЭ-1001",
        "holder_name": "Иванов Иван Иванович",
        "holder_kind": "person",
        "category": "flat_no_common_meter",
        "holder_snils": SNILS,
        "account": "3600100101",
        "object_id": "1",
        "object_name": "Квартира",
        "object_address": "г. Воронеж, ул. Плехановская, д. 10, кв. 15",
        "serial": "01234567",
        "digits": 5,
        "zones": ["T1"],
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def company(**changes: Any) -> dict[str, Any]:
    return row(
        **{
            "contract": "ЮЛ-2002",
            "holder_name": "ООО «Ромашка»",
            "holder_kind": "company",
            "category": "company",
            "holder_snils": None,
            "holder_inn": COMPANY_INN,
            "holder_kpp": KPP,
            **changes,
        }
    )


def entrepreneur(**changes: Any) -> dict[str, Any]:
    return row(
        **{
            "contract": "ИП-3003",
            "holder_name": "ИП Сидоров С. С.",
            "holder_kind": "entrepreneur",
            "category": "entrepreneur",
            "holder_snils": None,
            "holder_inn": ENTREPRENEUR_INN,
            **changes,
        }
    )


def old_format(**changes: Any) -> dict[str, Any]:
    return row(**{"category": None, "holder_snils": None, **changes})


def json_drop(*rows: dict[str, Any]) -> ParsedDrop:
    content = json.dumps({"format": "kabinet-billing/1", "meters": list(rows)}, ensure_ascii=False)
    return parse_drop("drop.json", content.encode())


def only(parsed: ParsedDrop) -> Any:
    assert not parsed.errors, parsed.errors
    [good] = parsed.rows
    return good


def error_of(parsed: ParsedDrop) -> str:
    assert not parsed.rows
    [error] = parsed.errors
    return error.message


# --- the new format ----------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["112-233-445 95", "11223344595", " 112 233 445 95 "])
def test_snils_is_stored_as_registration_stores_it(typed):
    # Linking compares the holder's СНИЛС with the account's profile by ==.
    good = only(json_drop(row(holder_snils=typed)))
    assert good.holder_snils == SNILS == normalize_snils(typed)
    assert (good.category, good.holder_inn, good.holder_kpp) == ("flat_no_common_meter", None, None)


def test_a_person_without_snils_in_billing_is_accepted():
    good = only(json_drop(row(holder_snils=None, category="private_house")))
    assert (good.category, good.holder_snils) == ("private_house", None)


def test_snils_with_a_wrong_control_number_is_refused_without_echoing_it():
    message = error_of(json_drop(row(holder_snils="112-233-445 96")))
    assert message == "holder_snils: Неверная контрольная сумма СНИЛС"
    assert error_of(json_drop(row(holder_snils="1122334459"))) == "holder_snils: СНИЛС состоит из 11 цифр"


def test_a_company_is_named_by_inn_and_kpp():
    good = only(json_drop(company(holder_inn="77-0708-3893", holder_kpp="7707ab001")))
    assert (good.holder_inn, good.holder_kpp, good.holder_snils) == (COMPANY_INN, "7707AB001", None)
    assert good.holder_inn == normalize_inn("7707083893", 10)
    cooperative = only(json_drop(company(category="cooperative")))
    assert (cooperative.category, cooperative.holder_inn, cooperative.holder_kpp) == ("cooperative", COMPANY_INN, KPP)


def test_an_entrepreneur_is_named_by_a_twelve_digit_inn():
    good = only(json_drop(entrepreneur()))
    assert (good.category, good.holder_inn, good.holder_kpp) == ("entrepreneur", ENTREPRENEUR_INN, None)


@pytest.mark.parametrize(
    "data, message",
    [
        (company(holder_inn=ENTREPRENEUR_INN), "holder_inn: ИНН состоит из 10 цифр"),
        (company(category="cooperative", holder_inn=ENTREPRENEUR_INN), "holder_inn: ИНН состоит из 10 цифр"),
        (entrepreneur(holder_inn=COMPANY_INN), "holder_inn: ИНН состоит из 12 цифр"),
        (company(holder_inn="7707083894"), "holder_inn: Неверная контрольная сумма ИНН"),
        (entrepreneur(holder_inn="500100732258"), "holder_inn: Неверная контрольная сумма ИНН"),
    ],
)
def test_inn_length_follows_the_holder_kind_and_its_control_digits_are_checked(data, message):
    assert error_of(json_drop(data)) == message


@pytest.mark.parametrize("kpp", ["77070100", "7707010011", "770A01001", "77070100A", "7707АБ001"])
def test_a_malformed_kpp_is_refused(kpp):
    assert (
        error_of(json_drop(company(holder_kpp=kpp)))
        == "holder_kpp: КПП состоит из 9 символов: 4 цифры, 2 цифры или латинские буквы, 3 цифры"
    )


@pytest.mark.parametrize(
    "data, message",
    [
        (company(holder_inn=None), "holder_inn: Обязательное поле для юридического лица"),
        (company(holder_kpp=None), "holder_kpp: Обязательное поле для юридического лица"),
        (company(category="cooperative", holder_kpp=""), "holder_kpp: Обязательное поле для юридического лица"),
        (entrepreneur(holder_inn=None), "holder_inn: Обязательное поле для индивидуального предпринимателя"),
    ],
)
def test_the_identity_a_kind_needs_is_required(data, message):
    assert error_of(json_drop(data)) == message


def test_a_company_missing_both_gets_both_reported():
    assert (
        error_of(json_drop(company(holder_inn=None, holder_kpp=None)))
        == "holder_inn: Обязательное поле для юридического лица; holder_kpp: Обязательное поле для юридического лица"
    )


@pytest.mark.parametrize(
    "data, message",
    [
        (row(holder_inn=ENTREPRENEUR_INN), "holder_inn: ИНН не указывается для физического лица"),
        (row(holder_kpp=KPP), "holder_kpp: КПП не указывается для физического лица"),
        (entrepreneur(holder_kpp=KPP), "holder_kpp: КПП не указывается для индивидуального предпринимателя"),
        (entrepreneur(holder_snils=SNILS), "holder_snils: СНИЛС не указывается для индивидуального предпринимателя"),
        (company(holder_snils=SNILS), "holder_snils: СНИЛС не указывается для юридического лица"),
    ],
)
def test_identity_a_kind_does_not_have_is_refused(data, message):
    assert error_of(json_drop(data)) == message


@pytest.mark.parametrize(
    "category, kind",
    [(c, k) for c in CATEGORIES for k in ("person", "entrepreneur", "company") if KIND_OF_CATEGORY[c] != k],
)
def test_a_category_that_does_not_fit_the_holder_kind_is_refused(category, kind):
    message = error_of(json_drop(row(holder_kind=kind, category=category, holder_snils=None)))
    allowed = ", ".join(c for c in CATEGORIES if KIND_OF_CATEGORY[c] == kind)
    assert message.startswith(f"category: Категория {category} не подходит для ")
    assert message.endswith(f": допустимы {allowed}")


def test_the_kind_mismatch_is_the_only_error_of_its_row():
    # The identity rules depend on the category; a wrong one is reported alone, not with their echoes.
    assert error_of(json_drop(row(category="company"))) == (
        "category: Категория company не подходит для физического лица: "
        "допустимы flat_common_meter, flat_no_common_meter, private_house"
    )


def test_an_unknown_category_is_refused():
    assert error_of(json_drop(row(category="dacha"))) == "category: Недопустимое значение"


def test_identifiers_are_text_so_an_inn_does_not_lose_its_leading_zero():
    assert error_of(json_drop(company(holder_inn=7707083893))) == "holder_inn: Ожидается строка"


# --- the old format ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["person", "entrepreneur", "company"])
def test_an_old_format_row_is_accepted_and_carries_no_identity(kind):
    good = only(json_drop(old_format(holder_kind=kind)))
    assert (good.holder_kind, good.category, good.holder_snils, good.holder_inn, good.holder_kpp) == (
        kind,
        None,
        None,
        None,
        None,
    )
    assert not good.new_format


@pytest.mark.parametrize(
    "field, value, label",
    [("holder_snils", SNILS, "СНИЛС"), ("holder_inn", ENTREPRENEUR_INN, "ИНН"), ("holder_kpp", KPP, "КПП")],
)
def test_identity_without_a_category_is_refused(field, value, label):
    assert (
        error_of(json_drop(old_format(**{field: value})))
        == f"{field}: {label} передаётся только вместе с категорией потребителя (category)"
    )


def test_blank_identity_fields_are_absent():
    good = only(json_drop(row(category="", holder_snils="  ", holder_inn=None, holder_kpp="")))
    assert (good.category, good.holder_snils, good.holder_inn, good.holder_kpp) == (None, None, None, None)


# --- rows of one contract ------------------------------------------------------------------------


def test_rows_of_one_contract_that_disagree_on_the_holder_report_the_later_one():
    parsed = json_drop(
        row(serial="1"),
        row(serial="2"),
        row(serial="3", holder_snils="001-001-998 00"),
        row(serial="4", category="flat_common_meter"),
        row(serial="5", holder_name="Иванов И. И."),
        row(serial="6", category=None, holder_snils=None),
    )
    assert [r.serial for r in parsed.rows] == ["1", "2"]
    conflict = "Договор ДЭ-1001: владелец или категория потребителя расходятся со строкой 1"
    assert [(e.row, e.message) for e in parsed.errors] == [(number, conflict) for number in (3, 4, 5, 6)]


def test_the_holder_is_compared_after_normalising():
    parsed = json_drop(company(serial="1"), company(serial="2", holder_inn="7707 083 893", holder_kpp=" 770701001"))
    assert not parsed.errors and len(parsed.rows) == 2


def test_a_bad_first_row_does_not_decide_the_holder():
    parsed = json_drop(
        row(serial="1", holder_snils="112-233-445 96"), row(serial="2", holder_snils=None), row(serial="3")
    )
    assert [r.serial for r in parsed.rows] == ["2"]
    assert [e.row for e in parsed.errors] == [1, 3]
    assert parsed.errors[1].message.endswith("расходятся со строкой 2")


def test_different_contracts_may_have_different_holders():
    parsed = json_drop(row(serial="1"), company(serial="2"), old_format(contract="ДЭ-1004", serial="3"))
    assert not parsed.errors and [r.contract for r in parsed.rows] == ["ДЭ-1001", "ЮЛ-2002", "ДЭ-1004"]


# --- CSV -------------------------------------------------------------------------------------------


def csv_drop(columns: tuple[str, ...], *rows: dict[str, Any], encoding: str = "utf-8") -> ParsedDrop:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, delimiter=";", restval="", extrasaction="ignore")
    writer.writeheader()
    for data in rows:
        writer.writerow({**data, "zones": ",".join(data["zones"])})
    return parse_drop("drop.csv", buffer.getvalue().encode(encoding))


def test_a_csv_of_the_old_layout_without_the_identity_columns_still_imports():
    assert not set(IDENTITY) & set(REQUIRED_CSV_COLUMNS)
    good = only(csv_drop(REQUIRED_CSV_COLUMNS, row()))
    assert (good.contract, good.category, good.holder_snils) == ("ДЭ-1001", None, None)


def test_a_csv_with_the_identity_columns_mixes_both_formats_row_by_row():
    parsed = csv_drop(CSV_COLUMNS, row(), company(), old_format(contract="ДЭ-1004"), entrepreneur())
    assert not parsed.errors
    assert [(r.contract, r.category, r.holder_snils, r.holder_inn, r.holder_kpp) for r in parsed.rows] == [
        ("ДЭ-1001", "flat_no_common_meter", SNILS, None, None),
        ("ЮЛ-2002", "company", None, COMPANY_INN, KPP),
        ("ДЭ-1004", None, None, None, None),
        ("ИП-3003", "entrepreneur", None, ENTREPRENEUR_INN, None),
    ]


def test_a_csv_with_only_some_identity_columns_is_read():
    good = only(csv_drop((*REQUIRED_CSV_COLUMNS, "category"), row(holder_snils=None, category="private_house")))
    assert (good.category, good.holder_snils) == ("private_house", None)


def test_csv_rows_are_numbered_by_line_and_conflicts_name_the_line():
    parsed = csv_drop(CSV_COLUMNS, row(serial="1"), company(holder_kpp=None), row(serial="2", holder_snils=None))
    assert [(e.row, e.message) for e in parsed.errors] == [
        (3, "holder_kpp: Обязательное поле для юридического лица"),
        (4, "Договор ДЭ-1001: владелец или категория потребителя расходятся со строкой 2"),
    ]


def test_a_windows_1251_csv_with_the_identity_columns():
    # What Russian Excel saves: the organisation name and the category have to survive the encoding.
    good = only(csv_drop(CSV_COLUMNS, company(), encoding="cp1251"))
    assert (good.holder_name, good.category, good.holder_inn, good.holder_kpp) == (
        "ООО «Ромашка»",
        "company",
        COMPANY_INN,
        KPP,
    )


def test_a_csv_missing_a_required_column_names_it_and_not_the_optional_ones():
    columns = tuple(c for c in REQUIRED_CSV_COLUMNS if c != "holder_kind")
    parsed = csv_drop(columns, row())
    assert [(e.row, e.message) for e in parsed.errors] == [(0, "В заголовке нет колонок: holder_kind")]
