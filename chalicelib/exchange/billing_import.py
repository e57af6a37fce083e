"""Applying a billing drop: contracts, objects and meters upserted, last billing readings recorded.

Meter ids are derived from (personal account, serial), so a meter a user declared before billing
knew it (a "virtual" meter, seed 001) becomes the billing meter in place: same id, same readings,
same links — now verified. Each row is one meter and is applied whole or reported and skipped.

The holder's identity and category come only from rows of the new format. An old-format row (from a
billing system not yet upgraded) leaves what an earlier new-format drop told us: erasing it would
take the holder's way of proving ownership. Only an old-format row naming another holder (another
name or kind) clears it: the known identity is then someone else's, and keeping it would let the
previous holder prove ownership of the new holder's contract.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

from pynamodb.exceptions import UpdateError

from chalicelib.core import clock
from chalicelib.metering.repository import (ContractItem, LinkItem, MeterItem, MeteringRepository, ObjectItem,
                                            ReadingItem, contract_key, meter_key, period_key, serial_key)
from chalicelib.metering.access import meter_summary
from chalicelib.metering.service import meter_id_for

from .billing_format import BillingMeterRow, RowError

# Fields the users' `accounts` lists copy: a change to any of them refreshes the copies.
_SUMMARY_FIELDS = ("serial", "model", "status", "zones", "digits", "virtual", "verified", "object_id", "account")


@dataclass
class ImportReport:
    rows: int = 0
    applied: int = 0
    errors: list[RowError] = field(default_factory=list)
    items_written: int = 0
    links_refreshed: int = 0
    agents_refreshed: int = 0
    categories_followed: int = 0  # meters of a re-categorised contract that were not in the drop

    @property
    def skipped(self) -> int:
        return len(self.errors)


def apply_rows(rows: list[BillingMeterRow], errors: Iterable[RowError] = (),
               repository: MeteringRepository | None = None) -> ImportReport:
    repo = repository or MeteringRepository()
    report = ImportReport(rows=len(rows) + len(list(errors)), errors=list(errors))
    now = clock.iso(clock.now())
    for start in range(0, len(rows), 100):
        chunk = rows[start:start + 100]
        ids = [meter_id_for(r.account, r.serial) for r in chunk]
        existing = {k[0]: MeterItem.from_raw_data(v) for k, v in
                    repo.items([(meter_key(i), "METER") for i in ids]).items()}
        readings = repo.items([(meter_key(i), period_key(r.last_period)) for i, r in zip(ids, chunk) if r.last_period])
        contracts = {k[0]: ContractItem.from_raw_data(v) for k, v in
                     repo.items([(contract_key(c), "CONTRACT") for c in sorted({r.contract for r in chunk})]).items()}
        written, categories = _write_chunk(chunk, ids, existing, readings, contracts, now)
        report.items_written += written
        report.categories_followed += _follow_category(categories, contracts, set(ids), repo)
        report.applied += len(chunk)
        report.links_refreshed += _refresh_links(chunk, ids, existing, repo)
        report.agents_refreshed += _refresh_agents(chunk, ids, existing)
    return report


def _write_chunk(chunk: list[BillingMeterRow], ids: list[str], existing: dict[str, MeterItem],
                 readings: dict[tuple[str, str], Any], contracts: dict[str, ContractItem],
                 now: str) -> tuple[int, dict[str, Optional[str]]]:
    """Writes the chunk; returns the number of items written and each contract's category after it."""
    items: dict[tuple[str, str], Any] = {}
    for meter_id, row in zip(ids, chunk):
        stored = contracts.get(contract_key(row.contract))
        holder = _holder(row, items.get((contract_key(row.contract), "CONTRACT")) or stored)
        items[(contract_key(row.contract), "CONTRACT")] = ContractItem(
            contract_key(row.contract), "CONTRACT", number=row.contract, holder_name=row.holder_name,
            holder_kind=row.holder_kind, **holder,
            # A contract's accounts may arrive in several chunks or drops: keep what earlier ones brought.
            accounts=sorted({row.account, *_accounts(items, row.contract), *(stored.accounts if stored else [])}),
            # The consumer connects АИИС in the portal (seed 000); billing's flag is only the initial value.
            aiis_enabled=bool(stored.aiis_enabled) if stored else row.aiis_enabled, updated_at=now)
        items[(contract_key(row.contract), f"OBJECT#{row.object_id}")] = ObjectItem(
            contract_key(row.contract), f"OBJECT#{row.object_id}", object_id=row.object_id, name=row.object_name,
            address=row.object_address, account=row.account)
        before = existing.get(meter_key(meter_id))
        items[(meter_key(meter_id), "METER")] = MeterItem(
            meter_key(meter_id), "METER", meter_id=meter_id, contract_pk=contract_key(row.contract),
            meter_sk=serial_key(row.serial), contract=row.contract, account=row.account, object_id=row.object_id,
            location=before.location if before else None, serial=row.serial, model=row.model, digits=row.digits,
            zones=list(row.zones), coefficient=str(row.coefficient), install_date=_iso(row.install_date),
            category=holder["category"],
            install_place=row.install_place, verified_on=_iso(row.verified_on),
            next_verification=_iso(row.next_verification), seal=row.seal, status=row.status,
            point_code=row.point_code, last_billing_values={z: str(v) for z, v in row.last_values.items()},
            last_billing_period=row.last_period, virtual=False, verified=True,
            declared_by=before.declared_by if before else None, updated_at=now)
        reading_key = (meter_key(meter_id), period_key(row.last_period)) if row.last_period else None
        # Billing's reading fills the history of that period unless the user's own reading is there.
        if reading_key and reading_key not in readings:
            items[reading_key] = ReadingItem(
                *reading_key, meter_id=meter_id, period=row.last_period,
                values={z: str(v) for z, v in row.last_values.items()}, source="billing", submitted_at=now)
    with MeterItem.batch_write() as batch:
        for item in items.values():
            batch.save(item)
    return len(items), {i.number: i.category for i in items.values() if isinstance(i, ContractItem)}


