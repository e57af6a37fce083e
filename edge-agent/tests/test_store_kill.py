"""Durability across kill -9: what was acknowledged is on disk, and an upload interrupted
mid-flight is re-sent later as the same batch with the same idempotency key."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
from datetime import timedelta
from pathlib import Path

from runtime_fakes import SIGNING_KEY, T0, FakeClock, FakeCloud

from kabinet_agent.backoff import Backoff
from kabinet_agent.records import Interval
from kabinet_agent.store import Store
from kabinet_agent.uploader import CloudClient, Uploader

EDGE_AGENT = Path(__file__).resolve().parents[1]

WRITER = textwrap.dedent("""
    import sys
    from datetime import datetime, timedelta, timezone
    sys.path.insert(0, sys.argv[1])
    from kabinet_agent.records import Interval
    from kabinet_agent.store import Store
    store = Store(__import__("pathlib").Path(sys.argv[2]))
    start = datetime(2024, 5, 1, tzinfo=timezone.utc)
    n = 0
    while True:
        until = start + timedelta(minutes=30 * (n + 1))
        store.save([Interval("012345", start + timedelta(minutes=30 * n), 30, {"A+": n})],
                   {("012345", "profile"): until})
        print(n, flush=True)   # the acknowledgement: only after save() returned
        n += 1
""")

UPLOADER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    sys.path.insert(0, sys.argv[1])
    from kabinet_agent.backoff import Backoff
    from kabinet_agent.store import Store
    from kabinet_agent.uploader import CloudClient, Uploader
    store = Store(Path(sys.argv[2]))
    client = CloudClient(sys.argv[3], "tp-17", bytes.fromhex(sys.argv[4]), timeout_s=60, now=lambda: float(sys.argv[5]))
    Uploader(client, store, 4, Backoff(), heartbeat=dict, heartbeat_s=1e9, idle_s=1,
             now=lambda: float(sys.argv[5])).upload_one()
""")


def test_every_acknowledged_record_survives_sigkill(tmp_path: Path) -> None:
    db = tmp_path / "q.sqlite3"
    child = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(EDGE_AGENT), str(db)], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    acknowledged = -1
    for line in child.stdout:
        acknowledged = int(line)
        if acknowledged >= 40:
            break
    child.send_signal(signal.SIGKILL)
    child.wait()
    store = Store(db)
    batch = store.next_batch(10_000)
    assert batch is not None
    values = sorted(int(r.values["A+"]) for r in batch.records)  # type: ignore[attr-defined]
    # Everything acknowledged is there, with no gaps; at most the one record in flight beyond it.
    assert values[: acknowledged + 1] == list(range(acknowledged + 1))
    assert values == list(range(len(values)))
    # The cursor is committed with its records: it points right after the last stored interval.
    last = max(r.start for r in batch.records)  # type: ignore[attr-defined]
    cursor = store.cursor("012345", "profile")
    assert cursor is not None and cursor.timestamp() - last.timestamp() == 1800
    store.close()


def test_upload_killed_mid_flight_is_resent_with_the_same_batch_id(tmp_path: Path) -> None:
    db = tmp_path / "q.sqlite3"
    store = Store(db)
    store.save([Interval("012345", T0 + timedelta(minutes=30 * n), 30, {"A+": n}) for n in range(10)])
    store.close()

    clock = FakeClock()
    with FakeCloud(clock) as cloud:
        cloud.hold = threading.Event()  # the cloud receives the batch but never answers
        child = subprocess.Popen(
            [sys.executable, "-c", UPLOADER, str(EDGE_AGENT), str(db), cloud.url, SIGNING_KEY.hex(), str(clock.now())]
        )
        assert cloud.arrived.wait(20), "the child never sent its batch"
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        cloud.hold.set()
        cloud.hold = None
        first_key = cloud.batch_posts[0]
        first_body = cloud.requests[-1][2]

        store = Store(db)
        assert store.backlog().in_flight == 4 and store.backlog().pending == 6
        client = CloudClient(cloud.url, "tp-17", SIGNING_KEY, timeout_s=10, now=clock.now)
        uploader = Uploader(client, store, 4, Backoff(), heartbeat=dict, heartbeat_s=1e9, idle_s=1, now=clock.now)
        assert uploader.upload_one() == 0.0
        assert cloud.batch_posts[:2] == [first_key, first_key]
        # Byte-identical body: the cloud may compare it with what it saw under this key.
        assert cloud.requests[-1][2] == first_body
        while store.backlog().undelivered:
            uploader.upload_one()
        store.close()
    assert sorted(cloud.keys.values()) == [1] * 10
