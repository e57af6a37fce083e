"""Outages: the public address lookup and the staff console (enter, edit, list, import).

Publishing and subscriber notification live in `publishing.py`; subscriptions in `subscriptions.py`.
"""
from __future__ import annotations

import re
import uuid
from datetime import date, datetime, tzinfo
from typing import Any, Iterable, Optional

from pydantic import BaseModel, ValidationError
from pynamodb.exceptions import TransactWriteError

from chalicelib.core import audit, clock
from chalicelib.core.audit import Actor
from chalicelib.core.config import Settings, get_settings
from chalicelib.core.dynamo import is_conditional_failure, transaction
from chalicelib.core.errors import FieldError, conflict, field_error, not_found, validation_error
from chalicelib.core.validation import to_api_error
from chalicelib.reference.repository import Street
from chalicelib.reference.service import ReferenceService

from . import rules
from .csvrows import CsvError, parse_csv
from .houses import HouseSpec, covers, parse_house, parse_houses
from .models import (ImportRow, OutageImportError, OutageDetail, OutageImport, OutageImportReport, OutageIn,
                     OutageList, OutageMonth, OutagePatch, OutagePublic, OutageStreet, StreetHouses, StreetRef)
from .repository import (OUTAGE_SK, OutageItem, OutageRepository, OutageStreetMap, StreetOutageItem, month_pk,
                         outage_pk)

STALE = "Отключение изменено другим сотрудником. Обновите страницу и повторите"
# Each imported row is its outage, its street copy and its audit record: 25 rows stay within the
# 100 items of a transaction, and a row is never half-written.
IMPORT_ROWS_PER_TRANSACTION = 25


def parse_instant(value: Optional[str]) -> Optional[datetime]:
    return datetime.fromisoformat(value) if value else None


def stored_houses(houses: Iterable[str]) -> tuple[HouseSpec, ...]:
    """Stored houses are canonical, so they parse back as written."""
    return parse_houses(", ".join(houses))


def _house_list(canonical: str) -> list[str]:
    return canonical.split(", ") if canonical else []


def copy_item(item: OutageItem) -> OutageItem:
    return OutageItem.from_raw_data(item.serialize())


def to_detail(item: OutageItem, tz: tzinfo) -> OutageDetail:
    def local(value: Optional[str]) -> Optional[datetime]:
        instant = parse_instant(value)
        return instant.astimezone(tz) if instant else None

    return OutageDetail(
        id=item.outage_id, kind=item.kind, kind_title=rules.KIND_TITLES[item.kind], status=item.status,
        published=item.published, published_at=local(item.published_at), notified=int(item.notified),
        start=local(item.start_at), end=local(item.end_at), reason=item.reason,
        streets=[OutageStreet(id=s.street_id, name=s.name, locality=s.locality, houses=", ".join(s.houses))
                 for s in item.streets],
        created_at=local(item.created_at), created_by=item.created_by, updated_at=local(item.updated_at),
        version=int(item.version))


