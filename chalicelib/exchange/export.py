"""Export of readings changed since the last exchange run, for the billing system to load.

Pending readings are those in the sparse GSI `changed` (`export_pk` = "PENDING", set by every
reading write). A run writes them to the exchange bucket as CSV and JSON (layouts in
docs/billing-exchange.md) and then removes each one's marker, on condition that the reading is
still the version exported. The GSI is eventually consistent: a reading edited just before the
lock was taken may be listed in its previous version; the condition then fails, the marker stays,
and the next run exports the edit. A reading can thus be exported twice, never lost: billing
loads by (period, serial, zone) and the later `submitted_at` wins.

Values are the Decimal strings the readings hold, written in plain notation — never floats.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import UpdateError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from chalicelib.core import clock
from chalicelib.core.dynamo import is_conditional_failure
from chalicelib.metering.repository import MeteringRepository, MeterItem, ReadingItem
from chalicelib.readings.service import EXPORT_PENDING

from . import storage

JSON_FORMAT = "kabinet-readings/1"
CSV_HEADER = (
    "period",
    "contract",
    "account",
    "serial",
    "point_code",
    "zone",
    "value",
    "previous",
    "difference",
    "consumption",
    "rollover",
    "reading_date",
    "submitted_at",
    "source",
    # Added with issue 9, at the end so loaders reading columns by position keep working.
    "submitted_by",
    "submitted_by_name",
)
# Clearing markers is one conditional UpdateItem per reading (a transaction would fail as a whole on
# one edited reading); in parallel, thousands take seconds.
CLEAR_WORKERS = 8

logger = logging.getLogger("kabinet.exchange.export")


class _Changed(GlobalSecondaryIndex["PendingReading"]):
    class Meta:
        index_name = "changed"
        projection = AllProjection()

    export_pk = UnicodeAttribute(hash_key=True)
    changed_at = UnicodeAttribute(range_key=True)


class PendingReading(ReadingItem):
    """A reading as the export sees it: the same item, reached through the sparse index of pending ones."""

    # PynamoDB caches one connection per class, inherited by subclasses; the parent's was built
    # from a schema without this index, and queries through it are refused.
    _connection = None
    changed = _Changed()


@dataclass(frozen=True)
class ZoneValue:
    zone: str
    value: str
    previous: str | None
    difference: str | None
    consumption: str | None
    rollover: bool


@dataclass(frozen=True)
class ExportedReading:
    meter_id: str
    period: str
    contract: str | None
    account: str | None
    serial: str | None
    point_code: str | None
    declared: bool  # a meter the user declared and billing does not know yet
    zones: tuple[ZoneValue, ...]
    reading_date: str | None
    submitted_at: str
    source: str
    submitted_by: str | None  # the portal account (user id) of a `user` reading
    submitted_by_name: str | None  # as the portal shows it: «Иванов И. И.», «ООО «Ромашка»»
    # The version seen: clearing the marker is conditional on it.
    pk: str
    sk: str
    version: int
    changed_at: str | None

    @classmethod
    def of(cls, reading: ReadingItem, meter: MeterItem | None) -> ExportedReading:
        values, previous = reading.values.as_dict(), reading.previous.as_dict()
        difference, consumption = reading.difference.as_dict(), reading.consumption.as_dict()
        rollover = reading.rollover.as_dict()
        zones = tuple(
            ZoneValue(
                zone=z,
                value=values[z],
                previous=previous.get(z),
                difference=difference.get(z),
                consumption=consumption.get(z),
                rollover=bool(rollover.get(z)),
            )
            for z in sorted(values)
        )
        return cls(
            meter_id=reading.meter_id,
            period=reading.period,
            contract=meter.contract if meter else None,
            account=meter.account if meter else None,
            serial=meter.serial if meter else None,
            point_code=meter.point_code if meter else None,
            declared=bool(meter.virtual) if meter else False,
            zones=zones,
            reading_date=reading.reading_date,
            submitted_at=reading.submitted_at,
            source=reading.source,
            submitted_by=reading.submitted_by if reading.source == "user" else None,
            submitted_by_name=reading.submitted_by_name if reading.source == "user" else None,
            pk=reading.pk,
            sk=reading.sk,
            version=int(reading.version),
            changed_at=reading.changed_at,
        )


@dataclass(frozen=True)
class ExportResult:
    exported: int
    keys: tuple[str, ...]


def decimal_text(value: str | None) -> str:
    """Plain notation ("100", not "1E+2"), the stored precision kept ("0.50"); "" for no value."""
    return "" if value is None else format(Decimal(value), "f")


def _optional_decimal(value: str | None) -> str | None:
    return None if value is None else decimal_text(value)


def render_csv(readings: Iterable[ExportedReading]) -> bytes:
    """One line per reading and zone; «;»-separated, CRLF, UTF-8 with BOM (what Excel and 1C expect)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for reading in readings:
        for zone in reading.zones:
            writer.writerow(
                (
                    reading.period,
                    reading.contract or "",
                    reading.account or "",
                    reading.serial or "",
                    reading.point_code or "",
                    zone.zone,
                    decimal_text(zone.value),
                    decimal_text(zone.previous),
                    decimal_text(zone.difference),
                    decimal_text(zone.consumption),
                    "1" if zone.rollover else "0",
                    reading.reading_date or "",
                    reading.submitted_at,
                    reading.source,
                    reading.submitted_by or "",
                    reading.submitted_by_name or "",
                )
            )
    return buffer.getvalue().encode("utf-8-sig")


