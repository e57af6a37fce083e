"""Outages: the public address lookup and the staff console (enter, edit, list).

Publishing lives in `publishing.py`, imports in `imports.py`, what subscribers are told and how in
`notices.py`, subscriptions in `subscriptions.py`.

An edit changes the outage only if some value really changes: a save of the form as it was writes
nothing, notifies nobody and keeps the version. A request retried after its first attempt already landed
(the answer was lost) finds the outage one version ahead with exactly its values and gets that answer
again instead of a conflict; every other stale version is a 409.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable
from datetime import date, datetime, tzinfo
from typing import Any, cast

from pydantic import BaseModel

from chalicelib.core import audit, clock
from chalicelib.core.audit import Actor
from chalicelib.core.config import Settings, get_settings
from chalicelib.core.dynamo import conflict_on_condition, transaction
from chalicelib.core.errors import ApiError, FieldError, conflict, field_error, not_found, validation_error
from chalicelib.notifications import outbox
from chalicelib.reference.service import ReferenceService

from . import rules
from .houses import HouseSpec, covers, parse_house, parse_houses
from .models import (
    ChangedField,
    Kind,
    OutageDetail,
    OutageImport,
    OutageImportReport,
    OutageIn,
    OutageList,
    OutageMonth,
    OutagePatch,
    OutagePublic,
    OutageStreet,
    Status,
    StreetHouses,
    StreetRef,
)
from .notices import (
    ITEMS_PER_NOTE,
    TRANSACTION_ITEMS,
    Notices,
    Scope,
    parse_instant,
    snapshot,
    stage_in_batches,
    unseen,
)
from .repository import OUTAGE_SK, OutageItem, OutageRepository, OutageStreetMap, StreetOutageItem, month_pk, outage_pk

STALE = "Отключение изменено другим сотрудником. Обновите страницу и повторите"
# Compared to tell a real change from a save of the same values; reported in audit and import results.
CHANGE_FIELDS: tuple[ChangedField, ...] = ("start", "end", "streets", "reason", "status")


def stored_houses(houses: Iterable[str]) -> tuple[HouseSpec, ...]:
    """Stored houses are canonical, so they parse back as written."""
    return parse_houses(", ".join(houses))


def house_list(canonical: str) -> list[str]:
    return canonical.split(", ") if canonical else []


def copy_item(item: OutageItem) -> OutageItem:
    return OutageItem.from_raw_data(item.serialize())


def _local(value: str | None, tz: tzinfo) -> datetime | None:
    instant = parse_instant(value)
    return instant.astimezone(tz) if instant else None


def _local_required(value: str, tz: tzinfo) -> datetime:
    """A time every stored outage has (its start, creation and last change)."""
    return datetime.fromisoformat(value).astimezone(tz)


def notifies_subscribers(item: OutageItem) -> bool:
    """Would a change of times or addresses, a cancellation or a return be sent to subscribers?"""
    end = parse_instant(item.end_at)
    return item.kind == "planned" and bool(item.published) and end is not None and end > clock.now()


def to_detail(item: OutageItem, tz: tzinfo) -> OutageDetail:
    def local(value: str | None) -> datetime | None:
        return _local(value, tz)

    return OutageDetail(
        id=item.outage_id,
        # Stored only from validated input (models.Kind, Status).
        kind=cast(Kind, item.kind),
        kind_title=rules.KIND_TITLES[item.kind],
        status=cast(Status, item.status),
        published=item.published,
        published_at=local(item.published_at),
        notified=int(item.notified),
        start=_local_required(item.start_at, tz),
        end=local(item.end_at),
        reason=item.reason,
        streets=[
            OutageStreet(id=s.street_id, name=s.name, locality=s.locality, houses=", ".join(s.houses))
            for s in item.streets
        ],
        created_at=_local_required(item.created_at, tz),
        created_by=item.created_by,
        updated_at=_local_required(item.updated_at, tz),
        version=int(item.version),
        number=item.number,
        changed_at=local(item.changed_at),
        previous_start=local(item.previous_start_at),
        previous_end=local(item.previous_end_at),
        change_notified=int(item.change_notified or 0),
        notice_pending=item.pending_notice is not None,
        notifies_subscribers=notifies_subscribers(item),
    )


def _streets_key(item: OutageItem) -> list[tuple[str, tuple[str, ...]]]:
    return [(s.street_id, tuple(s.houses)) for s in item.streets]


def changed_fields(before: OutageItem, after: OutageItem) -> list[ChangedField]:
    values: dict[ChangedField, Callable[[OutageItem], object]] = {
        "start": lambda i: i.start_at,
        "end": lambda i: i.end_at,
        "streets": _streets_key,
        "reason": lambda i: i.reason,
        "status": lambda i: i.status,
    }
    return [name for name in CHANGE_FIELDS if values[name](before) != values[name](after)]


class OutageService:
    def __init__(
        self,
        repository: OutageRepository | None = None,
        reference: ReferenceService | None = None,
        settings: Settings | None = None,
    ) -> None:
        self.repo = repository or OutageRepository()
        self.reference = reference or ReferenceService()
        self.settings = settings or get_settings()
        self.notices = Notices(self.repo, self.settings.tz)

    # --- consumers --------------------------------------------------------------------------

    def lookup(
        self, street_id: str, house: str | None, kind: str | None, date_from: date | None, date_to: date | None
    ) -> BaseModel:
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
        return OutageList(**{"items": found, "from": first, "to": last})

    @staticmethod
    def _public(copy: StreetOutageItem, start: datetime, end: datetime | None, tz: tzinfo) -> OutagePublic:
        return OutagePublic(
            id=copy.outage_id,
            kind=cast(Kind, copy.kind),  # copied from the validated outage
            kind_title=rules.KIND_TITLES[copy.kind],
            start=start.astimezone(tz),
            end=end.astimezone(tz) if end else None,
            street=StreetRef(id=copy.street_id, name=copy.street_name, locality=copy.locality),
            houses=", ".join(copy.houses),
            reason=copy.reason,
            changed_at=_local(copy.changed_at, tz),
            previous_start=_local(copy.previous_start_at, tz),
            previous_end=_local(copy.previous_end_at, tz),
        )

    # --- staff ------------------------------------------------------------------------------

    def get(self, outage_id: str) -> OutageDetail:
        return to_detail(self._load(outage_id), self.settings.tz)

    def month(self, month: str) -> OutageMonth:
        return OutageMonth(items=[to_detail(i, self.settings.tz) for i in self.repo.of_month(month)])

    def create(self, actor: Actor, body: OutageIn) -> OutageDetail:
        streets = self._streets(body.streets)
        outage = self.new(actor, body.kind, body.start, body.end, body.reason, streets)
        # An emergency is news for subscribers to all outages at once (a planned one waits to be published).
        self.commit(actor, None, outage, "outage.create", {"kind": outage.kind, "streets": len(streets)})
        return to_detail(outage, self.settings.tz)

    def update(self, actor: Actor, outage_id: str, patch: OutagePatch) -> OutageDetail:
        before = self.notices.finish_pending(self._load(outage_id))
        if patch.version != before.version:
            if patch.version == before.version - 1 and self._already_applied(before, patch):
                return to_detail(before, self.settings.tz)  # a retry of the save that made this version
            raise conflict(STALE)
        after = self._patched(before, patch)
        changed = changed_fields(before, after)
        if not changed:
            return to_detail(before, self.settings.tz)  # nothing to save, nobody to tell
        self.finalise(before, after, changed)
        with conflict_on_condition(STALE):
            self.commit(actor, before, after, "outage.update", {"fields": changed})
        return to_detail(after, self.settings.tz)

    def import_outages(self, actor: Actor, body: OutageImport) -> OutageImportReport:
        from .imports import Importer

        return Importer(self).run(actor, body)

    # --- changes (edits and imports) ----------------------------------------------------------

    def finalise(self, before: OutageItem, after: OutageItem, changed: list[ChangedField]) -> None:
        """Version, time stamps and the «изменено» mark of a change about to be committed."""
        now = clock.iso(clock.now())
        after.version = before.version + 1
        after.updated_at = now
        start = parse_instant(after.start_at)
        assert start is not None
        after.month_pk = month_pk(rules.month_of(start, self.settings.tz))
        # Consumers saw the old times or addresses of a published planned outage: mark what changed.
        if after.kind == "planned" and before.published and ({"start", "end", "streets"} & set(changed)):
            after.changed_at = now
            if {"start", "end"} & set(changed):
                after.previous_start_at, after.previous_end_at = before.start_at, before.end_at

    def commit(
        self,
        actor: Actor,
        before: OutageItem | None,
        after: OutageItem,
        action: str,
        details: dict[str, Any],
        notes: list[outbox.Notification] | None = None,
    ) -> int:
        """Write a change (`before` None: a new outage) with its audit record and its subscribers'
        notifications in one transaction. Notifications that do not fit follow in batches, with
        `pending_notice` kept until they are all staged (notices.py). Raises TransactWriteError if the
        outage changed since `before` was read (or, new, exists already). Returns how many subscribers
        are notified."""
        previous = snapshot(before) if before is not None else unseen(after)
        if notes is None:
            notes = self.notices.change(Scope.of(previous), after)
        room = max(0, (TRANSACTION_ITEMS - self.repo.write_size(after, before) - 1) // ITEMS_PER_NOTE)
        first, rest = notes[:room], notes[room:]
        if before is None:
            after.notified = len(notes)
        else:
            after.change_notified = len(notes)
        after.pending_notice = previous if rest else None
        with transaction() as tx:
            self.repo.write(tx, after, before)
            audit.record(tx, actor, action, "outage", after.outage_id, {**details, "notified": len(notes)})
            for note in first:
                outbox.stage(tx, note)
        outbox.dispatch(first)
        if rest:
            stage_in_batches(rest)
            self.repo.clear_pending(after)
            after.pending_notice = None
        return len(notes)

    def _patched(self, before: OutageItem, patch: OutagePatch) -> OutageItem:
        """The outage as the patch would leave it (not yet versioned); 422 if that is not a valid outage."""
        after = copy_item(before)
        if patch.streets is not None:
            after.streets = self._streets(patch.streets)
        if patch.start is not None:
            after.start_at = clock.iso(patch.start)
        if "end" in patch.model_fields_set:
            after.end_at = clock.iso(patch.end) if patch.end else None
        if patch.reason is not None:
            after.reason = patch.reason
        if patch.status is not None:
            after.status = patch.status
        problem = rules.end_problem(after.kind, parse_instant(after.start_at), parse_instant(after.end_at))
        if problem:
            raise field_error("end", problem)
        return after

    def _already_applied(self, current: OutageItem, patch: OutagePatch) -> bool:
        try:
            return not changed_fields(current, self._patched(current, patch))
        except ApiError:
            return False

    # --- helpers ------------------------------------------------------------------------------

    def _load(self, outage_id: str) -> OutageItem:
        return load(self.repo, outage_id)

    def _streets(self, wanted: list[StreetHouses]) -> list[OutageStreetMap]:
        found = self.reference.by_ids(s.street_id for s in wanted)
        missing = [
            FieldError(f"streets.{i}.street_id", "Улица не найдена в справочнике")
            for i, s in enumerate(wanted)
            if s.street_id not in found
        ]
        if missing:
            raise validation_error(missing)
        return [
            OutageStreetMap(
                street_id=s.street_id,
                name=found[s.street_id].name,
                locality=found[s.street_id].locality,
                houses=house_list(s.houses),
            )
            for s in wanted
        ]

    def new(
        self,
        actor: Actor,
        kind: str,
        start: datetime,
        end: datetime | None,
        reason: str,
        streets: list[OutageStreetMap],
        outage_id: str | None = None,
        number: str | None = None,
        import_hash: str | None = None,
    ) -> OutageItem:
        outage_id = outage_id or uuid.uuid4().hex
        now = clock.iso(clock.now())
        # Emergencies are shown at once: there is nothing to prepare and people are already without power.
        emergency = kind == "emergency"
        return OutageItem(
            outage_pk(outage_id),
            OUTAGE_SK,
            outage_id=outage_id,
            kind=kind,
            status="active",
            start_at=clock.iso(start),
            end_at=clock.iso(end) if end else None,
            reason=reason,
            streets=streets,
            published=emergency,
            published_at=now if emergency else None,
            month_pk=month_pk(rules.month_of(start, self.settings.tz)),
            created_at=now,
            created_by=actor.user.login,
            updated_at=now,
            version=1,
            number=number,
            import_hash=import_hash,
        )


def load(repository: OutageRepository, outage_id: str) -> OutageItem:
    """The outage or 404. Ids are 32 hex digits (uuid4, or derived from an imported row's key): anything
    else cannot exist and does not reach a key."""
    item = repository.get(outage_id) if re.fullmatch(r"[0-9a-f]{32}", outage_id) else None
    if item is None:
        raise not_found("Отключение не найдено")
    return item
