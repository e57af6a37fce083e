"""The cloud side of the agent upload protocol: signed requests, batches, heartbeats.

Order of checks (upload-protocol.md §2): size → agent and key → clock → signature → the agent named
in the header is the one in the path → single use of the signature → body. Every refusal is a 4xx
the agent parks or (429) retries; nothing is written before the request is proven to be the agent's.

Batches are idempotent twice over: the batch id is committed after its records, with the outcome,
so a re-sent batch is answered from that commitment and written nothing; and every record is an
upsert by its natural key, so a batch cut short by a crash (records written, id not yet committed)
converges to the same state when the agent re-sends it. That is what stands in for one transaction
over a batch: 10 000 records touch far more than the 100 items a DynamoDB transaction may hold.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from pydantic import ValidationError

from chalicelib.aiis.storage.agents_repository import AgentItem, AgentsRepository
from chalicelib.aiis.storage.days import (
    SLOT_MINUTES,
    Slot,
    day_totals,
    encode_channels,
    interval_of,
    slots_in_day,
    slots_of,
)
from chalicelib.aiis.storage.repository import AiisRepository, BatchOutcome
from chalicelib.core import clock, throttle
from chalicelib.core.config import Settings, get_settings
from chalicelib.core.errors import ApiError, unauthorized
from chalicelib.core.jsonlimits import check_depth
from chalicelib.core.observability import count

from . import signing
from .models import Heartbeat
from .records import (
    INTERVAL_CHANGED,
    EventRecord,
    IntervalRecord,
    Record,
    RecordContext,
    RegisterRecord,
    Rejected,
    RelayRecord,
    SnapshotRecord,
    parse_record,
    serial_map,
)

logger = logging.getLogger("kabinet.aiis")

MAX_COMPRESSED_BYTES = 4 * 1024 * 1024  # the protocol asks for at least 2 MiB
MAX_PLAIN_BYTES = 32 * 1024 * 1024  # 10 000 records are about 2.5 MB of JSON
MAX_RECORDS = 10_000
CLOCK_TOLERANCE_S = 300
BATCH_KEEP_DAYS = 35  # the protocol asks for at least 30
_BATCH_ID = re.compile(r"^[A-Za-z0-9._\-]{1,64}$")

NOT_SIGNED = "Запрос агента не подписан"
UNKNOWN_AGENT = "Агент не зарегистрирован или отключён"
STALE = "Время запроса расходится со временем сервера более чем на 5 минут: проверьте синхронизацию часов УСПД"
BAD_SIGNATURE = "Подпись запроса неверна: проверьте файл ключа агента"
WRONG_AGENT = "Агент в заголовке не совпадает с агентом в адресе запроса"
REPLAYED = "Запрос с этой подписью уже получен: повторите его с новой меткой времени"
NOT_JSON = "Тело запроса должно быть JSON-объектом, сжатым gzip"
BAD_BATCH = "Пакет не распознан: нужны batch_id, agent_id и список records; Idempotency-Key равен batch_id"
TOO_MANY_RECORDS = f"В пакете не может быть больше {MAX_RECORDS} записей"


@dataclass(frozen=True)
class SignedRequest:
    """What the protocol signs, as the API received it."""

    agent_header: str
    timestamp: str
    signature: str
    paths: tuple[str, ...]  # the path as sent, and as routed (see web.Request)
    body: bytes
    content_encoding: str
    idempotency_key: str = ""

    @classmethod
    def from_headers(cls, headers: dict[str, str], paths: tuple[str, ...], body: bytes) -> SignedRequest:
        return cls(
            headers.get("x-kabinet-agent", "").strip(),
            headers.get("x-kabinet-timestamp", "").strip(),
            headers.get("x-kabinet-signature", "").strip(),
            paths,
            body,
            headers.get("content-encoding", "").strip().lower(),
            headers.get("idempotency-key", "").strip(),
        )


def _too_large(message: str) -> ApiError:
    return ApiError(message, status=413, code="payload_too_large")


def _bad_request(message: str) -> ApiError:
    return ApiError(message, code="bad_request")


class AgentAuthenticator:
    def __init__(self, agents: AgentsRepository | None = None) -> None:
        self.agents = agents or AgentsRepository()

    def authenticate(self, path_agent_id: str, request: SignedRequest) -> tuple[AgentItem, bytes]:
        """The agent and the decompressed body, or the protocol's refusal."""
        if len(request.body) > MAX_COMPRESSED_BYTES:
            raise _too_large(
                f"Пакет больше {MAX_COMPRESSED_BYTES // (1024 * 1024)} МБ в сжатом виде: уменьшите upload.batch_size"
            )
        if not (request.agent_header and request.timestamp and request.signature):
            raise unauthorized(NOT_SIGNED, code="agent_unauthorized")
        agent = self.agents.get(request.agent_header) if len(request.agent_header) <= 64 else None
        if agent is None or not agent.enabled:
            raise unauthorized(UNKNOWN_AGENT, code="agent_unauthorized")
        now = clock.epoch(clock.now())
        if not request.timestamp.isdigit() or abs(now - int(request.timestamp)) > CLOCK_TOLERANCE_S:
            raise unauthorized(STALE, code="stale_timestamp")
        if not self._signed_by_agent(agent, request):
            raise unauthorized(BAD_SIGNATURE, code="bad_signature")
        if request.agent_header != path_agent_id:
            raise ApiError(WRONG_AGENT, status=403, code="forbidden")
        # Within the clock window a captured request could be sent again: each signature counts once.
        # 429 rather than 401: an agent retrying within the same second after a failure then tries
        # again with a fresh timestamp instead of parking the batch.
        if not throttle.claim_once(
            "agent-signature", f"{agent.agent_id}:{request.signature}", int(request.timestamp) + 2 * CLOCK_TOLERANCE_S
        ):
            raise ApiError(REPLAYED, status=429, code="replayed_request", headers={"Retry-After": "1"})
        return agent, self._plain(request)

    def _signed_by_agent(self, agent: AgentItem, request: SignedRequest) -> bool:
        """The current key, or the previous one within its grace after a rotation. The first request
        under the current key ends that grace: the concentrator has its new key file."""
        paths, digests = list(dict.fromkeys(request.paths)), self._body_digests(request)

        def signed_with(key_digest: str) -> bool:
            return signing.verify(
                bytes.fromhex(key_digest), "POST", paths, request.timestamp, digests, request.signature
            )

        if signed_with(agent.key_digest):
            if agent.previous_key_digest:
                self.agents.end_key_grace(agent)
            return True
        valid_until = agent.previous_key_valid_until
        return bool(
            agent.previous_key_digest
            and valid_until
            and clock.iso(clock.now()) < valid_until
            and signed_with(agent.previous_key_digest)
        )

    @staticmethod
    def _body_digests(request: SignedRequest) -> list[str]:
        if request.content_encoding == "gzip" and not signing.is_gzip(request.body):
            return signing.canonical_gzip_digests(request.body)  # decompressed on the way in
        return [hashlib.sha256(request.body).hexdigest()]

    @staticmethod
    def _plain(request: SignedRequest) -> bytes:
        if not signing.is_gzip(request.body):
            if len(request.body) > MAX_PLAIN_BYTES:
                raise _too_large("Пакет слишком большой")
            return request.body
        try:
            return signing.decompress(request.body, MAX_PLAIN_BYTES)
        except signing.BodyTooLarge:
            raise _too_large(f"Пакет больше {MAX_PLAIN_BYTES // (1024 * 1024)} МБ после распаковки") from None
        except signing.BadBody:
            raise _bad_request(NOT_JSON) from None


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        check_depth(body)  # a signed body is still bounded: deep nesting would end the parser in RecursionError
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise _bad_request(NOT_JSON) from None
    if not isinstance(data, dict):
        raise _bad_request(NOT_JSON)
    return data


