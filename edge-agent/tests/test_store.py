"""Store-and-forward queue: de-duplication, cursors, stable batches, rejection, pruning."""

from __future__ import annotations

import sqlite3
from datetime import timedelta, timezone
from pathlib import Path

from runtime_fakes import T0, FakeClock

from kabinet_agent.records import Interval, MeterEvent, RegisterReading, RelayState
from kabinet_agent.store import Store, natural_key

MSK = timezone(timedelta(hours=3))


def interval(n: int, meter: str = "012345") -> Interval:
    return Interval(meter, T0 + timedelta(minutes=30 * n), 30, {"A+": n * 0.5})


def test_durability_settings(tmp_path: Path) -> None:
    store = Store(tmp_path / "q.sqlite3")
    assert store._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    store.close()


def test_same_interval_read_twice_is_stored_once(tmp_path: Path) -> None:
    store = Store(tmp_path / "q.sqlite3")
    first = interval(1)
    # The same instant written in the meter's local zone is the same interval.
    same = Interval("012345", first.start.astimezone(MSK), 30, {"A+": 99.0})
    assert store.save([first, interval(2)]) == 2
    assert store.save([same, interval(2)]) == 0
    batch = store.next_batch(10)
    assert batch is not None and [r.to_json()["values"] for r in batch.records] == [{"A+": 0.5}, {"A+": 1.0}]
    store.mark_sent(batch.batch_id, {})
    # Re-reading an interval that has already been delivered does not queue it again.
    assert store.save([first]) == 0
    assert store.next_batch(10) is None
    store.close()


def test_natural_keys() -> None:
    at = T0
    assert natural_key(RegisterReading("1", at, {})) == "1|register|2024-05-01T00:00:00+00:00"
    assert natural_key(RelayState("1", at.astimezone(MSK), True)) == "1|relay|2024-05-01T00:00:00+00:00"
    event = MeterEvent("1", at, "voltage", "17", "warning", "Пропадание фазы A")
    assert natural_key(event) == "1|event|2024-05-01T00:00:00+00:00|voltage|17"
    other_code = MeterEvent("1", at, "voltage", "18", "warning", "Пропадание фазы B")
    assert natural_key(event) != natural_key(other_code)


def test_cursors_move_with_their_records_atomically(tmp_path: Path) -> None:
    path = tmp_path / "q.sqlite3"
    store = Store(path)
    assert store.cursor("012345", "profile") is None
    until = T0 + timedelta(hours=1)
    store.save([interval(0), interval(1)], {("012345", "profile"): until})
    store.close()
    store = Store(path)
    assert store.cursor("012345", "profile") == until
    assert store.cursor("012345", "events") is None
    try:
        store.save([interval(2), "not a record"], {("012345", "profile"): until + timedelta(hours=1)})  # type: ignore[list-item]
    except TypeError:
        pass
    # The failed transaction stored neither the interval nor the cursor.
    assert store.cursor("012345", "profile") == until
    assert store.backlog().pending == 2
    store.close()


def _drain(store: Store, size: int) -> list:
    batches = []
    while (batch := store.next_batch(size)) is not None:
        batches.append([(r.meter, r.start) for r in batch.records])  # type: ignore[attr-defined]
        store.mark_sent(batch.batch_id, {})
    return batches


def test_a_meters_records_travel_in_one_batch(tmp_path: Path) -> None:
    # Polls interleave meters (A, B, C each half hour); the cloud writes a meter-day once per batch,
    # so batches carry a meter's records together, oldest meter first.
    store = Store(tmp_path / "q.sqlite3")
    for n in range(4):
        store.save([interval(n, meter) for meter in ("A", "B", "C")])
    batches = _drain(store, 8)
    assert [[meter for meter, _ in batch] for batch in batches] == [["A"] * 4 + ["B"] * 4, ["C"] * 4]
    assert [start for _, start in batches[0][:4]] == [interval(n).start for n in range(4)]
    store.close()


def test_a_meter_with_more_than_a_batch_waiting_fills_batches_oldest_first(tmp_path: Path) -> None:
    store = Store(tmp_path / "q.sqlite3")
    store.save([interval(n, "A") for n in range(7)] + [interval(0, "B")])
    batches = _drain(store, 3)
    assert batches == [
        [("A", interval(n).start) for n in range(3)],
        [("A", interval(n).start) for n in range(3, 6)],
        [("A", interval(6).start), ("B", interval(0).start)],
    ]
    store.close()


def test_batch_id_is_stable_until_sent(tmp_path: Path) -> None:
    path = tmp_path / "q.sqlite3"
    store = Store(path)
    store.save([interval(n) for n in range(5)])
    batch = store.next_batch(3)
    assert batch is not None and len(batch.records) == 3
    store.save([interval(9)])  # new data must not change a batch already cut
    again = store.next_batch(3)
    assert again is not None and again.batch_id == batch.batch_id and again.records == batch.records
    store.note_attempt(batch.batch_id, "HTTP 503")
    store.close()
    store = Store(path)
    reopened = store.next_batch(3)
    assert reopened is not None and reopened.batch_id == batch.batch_id and reopened.attempts == 1
    assert store.backlog().in_flight == 3 and store.backlog().pending == 3
    store.mark_sent(batch.batch_id, {})
    following = store.next_batch(3)
    assert following is not None and following.batch_id != batch.batch_id
    assert [r.start for r in following.records] == [interval(n).start for n in (3, 4, 9)]  # type: ignore[attr-defined]
    store.close()


