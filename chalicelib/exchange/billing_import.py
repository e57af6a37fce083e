"""Applying a billing drop: contracts, objects and meters upserted, last billing readings recorded.

Meter ids are derived from (personal account, serial), so a meter a user declared before billing
knew it (a "virtual" meter, seed 001) becomes the billing meter in place: same id, same readings,
same links — now verified. Each row is one meter and is applied whole or reported and skipped.

The holder's identity and category come only from rows of the new format. An old-format row (from a
billing system not yet upgraded) leaves what an earlier new-format drop told us: erasing it would
take the holder's way of proving ownership. Only an old-format row naming another holder (another
name or kind) clears it: the known identity is then someone else's, and keeping it would let the
previous holder prove ownership of the new holder's contract.

A row may report that its meter replaced another (docs/billing-exchange.md, «Meter replacement»): the
replacement is recorded on both meters, the old one leaves service, and its users get the new one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypedDict

from pynamodb.exceptions import UpdateError

from chalicelib.accounts.repository import UserItem
from chalicelib.core import clock
from chalicelib.core.dynamo import transaction
from chalicelib.metering import replacements
from chalicelib.metering.access import meter_summary, right_of, schedule_keys, user_id_of, user_ref
from chalicelib.metering.repository import (
    ContractItem,
    LinkItem,
    MeteringRepository,
    MeterItem,
    ObjectItem,
    ReadingItem,
    contract_key,
    meter_key,
    period_key,
    serial_key,
)
from chalicelib.metering.service import meter_id_for
from chalicelib.reminders.rules import verification_keys

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
    replacements: int = 0  # replaced meters taken out of service, their users linked to the new meter

    @property
    def skipped(self) -> int:
        return len(self.errors)


def apply_rows(
    rows: list[BillingMeterRow], errors: Iterable[RowError] = (), repository: MeteringRepository | None = None
) -> ImportReport:
    repo = repository or MeteringRepository()
    report = ImportReport(rows=len(rows) + len(list(errors)), errors=list(errors))
    now = clock.iso(clock.now())
    for start in range(0, len(rows), 50):  # 50 rows: with the meters they replaced, 100 keys per read
        chunk = rows[start : start + 50]
        ids = [meter_id_for(r.account, r.serial) for r in chunk]
        replaced_ids = [meter_id_for(r.account, r.replacement.old_serial) for r in chunk if r.replacement]
        existing = {
            k[0]: MeterItem.from_raw_data(v)
            for k, v in repo.items([(meter_key(i), "METER") for i in dict.fromkeys(ids + replaced_ids)]).items()
        }
        entries = _replacement_entries(chunk, ids, existing, repo)
        readings = repo.items([(meter_key(i), period_key(r.last_period)) for i, r in zip(ids, chunk) if r.last_period])
        contracts = {
            k[0]: ContractItem.from_raw_data(v)
            for k, v in repo.items([(contract_key(c), "CONTRACT") for c in sorted({r.contract for r in chunk})]).items()
        }
        written, categories = _write_chunk(chunk, ids, existing, readings, contracts, entries, now)
        report.items_written += written
        report.replacements += _retire_replaced(entries, existing, repo, now)
        report.categories_followed += _follow_category(categories, contracts, set(ids), repo)
        report.applied += len(chunk)
        report.links_refreshed += _refresh_links(chunk, ids, existing, repo)
        report.agents_refreshed += _refresh_agents(chunk, ids, existing)
    return report


def _replacement_entries(
    chunk: list[BillingMeterRow], ids: list[str], existing: dict[str, MeterItem], repo: MeteringRepository
) -> dict[str, dict[str, Any]]:
    """New meter id → the replacement entry its row reports (chalicelib/metering/replacements.py).
    The old meter's values before the replacement's period come from its history: one Query per
    replacement, which drops carry rarely."""
    from chalicelib.metering.periods import Period
    from chalicelib.readings.service import previous_values

    entries: dict[str, dict[str, Any]] = {}
    for meter_id, row in zip(ids, chunk):
        change = row.replacement
        if change is None:
            continue
        old_id = meter_id_for(row.account, change.old_serial)
        old = existing.get(meter_key(old_id))
        period = Period.of(change.date)
        previous: dict[str, Any] = {}
        previous_period = None
        if old is not None:
            earlier = next((r for r in repo.readings(old_id, 13) if r.period < period.key), None)
            previous, previous_period = previous_values(old, earlier, period)
        entries[meter_id] = {
            "date": change.date.isoformat(),
            "period": period.key,
            "old_meter_id": old_id,
            "old_serial": change.old_serial,
            "old_final": {z: str(v) for z, v in change.old_final.items()},
            "old_previous": {z: str(v) for z, v in previous.items()},
            "old_previous_period": previous_period or "",
            "old_digits": int(old.digits) if old is not None else row.digits,
            "old_coefficient": old.coefficient if old is not None else str(row.coefficient),
            "new_meter_id": meter_id,
            "new_serial": row.serial,
            "new_initial": {z: str(v) for z, v in change.new_initial.items()},
        }
    return entries


def _retire_replaced(
    entries: dict[str, dict[str, Any]], existing: dict[str, MeterItem], repo: MeteringRepository, now: str
) -> int:
    """The replaced meter leaves service and records the replacement; whoever had it linked gets the
    new meter with the same right, so nobody loses the meter they submit readings for."""
    retired = 0
    for entry in entries.values():
        old = existing.get(meter_key(entry["old_meter_id"]))
        if old is None:
            continue
        old.update(
            actions=[
                MeterItem.status.set("decommissioned"),
                MeterItem.replacements.set(replacements.merged(replacements.history_of(old), [entry])),
                MeterItem.sched_pk.remove(),
                MeterItem.sched_sk.remove(),
                MeterItem.updated_at.set(now),
            ],
            condition=MeterItem.pk.exists(),
        )
        new_meter = MeterItem.get(meter_key(entry["new_meter_id"]), "METER", consistent_read=True)
        already = {link.pk for link in repo.links_to_meter(new_meter.meter_id)}
        for link in repo.links_to_meter(old.meter_id):
            summary = {**link.summary.as_dict(), "status": "decommissioned"}
            with transaction() as tx:
                tx.update(
                    link,
                    actions=[LinkItem.summary.set(summary), LinkItem.sched_pk.remove(), LinkItem.sched_sk.remove()],
                    condition=LinkItem.pk.exists(),
                )
                if link.pk not in already:
                    user_id, right = user_id_of(link), right_of(link)
                    tx.save(
                        LinkItem(
                            link.pk,
                            meter_key(new_meter.meter_id),
                            link_meter=new_meter.meter_id,
                            contract=new_meter.contract,
                            summary={**meter_summary(new_meter), "object_name": summary.get("object_name")},
                            right=right,
                            linked_at=now,
                            **schedule_keys(user_id, new_meter.meter_id, new_meter.status, right),
                        ),
                        condition=LinkItem.pk.does_not_exist(),
                    )
                    tx.update(
                        user_ref(user_id),
                        actions=[UserItem.meter_ids.add({new_meter.meter_id})],
                        condition=UserItem.pk.exists(),
                    )
        retired += 1
    return retired


def _write_chunk(
    chunk: list[BillingMeterRow],
    ids: list[str],
    existing: dict[str, MeterItem],
    readings: dict[tuple[str, str], Any],
    contracts: dict[str, ContractItem],
    entries: dict[str, dict[str, Any]],
    now: str,
) -> tuple[int, dict[str, str | None]]:
    """Writes the chunk; returns the number of items written and each contract's category after it."""
    items: dict[tuple[str, str], Any] = {}
    # A replaced meter in the same drop records the replacement on its own item too.
    replaced_here = {entry["old_meter_id"]: entry for entry in entries.values()}
    for meter_id, row in zip(ids, chunk):
        stored = contracts.get(contract_key(row.contract))
        holder = _holder(row, items.get((contract_key(row.contract), "CONTRACT")) or stored)
        items[(contract_key(row.contract), "CONTRACT")] = ContractItem(
            contract_key(row.contract),
            "CONTRACT",
            number=row.contract,
            holder_name=row.holder_name,
            holder_kind=row.holder_kind,
            **holder,
            # A contract's accounts may arrive in several chunks or drops: keep what earlier ones brought.
            accounts=sorted({row.account, *_accounts(items, row.contract), *(stored.accounts if stored else [])}),
            # The consumer connects АИИС in the portal (seed 000); billing's flag is only the initial value.
            aiis_enabled=bool(stored.aiis_enabled) if stored else row.aiis_enabled,
            updated_at=now,
        )
        items[(contract_key(row.contract), f"OBJECT#{row.object_id}")] = ObjectItem(
            contract_key(row.contract),
            f"OBJECT#{row.object_id}",
            object_id=row.object_id,
            name=row.object_name,
            address=row.object_address,
            account=row.account,
        )
        before = existing.get(meter_key(meter_id))
        history = replacements.history_of(before)
        if meter_id in entries:
            replaced = existing.get(meter_key(entries[meter_id]["old_meter_id"]))
            history = replacements.merged(replacements.history_of(replaced), history, [entries[meter_id]])
        if meter_id in replaced_here:
            history = replacements.merged(history, [replaced_here[meter_id]])
        next_verification = _iso(row.next_verification)
        sent = (
            before.verification_sent if before is not None and before.next_verification == next_verification else None
        )
        items[(meter_key(meter_id), "METER")] = MeterItem(
            meter_key(meter_id),
            "METER",
            meter_id=meter_id,
            contract_pk=contract_key(row.contract),
            meter_sk=serial_key(row.serial),
            contract=row.contract,
            account=row.account,
            object_id=row.object_id,
            location=before.location if before else None,
            serial=row.serial,
            model=row.model,
            digits=row.digits,
            zones=list(row.zones),
            coefficient=str(row.coefficient),
            install_date=_iso(row.install_date),
            category=holder["category"],
            install_place=row.install_place,
            verified_on=_iso(row.verified_on),
            next_verification=next_verification,
            seal=row.seal,
            status=row.status,
            point_code=row.point_code,
            last_billing_values={z: str(v) for z, v in row.last_values.items()},
            last_billing_period=row.last_period,
            virtual=False,
            verified=True,
            declared_by=before.declared_by if before else None,
            updated_at=now,
            replacements=history,
            **verification_keys(meter_id, next_verification, row.status, sent),
        )
        reading_key = (meter_key(meter_id), period_key(row.last_period)) if row.last_period else None
        # Billing's reading fills the history of that period unless the user's own reading is there.
        if reading_key and reading_key not in readings:
            items[reading_key] = ReadingItem(
                *reading_key,
                meter_id=meter_id,
                period=row.last_period,
                values={z: str(v) for z, v in row.last_values.items()},
                source="billing",
                submitted_at=now,
            )
    with MeterItem.batch_write() as batch:
        for item in items.values():
            batch.save(item)
    return len(items), {i.number: i.category for i in items.values() if isinstance(i, ContractItem)}


