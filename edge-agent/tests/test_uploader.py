"""Uploads against a real HTTP server on 127.0.0.1 that checks the protocol in
docs/upload-protocol.md: signature, gzip, idempotency key, backoff, rejected records."""

from __future__ import annotations

import gzip
import json
import logging
import random
import socket
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

import pytest
from runtime_fakes import SECRET_HEX, SIGNING_KEY, T0, FakeClock, FakeCloud, natural_key_json

from kabinet_agent.backoff import Backoff
from kabinet_agent.records import Interval, MeterEvent
from kabinet_agent.signing import signature, signing_key
from kabinet_agent.store import Store
from kabinet_agent.uploader import CloudClient, Uploader, heartbeat_payload


def interval(n: int) -> Interval:
    return Interval("012345", T0 + timedelta(minutes=30 * n), 30, {"A+": n * 0.25, "A-": 0.0})


def make_uploader(
    url: str, store: Store, clock: FakeClock, batch_size: int = 100, seed: int = 1, key: bytes = SIGNING_KEY
) -> Uploader:
    client = CloudClient(url, "tp-17", key, timeout_s=5, now=clock.now)
    return Uploader(
        client,
        store,
        batch_size,
        Backoff(rng=random.Random(seed)),
        heartbeat=lambda: heartbeat_payload(store, ["012345"], "test", clock.now()),
        heartbeat_s=300,
        idle_s=30,
        now=clock.now,
    )


@pytest.fixture
def store(tmp_path: Path):
    clock = FakeClock()
    s = Store(tmp_path / "q.sqlite3", now=clock.now)
    s.clock = clock  # type: ignore[attr-defined]
    yield s
    s.close()


def test_signing_key_is_the_digest_of_the_hex_secret() -> None:
    assert signing_key(bytes.fromhex(SECRET_HEX)) == SIGNING_KEY
    # The worked example in docs/upload-protocol.md; the cloud side is built against it.
    assert (
        signature(SIGNING_KEY, "POST", "/api/v1/agents/tp-17/heartbeat", "1714521600", b"{}")
        == "ffbb2920df1bd8745ad94b31730036c73e85019f58eea42ceac6f9b52e5d4120"
    )


def test_batch_is_signed_compressed_and_carries_its_idempotency_key(store: Store) -> None:
    clock: FakeClock = store.clock  # type: ignore[attr-defined]
    event = MeterEvent("012345", T0, "power", "1", "critical", "Пропадание питания")
    store.save([interval(0), interval(1), event])
    with FakeCloud(clock) as cloud:
        uploader = make_uploader(cloud.url, store, clock)
        assert uploader.upload_one() == 0.0
    assert cloud.violations == []
    path, headers, body = cloud.requests[0]
    assert path == "/api/v1/agents/tp-17/batches"
    assert body[:2] == b"\x1f\x8b"  # gzip on the wire
    payload = json.loads(gzip.decompress(body))
    assert headers["Idempotency-Key"] == payload["batch_id"] and len(payload["batch_id"]) >= 16
    assert headers["X-Kabinet-Agent"] == payload["agent_id"] == "tp-17"
    assert headers["X-Kabinet-Timestamp"] == str(int(clock.now()))
    assert headers["X-Kabinet-Signature"] == signature(SIGNING_KEY, "POST", path, headers["X-Kabinet-Timestamp"], body)
    assert payload["records"] == [interval(0).to_json(), interval(1).to_json(), event.to_json()]
    assert store.backlog().undelivered == 0 and store.state()["last_upload_at"] == "2024-05-01T00:00:00Z"


def test_wrong_key_parks_the_batch_with_a_clear_log_line(store: Store, caplog: pytest.LogCaptureFixture) -> None:
    clock: FakeClock = store.clock  # type: ignore[attr-defined]
    store.save([interval(0)])
    with FakeCloud(clock) as cloud:
        uploader = make_uploader(cloud.url, store, clock, key=b"\x00" * 32)
        with caplog.at_level(logging.ERROR, logger="kabinet_agent"):
            assert uploader.upload_one() == 0.0
    assert cloud.violations == ["signature"]
    assert store.backlog().parked == 1
    [line] = [r.getMessage() for r in caplog.records]
    assert "отложен" in line and "HTTP 401 «Подпись неверна (signature)»" in line and "retry-parked" in line