class OutageService:
    def __init__(self, repository: Optional[OutageRepository] = None, reference: Optional[ReferenceService] = None,
                 settings: Optional[Settings] = None) -> None:
        self.repo = repository or OutageRepository()
        self.reference = reference or ReferenceService()
        self.settings = settings or get_settings()

    # --- consumers --------------------------------------------------------------------------

    def lookup(self, street_id: str, house: Optional[str], kind: Optional[str], date_from: Optional[date],
               date_to: Optional[date]) -> BaseModel:
        """Outages of an address overlapping the days asked for, by start: one Query."""
        tz = self.settings.tz
        try:
            first, last = rules.lookup_range(date_from, date_to, clock.now().astimezone(tz).date())
        except rules.RuleError as exc:
            raise field_error(exc.path, exc.message) from None
        range_start, range_end = rules.day_bounds(first, last, tz)
        address = parse_house(house) if house else None
        found = []
        for copy in self.repo.of_street(street_id, rules.earliest_start(range_start), range_end):
            start, end = parse_instant(copy.start_at), parse_instant(copy.end_at)
            assert start is not None
            if (kind and copy.kind != kind) or not rules.overlaps(start, end, range_start, range_end):
                continue
            if address is not None and not covers(stored_houses(copy.houses), address):
                continue
            found.append(self._public(copy, start, end, tz))
        return OutageList(items=found, **{"from": first, "to": last})

    @staticmethod
    def _public(copy: StreetOutageItem, start: datetime, end: Optional[datetime], tz: tzinfo) -> OutagePublic:
        return OutagePublic(id=copy.outage_id, kind=copy.kind, kind_title=rules.KIND_TITLES[copy.kind],
                            start=start.astimezone(tz), end=end.astimezone(tz) if end else None,
                            street=StreetRef(id=copy.street_id, name=copy.street_name, locality=copy.locality),
                            houses=", ".join(copy.houses), reason=copy.reason)

    # --- staff ------------------------------------------------------------------------------

    def get(self, outage_id: str) -> OutageDetail:
        return to_detail(self._load(outage_id), self.settings.tz)

    def month(self, month: str) -> OutageMonth:
        return OutageMonth(items=[to_detail(i, self.settings.tz) for i in self.repo.of_month(month)])

    def create(self, actor: Actor, body: OutageIn) -> OutageDetail:
        streets = self._streets(body.streets)
        outage = self._new(actor, body.kind, body.start, body.end, body.reason, streets)
        with transaction() as tx:
            self.repo.write(tx, outage, None)
            audit.record(tx, actor, "outage.create", "outage", outage.outage_id,
                         {"kind": outage.kind, "streets": len(streets)})
        return to_detail(outage, self.settings.tz)

    def update(self, actor: Actor, outage_id: str, patch: OutagePatch) -> OutageDetail:
        before = self._load(outage_id)
        if patch.version != before.version:
            raise conflict(STALE)
        after = copy_item(before)
        changed = sorted(patch.model_fields_set - {"version"})
        if patch.streets is not None:
            after.streets = self._streets(patch.streets)
        if patch.start is not None:
            after.start_at = clock.iso(patch.start)
            after.month_pk = month_pk(rules.month_of(patch.start, self.settings.tz))
        if "end" in patch.model_fields_set:
            after.end_at = clock.iso(patch.end) if patch.end else None
        if patch.reason is not None:
            after.reason = patch.reason
        if patch.status is not None:
            after.status = patch.status
        problem = rules.end_problem(after.kind, parse_instant(after.start_at), parse_instant(after.end_at))
        if problem:
            raise field_error("end", problem)
        after.version = before.version + 1
        after.updated_at = clock.iso(clock.now())
        try:
            with transaction() as tx:
                self.repo.write(tx, after, before)
                audit.record(tx, actor, "outage.update", "outage", outage_id, {"fields": changed})
        except TransactWriteError as exc:
            if is_conditional_failure(exc):
                raise conflict(STALE) from None
            raise
        return to_detail(after, self.settings.tz)

    def import_outages(self, actor: Actor, body: OutageImport) -> OutageImportReport:
        """Each good row becomes an outage (entered, like `create`: planned ones wait for publishing);
        bad rows come back with their numbers and the reasons."""
        rows, errors = self._import_rows(body)
        streets = self.reference.by_names((row.locality, row.street) for _, row in rows)
        outages: list[tuple[int, OutageItem]] = []
        for number, row in rows:
            street = streets.get(Street.new(row.locality, row.street).name_key)
            if street is None:
                errors.append(OutageImportError(row=number, path="street",
                                             message="Улица не найдена в справочнике этого населённого пункта"))
                continue
            street_map = OutageStreetMap(street_id=street.id, name=street.name, locality=street.locality,
                                         houses=_house_list(row.houses))
            outages.append((number, self._new(actor, row.kind, row.start, row.end, row.reason, [street_map])))
        for start in range(0, len(outages), IMPORT_ROWS_PER_TRANSACTION):
            with transaction() as tx:
                for number, outage in outages[start:start + IMPORT_ROWS_PER_TRANSACTION]:
                    self.repo.write(tx, outage, None)
                    audit.record(tx, actor, "outage.import", "outage", outage.outage_id, {"row": number})
        return OutageImportReport(created=len(outages), ids=[o.outage_id for _, o in outages],
                                  errors=sorted(errors, key=lambda e: e.row))

    # --- helpers ------------------------------------------------------------------------------

    def _load(self, outage_id: str) -> OutageItem:
        return load(self.repo, outage_id)

    def _streets(self, wanted: list[StreetHouses]) -> list[OutageStreetMap]:
        found = self.reference.by_ids(s.street_id for s in wanted)
        missing = [FieldError(f"streets.{i}.street_id", "Улица не найдена в справочнике")
                   for i, s in enumerate(wanted) if s.street_id not in found]
        if missing:
            raise validation_error(missing)
        return [OutageStreetMap(street_id=s.street_id, name=found[s.street_id].name,
                                locality=found[s.street_id].locality, houses=_house_list(s.houses))
                for s in wanted]

    def _new(self, actor: Actor, kind: str, start: datetime, end: Optional[datetime], reason: str,
             streets: list[OutageStreetMap]) -> OutageItem:
        outage_id = uuid.uuid4().hex
        now = clock.iso(clock.now())
        # Emergencies are shown at once: there is nothing to prepare and people are already without power.
        emergency = kind == "emergency"
        return OutageItem(outage_pk(outage_id), OUTAGE_SK, outage_id=outage_id, kind=kind, status="active",
                          start_at=clock.iso(start), end_at=clock.iso(end) if end else None, reason=reason,
                          streets=streets, published=emergency, published_at=now if emergency else None,
                          month_pk=month_pk(rules.month_of(start, self.settings.tz)), created_at=now,
                          created_by=actor.user.login, updated_at=now, version=1)

    @staticmethod
    def _import_rows(body: OutageImport) -> tuple[list[tuple[int, ImportRow]], list[OutageImportError]]:
        errors: list[OutageImportError] = []
        if body.csv is not None:
            try:
                parsed, problems = parse_csv(body.csv)
            except CsvError as exc:
                raise field_error("csv", str(exc)) from None
            numbered: list[tuple[int, Any]] = [(r.line, r.values) for r in parsed]
            errors += [OutageImportError(row=p.line, path="row", message=p.message) for p in problems]
        else:
            numbered = list(enumerate(body.items or []))
        rows: list[tuple[int, ImportRow]] = []
        for number, data in numbered:
            try:
                rows.append((number, ImportRow.model_validate(data)))
            except ValidationError as exc:
                errors += [OutageImportError(row=number, path=f.path, message=f.message)
                           for f in to_api_error(exc).fields]
        return rows, errors


def load(repository: OutageRepository, outage_id: str) -> OutageItem:
    """The outage or 404. Ids are uuid4 hex: anything else cannot exist and does not reach a key."""
    item = repository.get(outage_id) if re.fullmatch(r"[0-9a-f]{32}", outage_id) else None
    if item is None:
        raise not_found("Отключение не найдено")
    return item