def test_rejected_records_are_not_retried(tmp_path: Path) -> None:
    store = Store(tmp_path / "q.sqlite3")
    store.save([interval(n) for n in range(3)])
    batch = store.next_batch(10)
    assert batch is not None
    store.mark_sent(batch.batch_id, {1: "интервал в будущем"})
    assert store.next_batch(10) is None
    backlog = store.backlog()
    assert (backlog.undelivered, backlog.rejected) == (0, 1)
    reason = store._db.execute("SELECT reject_reason FROM records WHERE state = 'rejected'").fetchone()[0]
    assert reason == "интервал в будущем"
    store.close()


def test_parked_batches_wait_for_an_operator(tmp_path: Path) -> None:
    store = Store(tmp_path / "q.sqlite3")
    store.save([interval(0), interval(1)])
    batch = store.next_batch(1)
    assert batch is not None
    store.park(batch.batch_id, "HTTP 400 «Неизвестный счётчик»")
    nxt = store.next_batch(1)
    assert nxt is not None and nxt.batch_id != batch.batch_id
    store.mark_sent(nxt.batch_id, {})
    assert store.next_batch(1) is None
    assert store.backlog().parked == 1
    [parked] = store.parked_batches()
    assert (parked.batch_id, parked.records, parked.reason) == (batch.batch_id, 1, "HTTP 400 «Неизвестный счётчик»")
    assert store.requeue_parked() == (1, 0)
    retried = store.next_batch(1)
    assert retried is not None and retried.batch_id == batch.batch_id
    store.close()


def test_records_refused_for_now_are_parked_until_retried_and_never_pruned(tmp_path: Path) -> None:
    clock = FakeClock()
    store = Store(tmp_path / "q.sqlite3", now=clock.now)
    store.save([interval(n) for n in range(4)])
    batch = store.next_batch(10)
    assert batch is not None
    later = "Длина интервала профиля не поддерживается"
    store.mark_sent(
        batch.batch_id, {3: "Время записи указано неверно"}, {0: later, 1: later, 2: "Счётчик не закреплён"}
    )
    backlog = store.backlog()
    assert (backlog.parked, backlog.rejected, backlog.undelivered) == (3, 1, 3)
    parked = store.parked_records()
    assert parked.count == 3 and parked.oldest == clock.dt()
    assert parked.reasons == [(later, 2), ("Счётчик не закреплён", 1)]
    clock.sleep(40 * 86400)
    assert store.prune(keep_days=30) == 1  # the final refusal goes, the parked ones stay
    assert store.next_batch(10) is None  # parked records wait for an operator
    assert store.requeue_parked() == (0, 3)
    again = store.next_batch(10)
    assert again is not None and again.batch_id != batch.batch_id
    assert [r.to_json()["start"] for r in again.records] == [interval(n).to_json()["start"] for n in range(3)]
    store.mark_sent(again.batch_id, {})
    assert store.backlog().undelivered == 0 and store.parked_records().count == 0
    store.close()


def test_prune_forgets_only_old_delivered_records(tmp_path: Path) -> None:
    clock = FakeClock()
    store = Store(tmp_path / "q.sqlite3", now=clock.now)
    store.save([interval(0), interval(1)])
    batch = store.next_batch(1)
    assert batch is not None
    store.mark_sent(batch.batch_id, {})
    clock.sleep(3 * 86400)
    assert store.prune(keep_days=7) == 0
    clock.sleep(5 * 86400)
    assert store.prune(keep_days=7) == 1
    assert store.backlog().pending == 1  # undelivered data is never pruned
    count = store._db.execute("SELECT COUNT(*) FROM batches").fetchone()[0]
    assert count == 0
    store.close()


def test_meter_status_and_agent_state(tmp_path: Path) -> None:
    clock = FakeClock()
    store = Store(tmp_path / "q.sqlite3", now=clock.now)
    store.record_poll("012345", "/dev/ttyUSB0", None, 2.0)
    clock.sleep(1800)
    store.record_poll("012345", "/dev/ttyUSB0", "показания: счётчик не отвечает", None)
    status = store.meter_statuses()["012345"]
    assert status.last_read_at == T0 and status.last_error == "показания: счётчик не отвечает"
    assert status.clock_drift_s == 2.0
    store.record_poll("012345", "/dev/ttyUSB0", None, -1.0)
    status = store.meter_statuses()["012345"]
    assert status.last_error is None and status.clock_drift_s == -1.0
    store.set_state({"last_upload_at": "2024-05-01T00:00:00Z"})
    assert store.state() == {"last_upload_at": "2024-05-01T00:00:00Z"}
    store.close()


def test_other_processes_can_read_while_the_agent_writes(tmp_path: Path) -> None:
    path = tmp_path / "q.sqlite3"
    store = Store(path)
    store.save([interval(0)])
    reader = sqlite3.connect(str(path))
    assert reader.execute("SELECT COUNT(*) FROM records").fetchone()[0] == 1
    reader.close()
    store.close()
