"""The `aiis` table: interval data, roll-ups, registers, relay, events, committed batches.

Keys (pk / sk) and what they hold:
- `METER#<id>` / `DAY#<YYYY-MM-DD>` (company-local date): slots `s00`… of `iv` minutes (days.py;
  no `iv`: 30), `ver` (bumped by every merge), `reg`/`reg_at` — the day's last register reading,
  `snp` — the registers at the start of the day, `m|A+|A-|R+|R-` as the meter stored them or
  `f|…` the agent's first reading after midnight (the readings table).
- `METER#<id>` / `MONTH#<YYYY-MM>`: per day `dDD` totals (days.DayTotals) and `vDD`, the day item
  version they were computed from; a year chart is one Query over ≤ 12 (13 for billing periods).
- `METER#<id>` / `REGISTERS`: latest A+ A− R+ R− (`vals`) as the meter shows them, `read_at`, and the
  calculation coefficient `k` the meter's intervals were multiplied by.
- `METER#<id>` / `RELAY`: `state` on|off and `at`.
- `METER#<id>` / `EVENT#<at>#<journal>#<code>`: the natural key, so a re-sent event overwrites itself;
  newest first by sk; severity and journal are filtered inside the queried time window (a meter logs
  few events, so a per-severity index would double every event write for little).
- `BATCH#<agent>#<batch id>` / `BATCH`: outcome of a committed batch, kept 35 days (`ttl`).
- `EXPORT#80020` / `COUNTER`: message numbers of 80020 exports.

Dynamic attribute names (one per slot, one per day) are why this module speaks the low-level API.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from botocore.exceptions import ClientError

from chalicelib.core import aws
from chalicelib.core.backoff import until_processed
from chalicelib.core.config import get_settings

from .days import (
    SLOT_MINUTES,
    DayTotals,
    Slot,
    SnapshotSource,
    day_attribute,
    encode_channels,
    format_decimal,
    slot_attribute,
    stored_interval,
)

_WRITE_CHUNK = 25  # BatchWriteItem limit
_EVENT_PAGES = 10  # a filtered event query reads at most this many pages
# Of the 4 KB a DynamoDB expression may hold, what a day update gives to slot assignments; and at most
# this many assignments per update — moto (the local stack and the tests) parses an update expression
# recursively, about five frames an assignment, and overflows Python's stack at 120–150 of them
# behind a request's frames. A day of 15-minute slots (96, 100 on a long DST day) is one update.
_EXPRESSION_BUDGET = 3700
_MAX_ASSIGNMENTS = 100
SNAPSHOT_CODES: dict[SnapshotSource, str] = {"meter": "m", "first_after_midnight": "f"}
SNAPSHOT_SOURCES: dict[str, SnapshotSource] = {code: source for source, code in SNAPSHOT_CODES.items()}


def meter_pk(meter_id: str) -> str:
    return f"METER#{meter_id}"


def day_sk(day: date) -> str:
    return f"DAY#{day.isoformat()}"


def month_sk(month: str) -> str:
    return f"MONTH#{month}"


def event_sk(at: str, journal: str, code: str) -> str:
    return f"EVENT#{at}#{journal}#{code}"


def plain(item: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """A low-level item as {name: str | int | bytes}; numbers we store are whole."""
    result: dict[str, Any] = {}
    for name, typed in item.items():
        kind, value = next(iter(typed.items()))
        result[name] = int(value) if kind == "N" else value
    return result


class StoredEvent(Protocol):
    """What an event write needs: ingestion's parsed record (records.EventRecord) is one."""

    @property
    def meter_id(self) -> str: ...
    @property
    def journal(self) -> str: ...
    @property
    def code(self) -> str: ...
    @property
    def severity(self) -> str: ...
    @property
    def text(self) -> str: ...


@dataclass(frozen=True)
class BatchOutcome:
    accepted: int
    rejected: list[dict[str, Any]]


@dataclass(frozen=True)
class DayMerge:
    item: dict[str, Any]
    slots_refused: bool  # the day holds slots of another length: these were not written


