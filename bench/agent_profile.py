"""Edge agent: one day of load profile (48 half-hour intervals) read from the simulator at 9600 baud.

Per protocol (DLMS/COSEM HDLC, Mercury 230, IEC 62056-21 mode C, Energomera), each run is a fresh process
that holds only the agent side: it opens the pty slave of a simulated bus the way the agent
opens its RS-485 port, reads the profile with the driver (session set-up, the profile, the
session close) and reports its wall time, the bytes it exchanged per baud rate and its own
peak RSS (VmHWM; `_AGENT_SIDE` says why not `ru_maxrss`). The simulator runs in this (bench)
process and emulates the wire time of every answer (bytes × 10 / baud before it leaves).

Honest accounting of time that is not the agent's:
* A pty delivers a write at once, while a UART takes the bytes' wire time to drain (the
  driver waits for that: `Transport.write` flushes). The agent-side process wraps the port
  and holds every request for its wire time before it is written, so the meter hears the
  request's last byte when it would on a real line. These seconds are part of the wire time.
* The meter's reaction time — from the last byte of a request reaching the simulator to the
  first byte of its answer leaving — is measured in the simulator (its processing, and for
  Mercury 230 the silence of ≥ 10 ms that ends a request frame, as on real RS-485) and
  printed separately. The target ratio is (wall time − that reaction time) / wire time.

Wire time = Σ bytes × 10 bits / baud per baud segment, both directions (8N1 and IEC's 7E1
are both 10 bits a byte; IEC's sign-on runs at 300 baud, the rest at the negotiated speed).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
AGENT_SRC = ROOT / "edge-agent"
RUNS = 5
BAUD = 9600
TARGET_RATIO = 1.3
TARGET_RSS_MB = 40.0
BITS_PER_BYTE = 10

# protocol → (label, meter on the simulated bus)
METERS: dict[str, tuple] = {
    "dlms": ("DLMS/COSEM (HDLC)", {"serial": "BENCH-DL-1", "address": "145", "password": "12345678"}),
    "mercury230": ("Меркурий 230", {"serial": "BENCH-M-1", "address": "67", "password": "111111"}),
    "iec62056-21": ("МЭК 62056-21, режим C", {"serial": "BENCH-IEC-1", "address": "1001", "password": "00000000"}),
    "energomera": (
        "Энергомера CE301 (МЭК 61107, сумма по модулю 128)",
        {"serial": "BENCH-EM-1", "address": "218054123", "password": "777777", "type": "CE301"},
    ),
}

# The agent side, run with `python -c` in its own process: only the agent's code is loaded
# (the service entry point `kabinet_agent.cli` pulls in everything the service has: drivers,
# the SQLite queue, the uploader), nothing of the bench harness.
_AGENT_SIDE = r"""
import json, resource, sys, time
from datetime import datetime, timedelta, timezone
import kabinet_agent.cli
from kabinet_agent.protocols import driver_for
from kabinet_agent.protocols.base import Transport
from kabinet_agent.protocols.serial_transport import SerialTransport

job = json.loads(sys.argv[1])


class WireTransport(Transport):
    # Counts the bytes per baud rate both ways; holds a request for its wire time before
    # it reaches the pty (a UART would take that long to drain it; a pty takes no time).
    def __init__(self, inner):
        self.inner, self.tx, self.rx = inner, {}, {}

    def write(self, data):
        baud = self.inner.baudrate
        time.sleep(len(data) * 10 / baud)
        self.inner.write(data)
        self.tx[baud] = self.tx.get(baud, 0) + len(data)

    def read(self, size, timeout):
        data = self.inner.read(size, timeout)
        if data:
            baud = self.inner.baudrate
            self.rx[baud] = self.rx.get(baud, 0) + len(data)
        return data

    def set_baudrate(self, baudrate):
        self.inner.set_baudrate(baudrate)

    def discard_input(self):
        self.inner.discard_input()


since = datetime.fromisoformat(job["since"])
until = since + timedelta(days=1)
port = SerialTransport(job["port"], protocol=job["protocol"])
transport = WireTransport(port)
driver = driver_for(job["protocol"])(transport, job["serial"], job["address"], job["password"],
                                     2.0, timezone(timedelta(hours=3)))
