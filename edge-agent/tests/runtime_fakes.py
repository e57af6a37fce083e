"""Test doubles for the runtime tests: a fake clock, a scriptable meter driver (our own
MeterDriver interface), a fake cloud that verifies the upload protocol, and config files."""

from __future__ import annotations

import gzip
import hashlib
import hmac
import http.server
import json
import threading
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

from kabinet_agent.protocols.base import MeterDriver, Transport
from kabinet_agent.records import ClockReading, Interval, MeterEvent, RegisterReading, RelayState

SECRET_HEX = "00112233445566778899aabbccddeeff" * 2
SIGNING_KEY = hashlib.sha256(bytes.fromhex(SECRET_HEX)).digest()
T0 = datetime(2024, 5, 1, 0, 0, tzinfo=timezone.utc)


class FakeClock:
    """Simulated time: `sleep` advances it instantly."""

    def __init__(self, start: datetime = T0) -> None:
        self.t = start.timestamp()
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.t

    def dt(self) -> datetime:
        return datetime.fromtimestamp(self.t, timezone.utc)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds


@dataclass
class FakeMeter:
    """What the fake driver reports. Profile values are a function of the interval start, so a
    re-read returns the same data, as a real meter would."""

    serial: str
    clock: FakeClock
    drift_s: float = 0.0
    relay_on: bool = True
    events: list[MeterEvent] = field(default_factory=list)
    fail: dict[str, Exception] = field(default_factory=dict)  # method name -> exception to raise
    leak_open_interval: bool = False  # also return the interval starting at `until` (a driver bug)
    profile_calls: list[tuple[datetime, datetime]] = field(default_factory=list)
    event_calls: list[datetime] = field(default_factory=list)
    sessions: int = 0
    closed: int = 0

    def interval(self, start: datetime) -> Interval:
        n = int(start.timestamp() // 1800)
        return Interval(self.serial, start, 30, {"A+": round(n % 97 * 0.01, 3), "A-": 0.0})


class FakeDriver(MeterDriver):
    protocol = "fake"

    def __init__(self, transport: Transport | None, meter: FakeMeter) -> None:
        super().__init__(transport, meter.serial, "1")  # type: ignore[arg-type]
        self.meter = meter

    def _check(self, name: str) -> None:
        if name in self.meter.fail:
            raise self.meter.fail[name]

    def read_registers(self) -> RegisterReading:
        self._check("registers")
        return RegisterReading(self.serial, self.meter.clock.dt(), {"A+": 1234.5, "A-": 0.0, "R+": 12.25, "R-": 1.0})

    def read_profile(self, since: datetime, until: datetime) -> list[Interval]:
        self._check("profile")
        self.meter.profile_calls.append((since, until))
        out = []
        start = since
        while start < until:
            out.append(self.meter.interval(start))
            start += timedelta(minutes=30)
        if self.meter.leak_open_interval:
            out.append(self.meter.interval(until))
        return out

    def read_events(self, since: datetime) -> list[MeterEvent]:
        self._check("events")
        self.meter.event_calls.append(since)
        return [e for e in self.meter.events if e.at >= since]

    def read_relay(self) -> RelayState:
        self._check("relay")
        return RelayState(self.serial, self.meter.clock.dt(), self.meter.relay_on)

    def read_clock(self) -> ClockReading:
        self._check("clock")
        agent = self.meter.clock.dt()
        return ClockReading(self.serial, agent + timedelta(seconds=self.meter.drift_s), agent)

    def close(self) -> None:
        self.meter.closed += 1


def fake_sessions(meters: dict[str, FakeMeter]) -> Callable[..., Any]:
    """A poller SessionFactory backed by FakeDrivers."""

    @contextmanager
    def session(meter_cfg: Any, log: Any) -> Any:
        meter = meters[meter_cfg.serial]
        if "open" in meter.fail:
            raise meter.fail["open"]
        meter.sessions += 1
        driver = FakeDriver(None, meter)
        try:
            yield driver
        finally:
            driver.close()

    return session


def natural_key_json(record: dict[str, Any]) -> str:
    """The cloud side's view of a record's identity (see docs/upload-protocol.md)."""
    when = record.get("start") or record.get("read_at") or record.get("at") or record.get("day")
    parts = [record["meter"], record["kind"], when]
    if record["kind"] == "event":
        parts += [record["journal"], record["code"]]
    return "|".join(parts)


class FakeCloud:
    """The cloud's batch and heartbeat endpoints on 127.0.0.1, verifying everything the protocol
    document requires. Behaviour is switched by attributes; time comes from the test's clock."""

    def __init__(self, clock: FakeClock, agent_id: str = "tp-17", key: bytes = SIGNING_KEY) -> None:
        self.clock = clock
        self.agent_id = agent_id
        self.key = key
        self.down_until = 0.0  # answer 503 while clock.now() < down_until
        self.fixed_status: int | None = None
        self.retry_after: str | None = None
        self.reject: Callable[[dict[str, Any]], Any] = lambda record: None  # None, message or (code, message)
        self.drop_next_response = False  # process the batch, then hang up without answering
        self.hold: threading.Event | None = None  # block inside the handler until set
        self.arrived = threading.Event()
        self.batches: dict[str, list[dict[str, Any]]] = {}
        self.keys: Counter = Counter()  # natural key -> times accepted (non-duplicate batches)
        self.batch_posts: list[str] = []  # idempotency keys of every batch POST that got through auth
        self.heartbeats: list[dict[str, Any]] = []
        self.violations: list[str] = []  # protocol rules broken: signature, headers, batch key
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FakeCloud:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.hold is not None:
            self.hold.set()
        self._server.shutdown()
        self._server.server_close()

    def verify(self, method: str, path: str, headers: dict[str, str], body: bytes) -> str | None:
        if headers.get("Content-Type") != "application/json" or headers.get("Content-Encoding") != "gzip":
            return "content headers"
        if headers.get("X-Kabinet-Agent") != self.agent_id or f"/agents/{self.agent_id}/" not in path:
            return "agent id"
        timestamp = headers.get("X-Kabinet-Timestamp", "")
        if not timestamp.isdigit() or abs(int(timestamp) - self.clock.now()) > 300:
            return "timestamp"
        message = "\n".join((method, path, timestamp, hashlib.sha256(body).hexdigest()))
        expected = hmac.new(self.key, message.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, headers.get("X-Kabinet-Signature", "")):
            return "signature"
        return None

    def _handler(self) -> type:
        cloud = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _reply(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                raw = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(raw)

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {k: v for k, v in self.headers.items()}
                cloud.requests.append((self.path, headers, body))
                problem = cloud.verify("POST", self.path, headers, body)
                if problem:
                    cloud.violations.append(problem)
                    self._reply(401, {"error": {"code": "unauthorized", "message": f"Подпись неверна ({problem})"}})
                    return
                payload = json.loads(gzip.decompress(body))
                if cloud.clock.now() < cloud.down_until:
                    self._reply(503, {"error": {"code": "unavailable", "message": "Сервис недоступен"}})
                    return
                if self.path.endswith("/heartbeat"):
                    cloud.heartbeats.append(payload)
                    self._reply(200, {})
                    return
                if cloud.fixed_status is not None:
                    extra = {"Retry-After": cloud.retry_after} if cloud.retry_after else None
                    self._reply(cloud.fixed_status, {"error": {"code": "x", "message": "Пакет не принят"}}, extra)
                    return
                key = headers.get("Idempotency-Key", "")
                if key != payload["batch_id"] or payload["agent_id"] != cloud.agent_id:
                    cloud.violations.append("idempotency key")
                    self._reply(400, {"error": {"code": "bad_batch", "message": "Ключ пакета не совпадает"}})
                    return
                cloud.batch_posts.append(key)
                cloud.arrived.set()
                if cloud.hold is not None:
                    cloud.hold.wait(30)
                    return  # the agent is killed meanwhile; nobody is listening any more
                duplicate = key in cloud.batches
                rejected = []
                if not duplicate:
                    cloud.batches[key] = payload["records"]
                    for index, record in enumerate(payload["records"]):
                        reason = cloud.reject(record)
                        if reason:
                            # A (code, message) pair: a refusal with its code (upload-protocol.md §3).
                            code, message = reason if isinstance(reason, tuple) else (None, reason)
                            rejected.append({"index": index, "message": message, **({"code": code} if code else {})})
                        else:
                            cloud.keys[natural_key_json(record)] += 1
                if cloud.drop_next_response:
                    cloud.drop_next_response = False
                    self.close_connection = True
                    return
                self._reply(
                    200,
                    {
                        "accepted": 0 if duplicate else len(payload["records"]) - len(rejected),
                        "duplicate": duplicate,
                        "rejected": rejected,
                    },
                )

        return Handler


def agent_config(tmp: Path, cloud_url: str = "http://127.0.0.1:9", **overrides: Any) -> dict[str, Any]:
    (tmp / "agent.key").write_text(SECRET_HEX + "\n")
    config: dict[str, Any] = {
        "agent_id": "tp-17",
        "cloud_url": cloud_url,
        "key_file": "agent.key",
        "data_dir": "data",
        "meter_timezone": "Europe/Moscow",
        "upload": {"batch_size": 100},
        "meters": [
            {
                "serial": "012345",
                "port": "/dev/ttyUSB0",
                "address": "012345",
                "protocol": "iec62056-21",
                "password": "00000000",
            },
            {
                "serial": "777001",
                "port": "/dev/ttyUSB0",
                "address": 17,
                "protocol": "mercury230",
                "password": "111111",
                "baud": 9600,
                "poll_minutes": 30,
            },
            {
                "serial": "880001",
                "port": "/dev/ttyUSB1",
                "address": 145,
                "protocol": "dlms",
                "read": ["clock", "registers", "profile"],
            },
        ],
    }
    config.update(overrides)
    return config


def write_config(tmp: Path, config: dict[str, Any]) -> Path:
    path = tmp / "agent.json"
    path.write_text(json.dumps(config, ensure_ascii=False, indent=2), encoding="utf-8")
    return path
