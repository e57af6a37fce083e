"""The metering table: contracts, objects and meters from billing; users' links; readings; sync lock.

Keys and access patterns: docs/design-metering.md. Readings and the sync lock live here too so
that a reading write and the lock check are one transaction in one table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pynamodb.attributes import BooleanAttribute, ListAttribute, MapAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.core.backoff import until_processed
from chalicelib.core.dynamo import string_list, table_meta

from .periods import Period


def contract_key(number: str) -> str:
    return f"CONTRACT#{number}"


def account_key(account: str) -> str:
    """Where declared (virtual) meters hang until billing confirms them."""
    return f"ACCOUNT#{account}"


def meter_key(meter_id: str) -> str:
    return f"METER#{meter_id}"


def serial_key(serial: str) -> str:
    return f"METER#{serial}"


def user_key(user_id: str) -> str:
    return f"USER#{user_id}"


def period_key(period: str) -> str:
    return f"PERIOD#{period}"


class _ByContract(GlobalSecondaryIndex["MeterItem"]):
    class Meta:
        index_name = "by_contract"
        projection = AllProjection()

    contract_pk = UnicodeAttribute(hash_key=True)
    meter_sk = UnicodeAttribute(range_key=True)


class _ByLinkedMeter(GlobalSecondaryIndex["LinkItem"]):
    class Meta:
        index_name = "by_linked_meter"
        projection = AllProjection()

    link_meter = UnicodeAttribute(hash_key=True)


class _ByLinkedContract(GlobalSecondaryIndex["ContractLinkItem"]):
    """The same index as `_ByLinkedMeter`, read as contract links (`link_meter` = `CONTRACT#<number>`)."""

    class Meta:
        index_name = "by_linked_meter"
        projection = AllProjection()

    link_meter = UnicodeAttribute(hash_key=True)


class _BySchedule(GlobalSecondaryIndex["MeterItem"]):
    """Sparse (keys only): what the reminder ticks look for, never the whole table (chalicelib/reminders).
    Meter links that take manual readings: `MANUAL#<shard>` / `<user_id>#<meter_id>`; meters with a
    verification notice still to come: `VERIFY#<shard>` / `<local day it is due>#<meter_id>`."""

    class Meta:
        index_name = "by_schedule"
        projection = KeysOnlyProjection()

    sched_pk = UnicodeAttribute(hash_key=True)
    sched_sk = UnicodeAttribute(range_key=True)


class ContractItem(Model):
    Meta = table_meta("metering")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default="CONTRACT")
    number = UnicodeAttribute()
    holder_name = UnicodeAttribute()
    holder_kind = UnicodeAttribute()  # person | entrepreneur | company
    # Who the holder is, as billing knows them (docs/billing-exchange.md). Absent in drops of the old
    # format: such a contract can be linked only through a staff-approved access request.
    holder_snils = UnicodeAttribute(null=True)
    holder_inn = UnicodeAttribute(null=True)
    holder_kpp = UnicodeAttribute(null=True)
    category = UnicodeAttribute(null=True)  # consumer category (chalicelib/categories.py)
    accounts = ListAttribute(of=UnicodeAttribute, default=list)
    # Billing's initial value only: АИИС is connected per portal account (ContractLinkItem.aiis_connected).
    aiis_enabled = BooleanAttribute(default=False)
    updated_at = UnicodeAttribute()


class ObjectItem(Model):
    Meta = table_meta("metering")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    object_id = UnicodeAttribute()
    name = UnicodeAttribute()
    address = UnicodeAttribute()
    account = UnicodeAttribute()


class MeterItem(Model):
    Meta = table_meta("metering")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default="METER")
    meter_id = UnicodeAttribute()
    contract_pk = UnicodeAttribute()
    meter_sk = UnicodeAttribute()
    contract = UnicodeAttribute(null=True)
    account = UnicodeAttribute()
    object_id = UnicodeAttribute(null=True)
    location = UnicodeAttribute(null=True)  # declared meters: where the user says it is
    serial = UnicodeAttribute()
    model = UnicodeAttribute(null=True)
    digits = NumberAttribute()
    zones = string_list()
    coefficient = UnicodeAttribute(default="1")  # Decimal as text: no float rounding
    install_date = UnicodeAttribute(null=True)
    install_place = UnicodeAttribute(null=True)
    verified_on = UnicodeAttribute(null=True)
    next_verification = UnicodeAttribute(null=True)
    seal = UnicodeAttribute(null=True)
    status = UnicodeAttribute(default="active")  # active | decommissioned | aiis
    # The contract's consumer category, copied here so the submit rule needs no extra read.
    category = UnicodeAttribute(null=True)
    point_code = UnicodeAttribute(null=True)
    last_billing_values: MapAttribute[str, Any] = MapAttribute(default=dict)  # zone -> value (text), from billing
    last_billing_period = UnicodeAttribute(null=True)
    virtual = BooleanAttribute(default=False)
    verified = BooleanAttribute(default=True)
    declared_by = UnicodeAttribute(null=True)
    reconciled_with = UnicodeAttribute(null=True)
    updated_at = UnicodeAttribute()
    # Verification notices (chalicelib/reminders): the last one sent for `next_verification`, and the
    # `by_schedule` keys while another is still to come.
    verification_sent = UnicodeAttribute(null=True)
    sched_pk = UnicodeAttribute(null=True)
    sched_sk = UnicodeAttribute(null=True)
    # Replacements this meter took part in, oldest first (chalicelib/metering/replacements.py).
    replacements: ListAttribute[Any] = ListAttribute(default=list)

    by_contract = _ByContract()
    by_schedule = _BySchedule()


class ContractLinkItem(Model):
    """A user's access to a contract: as its holder, or as a co-user the holder invited or staff approved."""

    Meta = table_meta("metering")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    # `CONTRACT#<number>` on the `by_linked_meter` index: every user of a contract in one Query.
    link_meter = UnicodeAttribute(null=True)
    contract = UnicodeAttribute()
    holder_name = UnicodeAttribute()
    objects: MapAttribute[str, Any] = MapAttribute(default=dict)  # object_id -> {"name", "address", "account"}
    right = UnicodeAttribute(null=True)  # holder | submit | view (chalicelib/metering/access.py)
    granted_by = UnicodeAttribute(null=True)  # "proof", "invitation:<user_id>", "staff:<user_id>"
    aiis_connected = BooleanAttribute(default=False)
    linked_at = UnicodeAttribute()
    # The account as the holder's co-user list shows it, copied at grant time (that list is one Query).
    user_name = UnicodeAttribute(null=True)
    user_login = UnicodeAttribute(null=True)

    by_linked_meter = _ByLinkedContract()


