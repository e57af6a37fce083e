"""Billing import at scale: a drop of 10,000 meters (1–3 per contract) parsed and applied under moto.

Reports wall time (moto's, so only the call counts carry over to AWS), items written per meter and
DynamoDB calls per meter — first for a drop of new meters, then for the same drop again, which is
the daily case: billing resends meters that already exist.
"""

from __future__ import annotations

import csv
import io
import random
import time

from bench.environment import bench_environment

METERS = 10_000
TARGET_CALLS_PER_METER = 0.2


def generated_drop(meters: int, seed: int = 7) -> bytes:
    """A CSV drop as billing sends it: contracts with one to three meters, one to three zones each."""
    from chalicelib.exchange.billing_format import CSV_COLUMNS

    rng = random.Random(seed)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, delimiter=";", lineterminator="\r\n", restval="")
    writer.writeheader()
    written, contract = 0, 0
    while written < meters:
        contract += 1
        kind = rng.choice(("person", "person", "person", "entrepreneur", "company"))
        for index in range(min(rng.randint(1, 3), meters - written)):
            zones = rng.choice((("T1",), ("T1",), ("T1", "T2"), ("T1", "T2", "T3")))
            digits = rng.choice((5, 6, 6, 7, 8))
            writer.writerow(
                {
                    "contract": f"Б-{contract:06d}",
                    "holder_name": f"Потребитель {contract}",
                    "holder_kind": kind,
                    "account": f"{36_000_000 + contract}",
                    "object_id": "1",
                    "object_name": "Объект",
                    "object_address": f"г. Воронеж, ул. Тестовая, д. {contract % 300 + 1}",
                    "serial": f"S{contract:06d}{index}",
                    "model": "Меркурий 201.5",
                    "digits": digits,
                    "zones": ",".join(zones),
                    "coefficient": rng.choice(("1", "1", "1", "40")),
                    "status": "active",
                    "point_code": f"ТУ-{contract}-{index}",
                    "last_period": "2026-10",
                    **{f"last_{z}": str(rng.randrange(10 ** (digits - 1))) for z in zones},
                }
            )
            written += 1
    return buffer.getvalue().encode("utf-8-sig")


def run() -> list[str]:
    bench_environment()
    from moto import mock_aws

    with mock_aws():
        import boto3

        from infra.local.stack import create_local_stack

        create_local_stack(boto3.session.Session(region_name="eu-central-1"), stage="bench")
        from helpers import count_calls

        from chalicelib.exchange.billing_format import parse_drop
        from chalicelib.exchange.billing_import import apply_rows

        drop = generated_drop(METERS)
        started = time.perf_counter()
        parsed = parse_drop("bench.csv", drop)
        parse_seconds = time.perf_counter() - started
        assert not parsed.errors, parsed.errors[:3]

        lines = [
            f"Импорт выгрузки биллинга: {METERS:_} счётчиков, {len(drop) / 2**20:.1f} МБ CSV".replace("_", " "),
            f"  разбор файла ............... {parse_seconds:6.2f} с",
        ]
        for label in ("новые счётчики", "повторная выгрузка"):
            with count_calls("dynamodb") as calls:
                started = time.perf_counter()
                report = apply_rows(parsed.rows, parsed.errors)
                seconds = time.perf_counter() - started
            per_meter = len(calls) / METERS
            verdict = "OK" if per_meter <= TARGET_CALLS_PER_METER else "ВЫШЕ ЦЕЛИ"
            operations = ", ".join(f"{op} {calls.count(op)}" for op in sorted(set(calls)))
            lines += [
                f"  {label}:",
                f"    время (moto) .............. {seconds:6.2f} с",
                f"    записано элементов на счётчик {report.items_written / METERS:5.2f}",
                f"    вызовов DynamoDB на счётчик  {per_meter:5.3f}  (цель ≤ {TARGET_CALLS_PER_METER}) "
                f"{verdict}  [{operations}]",
            ]
        return lines