def _holder(row: BillingMeterRow, known: Optional[ContractItem]) -> dict[str, Optional[str]]:
    """The contract's holder identity and category after this row (see the module's docstring)."""
    same_holder = known is not None and known.holder_kind == row.holder_kind \
        and _name_key(known.holder_name) == _name_key(row.holder_name)
    if row.new_format or not same_holder:
        return {"holder_snils": row.holder_snils, "holder_inn": row.holder_inn, "holder_kpp": row.holder_kpp,
                "category": row.category}
    return {"holder_snils": known.holder_snils, "holder_inn": known.holder_inn, "holder_kpp": known.holder_kpp,
            "category": known.category}


def _name_key(name: str) -> str:
    """A holder's name as compared: spacing, case and ё/е are how it is typed, not who it is."""
    return " ".join(name.split()).casefold().replace("ё", "е")


def _follow_category(categories: dict[str, Optional[str]], contracts: dict[str, ContractItem], written: set[str],
                     repo: MeteringRepository) -> int:
    """A drop may carry only some meters of a contract; the submit rule reads the category from each
    meter, so the others follow a changed category too. Costs nothing unless a category changed."""
    followed = 0
    for number, category in categories.items():
        stored = contracts.get(contract_key(number))
        if stored is None or stored.category == category:
            continue
        for meter in repo.meters_of(contract_key(number)):
            if meter.meter_id in written or meter.category == category:
                continue
            action = MeterItem.category.set(category) if category else MeterItem.category.remove()
            try:
                meter.update(actions=[action], condition=MeterItem.contract_pk == contract_key(number))
                followed += 1
            except UpdateError:
                continue  # moved to another contract meanwhile: that contract's category applies
    return followed


def _accounts(items: dict[tuple[str, str], Any], contract: str) -> list[str]:
    previous = items.get((contract_key(contract), "CONTRACT"))
    return list(previous.accounts) if previous is not None else []


def _refresh_links(chunk: list[BillingMeterRow], ids: list[str], existing: dict[str, MeterItem],
                   repo: MeteringRepository) -> int:
    """Users' copies of a meter's summary follow billing; unchanged meters cost nothing here."""
    refreshed = 0
    for meter_id, row in zip(ids, chunk):
        before = existing.get(meter_key(meter_id))
        if before is None:
            continue
        after = MeterItem(meter_id=meter_id, serial=row.serial, model=row.model, status=row.status,
                          zones=list(row.zones), digits=row.digits, virtual=False, verified=True,
                          object_id=row.object_id, account=row.account)
        old, new = meter_summary(before), meter_summary(after)
        if all(old[f] == new[f] for f in _SUMMARY_FIELDS):
            continue
        for link in repo.links_to_meter(meter_id):
            summary = {**link.summary.as_dict(), **{f: new[f] for f in _SUMMARY_FIELDS}}
            try:
                link.update(actions=[LinkItem.summary.set(summary), LinkItem.contract.set(row.contract)],
                            condition=LinkItem.pk.exists())
                refreshed += 1
            except UpdateError:
                continue  # unlinked meanwhile
    return refreshed


def _refresh_agents(chunk: list[BillingMeterRow], ids: list[str], existing: dict[str, MeterItem]) -> int:
    """An АИИС agent keeps a copy of its meters' coefficient and point code; a change reaches it here."""
    changed = [(meter_id, row) for meter_id, row in zip(ids, chunk)
               if (before := existing.get(meter_key(meter_id))) is not None
               and (before.coefficient != str(row.coefficient) or before.point_code != row.point_code)]
    if not changed:
        return 0
    from chalicelib.aiis.agents_repository import AgentsRepository

    agents = AgentsRepository()
    return sum(agents.follow_billing(meter_id, str(row.coefficient), row.point_code) for meter_id, row in changed)


def _iso(value: Any) -> Any:
    return value.isoformat() if value is not None else None