def invitation_key(digest: str) -> str:
    """Sort key of an invitation in its contract's partition: the digest of its single-use token."""
    return f"INVITE#{digest}"


class InvitationItem(Model):
    """A holder's pending invitation of an e-mail address to a contract (chalicelib/metering/sharing.py).

    pk `CONTRACT#<number>`, sk `INVITE#<sha256(token)>`; `link_meter` = `CONTRACT#<number>` puts it on the
    `by_linked_meter` index beside the contract's links, so the holder's list of co-users and
    invitations is one Query. Removed when accepted or cancelled; `ttl` removes an expired one."""

    Meta = table_meta("metering")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    link_meter = UnicodeAttribute()
    invitation_id = UnicodeAttribute()
    contract = UnicodeAttribute()
    email = UnicodeAttribute()
    email_key = UnicodeAttribute()
    right = UnicodeAttribute()  # submit | view
    invited_by = UnicodeAttribute()  # the holder's user id
    created_at = UnicodeAttribute()
    expires_at = NumberAttribute()  # epoch seconds; TTL deletion may lag, so it is checked too
    ttl = NumberAttribute()


class LinkItem(Model):
    """A user's link to one meter, with a copy of what the `accounts` list shows."""

    Meta = table_meta("metering")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    link_meter = UnicodeAttribute()
    contract = UnicodeAttribute(null=True)
    label = UnicodeAttribute(null=True)
    summary: MapAttribute[str, Any] = MapAttribute(default=dict)
    right = UnicodeAttribute(null=True)  # as the contract link's; declared meters: holder
    linked_at = UnicodeAttribute()
    # On `by_schedule` while the meter takes manual readings from this account (access.schedule_keys).
    sched_pk = UnicodeAttribute(null=True)
    sched_sk = UnicodeAttribute(null=True)

    by_linked_meter = _ByLinkedMeter()


