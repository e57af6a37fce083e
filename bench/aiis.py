"""АИИС КУЭ under moto: (a) a day of 48 half-hour intervals for 1,000 meters ingested the way an agent
delivers it — queued in the agent's own store, which cuts the batches of 500 records, gzip, signed —
through authentication and the batch service; (b) a year consumption chart read back.

Wall time is moto's (in-process, no network), so only the item and call counts carry over to AWS;
the time spent in our own code (signature, gzip, JSON, validation, merging) is shown apart from the
time inside DynamoDB calls, most of which is moto parsing update expressions (a day item's update
names its 48 slots).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.environment import bench_environment

METERS = 1_000
BATCH_SIZE = 500  # the agent's default upload.batch_size
DAY = date(2026, 3, 10)
NOW = datetime(2026, 3, 12, 9, 0, tzinfo=UTC)
TARGET_WRITES_PER_METER_DAY = 2  # the day item + its month roll-up
TARGET_YEAR_ITEMS = 12


def _queue(store: Any) -> int:
    """A day's profile of every meter into the agent's store, as the poller leaves it after a round
    of reads; returns the number of records."""
    from chalicelib.aiis.storage.days import slot_bounds
    from chalicelib.core.config import get_settings
    from kabinet_agent.records import Interval

    tz = get_settings().tz
    starts = [slot_bounds(DAY, i, tz)[0] for i in range(48)]
    for meter in range(METERS):
        store.save(
            [
                Interval(
                    f"B{meter:06d}",
                    start,
                    30,
                    {"A+": round(0.2 + (index % 7) * 0.05, 3), "A-": 0.0, "R+": 0.04, "R-": 0.0},
                )
                for index, start in enumerate(starts)
            ]
        )
    return METERS * len(starts)


def _agent(secret: bytes) -> Any:
    from chalicelib.aiis.storage.agents_repository import AgentItem, agent_key

    agent = AgentItem(
        agent_key("bench-tp"),
        "AGENT",
        agent_id="bench-tp",
        name="ТП бенчмарка",
        key_digest=hashlib.sha256(secret).hexdigest(),
        created_at="2026-03-01T00:00:00Z",
        key_rotated_at="2026-03-01T00:00:00Z",
        list_sk="bench-tp",
        meters={
            f"B{m:06d}": {"meter_id": f"bench-{m:06d}", "contract": "Б-1", "point_code": None} for m in range(METERS)
        },
    )
    agent.save()
    return agent


def _ingest() -> list[str]:
    from chalicelib.aiis.ingestion.ingest import AgentAuthenticator, BatchIngest, SignedRequest
    from chalicelib.aiis.ingestion.signing import signature, signing_key
    from kabinet_agent.store import Store

    secret = os.urandom(32)
    _agent(secret)
    key = signing_key(secret)
    path = "/api/v1/agents/bench-tp/batches"
    authenticator, ingest = AgentAuthenticator(), BatchIngest()
    accepted = batches = 0
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "queue.sqlite3")
        records = _queue(store)
        with _dynamodb_calls() as calls:
            started = time.perf_counter()
            while (batch := store.next_batch(BATCH_SIZE)) is not None:
                body = gzip.compress(
                    json.dumps(
                        {
                            "batch_id": batch.batch_id,
                            "agent_id": "bench-tp",
                            "records": [r.to_json() for r in batch.records],
                        },
                        separators=(",", ":"),
                    ).encode(),
                    mtime=0,
                )
                stamp = str(int(NOW.timestamp()))
                request = SignedRequest(
                    "bench-tp", stamp, signature(key, "POST", path, stamp, body), (path,), body, "gzip", batch.batch_id
                )
                agent, plain = authenticator.authenticate("bench-tp", request)
                accepted += ingest.receive(agent, batch.batch_id, plain)["accepted"]
                store.mark_sent(batch.batch_id, {})
                batches += 1
            seconds = time.perf_counter() - started
        store.close()
    assert accepted == records
    meter_days = METERS
    updates = sum(c.operation == "UpdateItem" for c in calls)
    in_calls = sum(c.seconds for c in calls)
    split = updates - 2 * meter_days  # meter-days whose 48 intervals straddle two batches
    per_meter_day = updates / meter_days
    overhead = len(calls) - updates
    return [
        f"АИИС КУЭ: сутки профиля (48 получасов) для {METERS:_} счётчиков, пакеты по {BATCH_SIZE} записей "
        f"({batches} пакетов, gzip, подпись)".replace("_", " "),
        f"  записей в DynamoDB на счётчико-сутки .. {per_meter_day:.2f}  (цель {TARGET_WRITES_PER_METER_DAY}: "
        f"сутки + итог месяца; +{split / 2:.0f} счётчико-суток разрезаны границей пакета)",
        f"  прочие вызовы на пакет ............... {overhead / batches:.0f}  (агент, одноразовость подписи, "
        f"проверка и фиксация пакета)",
        f"  время ................................ {seconds:6.2f} с, из них в вызовах DynamoDB (moto) "
        f"{in_calls:.2f} с; наш код (очередь агента и облако) {seconds - in_calls:.2f} с "
        f"({records / (seconds - in_calls):_.0f} записей/с)".replace("_", " "),
    ]


def _year_chart() -> list[str]:
    from decimal import Decimal

    from chalicelib.accounts.principal import Principal
    from chalicelib.accounts.repository import UserItem
    from chalicelib.aiis.reads.models import ConsumptionQuery
    from chalicelib.aiis.reads.reader import AiisReader
    from chalicelib.aiis.storage.days import DayTotals
    from chalicelib.aiis.storage.repository import AiisRepository

    meter_id = "bench-year"
    first = date(2025, 1, 1)
    repository = AiisRepository()
    for day in range(365):  # the roll-ups a year of ingestion leaves: 48 half-hours of 0.3 kWh a day
        repository.put_day_totals(
            meter_id,
            first + timedelta(days=day),
            DayTotals({"A+": Decimal("14.4")}, 48, 0, 0, 48),
            1,
            "2026-01-01T00:00:00Z",
        )
    owner = Principal(
        user=UserItem(user_id="bench", meter_ids={meter_id}, aiis_meter_ids={meter_id}), session_id="bench"
    )
    reader = AiisReader()
    query = ConsumptionQuery(scale="year", date=date(2025, 6, 1))
    reader.consumption(owner, meter_id, query)  # warm
    with _dynamodb_calls() as calls:
        started = time.perf_counter()
        chart = reader.consumption(owner, meter_id, query)
        seconds = time.perf_counter() - started
    assert chart.total == "5256" and len(chart.points) == 12
    return [
        "АИИС КУЭ: график за год (12 месяцев, каждый день заполнен)",
        f"  вызовов DynamoDB ....................... {len(calls)}  [{', '.join(c.operation for c in calls)}] "
        f"(цель 1 Query)",
        f"  элементов прочитано .................... {sum(c.items for c in calls)}  (цель ≤ {TARGET_YEAR_ITEMS})",
        f"  время .................................. {seconds * 1000:6.1f} мс (moto)",
    ]


@dataclass(frozen=True)
class Call:
    operation: str
    seconds: float
    items: int  # returned by a Query or GetItem


@contextmanager
def _dynamodb_calls() -> Iterator[list[Call]]:
    """Every DynamoDB call inside the block, with its time and the items it returned."""
    import botocore.client

    calls: list[Call] = []
    original = botocore.client.BaseClient._make_api_call

    def recording(client: Any, operation: str, params: Any) -> Any:
        started = time.perf_counter()
        response = original(client, operation, params)
        if client.meta.service_model.service_name == "dynamodb":
            items = int(response.get("Count", 0)) if operation == "Query" else int("Item" in response)
            calls.append(Call(operation, time.perf_counter() - started, items))
        return response

    botocore.client.BaseClient._make_api_call = recording  # type: ignore[method-assign]
    try:
        yield calls
    finally:
        botocore.client.BaseClient._make_api_call = original  # type: ignore[method-assign]


def run() -> list[str]:
    bench_environment()
    from moto import mock_aws

    with mock_aws():
        import boto3

        from infra.local.stack import create_local_stack

        create_local_stack(boto3.session.Session(region_name="eu-central-1"), stage="bench")
        from chalicelib.core import aws, clock

        aws.reset_clients()  # a client made under an earlier benchmark's mock would miss this one's tables
        clock.set_clock(lambda: NOW)
        try:
            return [*_ingest(), "", *_year_chart()]
        finally:
            clock.set_clock(None)


if __name__ == "__main__":
    print("\n".join(run()))
