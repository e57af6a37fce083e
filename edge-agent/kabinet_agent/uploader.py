"""Delivers stored records to the cloud: signed, gzip-compressed, idempotent batch uploads with
backoff, plus periodic heartbeats. The wire protocol is specified in docs/upload-protocol.md."""

from __future__ import annotations

import gzip
import http.client
import json
import ssl
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

from .backoff import Backoff
from .logs import component_log
from .records import Record
from .signing import signature
from .store import Batch, Store

# 408 and 429 say "not now" rather than "never"; other 4xx will not get better by resending.
_RETRYABLE_4XX = (408, 429)
# Refusal codes of single records (docs/upload-protocol.md §3). Final: the record itself is wrong and
# resending cannot help. Any other code — the ones a later cloud, or staff assigning the meter, may
# lift (not_assigned, unknown_kind, unsupported_interval, interval_changed) and codes this agent does
# not know yet — parks the record until `kabinet-agent retry-parked`. A refusal without a code (a
# cloud older than codes) is final, as that cloud meant it.
FINAL_CODES = frozenset(
    {
        "malformed",
        "bad_time",
        "future",
        "too_old",
        "bad_values",
        "bad_status",
        "missing_with_values",
        "off_grid",
        "bad_event",
        "bad_relay",
        "bad_snapshot",
    }
)


@dataclass(frozen=True)
class Response:
    status: int
    headers: Mapping[str, str]
    body: bytes