class ReadingItem(Model):
    Meta = table_meta("metering")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    meter_id = UnicodeAttribute()
    period = UnicodeAttribute()
    values: MapAttribute[str, Any] = MapAttribute(default=dict)  # zone -> value (text)
    previous: MapAttribute[str, Any] = MapAttribute(default=dict)  # zone -> previous value (text) or absent
    difference: MapAttribute[str, Any] = MapAttribute(default=dict)  # zone -> difference (text)
    consumption: MapAttribute[str, Any] = MapAttribute(default=dict)  # zone -> difference × coefficient (text)
    rollover: MapAttribute[str, Any] = MapAttribute(default=dict)  # zone -> bool
    reading_date = UnicodeAttribute(null=True)
    source = UnicodeAttribute(default="user")  # user | billing | aiis
    submitted_by = UnicodeAttribute(null=True)  # user id of a portal submission
    # Who submitted, as other users of the contract and billing see it: «Иванов И. И.», «ООО «Ромашка»».
    submitted_by_name = UnicodeAttribute(null=True)
    submitted_at = UnicodeAttribute()
    version = NumberAttribute(default=1)
    export_pk = UnicodeAttribute(null=True)  # "PENDING" until the exchange has exported it
    changed_at = UnicodeAttribute(null=True)


class LockItem(Model):
    Meta = table_meta("metering")
    pk = UnicodeAttribute(hash_key=True, default="SYNC")
    sk = UnicodeAttribute(range_key=True, default="LOCK")
    run_id = UnicodeAttribute()
    acquired_at = UnicodeAttribute()
    expires_at = NumberAttribute()


class ClosedPeriodItem(Model):
    Meta = table_meta("metering")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default="CLOSED")
    closed_at = UnicodeAttribute()


@dataclass(frozen=True)
class MeterCardItems:
    """One user's view of a meter in a period (`MeteringRepository.card`); None where an item is absent."""

    meter: MeterItem | None
    link: LinkItem | None
    reading: ReadingItem | None
    # Read only for reading entry: the previous period's reading, and whether staff have closed this period.
    earlier: ReadingItem | None
    closed: bool


