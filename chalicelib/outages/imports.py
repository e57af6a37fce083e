"""Importing outages from a file of the dispatch system (CSV, or the same rows as JSON) — idempotently.

The same file imported twice (a retry after a timeout, the daily file uploaded again, two operators at once)
changes nothing the second time; a row that changed updates the outage it made before. How:

- every row has a natural key: the dispatcher's outage number with the street, if the file has a `number`
  column; otherwise kind + street + houses + start (the end is left out on purpose: an emergency's end
  arrives in a later file, and a planned outage may be extended — both must update, not duplicate);
- the outage id is derived from that key (`outage_id_for`), so a row finds "its" outage with one
  BatchGetItem of keys — no scan, no extra index — and a new one is written with
  `attribute_not_exists(pk)`: two imports racing cannot both create it;
- the outage keeps a fingerprint of the row as last imported: the same row again is `unchanged` even if
  staff edited the outage since (their edit is not overwritten by an old file); a different row is
  applied like a staff edit (versioned, audited, subscribers notified of new times — notices.py);
- an outage cancelled in the console stays cancelled whatever the file says.

Writes are packed into transactions of at most 100 items, each row whole (outage, street copies, audit,
notifications). If a packed transaction is cancelled (someone changed one of its outages meanwhile), its
rows are read and applied again one by one; a row that still cannot be written is reported as an error.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field, replace
from typing import Any

from pydantic import ValidationError
from pynamodb.exceptions import TransactWriteError

from chalicelib.core import audit, clock
from chalicelib.core.audit import Actor
from chalicelib.core.dynamo import is_conditional_failure, transaction
from chalicelib.core.errors import field_error
from chalicelib.core.validation import to_api_error
from chalicelib.notifications import outbox
from chalicelib.reference.repository import Street

from . import rules
from .csvrows import CsvError, parse_csv
from .models import (
    ChangedField,
    ImportResult,
    ImportRow,
    OutageImport,
    OutageImportError,
    OutageImportReport,
    OutageImportRow,
)
from .notices import ITEMS_PER_NOTE, TRANSACTION_ITEMS, Scope, unseen
from .repository import OutageItem, OutageStreetMap
from .service import OutageService, changed_fields, copy_item, house_list

CANCELLED = "Отключение отменено в кабинете — изменения из файла не применяются"
CONCURRENT = "Отключение изменено одновременно с загрузкой — загрузите файл ещё раз"
STREET_UNKNOWN = "Улица не найдена в справочнике этого населённого пункта"


def dispatch_number(number: str) -> str:
    """«№ ОП-12 34» and «оп-1234» are one number."""
    return re.sub(r"\s+", "", number).lstrip("№#").upper()


def natural_key(row: ImportRow, street_id: str) -> str:
    if row.number:
        return f"number|{dispatch_number(row.number)}|{street_id}"
    return f"row|{row.kind}|{street_id}|{row.houses}|{clock.iso(row.start)}"


def outage_id_for(key: str) -> str:
    """32 hex digits like a uuid4 hex, so it passes the same id check; a different key space."""
    return hashlib.sha256(f"outage-import:{key}".encode()).hexdigest()[:32]


def fingerprint(row: ImportRow, street_id: str) -> str:
    values = [
        dispatch_number(row.number) if row.number else None,
        row.kind,
        street_id,
        row.houses,
        clock.iso(row.start),
        clock.iso(row.end) if row.end else None,
        row.reason,
    ]
    return hashlib.sha256(json.dumps(values, ensure_ascii=False).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Candidate:
    """A valid row with its street found."""

    line: int
    row: ImportRow
    street: Street
    outage_id: str
    fingerprint: str


@dataclass
class Plan:
    candidate: Candidate
    result: ImportResult
    before: OutageItem | None = None
    after: OutageItem | None = None
    fields: list[ChangedField] = field(default_factory=list)
    notes: list[outbox.Notification] = field(default_factory=list)
    message: str | None = None
    path: str = "row"
    remember: bool = False  # unchanged values, but a new fingerprint to keep

    @property
    def writes(self) -> bool:
        return self.result in ("new", "updated") or self.remember


class Importer:
    def __init__(self, service: OutageService) -> None:
        self.service = service
        self.repo = service.repo
        self.notices = service.notices
        self.tz = service.settings.tz

    def run(self, actor: Actor, body: OutageImport) -> OutageImportReport:
        rows, errors = parse_rows(body)
        candidates, problems = self._candidates(rows)
        current = self.repo.get_many([c.outage_id for c in candidates])
        plans = [self._plan(actor, c, current.get(c.outage_id)) for c in candidates]
        plans = self._commit(actor, plans)
        return _report(plans, problems, errors)

    # --- rows → plans ------------------------------------------------------------------------------

    def _candidates(self, rows: list[tuple[int, ImportRow]]) -> tuple[list[Candidate], list[Plan]]:
        streets = self.service.reference.by_names((row.locality, row.street) for _, row in rows)
        candidates: list[Candidate] = []
        problems: list[Plan] = []
        seen: dict[str, int] = {}
        for line, row in rows:
            street = streets.get(Street.new(row.locality, row.street).name_key)
            if street is None:
                problems.append(_error(line, row, STREET_UNKNOWN, "street"))
                continue
            key = natural_key(row, street.id)
            if key in seen:
                problems.append(
                    _error(
                        line,
                        row,
                        f"Повторяет строку {seen[key]}: то же отключение "
                        f"{'(тот же номер и улица)' if row.number else '(вид, улица, дома и начало)'}",
                    )
                )
                continue
            seen[key] = line
            candidates.append(Candidate(line, row, street, outage_id_for(key), fingerprint(row, street.id)))
        return candidates, problems

    def _plan(self, actor: Actor, candidate: Candidate, current: OutageItem | None) -> Plan:
        row, street = candidate.row, candidate.street
        if current is None:
            streets = [
                OutageStreetMap(
                    street_id=street.id, name=street.name, locality=street.locality, houses=house_list(row.houses)
                )
            ]
            new = self.service.new(
                actor,
                row.kind,
                row.start,
                row.end,
                row.reason,
                streets,
                outage_id=candidate.outage_id,
                number=row.number,
                import_hash=candidate.fingerprint,
            )
            notes = self.notices.change(Scope.of(unseen(new)), new)  # an emergency's subscribers to all outages
            new.notified = len(notes)
            return Plan(candidate, "new", after=new, notes=notes)
        current = self.notices.finish_pending(current)
        if current.status == "cancelled":
            return Plan(candidate, "unchanged", before=current, message=CANCELLED)
        if current.import_hash == candidate.fingerprint:
            return Plan(candidate, "unchanged", before=current)
        if current.kind != row.kind:
            return Plan(
                candidate,
                "error",
                before=current,
                path="kind",
                message=f"Отключение с этим номером уже загружено как «{rules.KIND_TITLES[current.kind]}»: "
                f"вид менять нельзя",
            )
        after = copy_item(current)
        after.import_hash = candidate.fingerprint
        after.end_at = clock.iso(row.end) if row.end else None
        after.reason = row.reason
        if row.number:  # without a number, start and houses are the key: they are the same by definition
            after.start_at = clock.iso(row.start)
            for entry in after.streets:
                if entry.street_id == street.id:
                    entry.houses = house_list(row.houses)
        changed = changed_fields(current, after)
        if not changed:
            return Plan(candidate, "unchanged", before=current, after=after, remember=True)
        self.service.finalise(current, after, changed)
        notes = self.notices.change(Scope.of(current), after)
        after.change_notified = len(notes)
        return Plan(candidate, "updated", before=current, after=after, fields=changed, notes=notes)

    # --- plans → writes ----------------------------------------------------------------------------

    def _commit(self, actor: Actor, plans: list[Plan]) -> list[Plan]:
        done: list[Plan] = [p for p in plans if not p.writes]
        batch: list[Plan] = []
        size = 0
        for plan in (p for p in plans if p.writes):
            items = self._size(plan)
            if items > TRANSACTION_ITEMS:  # notifications of many subscribers: the change on its own
                done.append(self._alone(actor, plan))
                continue
            if size + items > TRANSACTION_ITEMS:
                done += self._flush(actor, batch)
                batch, size = [], 0
            batch.append(plan)
            size += items
        done += self._flush(actor, batch)
        return done

    def _size(self, plan: Plan) -> int:
        if plan.remember:
            return 1
        assert plan.after is not None
        return self.repo.write_size(plan.after, plan.before) + 1 + ITEMS_PER_NOTE * len(plan.notes)

    def _flush(self, actor: Actor, batch: list[Plan]) -> list[Plan]:
        if not batch:
            return []
        try:
            with transaction() as tx:
                for plan in batch:
                    self._write(tx, actor, plan)
        except TransactWriteError as exc:
            if not is_conditional_failure(exc):
                raise
            # One of these outages changed since it was read (or another import created it): nothing of
            # the batch was written; read each again and apply it alone.
            return [self._again(actor, plan) for plan in batch]
        outbox.dispatch([note for plan in batch for note in plan.notes])
        return batch

    def _write(self, tx: Any, actor: Actor, plan: Plan) -> None:
        after, before, line = plan.after, plan.before, plan.candidate.line
        assert after is not None
        if plan.remember:
            assert before is not None
            tx.update(
                before,
                actions=[OutageItem.import_hash.set(after.import_hash)],
                condition=(OutageItem.version == before.version) & OutageItem.pending_notice.does_not_exist(),
            )
            return
        self.repo.write(tx, after, before)
        details: dict[str, Any] = {"row": line, "result": plan.result}
        if plan.result == "updated":
            details.update(fields=plan.fields)
        if plan.result == "updated" or plan.notes:
            details.update(notified=len(plan.notes))
        audit.record(tx, actor, "outage.import", "outage", after.outage_id, details)
        for note in plan.notes:
            outbox.stage(tx, note)

    def _again(self, actor: Actor, plan: Plan) -> Plan:
        current = self.repo.get(plan.candidate.outage_id)
        fresh = self._plan(actor, plan.candidate, current)
        return self._alone(actor, fresh) if fresh.writes else fresh

    def _alone(self, actor: Actor, plan: Plan) -> Plan:
        try:
            if plan.result == "updated" or plan.notes:  # a new emergency has notes too
                assert plan.after is not None
                details: dict[str, Any] = {"row": plan.candidate.line, "result": plan.result}
                if plan.result == "updated":
                    details["fields"] = plan.fields
                self.service.commit(actor, plan.before, plan.after, "outage.import", details, notes=plan.notes)
            else:
                with transaction() as tx:
                    self._write(tx, actor, plan)
        except TransactWriteError as exc:
            if not is_conditional_failure(exc):
                raise
            return replace(plan, result="error", message=CONCURRENT, notes=[], remember=False)
        return plan


def parse_rows(body: OutageImport) -> tuple[list[tuple[int, ImportRow]], list[OutageImportError]]:
    """Valid rows with their numbers (CSV: the file's line; items: the index), and what is wrong with the rest."""
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
            errors += [OutageImportError(row=number, path=f.path, message=f.message) for f in to_api_error(exc).fields]
    return rows, errors


def _error(line: int, row: ImportRow, message: str, path: str = "row") -> Plan:
    return Plan(Candidate(line, row, Street.new(row.locality, row.street), "", ""), "error", message=message, path=path)


def _report(plans: list[Plan], problems: list[Plan], errors: list[OutageImportError]) -> OutageImportReport:
    results: dict[int, OutageImportRow] = {}
    for plan in plans + problems:
        line, row = plan.candidate.line, plan.candidate.row
        if plan.result == "error":
            errors.append(OutageImportError(row=line, path=plan.path, message=plan.message or ""))
            results[line] = OutageImportRow(
                row=line,
                result="error",
                number=row.number,
                message=plan.message,
                id=plan.before.outage_id if plan.before is not None else None,
            )
            continue
        outage = plan.after or plan.before
        assert outage is not None
        results[line] = OutageImportRow(
            row=line,
            result=plan.result,
            id=outage.outage_id,
            number=row.number,
            fields=plan.fields,
            notified=len(plan.notes),
            message=plan.message,
        )
    errors.sort(key=lambda e: e.row)
    for line in {e.row for e in errors} - set(results):
        results[line] = OutageImportRow(
            row=line, result="error", message="; ".join(e.message for e in errors if e.row == line)
        )
    rows = [results[line] for line in sorted(results)]

    def count(result: str) -> int:
        return sum(1 for r in rows if r.result == result)

    return OutageImportReport(
        created=count("new"),
        updated=count("updated"),
        unchanged=count("unchanged"),
        rejected=count("error"),
        ids=[r.id for r in rows if r.result == "new" and r.id],
        rows=rows,
        errors=errors,
    )