class BatchIngest:
    """Applies a batch's records: one UpdateItem per meter-day holding all its slots (of any length
    down to 5 minutes), its last register reading and its day-start snapshot, one per month roll-up
    day, one per meter for registers and for relay state, events 25 per BatchWriteItem."""

    def __init__(self, repository: AiisRepository | None = None, settings: Settings | None = None) -> None:
        self.repo = repository or AiisRepository()
        self.settings = settings or get_settings()

    def receive(self, agent: AgentItem, idempotency_key: str, body: bytes) -> dict[str, Any]:
        payload = _json_object(body)
        batch_id, records = payload.get("batch_id"), payload.get("records")
        if not (
            isinstance(batch_id, str)
            and _BATCH_ID.match(batch_id)
            and batch_id == idempotency_key
            and payload.get("agent_id") == agent.agent_id
            and isinstance(records, list)
        ):
            raise _bad_request(BAD_BATCH)
        if len(records) > MAX_RECORDS:
            raise _too_large(TOO_MANY_RECORDS)
        committed = self.repo.batch(agent.agent_id, batch_id)
        if committed is not None:
            # The first answer may have been lost: repeat what it said, so the agent still learns
            # which records were refused.
            return {"accepted": committed.accepted, "duplicate": True, "rejected": committed.rejected}
        outcome = self.apply(agent, records)
        now = clock.now()
        self.repo.put_batch(
            agent.agent_id, batch_id, outcome, clock.iso(now), clock.epoch(now + timedelta(days=BATCH_KEEP_DAYS))
        )
        if outcome.rejected:
            logger.info(
                "agent %s batch %s: %d accepted, %d rejected",
                agent.agent_id,
                batch_id,
                outcome.accepted,
                len(outcome.rejected),
            )
            for reason in sorted({r["code"] for r in outcome.rejected}):
                count("AgentRecordsRejected", sum(r["code"] == reason for r in outcome.rejected), reason=reason)
        return {"accepted": outcome.accepted, "duplicate": False, "rejected": outcome.rejected}

    def apply(self, agent: AgentItem, records: list[Any]) -> BatchOutcome:
        ctx = RecordContext(serial_map(agent.meters.as_dict()), clock.now(), self.settings.tz)
        accepted: list[tuple[int, Record]] = []
        rejected: list[dict[str, Any]] = []
        for index, data in enumerate(records):
            try:
                accepted.append((index, parse_record(data, ctx)))
            except Rejected as exc:
                rejected.append({"index": index, "code": exc.code, "message": str(exc)})
        refused = self.write([record for _, record in accepted])
        rejected.extend(
            {"index": accepted[position][0], "code": "interval_changed", "message": INTERVAL_CHANGED}
            for position in refused
        )
        rejected.sort(key=lambda r: r["index"])
        return BatchOutcome(len(accepted) - len(refused), rejected)

    def write(self, records: list[Record]) -> list[int]:
        """Store records; returns the positions (in `records`) of intervals refused because their day
        already holds intervals of another length."""
        now = clock.iso(clock.now())
        days: dict[tuple[str, date], DayIntervals] = {}
        refused: list[int] = []
        day_registers: dict[tuple[str, date], RegisterRecord] = {}
        snapshots: dict[tuple[str, date], SnapshotRecord] = {}
        registers: dict[str, RegisterRecord] = {}
        relays: dict[str, RelayRecord] = {}
        events: list[tuple[EventRecord, str]] = []
        for position, record in enumerate(records):
            if isinstance(record, IntervalRecord):
                # The batch's first interval of a meter-day sets its length for the batch.
                group = days.setdefault((record.meter_id, record.day), DayIntervals(record.minutes))
                if record.minutes != group.minutes:
                    refused.append(position)
                    continue
                group.positions.append(position)
                earlier = group.slots.get(record.index)
                # Within a batch too, the absence of a value never replaces a value.
                if not (record.slot.status == "missing" and earlier is not None and earlier.status != "missing"):
                    group.slots[record.index] = record.slot
            elif isinstance(record, RegisterRecord):
                key = (record.meter_id, record.day)
                if key not in day_registers or record.read_at >= day_registers[key].read_at:
                    day_registers[key] = record
                if record.meter_id not in registers or record.read_at >= registers[record.meter_id].read_at:
                    registers[record.meter_id] = record
            elif isinstance(record, SnapshotRecord):
                key = (record.meter_id, record.day)
                # What the meter stored outranks the agent's first reading after midnight.
                if key not in snapshots or record.source == "meter" or snapshots[key].source != "meter":
                    snapshots[key] = record
            elif isinstance(record, RelayRecord):
                if record.meter_id not in relays or record.at >= relays[record.meter_id].at:
                    relays[record.meter_id] = record
            else:
                events.append((record, clock.iso(record.at)))

        for meter_id, day in sorted(set(days) | set(day_registers) | set(snapshots)):
            intervals = days.get((meter_id, day))
            register = day_registers.get((meter_id, day))
            snapshot = snapshots.get((meter_id, day))
            merged = self.repo.merge_day(
                meter_id,
                day,
                intervals.slots if intervals else {},
                (clock.iso(register.read_at), encode_channels(register.values)) if register else None,
                now,
                minutes=intervals.minutes if intervals else SLOT_MINUTES,
                snapshot=(snapshot.source, encode_channels(snapshot.values)) if snapshot else None,
            )
            if intervals is None:
                continue
            if merged.slots_refused:
                refused.extend(intervals.positions)
                continue
            minutes = interval_of(merged.item)
            totals = day_totals(slots_of(merged.item), slots_in_day(day, self.settings.tz, minutes))
            self.repo.put_day_totals(meter_id, day, totals, int(merged.item["ver"]), now)
        for meter_id, register in registers.items():
            self.repo.put_registers(meter_id, clock.iso(register.read_at), register.values, register.coefficient)
        for meter_id, relay in relays.items():
            self.repo.put_relay(meter_id, clock.iso(relay.at), relay.on)
        if events:
            self.repo.put_events(events)
        return refused


