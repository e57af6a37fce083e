"""Store-and-forward queue in SQLite that survives power loss and kill -9.

Guarantees the rest of the agent relies on:
* `save` returns only after the records (and the cursors that move with them) are committed with
  `synchronous=FULL`, so a record the poller considers done is on disk.
* A record has a natural key (meter + kind + time [+ journal + code]); re-reading an interval is a no-op.
* A batch gets its id (the upload's idempotency key) and its exact member list committed before the
  first send; after a crash the same id with the same records in the same order is sent again, and
  the cloud de-duplicates by that key.
* Records leave the queue only on the cloud's 2xx (`mark_sent`), or when an operator is needed
  (`park`; `requeue_parked` puts them back).
* A record the cloud refused for a reason a later cloud may lift (an interval length it does not
  take yet, a meter not yet assigned, …) is parked on its own (`mark_sent(parked=…)`), kept with the
  reason until `requeue_parked` queues it again; one refused for good is kept as rejected until
  pruned. Neither disappears unseen: `status` shows both.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from .records import DaySnapshot, Interval, MeterEvent, Record, RegisterReading, RelayState, record_from_json

_SCHEMA_VERSION = 1
# How many of the oldest pending records, in batch sizes, a batch is chosen from (see _cut_by_meter).
_BATCH_WINDOW = 20
_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    id            INTEGER PRIMARY KEY,
    natural_key   TEXT NOT NULL UNIQUE,
    meter         TEXT NOT NULL,
    kind          TEXT NOT NULL,
    payload       TEXT NOT NULL,
    stored_at     REAL NOT NULL,
    state         TEXT NOT NULL DEFAULT 'pending',  -- pending | batched | sent | rejected | parked
    batch_id      TEXT,
    batch_pos     INTEGER,
    done_at       REAL,
    reject_reason TEXT
);
CREATE INDEX IF NOT EXISTS records_by_state ON records (state, id);
CREATE INDEX IF NOT EXISTS records_by_batch ON records (batch_id, batch_pos);
CREATE TABLE IF NOT EXISTS batches (
    batch_id   TEXT PRIMARY KEY,
    created_at REAL NOT NULL,
    state      TEXT NOT NULL,                       -- open | sent | parked
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    done_at    REAL
);
CREATE TABLE IF NOT EXISTS cursors (
    meter TEXT NOT NULL,
    name  TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (meter, name)
);
CREATE TABLE IF NOT EXISTS meter_status (
    serial        TEXT PRIMARY KEY,
    port          TEXT NOT NULL,
    last_read_at  REAL,
    last_error    TEXT,
    last_error_at REAL,
    clock_drift_s REAL
);
CREATE TABLE IF NOT EXISTS agent_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class Batch:
    batch_id: str
    records: list[Record]
    attempts: int


@dataclass(frozen=True)
class Backlog:
    pending: int  # stored, not yet in a batch
    in_flight: int  # in a batch that is being (re)sent
    parked: int  # in a batch the cloud refused, or refused alone for now; waits for an operator
    rejected: int  # the cloud refused these records individually, for good

    @property
    def undelivered(self) -> int:
        return self.pending + self.in_flight + self.parked


@dataclass(frozen=True)
class MeterStatus:
    serial: str
    port: str
    last_read_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    clock_drift_s: float | None


@dataclass(frozen=True)
class ParkedRecords:
    """Records the cloud refused one by one for a reason it may lift later."""

    count: int
    oldest: datetime | None  # when the longest-waiting one was parked
    reasons: list[tuple[str, int]]  # reason → records, most frequent first


@dataclass(frozen=True)
class ParkedBatch:
    batch_id: str
    records: int
    reason: str
    parked_at: datetime | None


def natural_key(record: Record) -> str:
    """What makes two reads "the same data": the cloud keys its upserts the same way."""
    if isinstance(record, Interval):
        parts: tuple[str, ...] = (_utc(record.start),)
    elif isinstance(record, RegisterReading):
        parts = (_utc(record.read_at),)
    elif isinstance(record, RelayState):
        parts = (_utc(record.at),)
    elif isinstance(record, MeterEvent):
        parts = (_utc(record.at), record.journal, record.code)
    elif isinstance(record, DaySnapshot):
        parts = (record.day.isoformat(),)  # one snapshot per meter-day, as the cloud keeps it
    else:
        raise TypeError(f"not a storable record: {record!r}")
    return "|".join((record.meter, record.kind, *parts))


class Store:
    def __init__(self, path: Path, now: Callable[[], float] = time.time) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._now = now
        # One connection shared by the poller and uploader threads; the lock serialises them, and
        # SQLite's own locking (with a busy timeout) covers other processes such as `status`.
        self._lock = threading.RLock()
        self._db = sqlite3.connect(str(path), timeout=30.0, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        # FULL: a commit is fsync'ed before it returns, so "stored" survives a power cut.
        self._db.execute("PRAGMA synchronous=FULL")
        with self._transaction():
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version > _SCHEMA_VERSION:
                raise RuntimeError(f"база {path} создана более новой версией агента (схема {version})")
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    self._db.execute(statement)
            self._db.execute(f"PRAGMA user_version={_SCHEMA_VERSION}")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            # IMMEDIATE takes the write lock up front, so a concurrent writer waits at BEGIN
            # instead of failing halfway through.
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # -- records and cursors -------------------------------------------------------------------

    def save(self, records: Sequence[Record], cursors: Mapping[tuple[str, str], datetime] | None = None) -> int:
        """Commit records and the cursors they advance in one transaction; returns how many were new."""
        now = self._now()
        added = 0
        with self._transaction() as db:
            for record in records:
                cur = db.execute(
                    "INSERT OR IGNORE INTO records (natural_key, meter, kind, payload, stored_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (
                        natural_key(record),
                        record.meter,
                        record.kind,
                        json.dumps(record.to_json(), ensure_ascii=False, sort_keys=True),
                        now,
                    ),
                )
                added += cur.rowcount
            for (meter, name), value in (cursors or {}).items():
                db.execute(
                    "INSERT OR REPLACE INTO cursors (meter, name, value) VALUES (?, ?, ?)", (meter, name, _utc(value))
                )
        return added

    def cursor(self, meter: str, name: str) -> datetime | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM cursors WHERE meter = ? AND name = ?", (meter, name)).fetchone()
        return datetime.fromisoformat(row[0]) if row else None

    # -- batches -------------------------------------------------------------------------------

    def next_batch(self, size: int) -> Batch | None:
        """The oldest unfinished batch, or a new one cut from pending records; None when all is sent."""
        with self._transaction() as db:
            row = db.execute(
                "SELECT batch_id, attempts FROM batches WHERE state = 'open' ORDER BY created_at, rowid LIMIT 1"
            ).fetchone()
            if row is None:
                ids = _cut_by_meter(
                    db.execute(
                        "SELECT id, meter FROM records WHERE state = 'pending' ORDER BY id LIMIT ?",
                        (size * _BATCH_WINDOW,),
                    ).fetchall(),
                    size,
                )
                if not ids:
                    return None
                row = (uuid.uuid4().hex, 0)
                db.execute(
                    "INSERT INTO batches (batch_id, created_at, state) VALUES (?, ?, 'open')", (row[0], self._now())
                )
                db.executemany(
                    "UPDATE records SET state = 'batched', batch_id = ?, batch_pos = ? WHERE id = ?",
                    [(row[0], pos, record_id) for pos, record_id in enumerate(ids)],
                )
            payloads = db.execute(
                "SELECT payload FROM records WHERE batch_id = ? ORDER BY batch_pos", (row[0],)
            ).fetchall()
        return Batch(batch_id=row[0], records=[record_from_json(json.loads(p[0])) for p in payloads], attempts=row[1])

    def note_attempt(self, batch_id: str, error: str | None) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE batches SET attempts = attempts + 1, last_error = ? WHERE batch_id = ?", (error, batch_id)
            )

    def mark_sent(self, batch_id: str, rejected: Mapping[int, str], parked: Mapping[int, str] | None = None) -> None:
        """The cloud answered 2xx: the batch is done; `rejected` and `parked` map positions to the
        cloud's reason — refused for good, or for now (kept for `requeue_parked`)."""
        now = self._now()
        with self._transaction() as db:
            db.execute("UPDATE records SET state = 'sent', done_at = ? WHERE batch_id = ?", (now, batch_id))
            for state, refused in (("rejected", rejected), ("parked", parked or {})):
                db.executemany(
                    f"UPDATE records SET state = '{state}', reject_reason = ? WHERE batch_id = ? AND batch_pos = ?",
                    [(reason, batch_id, pos) for pos, reason in refused.items()],
                )
            db.execute("UPDATE batches SET state = 'sent', done_at = ? WHERE batch_id = ?", (now, batch_id))

    def park(self, batch_id: str, reason: str) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE batches SET state = 'parked', last_error = ?, done_at = ? WHERE batch_id = ?",
                (reason, self._now(), batch_id),
            )

    def parked_batches(self) -> list[ParkedBatch]:
        with self._lock:
            rows = self._db.execute(
                "SELECT b.batch_id, COUNT(r.id), b.last_error, b.done_at FROM batches b "
                "LEFT JOIN records r ON r.batch_id = b.batch_id WHERE b.state = 'parked' "
                "GROUP BY b.batch_id ORDER BY b.done_at"
            ).fetchall()
        return [ParkedBatch(r[0], r[1], r[2] or "", _from_ts(r[3])) for r in rows]

    def parked_records(self) -> ParkedRecords:
        with self._lock:
            count, oldest = self._db.execute(
                "SELECT COUNT(*), MIN(done_at) FROM records WHERE state = 'parked'"
            ).fetchone()
            reasons = self._db.execute(
                "SELECT reject_reason, COUNT(*) FROM records WHERE state = 'parked' GROUP BY reject_reason "
                "ORDER BY COUNT(*) DESC, reject_reason"
            ).fetchall()
        return ParkedRecords(count, _from_ts(oldest), [(r[0] or "", r[1]) for r in reasons])

    def requeue_parked(self) -> tuple[int, int]:
        """Give parked batches another go, under their original ids (the cloud may have seen them),
        and queue parked records again (in new batches); returns (batches, records)."""
        with self._transaction() as db:
            batches = db.execute("UPDATE batches SET state = 'open', done_at = NULL WHERE state = 'parked'").rowcount
            records = db.execute(
                "UPDATE records SET state = 'pending', batch_id = NULL, batch_pos = NULL, "
                "done_at = NULL, reject_reason = NULL WHERE state = 'parked'"
            ).rowcount
        return batches, records

    def backlog(self) -> Backlog:
        with self._lock:
            counts: dict[str, int] = dict(
                self._db.execute(
                    "SELECT CASE WHEN r.state = 'batched' AND b.state = 'parked' THEN 'parked' ELSE r.state END, "
                    "COUNT(*) FROM records r LEFT JOIN batches b ON b.batch_id = r.batch_id "
                    "WHERE r.state != 'sent' GROUP BY 1"
                ).fetchall()
            )
        return Backlog(
            pending=counts.get("pending", 0),
            in_flight=counts.get("batched", 0),
            parked=counts.get("parked", 0),
            rejected=counts.get("rejected", 0),
        )

    def prune(self, keep_days: float) -> int:
        """Forget delivered (and individually rejected) records older than `keep_days`."""
        cutoff = self._now() - keep_days * 86400
        with self._transaction() as db:
            removed = db.execute(
                "DELETE FROM records WHERE state IN ('sent', 'rejected') AND done_at < ?", (cutoff,)
            ).rowcount
            db.execute("DELETE FROM batches WHERE state = 'sent' AND done_at < ?", (cutoff,))
        return removed

    # -- status for `status` and the heartbeat ------------------------------------------------

    def record_poll(self, serial: str, port: str, error: str | None, clock_drift_s: float | None) -> None:
        """After each poll: success clears the error; a failure keeps the last good read time."""
        now = self._now()
        with self._transaction() as db:
            # INSERT OR IGNORE + UPDATE rather than UPSERT: concentrators may ship SQLite older than 3.24.
            db.execute("INSERT OR IGNORE INTO meter_status (serial, port) VALUES (?, ?)", (serial, port))
            db.execute("UPDATE meter_status SET port = ? WHERE serial = ?", (port, serial))
            if error is None:
                db.execute(
                    "UPDATE meter_status SET last_read_at = ?, last_error = NULL WHERE serial = ?", (now, serial)
                )
            else:
                db.execute(
                    "UPDATE meter_status SET last_error = ?, last_error_at = ? WHERE serial = ?", (error, now, serial)
                )
            if clock_drift_s is not None:
                db.execute("UPDATE meter_status SET clock_drift_s = ? WHERE serial = ?", (clock_drift_s, serial))

    def meter_statuses(self) -> dict[str, MeterStatus]:
        with self._lock:
            rows = self._db.execute(
                "SELECT serial, port, last_read_at, last_error, last_error_at, clock_drift_s FROM meter_status"
            ).fetchall()
        return {r[0]: MeterStatus(r[0], r[1], _from_ts(r[2]), r[3], _from_ts(r[4]), r[5]) for r in rows}

    def set_state(self, values: Mapping[str, str]) -> None:
        with self._transaction() as db:
            db.executemany("INSERT OR REPLACE INTO agent_state (key, value) VALUES (?, ?)", list(values.items()))

    def state(self) -> dict[str, str]:
        with self._lock:
            return dict(self._db.execute("SELECT key, value FROM agent_state").fetchall())


def _cut_by_meter(pending: Sequence[tuple[int, str]], size: int) -> list[int]:
    """Up to `size` record ids for the next batch, a meter's records kept together.

    The cloud writes one item per meter-day per batch, so a meter's records spread over several
    batches cost a write in each. `pending` (oldest first) is grouped by meter in the order of each
    meter's oldest record; whole groups go in while they fit. A meter with more than `size` records
    waiting on its own fills the batch with its oldest ones.
    """
    groups: dict[str, list[int]] = {}
    for record_id, meter in pending:
        groups.setdefault(meter, []).append(record_id)
    ids: list[int] = []
    for group in groups.values():
        if len(ids) + len(group) > size:
            return ids or group[:size]
        ids.extend(group)
    return ids


def _utc(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("record times must be timezone-aware")
    return value.astimezone(timezone.utc).isoformat()


def _from_ts(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, timezone.utc)
