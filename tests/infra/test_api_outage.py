"""Issue 5 on the system of `make run`: the API goes away for a while and comes back; the simulated
concentrator's agent keeps what it polled meanwhile and delivers it, and the demo user then sees every
interval, every event and the latest registers of the АИИС meter, each once.

The system runs as `make run` runs it — a moto server, the resources and demo data, the API on a local
port, and the concentrator: a DLMS meter simulator on a pseudo-terminal and the real `kabinet_agent`
runtime uploading signed batches over HTTP — in a process of its own (tests/infra/local_system.py).
Only the API is stopped; moto and the agent keep running.

The agent polls once a minute and reads the BACKFILL_DAYS of profile two days per poll, so the first
poll is delivered before the outage and the second — the rest of the profile, new registers and relay
state — is queued during it. What the user sees is compared with the agent's queue (what it read, and
was told was delivered) and with the simulator's meter model (what the meter recorded).
"""

from __future__ import annotations

import contextlib
import json
import queue
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn, TypeVar
from urllib.parse import quote

import pytest

from chalicelib.aiis.storage.days import format_decimal
from chalicelib.exchange.demo import AIIS_SERIAL, DEMO_CONTRACT
from chalicelib.settings.service import seed
from infra.local.concentrator import BACKFILL_DAYS
from infra.local.demo import DEMO_ACCOUNTS

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[2]
SLOT = timedelta(minutes=30)
START_S = 180.0  # moto server, resources and demo data; usually 10-20 s
# The agent polls once a minute, `settle_s` past the minute. The test sets it so that the second poll
# comes this long after the first rather than up to a minute later; should the first delivery take
# longer than that, the outage simply lasts until the poll after.
SECOND_POLL_AFTER_S = 12
POLL_WAIT_S = SECOND_POLL_AFTER_S + 75