@dataclass
class DayIntervals:
    """A batch's intervals of one meter-day: their length, slots by index, and batch positions."""

    minutes: int
    slots: dict[int, Slot] = field(default_factory=dict)
    positions: list[int] = field(default_factory=list)


# --- heartbeat -------------------------------------------------------------------------------

BAD_HEARTBEAT = "Сигнал «агент на связи» не распознан: проверьте версию агента"


def record_heartbeat(agent: AgentItem, body: bytes) -> dict[str, str]:
    try:
        heartbeat = Heartbeat.model_validate(_json_object(body))
    except ValidationError:
        raise _bad_request(BAD_HEARTBEAT) from None
    now = clock.now()
    status = {
        m.serial: {
            "last_read_at": clock.iso(m.last_read_at) if m.last_read_at else None,
            "last_error": m.last_error,
            "clock_drift_s": m.clock_drift_s,
        }
        for m in heartbeat.meters
    }
    agent.update(
        actions=[
            AgentItem.last_contact_at.set(clock.iso(now)),
            AgentItem.agent_time.set(clock.iso(heartbeat.agent_time)),
            AgentItem.clock_skew_s.set(round((heartbeat.agent_time - now).total_seconds(), 1)),
            AgentItem.agent_version.set(heartbeat.version) if heartbeat.version else AgentItem.agent_version.remove(),
            AgentItem.backlog.set(heartbeat.backlog),
            AgentItem.meter_status.set(status),
        ],
        condition=AgentItem.pk.exists(),
    )
    return {"received_at": clock.iso(now)}