class MeteringRepository:
    def contract_with_objects(self, number: str) -> tuple[ContractItem | None, list[ObjectItem]]:
        """One Query: the contract item and its objects share the partition."""
        contract, objects = None, []
        page = ContractItem._get_connection().query(contract_key(number), consistent_read=True)
        for data in page.get("Items", []):
            if data["sk"]["S"] == "CONTRACT":
                contract = ContractItem.from_raw_data(data)
            elif data["sk"]["S"].startswith("OBJECT#"):
                objects.append(ObjectItem.from_raw_data(data))
        return contract, objects

    def meters_of(self, holder_key: str) -> list[MeterItem]:
        return list(MeterItem.by_contract.query(holder_key))

    def user_items(self, user_id: str) -> list[Any]:
        """Everything in the user's partition: contract links and meter links (one Query)."""
        connection = ContractLinkItem._get_connection()
        items: list[Any] = []
        start_key = None
        while True:
            page = connection.query(user_key(user_id), exclusive_start_key=start_key, consistent_read=True)
            for data in page.get("Items", []):
                model = ContractLinkItem if data["sk"]["S"].startswith("CONTRACT#") else LinkItem
                items.append(model.from_raw_data(data))
            start_key = page.get("LastEvaluatedKey")
            if not start_key:
                return items

    def card(self, user_id: str, meter_id: str, period: Period, for_entry: bool = False) -> MeterCardItems:
        """The meter, the user's link and the period's reading in one BatchGetItem; `for_entry` adds to
        the same call the previous period's reading and the period's closed mark (the entry form and
        the submission measure from the one and refuse on the other)."""
        keys = [
            (meter_key(meter_id), "METER"),
            (user_key(user_id), meter_key(meter_id)),
            (meter_key(meter_id), period_key(period.key)),
        ]
        if for_entry:
            keys += [(meter_key(meter_id), period_key(period.previous().key)), (period_key(period.key), "CLOSED")]
        found = self.items(keys)

        def reading(key: tuple[str, str]) -> ReadingItem | None:
            return ReadingItem.from_raw_data(found[key]) if key in found else None

        return MeterCardItems(
            meter=MeterItem.from_raw_data(found[keys[0]]) if keys[0] in found else None,
            link=LinkItem.from_raw_data(found[keys[1]]) if keys[1] in found else None,
            reading=reading(keys[2]),
            earlier=reading(keys[3]) if for_entry else None,
            closed=for_entry and keys[4] in found,
        )

    def items(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
        """Raw items of any kinds by (pk, sk), one BatchGetItem per 100 keys; absent keys are absent."""
        return {(i["pk"]["S"], i["sk"]["S"]): i for i in _batch_get_raw(keys)}

    def readings(self, meter_id: str, limit: int = 120) -> list[ReadingItem]:
        return list(
            ReadingItem.query(
                meter_key(meter_id), ReadingItem.sk.startswith("PERIOD#"), scan_index_forward=False, limit=limit
            )
        )

    def reading(self, meter_id: str, period: str) -> ReadingItem | None:
        try:
            return ReadingItem.get(meter_key(meter_id), period_key(period), consistent_read=True)
        except ReadingItem.DoesNotExist:
            return None

    def readings_of_period(self, meter_ids: Iterable[str], period: str) -> list[ReadingItem]:
        keys = [(meter_key(m), period_key(period)) for m in sorted(meter_ids)]
        return [ReadingItem.from_raw_data(i) for i in _batch_get_raw(keys)]

    def meters(self, meter_ids: Iterable[str]) -> list[MeterItem]:
        keys = [(meter_key(m), "METER") for m in sorted(meter_ids)]
        return [MeterItem.from_raw_data(i) for i in _batch_get_raw(keys)]

    def links_to_meter(self, meter_id: str) -> list[LinkItem]:
        return list(LinkItem.by_linked_meter.query(meter_id))

    def users_of_contract(self, number: str) -> list[ContractLinkItem]:
        """Every account's link to a contract (holders and co-users), one Query on `by_linked_meter`."""
        return self.people_of_contract(number)[0]

    def people_of_contract(self, number: str) -> tuple[list[ContractLinkItem], list[InvitationItem]]:
        """The contract's links and its pending invitations: one Query on `by_linked_meter`."""
        connection = ContractLinkItem._get_connection()
        links: list[ContractLinkItem] = []
        invitations: list[InvitationItem] = []
        start_key = None
        while True:
            page = connection.query(contract_key(number), index_name="by_linked_meter", exclusive_start_key=start_key)
            for data in page.get("Items", []):
                if data["sk"]["S"].startswith("INVITE#"):
                    invitations.append(InvitationItem.from_raw_data(data))
                else:
                    links.append(ContractLinkItem.from_raw_data(data))
            start_key = page.get("LastEvaluatedKey")
            if not start_key:
                return links, invitations

    def contract_link(self, user_id: str, number: str) -> ContractLinkItem | None:
        try:
            return ContractLinkItem.get(user_key(user_id), contract_key(number), consistent_read=True)
        except ContractLinkItem.DoesNotExist:
            return None

    def invitation(self, number: str, digest: str) -> InvitationItem | None:
        try:
            return InvitationItem.get(contract_key(number), invitation_key(digest), consistent_read=True)
        except InvitationItem.DoesNotExist:
            return None

    # --- for closing an account (chalicelib/accounts/privacy.py) ---------------------------------
    def forget_submitter(self, meter_id: str, user_id: str, label: str) -> None:
        """The meter's readings this account submitted keep the account id but show `label` as the submitter."""
        for reading in self.readings(meter_id):
            if reading.submitted_by == user_id and reading.submitted_by_name != label:
                reading.update(
                    actions=[ReadingItem.submitted_by_name.set(label)], condition=ReadingItem.submitted_by == user_id
                )

    def delete_links(self, links: Iterable[LinkItem]) -> None:
        with LinkItem.batch_write() as batch:
            for link in links:
                batch.delete(link)

    def delete_raw(self, keys: Iterable[tuple[str, str]]) -> None:
        """Items of any kind by (pk, sk)."""
        with MeterItem.batch_write() as batch:
            for pk, sk in keys:
                batch.delete(MeterItem(pk, sk))

    def lock(self) -> LockItem | None:
        try:
            return LockItem.get("SYNC", "LOCK", consistent_read=True)
        except LockItem.DoesNotExist:
            return None


def _batch_get_raw(keys: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """BatchGetItem of up to 100 keys of the metering table in one call (retrying unprocessed keys)."""
    if not keys:
        return []
    connection = MeterItem._get_connection().connection
    table = MeterItem.Meta.table_name
    items: list[dict[str, Any]] = []

    def read(pending: list[dict[str, Any]]) -> list[dict[str, Any]]:
        request = {"RequestItems": {table: {"Keys": pending, "ConsistentRead": True}}}
        response = connection.dispatch("BatchGetItem", request)
        items.extend(response["Responses"].get(table, []))
        return list(response.get("UnprocessedKeys", {}).get(table, {}).get("Keys", []))

    for start in range(0, len(keys), 100):
        until_processed(read, [{"pk": {"S": pk}, "sk": {"S": sk}} for pk, sk in keys[start : start + 100]])
    return items