cpu = time.process_time()
started = time.perf_counter()
intervals = driver.read_profile(since, until)
driver.close()
wall = time.perf_counter() - started
cpu = time.process_time() - cpu
port.close()
# VmHWM is this process's own peak RSS. ru_maxrss is not: Linux carries the high-water mark
# of the address space replaced by exec into it, i.e. the bench process's (subprocess uses
# vfork), so it would report the harness's size.
with open("/proc/self/status") as status:
    hwm_kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print(json.dumps({"wall": wall, "cpu": cpu, "tx": transport.tx, "rx": transport.rx,
                  "intervals": len(intervals),
                  "ok": sum(1 for i in intervals if i.status == "ok"),
                  "peak_rss_kb": hwm_kb,
                  "ru_maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


class _Reaction:
    """Meter reaction time in the simulator: from the last request bytes reaching the bus
    to the answer being handed to the (wire-time emulating) sender."""

    def __init__(self, bus: Any) -> None:
        self.seconds = 0.0
        self.answers = 0
        self._heard: float | None = None
        self._lock = threading.Lock()
        feed, send = bus.server.feed, bus.send_raw

        def timed_feed(data: bytes) -> None:
            with self._lock:
                self._heard = time.perf_counter()
            feed(data)

        def timed_send(data: bytes) -> None:
            with self._lock:
                if self._heard is not None:
                    self.seconds += time.perf_counter() - self._heard
                    self.answers += 1
                    self._heard = None
            send(data)

        bus.server.feed = timed_feed
        bus.send_raw = timed_send

    def reset(self) -> None:
        with self._lock:
            self.seconds, self.answers, self._heard = 0.0, 0, None


def _day_without_outage() -> date:
    """The latest whole UTC day before today on which no bench meter had an outage, so the
    day has 48 recorded intervals on every protocol."""
    from kabinet_agent.simulator.model import MeterModel

    models = [MeterModel(spec["serial"]) for _, spec in METERS.values()]
    day = datetime.now(UTC).date() - timedelta(days=1)
    while any(m.outage_on(day) for m in models):
        day -= timedelta(days=1)
    return day


def _agent_read(protocol: str, port: str, since: datetime) -> dict[str, Any]:
    _, spec = METERS[protocol]
    job = {
        "protocol": protocol,
        "port": port,
        "since": since.isoformat(),
        "serial": spec["serial"],
        "address": spec["address"],
        "password": spec["password"],
    }
    env = {**os.environ, "PYTHONPATH": str(AGENT_SRC)}
    out = subprocess.run(
        [sys.executable, "-c", _AGENT_SIDE, json.dumps(job)],
        cwd=AGENT_SRC,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if out.returncode != 0:
        raise RuntimeError(f"агент ({protocol}) завершился с ошибкой:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _wire_seconds(counts: dict[str, int]) -> float:
    return sum(n * BITS_PER_BYTE / int(baud) for baud, n in counts.items())


def _measure(runs: int = RUNS) -> dict[str, list[dict[str, float]]]:
    if str(AGENT_SRC) not in sys.path:
        sys.path.insert(0, str(AGENT_SRC))
    from kabinet_agent.simulator import Simulator

    day = _day_without_outage()
    since = datetime(day.year, day.month, day.day, tzinfo=UTC)
    # Pin the simulated "now" just after the day: the read is exactly that day (Mercury 230
    # walks back from the newest record, so a later "now" would add today's records).
    config = {
        "clock_start": (since + timedelta(days=1, minutes=5)).isoformat(),
        "buses": [
            {"name": f"bench-{p}", "protocol": p, "baud": BAUD, "wire_time": True, "meters": [dict(spec)]}
            for p, (_, spec) in METERS.items()
        ],
    }
    results: dict[str, list[dict[str, float]]] = {p: [] for p in METERS}
    with Simulator.from_config(config) as simulator:
        reactions = {bus.protocol: _Reaction(bus) for bus in simulator.buses}
        for _ in range(runs):
            for protocol in METERS:
                bus = simulator.bus(protocol)
                reactions[protocol].reset()
                sent_before, sim_wire_before = bus.sent_bytes, bus.wire_seconds
                report = _agent_read(protocol, bus.slave_path, since)
                time.sleep(0.05)  # let the bus thread settle (port closed → park)
                if report["intervals"] != 48 or report["ok"] != 48:
                    raise RuntimeError(f"{protocol}: {report['intervals']} интервалов ({report['ok']} «ok») вместо 48")
                received = sum(report["rx"].values())
                if received != bus.sent_bytes - sent_before:
                    raise RuntimeError(
                        f"{protocol}: агент принял {received} байт, симулятор отправил {bus.sent_bytes - sent_before}"
                    )
                wire_tx, wire_rx = _wire_seconds(report["tx"]), _wire_seconds(report["rx"])
                if abs(wire_rx - (bus.wire_seconds - sim_wire_before)) > 1e-6:
                    raise RuntimeError(
                        f"{protocol}: время линии ответов у агента {wire_rx:.6f} с, "
                        f"у симулятора {bus.wire_seconds - sim_wire_before:.6f} с"
                    )
                reaction = reactions[protocol].seconds
                wall = report["wall"]
                results[protocol].append(
                    {
                        "wall": wall,
                        "wire": wire_tx + wire_rx,
                        "wire_tx": wire_tx,
                        "wire_rx": wire_rx,
                        "reaction": reaction,
                        "answers": reactions[protocol].answers,
                        "bytes": received + sum(report["tx"].values()),
                        "ratio": (wall - reaction) / (wire_tx + wire_rx),
                        "raw_ratio": wall / (wire_tx + wire_rx),
                        "rss_mb": report["peak_rss_kb"] / 1024.0,
                        "cpu": report["cpu"],
                        "ru_maxrss_mb": report["ru_maxrss_kb"] / 1024.0,
                        "ok": report["ok"],
                        "segments": {
                            **{f"→{b}": n for b, n in report["tx"].items()},
                            **{f"←{b}": n for b, n in report["rx"].items()},
                        },
                    }
                )
    return results


def _median(samples: list[dict[str, Any]], key: str) -> float:
    return statistics.median(s[key] for s in samples)


def _segments(counts: dict[str, int]) -> str:
    """'37 на 300 бод (1.233 с), 1624 на 9600 бод (1.692 с)' — both directions per speed."""
    per_baud: dict[int, int] = {}
    for key, count in counts.items():
        per_baud[int(key[1:])] = per_baud.get(int(key[1:]), 0) + count
    return ", ".join(f"{n} на {baud} бод ({n * BITS_PER_BYTE / baud:.3f} с)" for baud, n in sorted(per_baud.items()))


def run() -> list[str]:
    started = time.perf_counter()
    results = _measure()
    lines = [
        f"Агент УСПД: профиль нагрузки за сутки (48 интервалов) с симулятора, {BAUD} бод, медиана из {RUNS} запусков",
        "  линия = Σ байт × 10 бит / скорость в обе стороны (симулятор выдерживает время ответов,",
        "  обёртка порта агента — время запросов); реакция счётчика в симуляторе считается отдельно",
        "  и вычитается; RSS — VmHWM отдельного процесса агента (модули службы + чтение)",
    ]
    for protocol, (label, _) in METERS.items():
        samples = results[protocol]
        ratio, rss = _median(samples, "ratio"), _median(samples, "rss_mb")
        lines += [
            f"  {label}: {samples[0]['bytes']} байт, ответов счётчика {samples[0]['answers']}",
            f"    по скоростям ............... {_segments(samples[0]['segments'])}",
            f"    время чтения ............... {_median(samples, 'wall'):7.3f} с  "
            f"(ЦП агента {_median(samples, 'cpu') * 1000:.0f} мс)",
            f"    время линии ................ {_median(samples, 'wire'):7.3f} с  "
            f"(запросы {_median(samples, 'wire_tx'):.3f}, ответы {_median(samples, 'wire_rx'):.3f})",
            f"    реакция счётчика (симулятор) {_median(samples, 'reaction'):7.3f} с  "
            f"(чтение / линия без вычета: {_median(samples, 'raw_ratio'):.2f})",
            f"    (чтение − реакция) / линия . {ratio:7.2f}  (цель ≤ {TARGET_RATIO}) "
            f"{'OK' if ratio <= TARGET_RATIO else 'ВЫШЕ ЦЕЛИ'}",
            f"    пиковая RSS агента ......... {rss:7.1f} МБ (цель ≤ {TARGET_RSS_MB:.0f}) "
            f"{'OK' if rss <= TARGET_RSS_MB else 'ВЫШЕ ЦЕЛИ'}",
        ]
    lines.append(f"  (замер: {time.perf_counter() - started:.0f} с)")
    return lines


if __name__ == "__main__":
    print("\n".join(run()))
