"""Meter events DynamoDB leaves unprocessed (over a partition's throughput) are all stored in the end,
after jittered waits (chalicelib/core/backoff.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.core import backoff


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    recorded: list[float] = []
    monkeypatch.setattr(backoff, "sleep", recorded.append)
    return recorded


class _Throttled:
    """The DynamoDB client, but each BatchWriteItem leaves its last request unprocessed the first
    `times` times, as DynamoDB does over a partition's throughput."""

    def __init__(self, client: Any, times: int) -> None:
        self._client, self.times = client, times

    def batch_write_item(self, RequestItems: dict[str, list[Any]]) -> dict[str, Any]:
        if self.times:
            self.times -= 1
            ((table, requests),) = RequestItems.items()
            if requests[:-1]:
                self._client.batch_write_item(RequestItems={table: requests[:-1]})
            return {"UnprocessedItems": {table: requests[-1:]}}
        return dict(self._client.batch_write_item(RequestItems=RequestItems))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def test_meter_events_throttled_by_dynamodb_are_all_stored(aws: Any, waits: list[float]) -> None:
    from chalicelib.aiis.ingestion.records import EventRecord
    from chalicelib.aiis.storage.repository import AiisRepository
    from chalicelib.core.aws import client

    repo = AiisRepository(client=_Throttled(client("dynamodb"), times=3))
    events = [
        (
            EventRecord("backoff-meter", datetime(2026, 3, 1, 0, i, tzinfo=UTC), "power", f"E{i}", "info", "Событие"),
            f"2026-03-01T00:{i:02d}:00Z",
        )
        for i in range(30)
    ]
    repo.put_events(events)

    stored, more = repo.events("backoff-meter", "2026-03-01", "2026-03-02", (), None, 100)
    assert not more
    assert sorted(item["code"] for item in stored) == sorted(f"E{i}" for i in range(30))
    assert len(waits) == 3
