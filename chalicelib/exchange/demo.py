"""The demo billing drop for `make run` (infra/local/demo.py), applied through the real import.

It is written as Russian Excel saves a «;» CSV (Windows-1251) and goes through `parse_drop` and
`apply_rows` like any drop. Nothing is linked: the demo individual links «ДЭ-1001» with meter
«01234567» himself, and the last billing reading 99958 of that 5-digit meter makes the rollover
question appear for an entry of 00123 (165 kWh, seed 000).

Holders, one for each way of proving ownership (docs/design-ownership.md): «ДЭ-1001» names the
demo individual by СНИЛС, «ЮЛ-2002» the demo company by ИНН and КПП, «ДЭ-1003» a ФЛ whom billing
knows without СНИЛС (surname + last billed reading), and «ДЭ-1004» comes in the old format, without
identity: only a staff-approved request links it.
"""

from __future__ import annotations

import csv
import io

from chalicelib.metering.periods import current_period

from .billing_format import CSV_COLUMNS, parse_drop
from .billing_import import ImportReport, apply_rows

DEMO_CONTRACT = "ДЭ-1001"
DEMO_SERIAL = "01234567"
DEMO_LAST_READING = "99958"
COMPANY_CONTRACT = "ЮЛ-2002"
COMPANY_SERIAL = "40404040"
COMPANY_LAST_READING = "8456"  # the integer part of the T1 value billing sends, as the invoice shows it
# The meter on АИИС КУЭ: `make run` polls it through a simulated concentrator (infra/local/run.py).
AIIS_SERIAL = "0098765432"
AIIS_POINT_CODE = "ТУ-1001-4"

# A ФЛ billing knows without СНИЛС: a private house with one meter and its last billed reading.
HOUSE_CONTRACT = "ДЭ-1003"
HOUSE_HOLDER = "Петрова Мария Сергеевна"
HOUSE_SERIAL = "05550555"
HOUSE_LAST_READING = "12345"
# A contract from a billing system still on the old format: no category, no identity.
OLD_FORMAT_CONTRACT = "ДЭ-1004"
OLD_FORMAT_SERIAL = "08880888"

# The demo users' identities (infra/local/demo.py).
_PERSON = {
    "contract": DEMO_CONTRACT,
    "holder_name": "Иванов Иван Иванович",
    "holder_kind": "person",
    "category": "flat_no_common_meter",
    "holder_snils": "112-233-445 95",
    "account": "3600100101",
    "object_id": "1",
    "object_name": "Квартира",
    "object_address": "г. Воронеж, ул. Плехановская, д. 10, кв. 15",
}
_COMPANY = {
    "contract": COMPANY_CONTRACT,
    "holder_name": "ООО «Ромашка»",
    "holder_kind": "company",
    "category": "company",
    "holder_inn": "7707083893",
    "holder_kpp": "770701001",
    "account": "3600200201",
    "object_id": "1",
    "object_name": "Склад",
    "object_address": "г. Воронеж, ул. Плехановская, д. 1",
}
_HOUSE = {
    "contract": HOUSE_CONTRACT,
    "holder_name": HOUSE_HOLDER,
    "holder_kind": "person",
    "category": "private_house",
    "account": "3600100301",
    "object_id": "1",
    "object_name": "Жилой дом",
    "object_address": "г. Воронеж, ул. Садовая, д. 7",
}
_OLD_FORMAT = {
    "contract": OLD_FORMAT_CONTRACT,
    "holder_name": "Сидоров Николай Петрович",
    "holder_kind": "person",
    "account": "3600100401",
    "object_id": "1",
    "object_name": "Квартира",
    "object_address": "г. Воронеж, ул. Кольцовская, д. 20, кв. 4",
}