class HolderIdentity(TypedDict):
    holder_snils: str | None
    holder_inn: str | None
    holder_kpp: str | None
    category: str | None


def _holder(row: BillingMeterRow, known: ContractItem | None) -> HolderIdentity:
    """The contract's holder identity and category after this row (see the module's docstring)."""
    if (
        row.new_format
        or known is None
        or known.holder_kind != row.holder_kind
        or _name_key(known.holder_name) != _name_key(row.holder_name)
    ):
        return {
            "holder_snils": row.holder_snils,
            "holder_inn": row.holder_inn,
            "holder_kpp": row.holder_kpp,
            "category": row.category,
        }
    return {
        "holder_snils": known.holder_snils,
        "holder_inn": known.holder_inn,
        "holder_kpp": known.holder_kpp,
        "category": known.category,
    }


def _name_key(name: str) -> str:
    """A holder's name as compared: spacing, case and ё/е are how it is typed, not who it is."""
    return " ".join(name.split()).casefold().replace("ё", "е")


def _follow_category(
    categories: dict[str, str | None], contracts: dict[str, ContractItem], written: set[str], repo: MeteringRepository
) -> int:
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


def _refresh_links(
    chunk: list[BillingMeterRow], ids: list[str], existing: dict[str, MeterItem], repo: MeteringRepository
) -> int:
    """Users' copies of a meter's summary follow billing; unchanged meters cost nothing here."""
    refreshed = 0
    for meter_id, row in zip(ids, chunk):
        before = existing.get(meter_key(meter_id))
        if before is None:
            continue
        after = MeterItem(
            meter_id=meter_id,
            serial=row.serial,
            model=row.model,
            status=row.status,
            zones=list(row.zones),
            digits=row.digits,
            virtual=False,
            verified=True,
            object_id=row.object_id,
            account=row.account,
        )
        old, new = meter_summary(before), meter_summary(after)
        if all(old[f] == new[f] for f in _SUMMARY_FIELDS):
            continue
        for link in repo.links_to_meter(meter_id):
            summary = {**link.summary.as_dict(), **{f: new[f] for f in _SUMMARY_FIELDS}}
            keys = schedule_keys(user_id_of(link), meter_id, row.status, right_of(link))
            pk, sk = keys["sched_pk"], keys["sched_sk"]
            schedule = (
                [LinkItem.sched_pk.set(pk), LinkItem.sched_sk.set(sk)]
                if pk and sk  # both or neither
                else [LinkItem.sched_pk.remove(), LinkItem.sched_sk.remove()]
            )
            try:
                link.update(
                    actions=[LinkItem.summary.set(summary), LinkItem.contract.set(row.contract), *schedule],
                    condition=LinkItem.pk.exists(),
                )
                refreshed += 1
            except UpdateError:
                continue  # unlinked meanwhile
    return refreshed


def _refresh_agents(chunk: list[BillingMeterRow], ids: list[str], existing: dict[str, MeterItem]) -> int:
    """An АИИС agent keeps a copy of its meters' coefficient and point code; a change reaches it here."""
    changed = [
        (meter_id, row)
        for meter_id, row in zip(ids, chunk)
        if (before := existing.get(meter_key(meter_id))) is not None
        and (before.coefficient != str(row.coefficient) or before.point_code != row.point_code)
    ]
    if not changed:
        return 0
    from chalicelib.aiis.storage.agents_repository import AgentsRepository

    agents = AgentsRepository()
    return sum(agents.follow_billing(meter_id, str(row.coefficient), row.point_code) for meter_id, row in changed)


def _iso(value: Any) -> Any:
    return value.isoformat() if value is not None else None
