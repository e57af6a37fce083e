"""Merging intervals into day items and keeping month roll-ups in step (DynamoDB in moto)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from chalicelib.aiis.ingestion.records import IntervalRecord, RegisterRecord
from chalicelib.aiis.storage.days import DayTotals, Slot, day_totals, month_days, slots_in_day, slots_of

DAY = date(2024, 5, 1)


@pytest.fixture
def repo(aws):
    from chalicelib.aiis.storage.repository import AiisRepository

    return AiisRepository()


@pytest.fixture
def meter() -> str:
    return str(uuid.uuid4())


def ok(value: str) -> Slot:
    return Slot("ok", {"A+": Decimal(value)})


def test_one_update_creates_the_day_and_later_ones_merge_into_it(repo, meter):
    first = repo.merge_day(meter, DAY, {0: ok("1"), 1: ok("2")}, None, "t1").item
    assert first["ver"] == 1 and slots_of(first) == {0: ok("1"), 1: ok("2")}
    second = repo.merge_day(meter, DAY, {1: ok("2.5"), 47: ok("3")}, None, "t2").item
    assert second["ver"] == 2
    assert slots_of(second) == {0: ok("1"), 1: ok("2.5"), 47: ok("3")}
    assert slots_of(repo.day(meter, DAY)) == slots_of(second)


def test_missing_never_replaces_a_value_but_a_value_replaces_missing(repo, meter):
    repo.merge_day(meter, DAY, {0: ok("1"), 1: Slot("missing")}, None, "t1")
    item = repo.merge_day(meter, DAY, {0: Slot("missing"), 1: ok("4"), 2: Slot("missing")}, None, "t2").item
    assert slots_of(item) == {0: ok("1"), 1: ok("4"), 2: Slot("missing")}


def test_the_days_register_snapshot_keeps_the_newest_reading(repo, meter):
    repo.merge_day(meter, DAY, {}, ("2024-05-01T20:00:00Z", "100|||"), "t1")
    item = repo.merge_day(meter, DAY, {5: ok("1")}, ("2024-05-01T08:00:00Z", "90|||"), "t2").item
    assert (item["reg"], item["reg_at"]) == ("100|||", "2024-05-01T20:00:00Z")
    assert 5 in slots_of(item)  # the slots of a batch carrying an older register still land


def test_roll_up_keeps_the_totals_of_the_latest_day_version(repo, meter):
    newer = DayTotals({"A+": Decimal("5")}, 2, 0, 0, 48)
    older = DayTotals({"A+": Decimal("1")}, 1, 0, 0, 48)
    assert repo.put_day_totals(meter, DAY, newer, 2, "t")
    assert not repo.put_day_totals(meter, DAY, older, 1, "t")  # a slower writer of an earlier version
    [month] = repo.months(meter, "2024-05", "2024-05")
    assert month_days("2024-05", month) == {DAY: newer}


def test_a_batch_costs_one_write_per_meter_day_plus_its_roll_up(repo, meter, monkeypatch):
    from helpers import count_calls

    from chalicelib.aiis.ingestion.ingest import BatchIngest
    from chalicelib.core import clock

    monkeypatch.setattr(clock, "_now", lambda: datetime(2024, 5, 3, tzinfo=UTC))
    other = str(uuid.uuid4())
    records = [
        IntervalRecord(m, d, i, ok("0.5")) for m in (meter, other) for d in (DAY, date(2024, 5, 2)) for i in range(48)
    ]
    # Within one batch too, a later "missing" for a slot does not wipe the value sent before it.
    records.append(IntervalRecord(meter, DAY, 3, Slot("missing")))
    records.append(
        RegisterRecord(
            meter, datetime(2024, 5, 2, 9, tzinfo=UTC), date(2024, 5, 2), {"A+": Decimal("1000")}, Decimal(1)
        )
    )
    repo_tz()  # the company settings (time zone): read once per container, not per batch
    with count_calls("dynamodb") as calls:
        BatchIngest(repo).write(records)
    # 4 meter-days × (day item + roll-up) + the meter's registers item.
    assert calls == ["UpdateItem"] * 9
    item = repo.day(meter, DAY)
    totals = day_totals(slots_of(item), slots_in_day(DAY, repo_tz()))
    assert totals.complete and totals.values["A+"] == Decimal("24")
    [month] = repo.months(meter, "2024-05", "2024-05")
    assert month_days("2024-05", month)[DAY] == totals
    assert repo.item(meter, "REGISTERS")["vals"] == "1000|||"


def repo_tz():
    from chalicelib.core.config import get_settings

    return get_settings().tz
