"""The site repeats two sets of server rules in JavaScript: the reading checks (reading-rules.js, so the
«Разность» and «Расход» shown while typing are the server's) and the grid-connection choices
(connection-rules.js: the API has no options route). Both modules run here under node on the same
inputs as the Python rules, and must agree."""

from __future__ import annotations

import json
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from chalicelib.connection import rules as connection_rules
from chalicelib.readings import rules as reading_rules

SITE_JS = Path(__file__).resolve().parents[2] / "static-site" / "assets" / "js"


def run_js(module: str, body: str, data: Any = None) -> Any:
    """The JSON value returned by `body`, an async function body run under node with `m` the site's
    module and `data` the given JSON. The module's packages come from static-site/node_modules."""
    node = shutil.which("node")
    assert node, "node is needed to run the site's modules (see the Makefile)"
    script = (
        f'import {{ readFileSync }} from "node:fs";\n'
        f"const m = await import({json.dumps((SITE_JS / module).as_uri())});\n"
        f'const data = JSON.parse(readFileSync(0, "utf8"));\n'
        f"const result = await (async () => {{ {body} }})();\n"
        f"process.stdout.write(JSON.stringify(result));\n"
    )
    out = subprocess.run(
        [node, "--input-type=module", "-e", script], input=json.dumps(data), capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


# (typed, previous reading or None, digits, coefficient): one tariff zone each.
READING_CASES: list[tuple[str, str | None, int, str]] = [
    ("", "100", 5, "1"),
    ("   ", "100", 5, "1"),
    ("-5", "100", 5, "1"),
    ("−5", "100", 5, "1"),
    ("-5,5", "100", 5, "1"),
    ("abc", "100", 5, "1"),
    ("12a", "100", 5, "1"),
    ("1.2.3", "100", 5, "1"),
    ("1,", "100", 5, "1"),
    (",5", "100", 5, "1"),
    ("1e5", "100", 5, "1"),
    ("+5", "100", 5, "1"),
    ("1.234", "1", 5, "1"),
    ("1,23", "1", 5, "1"),
    ("100000", "1", 5, "1"),
    ("99999.99", "1", 5, "1"),
    ("00123", None, 5, "1"),
    ("000123", "100", 5, "1"),
    ("74 525", "74000", 6, "1"),
    ("74\u00a0525", "74000", 6, "1"),
    ("220,0", "55", 5, "1"),
    ("220.05", "220", 5, "40"),
    ("5", "5.00", 5, "1"),
    ("5", "5", 5, "1"),
    ("1000", "500", 5, "0.5"),
    ("1000.1", "500", 5, "1.25"),
    ("00123", "99958", 5, "1"),
    ("0", "50000", 5, "1"),
    ("10", "40000", 5, "1"),
    ("0.5", "99999.5", 5, "2"),
    ("5", "123456", 5, "1"),
    ("4", "5", 1, "1"),
    ("9", "5", 1, "1"),
    ("1", "9", 1, "30"),
    ("12345678", "12345000", 8, "1"),
]


def python_zone(raw: str, previous: str | None, digits: int, coefficient: str) -> dict[str, Any]:
    """The server's verdict on one zone, in the shape the page works with."""
    prior = {"T1": Decimal(previous) if previous is not None else None}
    try:
        zone = reading_rules.evaluate(
            {"T1": raw}, prior, digits, ["T1"], Decimal(coefficient), rollover_confirmed=True
        ).zone("T1")
    except reading_rules.ReadingRejected as exc:
        message = exc.errors[0].message
        # Where the server asks for a value, the page shows nothing while the field is empty.
        return {"empty": True} if message == "Введите показание" else {"error": message}
    if zone.difference is None or zone.consumption is None:
        return {"value": str(zone.value), "first": True}
    return {
        "value": str(zone.value),
        "difference": str(zone.difference),
        "consumption": str(zone.consumption),
        "rollover": zone.rollover,
    }


def test_typed_readings_get_the_same_verdict_difference_and_consumption_as_on_the_server() -> None:
    browser = run_js(
        "reading-rules.js",
        """
        return data.map(([raw, previous, digits, coefficient]) => {
          const r = m.evaluateZone(raw, previous, digits, coefficient);
          if (r.empty) return {empty: true};
          if (r.error) return {error: r.error};
          if (r.firstReading) return {value: m.decString(r.value), first: true};
          return {value: m.decString(r.value), difference: r.difference, consumption: r.consumption,
                  rollover: r.rollover};
        });""",
        READING_CASES,
    )
    server = [python_zone(*case) for case in READING_CASES]
    assert {json.dumps(case, ensure_ascii=False): answer for case, answer in zip(READING_CASES, browser)} == {
        json.dumps(case, ensure_ascii=False): answer for case, answer in zip(READING_CASES, server)
    }
    assert any(answer.get("rollover") for answer in server) and any("error" in answer for answer in server)


def test_the_page_asks_about_a_rollover_exactly_when_the_server_would() -> None:
    browser = run_js(
        "reading-rules.js",
        """
        return {question: m.ROLLOVER_QUESTION,
                asks: data.map(([raw, previous, digits, coefficient]) =>
                  m.evaluateZone(raw, previous, digits, coefficient).rollover === true)};""",
        READING_CASES,
    )
    asked = []
    for raw, previous, digits, coefficient in READING_CASES:
        prior = {"T1": Decimal(previous) if previous is not None else None}
        try:
            reading_rules.evaluate({"T1": raw}, prior, digits, ["T1"], Decimal(coefficient))
            asked.append(False)
        except reading_rules.ReadingRejected as exc:
            asked.append(exc.needs_rollover_confirmation == ["T1"])
    assert browser["question"] == reading_rules.ROLLOVER_QUESTION
    assert browser["asks"] == asked


@pytest.mark.parametrize("previous", [["100", "50.5", "7"], ["100", None, "7"]])
def test_the_meter_total_is_the_servers(previous: list[str | None]) -> None:
    zones, typed, coefficient = ["T1", "T2", "T3"], {"T1": "150.25", "T2": "60", "T3": "7.0"}, Decimal(3)
    evaluation = reading_rules.evaluate(
        typed, {z: Decimal(p) if p else None for z, p in zip(zones, previous)}, 5, zones, coefficient
    )
    browser = run_js(
        "reading-rules.js",
        """
        const zones = data.zones.map((z, i) => m.evaluateZone(data.typed[z], data.previous[i], 5, "3"));
        return {difference: m.total(zones.map((z) => z.difference ?? null)),
                consumption: m.total(zones.map((z) => z.consumption ?? null))};""",
        {"zones": zones, "typed": typed, "previous": previous},
    )

    def as_text(d):
        return None if d is None else str(d)

    assert browser == {
        "difference": as_text(evaluation.total_difference),
        "consumption": as_text(evaluation.total_consumption),
    }


def test_connection_choices_are_the_servers() -> None:
    browser = run_js(
        "connection-rules.js",
        """
        return {categories: m.CATEGORIES, reasons: m.REASONS, noPower: m.NO_POWER_REASONS, voltages: m.VOLTAGES,
                voltageTitles: m.VOLTAGES.map(m.voltageTitle), reliability: m.RELIABILITY, contracts: m.CONTRACTS,
                ownership: m.OWNERSHIP, documents: m.DOCUMENTS, companyDocuments: m.COMPANY_DOCUMENTS,
                statuses: m.STATUSES, maxMonths: m.MAX_TEMPORARY_MONTHS, maxStages: m.MAX_STAGES};""",
    )
    rules = connection_rules
    assert {
        code: {
            "title": c["title"],
            "kinds": sorted(c["kinds"]),
            "max_voltage": c["maxVoltage"],
            "reliabilities": c["reliabilities"],
            "reasons": c["reasons"],
            "stages": c["stages"],
        }
        for code, c in browser["categories"].items()
    } == {
        code: {
            "title": r.title,
            "kinds": sorted(r.kinds),
            "max_voltage": r.max_voltage,
            "reliabilities": list(r.reliabilities),
            "reasons": list(r.reasons),
            "stages": r.stages,
        }
        for code, r in rules.CATEGORIES.items()
    }
    assert browser["reasons"] == rules.REASON_TITLES
    assert set(browser["noPower"]) == rules.NO_POWER_REASONS
    assert browser["voltages"] == list(rules.VOLTAGE_KV)
    assert browser["voltageTitles"] == list(rules.VOLTAGE_TITLES.values())
    assert browser["reliability"] == rules.RELIABILITY_TITLES
    assert browser["contracts"] == rules.CONTRACT_TITLES
    assert browser["ownership"] == rules.OWNERSHIP_TITLES
    assert browser["documents"] == rules.DOCUMENT_TITLES
    assert browser["companyDocuments"] == rules.COMPANY_DOCUMENT_TITLES
    assert browser["statuses"] == rules.STATUS_TITLES
    assert browser["maxMonths"] == rules.MAX_TEMPORARY_MONTHS
    assert browser["maxStages"] == rules.MAX_STAGES
