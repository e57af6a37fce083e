"""Layouts of the readings export: the CSV billing loads and the JSON document."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from chalicelib.exchange.export import (
    CSV_HEADER,
    JSON_FORMAT,
    ExportedReading,
    ZoneValue,
    decimal_text,
    render_csv,
    render_json,
)

GENERATED = datetime(2026, 11, 27, 21, 55, 3, tzinfo=UTC)


def reading(**overrides) -> ExportedReading:
    values = dict(
        meter_id="m-1",
        period="2026-11",
        contract="ДЭ-1001",
        account="3600100101",
        serial="01234567",
        point_code="ТУ-1001-1",
        declared=False,
        zones=(ZoneValue("T1", "123", "99958", "165", "165", True),),
        reading_date="2026-11-26",
        submitted_at="2026-11-27T07:00:00Z",
        source="user",
        submitted_by="u-1",
        submitted_by_name="Иванов И. И.",
        pk="METER#m-1",
        sk="PERIOD#2026-11",
        version=1,
        changed_at="2026-11-27T07:00:00Z",
    )
    values.update(overrides)
    return ExportedReading(**values)


TWO_ZONES = reading(
    meter_id="m-2",
    serial="7654321",
    zones=(ZoneValue("T1", "1010", "1000", "10", "4E+2", False), ZoneValue("T2", "505.50", None, None, None, False)),
)


def test_csv_is_utf8_with_bom_semicolons_crlf_and_the_documented_header():
    raw = render_csv([reading()])
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    lines = text.split("\r\n")
    # Who submitted is appended at the end: loaders that read the first columns by position keep working.
    assert lines[0] == (
        "period;contract;account;serial;point_code;zone;value;previous;difference;consumption;"
        "rollover;reading_date;submitted_at;source;submitted_by;submitted_by_name"
    )
    assert tuple(lines[0].split(";")) == CSV_HEADER
    assert lines[1] == (
        "2026-11;ДЭ-1001;3600100101;01234567;ТУ-1001-1;T1;123;99958;165;165;1;2026-11-26;"
        "2026-11-27T07:00:00Z;user;u-1;Иванов И. И."
    )
    assert lines[2:] == [""]


def test_csv_has_one_line_per_zone_and_empty_cells_for_what_is_unknown():
    rows = list(csv.DictReader(io.StringIO(render_csv([TWO_ZONES]).decode("utf-8-sig")), delimiter=";"))
    assert [(r["zone"], r["value"], r["previous"], r["difference"], r["consumption"], r["rollover"]) for r in rows] == [
        ("T1", "1010", "1000", "10", "400", "0"),
        ("T2", "505.50", "", "", "", "0"),
    ]


def test_a_declared_meter_has_no_contract_or_point_code_yet():
    declared = reading(contract=None, point_code=None, declared=True, reading_date=None)
    [row] = csv.DictReader(io.StringIO(render_csv([declared]).decode("utf-8-sig")), delimiter=";")
    assert (row["contract"], row["point_code"], row["reading_date"], row["account"]) == ("", "", "", "3600100101")
    [item] = json.loads(render_json([declared], "run", GENERATED))["readings"]
    assert item["declared"] is True and item["contract"] is None


def test_nothing_pending_is_still_a_file_billing_can_load():
    assert render_csv([]).decode("utf-8-sig") == ";".join(CSV_HEADER) + "\r\n"
    assert json.loads(render_json([], "r-1", GENERATED))["readings"] == []


@pytest.mark.parametrize(
    "stored, written",
    [
        ("165", "165"),
        ("220.0", "220.0"),
        ("0.50", "0.50"),
        ("4E+2", "400"),
        ("1.2E-1", "0.12"),
        ("99958", "99958"),
        ("0", "0"),
        (None, ""),
    ],
)
def test_decimals_are_written_in_plain_notation_with_their_precision(stored, written):
    assert decimal_text(stored) == written


def test_json_document_carries_values_as_decimal_strings_never_numbers():
    document = json.loads(
        render_json([reading(), TWO_ZONES], "20261127T215500Z-abcdef", GENERATED),
        parse_float=Decimal,
        parse_int=Decimal,
    )
    assert document["format"] == JSON_FORMAT == "kabinet-readings/1"
    assert document["generated_at"] == "2026-11-27T21:55:03Z" and document["run_id"] == "20261127T215500Z-abcdef"
    first, second = document["readings"]
    assert first == {
        "meter_id": "m-1",
        "period": "2026-11",
        "contract": "ДЭ-1001",
        "account": "3600100101",
        "serial": "01234567",
        "point_code": "ТУ-1001-1",
        "declared": False,
        "reading_date": "2026-11-26",
        "submitted_at": "2026-11-27T07:00:00Z",
        "source": "user",
        "submitted_by": "u-1",
        "submitted_by_name": "Иванов И. И.",
        "zones": [
            {
                "zone": "T1",
                "value": "123",
                "previous": "99958",
                "difference": "165",
                "consumption": "165",
                "rollover": True,
            }
        ],
    }
    assert second["zones"][0]["consumption"] == "400" and second["zones"][1]["previous"] is None

    def numbers(value):
        if isinstance(value, dict):
            return [n for v in value.values() for n in numbers(v)]
        if isinstance(value, list):
            return [n for v in value for n in numbers(v)]
        return [value] if isinstance(value, Decimal) else []

    assert numbers(document) == []


def test_json_is_utf8_without_escaping_cyrillic():
    raw = render_json([reading()], "r", GENERATED)
    assert "ДЭ-1001".encode() in raw and not raw.startswith(b"\xef\xbb\xbf")


def test_a_billing_or_aiis_reading_names_no_portal_account():
    billing = reading(source="billing", submitted_by=None, submitted_by_name=None)
    [row] = csv.DictReader(io.StringIO(render_csv([billing]).decode("utf-8-sig")), delimiter=";")
    assert (row["source"], row["submitted_by"], row["submitted_by_name"]) == ("billing", "", "")
    [item] = json.loads(render_json([billing], "run", GENERATED))["readings"]
    assert (item["submitted_by"], item["submitted_by_name"]) == (None, None)


def test_a_name_with_the_separator_or_quotes_stays_one_cell():
    company = reading(submitted_by_name='ООО «Ромашка»; филиал "Юг"')
    [row] = csv.DictReader(io.StringIO(render_csv([company]).decode("utf-8-sig")), delimiter=";")
    assert row["submitted_by_name"] == 'ООО «Ромашка»; филиал "Юг"' and row["source"] == "user"
