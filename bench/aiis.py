"""АИИС КУЭ under moto: (a) a day of 48 half-hour intervals for 1,000 meters ingested the way an agent
delivers it — gzip, signed, batches of 500 records — through authentication and the batch service;
(b) a year consumption chart read back.

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
import sys
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parents[1]
METERS = 1_000
BATCH_SIZE = 500   # the agent's default upload.batch_size
DAY = date(2026, 3, 10)
NOW = datetime(2026, 3, 12, 9, 0, tzinfo=timezone.utc)
TARGET_WRITES_PER_METER_DAY = 2   # the day item + its month roll-up
TARGET_YEAR_ITEMS = 12


def _environment() -> None:
    os.environ.update({"KABINET_STAGE": "bench", "AWS_REGION": "eu-central-1", "AWS_DEFAULT_REGION": "eu-central-1",
                       "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench"})
    os.environ.pop("AWS_ENDPOINT_URL", None)
    sys.path.insert(0, str(ROOT))


def _records() -> Iterator[dict[str, Any]]:
    from chalicelib.aiis.days import slot_bounds
    from chalicelib.core.config import get_settings

    tz = get_settings().tz
    starts = [slot_bounds(DAY, i, tz)[0].isoformat().replace("+00:00", "Z") for i in range(48)]
    for meter in range(METERS):
        for index, start in enumerate(starts):
            yield {"kind": "interval", "meter": f"B{meter:06d}", "start": start, "minutes": 30,
                   "values": {"A+": round(0.2 + (index % 7) * 0.05, 3), "A-": 0.0, "R+": 0.04, "R-": 0.0},
                   "status": "ok"}


def _agent(secret: bytes) -> Any:
    from chalicelib.aiis.agents_repository import AgentItem, agent_key

    agent = AgentItem(agent_key("bench-tp"), "AGENT", agent_id="bench-tp", name="ТП бенчмарка",
                      key_digest=hashlib.sha256(secret).hexdigest(), created_at="2026-03-01T00:00:00Z",
                      key_rotated_at="2026-03-01T00:00:00Z", list_sk="bench-tp",
                      meters={f"B{m:06d}": {"meter_id": f"bench-{m:06d}", "contract": "Б-1", "point_code": None}
                              for m in range(METERS)})
    agent.save()
    return agent


def _ingest() -> list[str]:
    from chalicelib.aiis.ingest import AgentAuthenticator, BatchIngest, SignedRequest
    from chalicelib.aiis.signing import signature, signing_key

    secret = os.urandom(32)
    _agent(secret)
    key = signing_key(secret)
    records = list(_records())
    batches = [records[i:i + BATCH_SIZE] for i in range(0, len(records), BATCH_SIZE)]
    path = "/api/v1/agents/bench-tp/batches"
    authenticator, ingest = AgentAuthenticator(), BatchIngest()
    accepted = 0
    with _dynamodb_calls() as calls:
        started = time.perf_counter()
        for chunk in batches:
            batch_id = uuid.uuid4().hex
            body = gzip.compress(json.dumps({"batch_id": batch_id, "agent_id": "bench-tp", "records": chunk},
                                            separators=(",", ":")).encode(), mtime=0)
            stamp = str(int(NOW.timestamp()))
            request = SignedRequest("bench-tp", stamp, signature(key, "POST", path, stamp, body), (path,), body,
                                    "gzip", batch_id)
            agent, plain = authenticator.authenticate("bench-tp", request)
            accepted += ingest.receive(agent, batch_id, plain)["accepted"]
        seconds = time.perf_counter() - started
    assert accepted == len(records)
    meter_days = METERS
    updates = sum(c.operation == "UpdateItem" for c in calls)
    in_calls = sum(c.seconds for c in calls)
    split = updates - 2 * meter_days   # meter-days whose 48 intervals straddle two batches
    per_meter_day = updates / meter_days
    overhead = len(calls) - updates
    return [
        f"АИИС КУЭ: сутки профиля (48 получасов) для {METERS:_} счётчиков, пакеты по {BATCH_SIZE} записей "
        f"({len(batches)} пакетов, gzip, подпись)".replace("_", " "),
        f"  записей в DynamoDB на счётчико-сутки .. {per_meter_day:.2f}  (цель {TARGET_WRITES_PER_METER_DAY}: "
        f"сутки + итог месяца; +{split / 2:.0f} счётчико-суток разрезаны границей пакета)",
        f"  прочие вызовы на пакет ............... {overhead / len(batches):.0f}  (агент, одноразовость подписи, "
        f"проверка и фиксация пакета)",
        f"  время ................................ {seconds:6.2f} с, из них в вызовах DynamoDB (moto) "
        f"{in_calls:.2f} с; наш код {seconds - in_calls:.2f} с "
        f"({len(records) / (seconds - in_calls):_.0f} записей/с)".replace("_", " "),
    ]


def _year_chart() -> list[str]:
    from decimal import Decimal

    from chalicelib.accounts.principal import Principal
    from chalicelib.accounts.repository import UserItem
    from chalicelib.aiis.days import DayTotals
    from chalicelib.aiis.models import ConsumptionQuery
    from chalicelib.aiis.reader import AiisReader
    from chalicelib.aiis.repository import AiisRepository

    meter_id = "bench-year"
    first = date(2025, 1, 1)
    repository = AiisRepository()
    for day in range(365):  # the roll-ups a year of ingestion leaves: 48 half-hours of 0.3 kWh a day
        repository.put_day_totals(meter_id, first + timedelta(days=day),
                                  DayTotals({"A+": Decimal("14.4")}, 48, 0, 0, 48), 1, "2026-01-01T00:00:00Z")
    owner = Principal(user=UserItem(user_id="bench", meter_ids={meter_id}), session_id="bench")
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
    items: int   # returned by a Query or GetItem


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
    _environment()
    from moto import mock_aws

    with mock_aws():
        import boto3

        from infra.local.stack import create_local_stack

        create_local_stack(boto3.session.Session(region_name="eu-central-1"), stage="bench")
        from chalicelib.core import aws, clock

        aws.reset_clients()  # a client made under an earlier benchmark's mock would miss this one's tables
        clock.set_clock(lambda: NOW)
        try:
            return _ingest() + [""] + _year_chart()
        finally:
            clock.set_clock(None)


if __name__ == "__main__":
    print("\n".join(run()))