def render_json(readings: Iterable[ExportedReading], run_id: str, generated_at: datetime) -> bytes:
    document = {
        "format": JSON_FORMAT,
        "generated_at": clock.iso(generated_at),
        "run_id": run_id,
        "readings": [_json_reading(r) for r in readings],
    }
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


def _json_reading(reading: ExportedReading) -> dict[str, Any]:
    return {
        "meter_id": reading.meter_id,
        "period": reading.period,
        "contract": reading.contract,
        "account": reading.account,
        "serial": reading.serial,
        "point_code": reading.point_code,
        "declared": reading.declared,
        "reading_date": reading.reading_date,
        "submitted_at": reading.submitted_at,
        "source": reading.source,
        "submitted_by": reading.submitted_by,
        "submitted_by_name": reading.submitted_by_name,
        "zones": [
            {
                "zone": z.zone,
                "value": decimal_text(z.value),
                "previous": _optional_decimal(z.previous),
                "difference": _optional_decimal(z.difference),
                "consumption": _optional_decimal(z.consumption),
                "rollover": z.rollover,
            }
            for z in reading.zones
        ],
    }


def pending() -> list[ExportedReading]:
    """Every reading marked for export, with its meter's billing identifiers, in a stable order."""
    readings = list(PendingReading.changed.query(EXPORT_PENDING))  # every page
    meters = {m.meter_id: m for m in MeteringRepository().meters({r.meter_id for r in readings})}
    exported = [ExportedReading.of(r, meters.get(r.meter_id)) for r in readings]
    return sorted(exported, key=lambda r: (r.period, r.contract or "", r.serial or "", r.meter_id))


def clear_markers(readings: list[ExportedReading]) -> int:
    """Unmark what was exported, each only if unchanged since. Returns how many stay pending."""
    if not readings:
        return 0
    connection = ReadingItem._get_connection()

    def clear(reading: ExportedReading) -> bool:
        try:
            connection.update_item(
                reading.pk,
                reading.sk,
                actions=[ReadingItem.export_pk.remove()],
                condition=(ReadingItem.export_pk == EXPORT_PENDING)
                & (ReadingItem.version == reading.version)
                & (ReadingItem.changed_at == reading.changed_at),
            )
            return True
        except UpdateError as exc:
            if is_conditional_failure(exc):
                return False
            raise

    with ThreadPoolExecutor(max_workers=CLEAR_WORKERS) as pool:
        return sum(1 for cleared in pool.map(clear, readings) if not cleared)


def export_pending(run_id: str, now: datetime) -> ExportResult:
    """Write the pending readings to the outbox (both layouts), then unmark them.

    Files first: if writing fails, nothing is unmarked and the next run exports the same readings.
    A run with nothing pending still writes the header-only files, so billing can tell "nothing
    changed" from "the exchange did not run".
    """
    readings = pending()
    keys = (f"{storage.OUTBOX}readings-{run_id}.csv", f"{storage.OUTBOX}readings-{run_id}.json")
    storage.put(keys[0], render_csv(readings), "text/csv; charset=utf-8")
    storage.put(keys[1], render_json(readings, run_id, now), "application/json; charset=utf-8")
    still_pending = clear_markers(readings)
    if still_pending:
        logger.info("exchange %s: %d readings changed while exporting, left for the next run", run_id, still_pending)
    return ExportResult(exported=len(readings), keys=keys)