def demo_rows(last_period: str) -> list[dict[str, str]]:
    return [
        {
            **_PERSON,
            "serial": DEMO_SERIAL,
            "model": "Меркурий 201.5",
            "digits": "5",
            "zones": "T1",
            "coefficient": "1",
            "install_date": "2019-04-01",
            "install_place": "Лестничная площадка",
            "verified_on": "2019-03-15",
            "next_verification": "2035-03-15",
            "seal": "А-123456",
            "status": "active",
            "point_code": "ТУ-1001-1",
            "last_period": last_period,
            "last_T1": DEMO_LAST_READING,
        },
        {
            **_PERSON,
            "serial": "7654321",
            "model": "Меркурий 200.02",
            "digits": "6",
            "zones": "T1,T2",
            "coefficient": "1",
            "install_date": "2021-06-10",
            "install_place": "Прихожая",
            "verified_on": "2021-05-20",
            "next_verification": "2037-05-20",
            "seal": "А-654321",
            "status": "active",
            "point_code": "ТУ-1001-2",
            "last_period": last_period,
            "last_T1": "45210",
            "last_T2": "18734",
            # It replaced the old induction meter below (the meter card's «Замены прибора учёта»).
            "replacement_date": "2021-06-10",
            "replaced_serial": "3141592",
            "replaced_final_T1": "28770",
            "initial_T1": "0",
            "initial_T2": "0",
        },
        {
            **_PERSON,
            "serial": "3141592",
            "model": "СО-505",
            "digits": "5",
            "zones": "T1",
            "coefficient": "1",
            "install_date": "1998-02-01",
            "verified_on": "2010-01-15",
            "status": "decommissioned",
            "point_code": "ТУ-1001-3",
        },
        {
            **_PERSON,
            "serial": AIIS_SERIAL,
            "model": "Милур 307.S (СПОДЭС)",
            "digits": "6",
            "zones": "T1",
            "coefficient": "1",
            "install_date": "2023-03-01",
            "install_place": "Щит учёта на опоре",
            "verified_on": "2023-02-10",
            "next_verification": "2039-02-10",
            "seal": "А-777001",
            "status": "aiis",
            "point_code": AIIS_POINT_CODE,
        },
        {
            **_COMPANY,
            "serial": COMPANY_SERIAL,
            "model": "Меркурий 234 ARTM-03",
            "digits": "6",
            "zones": "T1,T2,T3",
            "coefficient": "40",
            "install_date": "2022-09-01",
            "install_place": "ВРУ-0,4 кВ",
            "verified_on": "2022-08-15",
            "next_verification": "2038-08-15",
            "seal": "Б-000777",
            "status": "active",
            "point_code": "ТУ-2002-1",
            "last_period": last_period,
            "last_T1": "8456,12",
            "last_T2": "3120,45",
            "last_T3": "5012,3",
        },
        {
            **_HOUSE,
            "serial": HOUSE_SERIAL,
            "model": "Нева 101 1S0",
            "digits": "6",
            "zones": "T1",
            "coefficient": "1",
            "install_date": "2020-07-01",
            "install_place": "Фасад дома",
            "verified_on": "2020-06-10",
            "next_verification": "2036-06-10",
            "seal": "В-305512",
            "status": "active",
            "point_code": "ТУ-1003-1",
            "last_period": last_period,
            "last_T1": HOUSE_LAST_READING,
        },
        {
            **_OLD_FORMAT,
            "serial": OLD_FORMAT_SERIAL,
            "model": "Меркурий 201.8",
            "digits": "6",
            "zones": "T1",
            "coefficient": "1",
            "install_date": "2018-11-01",
            "install_place": "Лестничная площадка",
            "verified_on": "2018-10-15",
            "next_verification": "2034-10-15",
            "seal": "А-404404",
            "status": "active",
            "point_code": "ТУ-1004-1",
            "last_period": last_period,
            "last_T1": "34017",
        },
    ]


def demo_drop(last_period: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, delimiter=";", lineterminator="\r\n", restval="")
    writer.writeheader()
    writer.writerows(demo_rows(last_period))
    return buffer.getvalue().encode("cp1251")


def seed_demo_billing() -> ImportReport:
    """Contracts and meters of the demo users, last billed in the previous period."""
    parsed = parse_drop("demo.csv", demo_drop(current_period().previous().key))
    report = apply_rows(parsed.rows, parsed.errors)
    if report.errors:
        raise RuntimeError(f"demo billing drop has errors: {report.errors}")
    return report