class NetworkError(Exception):
    """No HTTP answer at all: DNS, connection, TLS or timeout failure."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # urllib would turn a redirected POST into a body-less GET, and a 2xx to that GET would mark the
    # batch as delivered. A redirect therefore surfaces as an HTTP error instead.
    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> None:
        return None


class CloudClient:
    """Signed POSTs to `{cloud_url}/api/v1/agents/{agent_id}/...`."""

    def __init__(
        self,
        cloud_url: str,
        agent_id: str,
        key: bytes,
        timeout_s: float,
        ca_file: Path | None = None,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.base_url = f"{cloud_url}/api/v1/agents/{agent_id}"
        self.agent_id = agent_id
        self._key = key
        self._timeout = timeout_s
        self._now = now
        context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
        self._opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=context), _NoRedirect())

    def post(self, endpoint: str, payload: dict[str, Any], headers: Mapping[str, str] | None = None) -> Response:
        url = f"{self.base_url}/{endpoint}"
        raw = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
        # mtime=0 makes the compressed bytes (and so the signature) identical on every resend.
        body = gzip.compress(raw, mtime=0)
        timestamp = str(int(self._now()))
        request = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Content-Encoding": "gzip",
                "X-Kabinet-Agent": self.agent_id,
                "X-Kabinet-Timestamp": timestamp,
                "X-Kabinet-Signature": signature(self._key, "POST", urlsplit(url).path, timestamp, body),
                **(headers or {}),
            },
        )
        try:
            with self._opener.open(request, timeout=self._timeout) as reply:
                return Response(reply.status, dict(reply.headers.items()), reply.read())
        except urllib.error.HTTPError as exc:
            with exc:
                return Response(exc.code, dict(exc.headers.items()) if exc.headers else {}, exc.read())
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            reason = getattr(exc, "reason", None) or exc
            raise NetworkError(str(reason) or type(exc).__name__) from exc


class Uploader:
    """One upload loop per agent. `step` does what is due and says how long to sleep, so tests can
    drive a simulated day with a fake clock instead of waiting."""

    def __init__(
        self,
        client: CloudClient,
        store: Store,
        batch_size: int,
        backoff: Backoff,
        heartbeat: Callable[[], dict[str, Any]],
        heartbeat_s: float,
        idle_s: float,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.client = client
        self.store = store
        self.batch_size = batch_size
        self.backoff = backoff
        self._heartbeat = heartbeat
        self._heartbeat_s = heartbeat_s
        self._idle_s = idle_s
        self._now = now
        self._next_upload = 0.0
        self._next_heartbeat = 0.0
        self.log = component_log("выгрузка")

    def run(self, stop: threading.Event, sleep: Callable[[float], Any] | None = None) -> None:
        wait = sleep or stop.wait
        while not stop.is_set():
            wait(self.step())

    def step(self) -> float:
        now = self._now()
        if now >= self._next_heartbeat:
            self.send_heartbeat()
            self._next_heartbeat = now + self._heartbeat_s
        if now >= self._next_upload:
            self._next_upload = now + self.upload_one()
        return max(0.0, min(self._next_upload, self._next_heartbeat) - self._now())

    def upload_one(self) -> float:
        """Send the next batch; returns the delay before the next attempt."""
        batch = self.store.next_batch(self.batch_size)
        if batch is None:
            return self._idle_s
        try:
            response = self.client.post(
                "batches",
                {
                    "batch_id": batch.batch_id,
                    "agent_id": self.client.agent_id,
                    "records": [record.to_json() for record in batch.records],
                },
                {"Idempotency-Key": batch.batch_id},
            )
        except NetworkError as exc:
            return self._retry(batch, f"нет связи с облаком: {exc}", None)
        status = response.status
        if 200 <= status < 300:
            self._delivered(batch, response)
            return 0.0
        reason = f"HTTP {status}{_error_text(response)}"
        if status >= 500 or status in _RETRYABLE_4XX or 300 <= status < 400:
            return self._retry(
                batch, f"облако временно не принимает данные: {reason}", _retry_after(response, self._now())
            )
        self.store.park(batch.batch_id, reason)
        self._record_failure(reason)
        self.log.error(
            "Пакет %s (%d записей) отложен: облако отказало (%s). Данные сохранены; после "
            "устранения причины выполните «kabinet-agent retry-parked»",
            batch.batch_id,
            len(batch.records),
            reason,
        )
        return 0.0

    def send_heartbeat(self) -> bool:
        try:
            response = self.client.post("heartbeat", self._heartbeat())
        except NetworkError as exc:
            self.log.warning("Сигнал «агент на связи» не отправлен: нет связи с облаком: %s", exc)
            return False
        if 200 <= response.status < 300:
            self.log.debug("Сигнал «агент на связи» принят облаком")
            return True
        self.log.warning("Сигнал «агент на связи» не принят: HTTP %d%s", response.status, _error_text(response))
        return False

    def _delivered(self, batch: Batch, response: Response) -> None:
        rejected: dict[int, str] = {}
        parked: dict[int, str] = {}
        try:
            answer = json.loads(response.body.decode("utf-8")) if response.body else {}
            duplicate = bool(answer.get("duplicate"))
            for item in answer.get("rejected") or []:
                index, message, code = int(item["index"]), str(item.get("message", "")), item.get("code")
                if 0 <= index < len(batch.records):
                    (rejected if code is None or code in FINAL_CODES else parked)[index] = message
        except (ValueError, TypeError, KeyError, AttributeError, UnicodeDecodeError):
            # The cloud said 2xx, so it has the batch; an unreadable answer must not cause a resend.
            self.log.warning("Пакет %s принят, но ответ облака не разобран: %r", batch.batch_id, response.body[:200])
            duplicate = False
        self.store.mark_sent(batch.batch_id, rejected, parked)
        self.backoff.reset()
        self.store.set_state({"last_upload_at": _iso_now(self._now()), "last_upload_error": ""})
        for index, message in sorted(rejected.items()):
            self.log.error("Облако отклонило запись %s: %s", _describe(batch.records[index]), message)
        for index, message in sorted(parked.items()):
            self.log.error(
                "Облако пока не принимает запись %s: %s. Запись отложена; после обновления облака или "
                "настройки счётчика выполните «kabinet-agent retry-parked»",
                _describe(batch.records[index]),
                message,
            )
        self.log.info(
            "Пакет %s доставлен: записей %d, отклонено %d, отложено %d%s",
            batch.batch_id,
            len(batch.records),
            len(rejected),
            len(parked),
            " (облако уже получало этот пакет)" if duplicate else "",
        )

    def _retry(self, batch: Batch, reason: str, retry_after: float | None) -> float:
        delay = self.backoff.next_delay(retry_after)
        self.store.note_attempt(batch.batch_id, reason)
        self._record_failure(reason)
        self.log.warning(
            "Пакет %s (%d записей) не доставлен, попытка %d: %s; следующая через %s",
            batch.batch_id,
            len(batch.records),
            batch.attempts + 1,
            reason,
            _duration(delay),
        )
        return delay

    def _record_failure(self, reason: str) -> None:
        self.store.set_state({"last_upload_error": reason, "last_upload_error_at": _iso_now(self._now())})


def _retry_after(response: Response, now: float) -> float | None:
    value = next((v for k, v in response.headers.items() if k.lower() == "retry-after"), None)
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, when.timestamp() - now)


def _error_text(response: Response) -> str:
    """The cloud's Russian error message (`{"error": {"message": ...}}`), if it sent one."""
    try:
        message = json.loads(response.body.decode("utf-8"))["error"]["message"]
    except (ValueError, TypeError, KeyError, UnicodeDecodeError):
        return ""
    return f" «{message}»"


def _describe(record: Record) -> str:
    data = record.to_json()
    when = data.get("start") or data.get("read_at") or data.get("at") or data.get("day")
    return f"ПУ {data['meter']} {data['kind']} {when}"


def _iso_now(now: float) -> str:
    return _iso(datetime.fromtimestamp(now, timezone.utc))


def _iso(value: datetime) -> str:
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    minutes, sec = divmod(seconds, 60)
    return f"{minutes} мин {sec} с" if minutes else f"{sec} с"


def heartbeat_payload(store: Store, serials: Sequence[str], version: str, now: float) -> dict[str, Any]:
    """The heartbeat body: backlog and, per configured meter, the last poll outcome."""
    statuses = store.meter_statuses()
    meters = []
    for serial in serials:
        status = statuses.get(serial)
        meters.append(
            {
                "serial": serial,
                "last_read_at": _iso(status.last_read_at) if status and status.last_read_at else None,
                "last_error": status.last_error if status else None,
                "clock_drift_s": status.clock_drift_s if status else None,
            }
        )
    return {"agent_time": _iso_now(now), "version": version, "backlog": store.backlog().undelivered, "meters": meters}