def test_rejected_records_are_logged_and_not_retried(store: Store, caplog: pytest.LogCaptureFixture) -> None:
    clock: FakeClock = store.clock  # type: ignore[attr-defined]
    store.save([interval(n) for n in range(4)])
    with FakeCloud(clock) as cloud:
        cloud.reject = lambda r: "Счётчик не привязан к договору" if r["start"].endswith("T01:00:00Z") else None
        uploader = make_uploader(cloud.url, store, clock)
        with caplog.at_level(logging.INFO, logger="kabinet_agent"):
            uploader.upload_one()
            assert uploader.upload_one() == 30.0  # nothing left: idle
    backlog = store.backlog()
    assert (backlog.undelivered, backlog.rejected) == (0, 1)
    assert len(cloud.batch_posts) == 1
    messages = [r.getMessage() for r in caplog.records]
    assert "Облако отклонило запись ПУ 012345 interval 2024-05-01T01:00:00Z: Счётчик не привязан к договору" in messages
    assert any("доставлен: записей 4, отклонено 1" in m for m in messages)


def test_records_refused_for_now_are_parked_and_resent_on_retry_parked(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    """A 15-minute meter against a cloud that takes only half hours (the refusal code tells the agent a
    later cloud may take them); a malformed record is refused for good; an uncoded refusal too."""
    clock: FakeClock = store.clock  # type: ignore[attr-defined]
    quarter = [Interval("777001", T0 + timedelta(minutes=15 * n), 15, {"A+": 0.1}) for n in range(2)]
    store.save([interval(0), *quarter, interval(1), interval(2)])
    with FakeCloud(clock) as cloud:

        def old_cloud(record):
            if record["minutes"] == 15:
                return ("unsupported_interval", "Длина интервала профиля не поддерживается")
            if record["start"].endswith("T00:30:00Z"):
                return ("off_grid", "Начало интервала не совпадает с сеткой")
            return "Запись не распознана" if record["start"].endswith("T01:00:00Z") else None

        cloud.reject = old_cloud
        uploader = make_uploader(cloud.url, store, clock)
        with caplog.at_level(logging.INFO, logger="kabinet_agent"):
            uploader.upload_one()
        backlog = store.backlog()
        assert (backlog.parked, backlog.rejected, backlog.undelivered) == (2, 2, 2)
        assert store.parked_records().reasons == [("Длина интервала профиля не поддерживается", 2)]
        messages = [r.getMessage() for r in caplog.records]
        assert any(
            "Облако пока не принимает запись ПУ 777001 interval 2024-05-01T00:15:00Z" in m and "retry-parked" in m
            for m in messages
        )
        assert any("доставлен: записей 5, отклонено 2, отложено 2" in m for m in messages)
        assert uploader.upload_one() == 30.0  # parked records are not resent on their own

        cloud.reject = lambda record: None  # the cloud now takes 15-minute intervals
        assert store.requeue_parked() == (0, 2)
        uploader.upload_one()
    assert [(r["meter"], r["start"]) for r in cloud.batches[cloud.batch_posts[-1]]] == [
        ("777001", "2024-05-01T00:00:00Z"),
        ("777001", "2024-05-01T00:15:00Z"),
    ]
    assert store.backlog().undelivered == 0 and store.parked_records().count == 0


def test_cloud_down_for_a_day_then_back_every_interval_arrives_exactly_once(store: Store) -> None:
    clock: FakeClock = store.clock  # type: ignore[attr-defined]
    produced: list[str] = []
    next_start = [clock.now()]

    def poll_meter() -> None:
        # What the poller does: each closed interval is stored, and the previous one is read
        # again (overlapping reads happen after retries); the store must drop the repeat.
        while next_start[0] + 1800 <= clock.now():
            n = int((next_start[0] - T0.timestamp()) // 1800)
            store.save([interval(n - 1), interval(n)] if n else [interval(n)])
            produced.append(natural_key_json(interval(n).to_json()))
            next_start[0] += 1800

    with FakeCloud(clock) as cloud:
        outage_end = clock.now() + 86400
        cloud.down_until = outage_end
        cloud.drop_next_response = True  # the first batch after recovery loses its answer
        uploader = make_uploader(cloud.url, store, clock, batch_size=7, seed=5)
        end = clock.now() + 2 * 86400
        steps = 0
        while clock.now() < end or store.backlog().undelivered:
            clock.sleep(uploader.step())
            poll_meter()
            steps += 1
            assert steps < 5000
    assert len(produced) == 96 and cloud.violations == []
    # Exactly once, counted by natural key on the cloud side.
    assert set(cloud.keys) == set(produced) and set(cloud.keys.values()) == {1}
    # The batch whose answer was lost was re-sent under the same key, and only that one.
    assert len(cloud.batch_posts) == len(set(cloud.batch_posts)) + 1
    # Retries were spread out by the capped backoff (mean 5 min at the cap), not hammering.
    assert max(clock.sleeps) <= 600
    attempts = sum(1 for path, _, _ in cloud.requests if path.endswith("/batches"))
    assert 150 < attempts < 400
    assert uploader.backoff.failures == 0
    # The first heartbeat the cloud got after the outage showed the day's backlog.
    assert cloud.heartbeats[0]["agent_time"] == "2024-05-02T00:00:00Z" and cloud.heartbeats[0]["backlog"] == 48


def test_backoff_grows_with_full_jitter_and_is_capped(store: Store) -> None:
    clock: FakeClock = store.clock  # type: ignore[attr-defined]
    store.save([interval(0)])
    with FakeCloud(clock) as cloud:
        cloud.fixed_status = 503
        uploader = make_uploader(cloud.url, store, clock, seed=11)
        delays = [uploader.upload_one() for _ in range(16)]
    for attempt, delay in enumerate(delays):
        assert 0 <= delay <= min(600.0, 2.0 * 2**attempt)
    assert len(set(delays)) == len(delays)  # jittered, not a fixed ladder
    assert sum(delays[10:]) / 6 > 20 * sum(delays[:3]) / 3  # and growing
    assert store.backlog().in_flight == 1 and store.backlog().parked == 0
    last_error = store.state()["last_upload_error"]
    assert last_error == "облако временно не принимает данные: HTTP 503 «Пакет не принят»"


def test_backoff_ceiling_sequence_and_distribution() -> None:
    backoff = Backoff(base_s=2, cap_s=600, rng=random.Random(3))
    ceilings = []
    for _ in range(12):
        ceilings.append(backoff.ceiling())
        backoff.next_delay()
    assert ceilings == [2, 4, 8, 16, 32, 64, 128, 256, 512, 600, 600, 600]
    draws = [backoff.next_delay() for _ in range(2000)]
    assert max(draws) <= 600 and 270 < sum(draws) / len(draws) < 330  # uniform over [0, cap]
    backoff.reset()
    assert backoff.ceiling() == 2


@pytest.mark.parametrize("status", [429, 408])
def test_retry_after_is_honoured(store: Store, status: int) -> None:
    clock: FakeClock = store.clock  # type: ignore[attr-defined]
    store.save([interval(0)])
    with FakeCloud(clock) as cloud:
        cloud.fixed_status = status
        cloud.retry_after = "120"
        uploader = make_uploader(cloud.url, store, clock)
        assert uploader.upload_one() >= 120
        cloud.retry_after = format_datetime(datetime.fromtimestamp(clock.now() + 300, timezone.utc), usegmt=True)
        assert 299 <= uploader.upload_one() <= 600
    assert store.backlog().in_flight == 1


def test_network_failure_is_retried(store: Store, caplog: pytest.LogCaptureFixture) -> None:
    clock: FakeClock = store.clock  # type: ignore[attr-defined]
    store.save([interval(0)])
    with socket.socket() as sock:  # a port that certainly refuses connections
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    uploader = make_uploader(url, store, clock)
    with caplog.at_level(logging.WARNING, logger="kabinet_agent"):
        assert 0 <= uploader.upload_one() <= 2
    assert store.backlog().in_flight == 1
    assert "нет связи с облаком" in caplog.records[0].getMessage()


def test_heartbeat_reports_backlog_and_meters(store: Store) -> None:
    clock: FakeClock = store.clock  # type: ignore[attr-defined]
    store.save([interval(0), interval(1)])
    store.record_poll("012345", "/dev/ttyUSB0", None, 42.0)
    clock.sleep(60)
    store.record_poll("012345", "/dev/ttyUSB0", "профиль мощности: счётчик не отвечает: нет ответа", None)
    with FakeCloud(clock) as cloud:
        assert make_uploader(cloud.url, store, clock).send_heartbeat()
    assert cloud.violations == [] and cloud.requests[0][0] == "/api/v1/agents/tp-17/heartbeat"
    assert cloud.heartbeats == [
        {
            "agent_time": "2024-05-01T00:01:00Z",
            "version": "test",
            "backlog": 2,
            "meters": [
                {
                    "serial": "012345",
                    "last_read_at": "2024-05-01T00:00:00Z",
                    "last_error": "профиль мощности: счётчик не отвечает: нет ответа",
                    "clock_drift_s": 42.0,
                }
            ],
        }
    ]