def _slot_names(slots: Mapping[int, Slot]) -> list[tuple[str, bool]]:
    return [(slot_attribute(index), slot.status == "missing") for index, slot in sorted(slots.items())]


def _slot_parts(slots: Mapping[int, Slot]) -> list[dict[int, Slot]]:
    """Slots cut into groups whose assignments fit one update expression."""
    parts: list[dict[int, Slot]] = []
    size = _EXPRESSION_BUDGET
    for index, slot in sorted(slots.items()):
        name = slot_attribute(index)
        cost = 2 + (2 * len(name) + 2 if slot.status != "missing" else 3 * len(name) + 18)
        if size + cost > _EXPRESSION_BUDGET or len(parts[-1]) >= _MAX_ASSIGNMENTS:
            parts.append({})
            size = 0
        parts[-1][index] = slot
        size += cost
    return parts


def _conditional_failed(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class AiisRepository:
    def __init__(self, client: Any = None, table: str | None = None) -> None:
        self.client = client or aws.client("dynamodb")
        self.table = table or get_settings().resource("aiis")

    # --- ingestion ----------------------------------------------------------------------------

    def merge_day(
        self,
        meter_id: str,
        day: date,
        slots: Mapping[int, Slot],
        register: tuple[str, str] | None,
        now: str,
        minutes: int = SLOT_MINUTES,
        snapshot: tuple[SnapshotSource, str] | None = None,
    ) -> DayMerge:
        """Merge slots of `minutes` (the day's newest register reading `(read_at, "A+|A-|R+|R-")` and
        its day-start snapshot `(source, "A+|A-|R+|R-")`) into a day item in one UpdateItem, and return
        the item as it is afterwards.

        A slot the meter calls missing is written only where nothing is stored yet: a value received
        earlier is never replaced by the absence of one. A register reading older than the stored one
        loses; so do slots of another length than the day already holds (`DayMerge.slots_refused`).
        Either is found from the refused update's old item, and the rest is written in a second call
        (only when older data is re-sent or a meter changed its interval mid-day). A snapshot the
        meter stored replaces one the agent took as the first reading after midnight, never the
        reverse. More than 100 slots (a whole day of 1–10-minute ones) take one more UpdateItem per
        100 (`_slot_parts`); the agent sends what each poll read, so a batch seldom holds that many.
        """
        key = {"pk": {"S": meter_pk(meter_id)}, "sk": {"S": day_sk(day)}}
        parts = _slot_parts(slots)
        head = parts[0] if parts else {}
        refused = False
        try:
            item = self._update_day(key, head, minutes, register, snapshot, now, checked=True)
        except ClientError as exc:
            if not _conditional_failed(exc):
                raise
            stored = exc.response.get("Item")  # the item the condition failed on (ReturnValuesOnConditionCheckFailure)
            old = plain(stored) if isinstance(stored, dict) else {}
            if register is not None and old.get("reg_at", "") > register[0]:
                register = None
            if head and stored_interval(old) not in (None, minutes):
                head, parts, refused = {}, [], True
            # Only what still holds is written; nothing at all if only refused slots were left.
            item = (
                self._update_day(key, head, minutes, register, snapshot, now, checked=False)
                if head or register is not None or snapshot is not None
                else old
            )
        for part in parts[1:]:
            item = self._update_day(key, part, minutes, None, None, now, checked=False)
        return DayMerge(item, refused)

    def _update_day(
        self,
        key: dict[str, Any],
        slots: Mapping[int, Slot],
        minutes: int,
        register: tuple[str, str] | None,
        snapshot: tuple[SnapshotSource, str] | None,
        now: str,
        checked: bool,
    ) -> dict[str, Any]:
        """One UpdateItem; `checked`: with the conditions on the stored interval and register time."""
        names = {"#ver": "ver", "#upd": "updated_at"}
        values: dict[str, Any] = {":one": {"N": "1"}, ":now": {"S": now}}
        sets = ["#upd = :now"]
        conditions = []
        if slots:
            names["#iv"] = "iv"
            values[":iv"] = {"N": str(minutes)}
            sets.append("#iv = :iv")
            # Slot names are plain in the expression (no placeholders): a day of 5-minute slots then
            # fits the 4 KB an expression may have.
            sets.extend(
                f"{name}=if_not_exists({name},:{name})" if missing else f"{name}=:{name}"
                for name, missing in _slot_names(slots)
            )
            values.update({f":{slot_attribute(index)}": {"S": slot.encode()} for index, slot in slots.items()})
            conditions.append(
                "(attribute_not_exists(#iv) OR #iv = :iv)"
                if minutes == SLOT_MINUTES
                # Before `iv` existed a day item held half hours: such slots are not ours.
                else "(#iv = :iv OR (attribute_not_exists(#iv) AND "
                + " AND ".join(f"attribute_not_exists({slot_attribute(i)})" for i in range(50))
                + "))"
            )
        if register is not None:
            names.update({"#reg": "reg", "#rat": "reg_at"})
            values.update({":reg": {"S": register[1]}, ":rat": {"S": register[0]}})
            sets += ["#reg = :reg", "#rat = :rat"]
            conditions.append("(attribute_not_exists(#rat) OR #rat <= :rat)")
        if snapshot is not None:
            source, channels = snapshot
            names["#snp"] = "snp"
            values[":snp"] = {"S": f"{SNAPSHOT_CODES[source]}|{channels}"}
            sets.append("#snp = :snp" if source == "meter" else "#snp = if_not_exists(#snp, :snp)")
        request: dict[str, Any] = {
            "TableName": self.table,
            "Key": key,
            "ReturnValues": "ALL_NEW",
            "UpdateExpression": f"SET {', '.join(sets)} ADD #ver :one",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
        if checked and conditions:
            request.update(ConditionExpression=" AND ".join(conditions), ReturnValuesOnConditionCheckFailure="ALL_OLD")
        return plain(self.client.update_item(**request)["Attributes"])

    def put_day_totals(self, meter_id: str, day: date, totals: DayTotals, version: int, now: str) -> bool:
        """Record a day's totals in its month roll-up unless totals of a later version are there
        already (two batches for one day may finish in either order)."""
        totals_name, version_name = day_attribute(day)
        try:
            self.client.update_item(
                TableName=self.table,
                Key={"pk": {"S": meter_pk(meter_id)}, "sk": {"S": month_sk(f"{day:%Y-%m}")}},
                UpdateExpression="SET #d = :d, #v = :v, #upd = :now",
                ConditionExpression="attribute_not_exists(#v) OR #v < :v",
                ExpressionAttributeNames={"#d": totals_name, "#v": version_name, "#upd": "updated_at"},
                ExpressionAttributeValues={":d": {"S": totals.encode()}, ":v": {"N": str(version)}, ":now": {"S": now}},
            )
            return True
        except ClientError as exc:
            if _conditional_failed(exc):
                return False
            raise

    def put_registers(self, meter_id: str, read_at: str, values: Mapping[str, Any], coefficient: Decimal) -> bool:
        return self._put_latest(
            meter_id,
            "REGISTERS",
            "read_at",
            read_at,
            {"vals": encode_channels(values), "k": format_decimal(coefficient)},
        )

    def put_relay(self, meter_id: str, at: str, on: bool) -> bool:
        return self._put_latest(meter_id, "RELAY", "at", at, {"state": "on" if on else "off"})

    def _put_latest(self, meter_id: str, sk: str, time_name: str, at: str, fields: Mapping[str, str]) -> bool:
        """Keep the newest state only: an older reading re-sent later changes nothing."""
        names = {"#t": time_name, **{f"#{name}": name for name in fields}}
        values = {":t": {"S": at}, **{f":{name}": {"S": value} for name, value in fields.items()}}
        assignments = ", ".join(["#t = :t", *(f"#{name} = :{name}" for name in fields)])
        try:
            self.client.update_item(
                TableName=self.table,
                Key={"pk": {"S": meter_pk(meter_id)}, "sk": {"S": sk}},
                UpdateExpression=f"SET {assignments}",
                ConditionExpression="attribute_not_exists(#t) OR #t < :t",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
            return True
        except ClientError as exc:
            if _conditional_failed(exc):
                return False
            raise

    def put_events(self, events: Iterable[tuple[StoredEvent, str]]) -> None:
        """Upsert events by natural key (`(record, at as stored)`), 25 per BatchWriteItem."""
        unique: dict[tuple[str, str], dict[str, Any]] = {}
        for event, at in events:
            key = (meter_pk(event.meter_id), event_sk(at, event.journal, event.code))
            unique[key] = {
                "pk": {"S": key[0]},
                "sk": {"S": key[1]},
                "at": {"S": at},
                "journal": {"S": event.journal},
                "code": {"S": event.code},
                "severity": {"S": event.severity},
                "text": {"S": event.text},
            }
        items = list(unique.values())

        def write(pending: list[dict[str, Any]]) -> list[dict[str, Any]]:
            answer = self.client.batch_write_item(RequestItems={self.table: pending})
            return list(answer.get("UnprocessedItems", {}).get(self.table, []))

        for start in range(0, len(items), _WRITE_CHUNK):
            until_processed(write, [{"PutRequest": {"Item": item}} for item in items[start : start + _WRITE_CHUNK]])

    def batch(self, agent_id: str, batch_id: str) -> BatchOutcome | None:
        item = self.client.get_item(
            TableName=self.table, Key=self._batch_key(agent_id, batch_id), ConsistentRead=True
        ).get("Item")
        if item is None:
            return None
        data = plain(item)
        return BatchOutcome(data["accepted"], json.loads(zlib.decompress(data["rejected"])))

    def put_batch(self, agent_id: str, batch_id: str, outcome: BatchOutcome, now: str, expires_at: int) -> None:
        """Commit the batch id with its outcome; a concurrent copy that committed first wins, which is
        harmless because both applied the same upserts."""
        # Rejections of a 10 000-record batch repeat a few messages: compressed they fit an item.
        rejected = zlib.compress(json.dumps(outcome.rejected, ensure_ascii=False).encode("utf-8"))
        try:
            self.client.put_item(
                TableName=self.table,
                Item={
                    **self._batch_key(agent_id, batch_id),
                    "accepted": {"N": str(outcome.accepted)},
                    "rejected": {"B": rejected},
                    "committed_at": {"S": now},
                    "ttl": {"N": str(expires_at)},
                },
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as exc:
            if not _conditional_failed(exc):
                raise

    @staticmethod
    def _batch_key(agent_id: str, batch_id: str) -> dict[str, Any]:
        return {"pk": {"S": f"BATCH#{agent_id}#{batch_id}"}, "sk": {"S": "BATCH"}}

    # --- reading ------------------------------------------------------------------------------

    def item(self, meter_id: str, sk: str) -> dict[str, Any] | None:
        found = self.client.get_item(TableName=self.table, Key={"pk": {"S": meter_pk(meter_id)}, "sk": {"S": sk}}).get(
            "Item"
        )
        return plain(found) if found else None

    def day(self, meter_id: str, day: date) -> dict[str, Any] | None:
        return self.item(meter_id, day_sk(day))

    def days(self, meter_id: str, first: date, last: date) -> list[dict[str, Any]]:
        return self._between(meter_id, day_sk(first), day_sk(last))

    def days_newest_first(self, meter_id: str, first: date, last: date) -> tuple[list[dict[str, Any]], bool]:
        """The stored days from `first` to `last`, newest first, and whether an older day exists: one
        Query reading back from `last` for one item more than the span has days — a meter has at most
        one item a day, so an item past the span's days can only be an older day."""
        span = (last - first).days + 1
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk AND sk BETWEEN :lo AND :hi",
            "ExpressionAttributeValues": {
                ":pk": {"S": meter_pk(meter_id)},
                ":lo": {"S": "DAY#"},
                ":hi": {"S": day_sk(last)},
            },
            "ScanIndexForward": False,
            "Limit": span + 1,
        }
        items: list[dict[str, Any]] = []
        while True:  # a second call only if a page hit DynamoDB's 1 MB before the limit
            page = self.client.query(**request)
            items.extend(plain(i) for i in page.get("Items", []))
            if len(items) > span or "LastEvaluatedKey" not in page:
                break
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
            request["Limit"] = span + 1 - len(items)
        oldest = day_sk(first)
        return [i for i in items if i["sk"] >= oldest], any(i["sk"] < oldest for i in items)

    def months(self, meter_id: str, first: str, last: str) -> list[dict[str, Any]]:
        return self._between(meter_id, month_sk(first), month_sk(last))

    def _between(self, meter_id: str, low: str, high: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk AND sk BETWEEN :lo AND :hi",
            "ExpressionAttributeValues": {":pk": {"S": meter_pk(meter_id)}, ":lo": {"S": low}, ":hi": {"S": high}},
        }
        while True:
            page = self.client.query(**request)
            items.extend(plain(i) for i in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return items
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def events(
        self, meter_id: str, since: str, until: str, severities: Iterable[str], journal: str | None, limit: int
    ) -> tuple[list[dict[str, Any]], bool]:
        """Events at `since` ≤ at < `until`, newest first, at most `limit`; True if more exist."""
        names: dict[str, str] = {}
        values: dict[str, Any] = {
            ":pk": {"S": meter_pk(meter_id)},
            ":lo": {"S": f"EVENT#{since}"},
            ":hi": {"S": f"EVENT#{until}"},
        }
        filters = []
        severity_list = sorted(set(severities))
        if severity_list:
            names["#sev"] = "severity"
            placeholders = []
            for number, severity in enumerate(severity_list):
                values[f":sev{number}"] = {"S": severity}
                placeholders.append(f":sev{number}")
            filters.append(f"#sev IN ({', '.join(placeholders)})")
        if journal:
            names["#jr"] = "journal"
            values[":jr"] = {"S": journal}
            filters.append("#jr = :jr")
        request: dict[str, Any] = {
            "TableName": self.table,
            "ScanIndexForward": False,
            "KeyConditionExpression": "pk = :pk AND sk BETWEEN :lo AND :hi",
            "ExpressionAttributeValues": values,
            "Limit": limit + 1,
        }
        if filters:
            request.update(FilterExpression=" AND ".join(filters), ExpressionAttributeNames=names)
        found: list[dict[str, Any]] = []
        for _ in range(_EVENT_PAGES):
            page = self.client.query(**request)
            found.extend(plain(i) for i in page.get("Items", []))
            if len(found) > limit or "LastEvaluatedKey" not in page:
                break
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        else:
            return found[:limit], True
        return found[:limit], len(found) > limit

    def next_export_number(self) -> int:
        answer = self.client.update_item(
            TableName=self.table,
            Key={"pk": {"S": "EXPORT#80020"}, "sk": {"S": "COUNTER"}},
            UpdateExpression="ADD #n :one",
            ExpressionAttributeNames={"#n": "n"},
            ExpressionAttributeValues={":one": {"N": "1"}},
            ReturnValues="UPDATED_NEW",
        )
        return int(answer["Attributes"]["n"]["N"])

    def days_of_meters(self, meter_ids: Iterable[str], day: date) -> dict[str, dict[str, Any]]:
        """Day items of many meters (BatchGetItem, 100 keys per call); meters without one are absent."""
        keys = [{"pk": {"S": meter_pk(m)}, "sk": {"S": day_sk(day)}} for m in sorted(set(meter_ids))]
        found: dict[str, dict[str, Any]] = {}

        def read(pending: list[dict[str, Any]]) -> list[dict[str, Any]]:
            answer = self.client.batch_get_item(RequestItems={self.table: {"Keys": pending}})
            for item in answer["Responses"].get(self.table, []):
                data = plain(item)
                found[data["pk"].removeprefix("METER#")] = data
            return list(answer.get("UnprocessedKeys", {}).get(self.table, {}).get("Keys", []))

        for start in range(0, len(keys), 100):
            until_processed(read, keys[start : start + 100])
        return found