class LocalSystem:
    """The process of tests/infra/local_system.py, and its commands."""

    def __init__(self, log: Path) -> None:
        self.log = log
        with log.open("w") as stderr:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tests.infra.local_system"],
                cwd=ROOT,
                text=True,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr,
            )
        self._answers: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read_answers, name="local-system", daemon=True).start()
        self.url = ""

    def wait_started(self) -> None:
        self.url = self._answer(START_S)["url"]

    def _read_answers(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._answers.put(line)
        self._answers.put("")

    def _answer(self, timeout: float) -> dict[str, Any]:
        try:
            line = self._answers.get(timeout=timeout)
        except queue.Empty:
            line = None
        if line is None:
            self.fail(f"no answer within {timeout:g} s")
        if not line:
            self.fail(f"the local system exited with code {self.process.wait()}")
        return json.loads(line)

    def command(self, line: str, timeout: float = 60.0) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        return self._answer(timeout)

    def wait_for(self, what: str, condition: Callable[[], T | None], timeout: float) -> T:
        """Polls `condition` until it returns something truthy, for at most `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            value = condition()
            if value:
                return value
            if time.monotonic() > deadline:
                self.fail(f"{what}: not within {timeout:g} s")
            time.sleep(0.1)

    def fail(self, message: str) -> NoReturn:
        tail = "\n".join(self.log.read_text(errors="replace").splitlines()[-40:])
        pytest.fail(f"{message}\n--- the local system's log, last lines ---\n{tail}")

    def close(self) -> None:
        """Ends the process (it stops the agent, the API and moto) as Ctrl-C ends `make run`."""
        assert self.process.stdin is not None
        with contextlib.suppress(BrokenPipeError):  # it may have exited already
            self.process.stdin.close()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def system(tmp_path: Path) -> Iterator[LocalSystem]:
    system = LocalSystem(tmp_path / "local-system.log")
    try:
        system.wait_started()
        yield system
    finally:
        system.close()
        print(system.log.read_text(errors="replace"))  # pytest shows it for a failed test only


class AgentQueue:
    """The agent's SQLite queue, read as `kabinet-agent status` reads it while the agent runs."""

    def __init__(self, path: Path) -> None:
        from kabinet_agent.store import Store

        self.store = Store(path)
        self.db = sqlite3.connect(str(path), timeout=30.0)

    def close(self) -> None:
        self.db.close()
        self.store.close()

    def undelivered(self) -> int:
        return self.store.backlog().undelivered

    def last_read_at(self) -> datetime | None:
        status = self.store.meter_statuses().get(AIIS_SERIAL)
        return status.last_read_at if status else None

    def records(self, *states: str) -> dict[str, dict[str, Any]]:
        """Natural key → record (as uploaded) of the records in these states."""
        marks = ",".join("?" * len(states))
        rows = self.db.execute(f"SELECT natural_key, payload FROM records WHERE state IN ({marks})", states)
        return {key: json.loads(payload) for key, payload in rows}

    def retried_batches(self) -> list[tuple[int, str]]:
        """(failed attempts, last error) of the batches the uploader is still retrying."""
        return self.db.execute(
            "SELECT attempts, last_error FROM batches WHERE state = 'open' AND attempts > 0"
        ).fetchall()


class Consumer:
    """The consumer API over HTTP, signed in."""

    def __init__(self, base_url: str, login: str, password: str) -> None:
        self.base_url = f"{base_url}/api/v1"
        self.token = ""
        self.token = self.call("POST", "/auth/login", {"identifier": login, "password": password, "remember": False})[
            "access_token"
        ]

    def call(self, method: str, path: str, body: Any = None) -> Any:
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(
            f"{self.base_url}{path}",
            method=method,
            headers=headers,
            data=json.dumps(body).encode() if body is not None else None,
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as reply:
                return json.loads(reply.read() or b"null")
        except urllib.error.HTTPError as exc:
            pytest.fail(f"{method} {path}: HTTP {exc.code} {exc.read().decode(errors='replace')}")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def to_second(text: str) -> datetime:
    """An agent's timestamp as the cloud keeps it: to the second (chalicelib/core/clock.py)."""
    return utc(text).replace(microsecond=0)


def shown(value: Any) -> str:
    """An energy the agent uploaded as a JSON number, as the API prints it."""
    return format_decimal(Decimal(str(value)))


def of_kind(records: dict[str, dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    """The АИИС demo meter's records (the concentrator also polls an Energomera meter)."""
    return [r for r in records.values() if r["kind"] == kind and r["meter"] == AIIS_SERIAL]


def recorded_by_meter(meter: dict[str, Any], first: datetime, until: datetime) -> dict[datetime, tuple[str, dict]]:
    """Start → (status, values in kWh as the API prints them) of every 30-minute slot in [first, until)
    of the simulated meter's model: a slot it was off for is "missing", one it was off in "estimated"."""
    from kabinet_agent.simulator.model import MeterModel

    model = MeterModel(**meter)
    slots = {}
    start = first
    while start < until:
        interval = model.interval_at(start)
        if interval is None:
            slots[start] = ("missing", {})
        else:
            slots[start] = (
                "estimated" if interval.partial else "ok",
                {c: format_decimal(Decimal(wh) / 1000) for c, wh in interval.energy.items()},
            )
        start += SLOT
    return slots


def test_an_api_outage_loses_and_doubles_nothing(system: LocalSystem) -> None:
    second_poll_at = time.time() + SECOND_POLL_AFTER_S
    agent = system.command(
        "start-agent "
        + json.dumps({"max_profile_days_per_poll": BACKFILL_DAYS // 2, "settle_s": round(second_poll_at % 60, 1)})
    )
    assert agent["meter"]["serial"] == AIIS_SERIAL
    database = Path(agent["database"])
    system.wait_for("the agent's queue", database.exists, 30)
    agent_queue = AgentQueue(database)
    try:
        # 1. The first poll (registers, relay, events and the first days of profile) is delivered.
        def first_poll_delivered() -> datetime | None:
            polled = agent_queue.last_read_at()
            return polled if polled and agent_queue.records("sent") and not agent_queue.undelivered() else None

        first_poll = system.wait_for("the first poll delivered", first_poll_delivered, 60)

        # 2. The API goes down. The next poll is stored; its upload fails, and fails again.
        system.command("stop-api")
        system.wait_for(
            "a poll during the outage", lambda: (agent_queue.last_read_at() or first_poll) > first_poll, POLL_WAIT_S
        )
        retried = system.wait_for(
            "two failed uploads", lambda: [b for b in agent_queue.retried_batches() if b[0] >= 2], 30
        )
        assert all("нет связи с облаком" in error for _, error in retried), retried
        queued = agent_queue.records("pending", "batched")
        assert "relay" in {r["kind"] for r in queued.values()}  # read last in a poll: the poll is queued

        # 3. The API is back on the same port; the agent delivers its queue.
        assert system.command("start-api")["url"] == system.url
        system.wait_for("the queue delivered", lambda: agent_queue.undelivered() == 0, 60)
        # Stopped, the agent leaves its queue and the cloud still while they are compared.
        assert system.command("stop-agent")["stopped"]
        sent = agent_queue.records("sent")
        later = agent_queue.records("pending", "batched")  # a poll right after the drain, not sent
        assert not agent_queue.records("rejected")
        assert set(queued) <= set(sent), "records queued during the outage were not delivered"
        profile_cursor = agent_queue.store.cursor(AIIS_SERIAL, "profile")
    finally:
        agent_queue.close()

    # What the agent read is every slot of the meter model from the backfill start up to its cursor,
    # which the poll during the outage brought up to the present.
    read = {
        utc(r["start"]): (r["status"], {c: shown(v) for c, v in r["values"].items()})
        for r in of_kind(sent, "interval") + of_kind(later, "interval")
    }
    first = min(read)
    now = datetime.now(UTC)
    assert abs(first - (now - timedelta(days=BACKFILL_DAYS))) < SLOT + timedelta(minutes=2)
    assert profile_cursor is not None and now - profile_cursor < SLOT + timedelta(minutes=2)
    assert read == recorded_by_meter(agent["meter"], first, profile_cursor)
    delivered = {start: read[start] for start in (utc(r["start"]) for r in of_kind(sent, "interval"))}

    # 4. The demo user links the contract and connects it to АИИС КУЭ, as `make run` suggests.
    person = next(a for a in DEMO_ACCOUNTS if a.login == "demo")
    user = Consumer(system.url, person.login, person.password)
    user.call("POST", "/accounts", {"contract_number": DEMO_CONTRACT, "meter_serial": AIIS_SERIAL})
    contract = user.call("POST", f"/accounts/{quote(DEMO_CONTRACT)}/aiis")
    assert contract["connected"]
    aiis = "/meters/{}/aiis".format(next(m["id"] for m in contract["meters"] if m["serial"] == AIIS_SERIAL))

    # Every delivered interval, with the meter's values; nothing else.
    # The local system runs on the company settings' defaults (this process has no stack to read them from).
    tz = seed().tz
    first_day, last_day = first.astimezone(tz).date(), datetime.now(tz).date()
    profile = user.call("GET", f"{aiis}/profile?from={first_day}&to={last_day}")
    seen = {utc(i["start"]): (i["status"], i["values"]) for i in profile["intervals"] if i["status"] != "no_data"}
    assert seen == delivered
    statuses = Counter(status for status, _ in delivered.values())
    assert profile["summary"] == {
        "ok": statuses["ok"],
        "estimated": statuses["estimated"],
        "missing": statuses["missing"],
        "no_data": len(profile["intervals"]) - len(seen),
    }

    # The day totals of the month chart (roll-ups) are the sums of those intervals: nothing counted twice.
    daily: dict[date, Decimal] = {}
    for start, (status, values) in delivered.items():
        if status != "missing":
            day = start.astimezone(tz).date()
            daily[day] = daily.get(day, Decimal(0)) + Decimal(values["A+"])
    for month in sorted({day.replace(day=1) for day in daily}):
        chart = user.call("GET", f"{aiis}/consumption?scale=month&date={month}&channel=A%2B")
        for point in chart["points"]:
            day = date.fromisoformat(point["start"])
            if day in daily:
                assert Decimal(point["value"]) == daily[day], day
            elif first_day <= day <= last_day:
                assert point["value"] is None, day

    # Every event the agent read, once.
    events = user.call("GET", f"{aiis}/events?from={first_day}&to={last_day}")
    assert not events["truncated"]
    seen_events = Counter((utc(e["at"]), e["journal"], e["code"], e["severity"], e["text"]) for e in events["events"])
    read_events = Counter(
        (to_second(e["at"]), e["journal"], e["code"], e["severity"], e["text"]) for e in of_kind(sent, "event")
    )
    assert read_events and seen_events == read_events

    # The registers and the relay state of the latest delivered reading.
    latest = max(of_kind(sent, "register"), key=lambda r: utc(r["read_at"]))
    registers = user.call("GET", f"{aiis}/registers")
    assert utc(registers["read_at"]) == to_second(latest["read_at"])
    assert registers["values"] == {c: shown(v) for c, v in latest["values"].items()}
    latest_relay = max(of_kind(sent, "relay"), key=lambda r: utc(r["at"]))
    relay = user.call("GET", f"{aiis}/relay")
    assert (utc(relay["at"]), relay["state"]) == (to_second(latest_relay["at"]), latest_relay["state"])
