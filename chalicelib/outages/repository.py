"""The outages table: outages, their per-street copies, and address subscriptions.

Access patterns (keys in docs/design-metering.md):
- outage by id (staff edit) ........ GetItem pk=OUTAGE#<id>, sk=OUTAGE; carries every street with
  its houses and a version for optimistic locking
- outages of a month (staff) ....... Query GSI by_month (month_pk=MONTH#<YYYY-MM> of the local start,
  start_at); only the by-id item carries month_pk, so each outage is listed once
- outages of a street (lookup) ..... Query pk=STREET#<street_id>, sk between OUTAGE#<from − look-back>
  and OUTAGE#<to>. Per-street copies exist only while the outage is published and not cancelled, so
  what consumers see needs no filter and a draft is invisible by construction.
- subscribers of a street .......... Query pk=SUBS#<street_id> (publishing); each carries the
  subscription's choice (`emergency`), so who hears of an emergency needs no further read
- a user's subscriptions ........... Query pk=USER#<user_id>, sk begins_with SUB#; their count sits in
  pk=USER#<user_id>, sk=SUBS and is checked in the subscribing transaction, so the limit holds under
  concurrent requests.
- outages of an import ............. BatchGetItem of OUTAGE#<id> by ids derived from each row's natural
  key (`imports.outage_id_for`): a row already imported is found by key, never by a scan, and a new one
  is written with `attribute_not_exists(pk)`, so the same file imported twice (or by two people at
  once) cannot produce two outages.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from pynamodb.attributes import BooleanAttribute, ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import UpdateError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.core import clock
from chalicelib.core.dynamo import TypedMap, is_conditional_failure, string_list, table_meta

BATCH_GET_KEYS = 100

OUTAGE_SK = "OUTAGE"
COUNTER_SK = "SUBS"


def outage_pk(outage_id: str) -> str:
    return f"OUTAGE#{outage_id}"


def street_pk(street_id: str) -> str:
    return f"STREET#{street_id}"


def street_sk(start_at: str, outage_id: str) -> str:
    return f"OUTAGE#{start_at}#{outage_id}"


def month_pk(month: str) -> str:
    return f"MONTH#{month}"


def subs_pk(street_id: str) -> str:
    return f"SUBS#{street_id}"


def user_pk(user_id: str) -> str:
    return f"USER#{user_id}"


def subscriber_sk(user_id: str, house: str) -> str:
    return f"USER#{user_id}#{house}"


def user_sub_sk(street_id: str, house: str) -> str:
    return f"SUB#{street_id}#{house}"


class OutageStreetMap(TypedMap):
    street_id = UnicodeAttribute()
    name = UnicodeAttribute()
    locality = UnicodeAttribute()
    houses = string_list(default=list)  # canonical; empty — the whole street


class PendingNotice(TypedMap):
    """What subscribers had been told before a change whose notifications did not fit in the change's own
    transaction: enough to work out the rest of them again (`notices.finish_pending`)."""

    version = NumberAttribute()
    kind = UnicodeAttribute()
    status = UnicodeAttribute()
    published = BooleanAttribute()
    start_at = UnicodeAttribute()
    end_at = UnicodeAttribute(null=True)
    streets = ListAttribute(of=OutageStreetMap)


class _ByMonth(GlobalSecondaryIndex["OutageItem"]):
    class Meta:
        index_name = "by_month"
        projection = AllProjection()

    month_pk = UnicodeAttribute(hash_key=True)
    start_at = UnicodeAttribute(range_key=True)


class OutageItem(Model):
    Meta = table_meta("outages")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    outage_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    status = UnicodeAttribute(default="active")  # "active" | "cancelled"
    start_at = UnicodeAttribute()  # UTC ISO, as in clock.iso: sorts chronologically
    end_at = UnicodeAttribute(null=True)
    reason = UnicodeAttribute()
    streets = ListAttribute(of=OutageStreetMap)
    published = BooleanAttribute(default=False)
    published_at = UnicodeAttribute(null=True)
    # Set once every subscriber's notification is staged; a publish that stopped half-way resumes.
    notified_at = UnicodeAttribute(null=True)
    notified = NumberAttribute(default=0)
    month_pk = UnicodeAttribute()
    created_at = UnicodeAttribute()
    created_by = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = NumberAttribute(default=1)
    # Imports: the dispatcher's own outage number (if the file has one) and a fingerprint of the row as
    # last imported — the same row again is "unchanged" even if staff have edited the outage since.
    number = UnicodeAttribute(null=True)
    import_hash = UnicodeAttribute(null=True)
    # A published planned outage whose times or addresses changed: when, and the times before that change
    # (shown to consumers as «изменено»).
    changed_at = UnicodeAttribute(null=True)
    previous_start_at = UnicodeAttribute(null=True)
    previous_end_at = UnicodeAttribute(null=True)
    # Subscribers notified of the latest change; set while the rest of them are still being staged.
    change_notified = NumberAttribute(default=0)
    pending_notice = PendingNotice(null=True)

    by_month = _ByMonth()

    @property
    def visible(self) -> bool:
        return bool(self.published) and self.status == "active"


class StreetOutageItem(Model):
    """What the address lookup reads: one copy per street of a visible outage."""

    Meta = table_meta("outages")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    outage_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    start_at = UnicodeAttribute()
    end_at = UnicodeAttribute(null=True)
    street_id = UnicodeAttribute()
    street_name = UnicodeAttribute()
    locality = UnicodeAttribute()
    houses = string_list(default=list)
    reason = UnicodeAttribute()
    changed_at = UnicodeAttribute(null=True)
    previous_start_at = UnicodeAttribute(null=True)
    previous_end_at = UnicodeAttribute(null=True)


class SubscriberItem(Model):
    Meta = table_meta("outages")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    user_id = UnicodeAttribute()
    house = UnicodeAttribute()
    # True: emergencies too («все»). Absent on subscriptions made before the choice existed, which
    # meant planned outages only, and still does — no stored item needs rewriting.
    emergency = BooleanAttribute(null=True)


class UserSubscriptionItem(Model):
    Meta = table_meta("outages")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    street_id = UnicodeAttribute()
    street_name = UnicodeAttribute()
    locality = UnicodeAttribute()
    house = UnicodeAttribute()
    created_at = UnicodeAttribute()
    emergency = BooleanAttribute(null=True)  # as on SubscriberItem, which it mirrors


class SubscriptionCounter(Model):
    Meta = table_meta("outages")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    # Stored as "count"; named otherwise in Python, where Model.count is the classmethod counting items.
    subscriptions = NumberAttribute(default=0, attr_name="count")


def street_copies(outage: OutageItem) -> list[StreetOutageItem]:
    """The per-street items an outage should have in its current state (none unless visible)."""
    if not outage.visible:
        return []
    return [
        StreetOutageItem(
            street_pk(s.street_id),
            street_sk(outage.start_at, outage.outage_id),
            outage_id=outage.outage_id,
            kind=outage.kind,
            start_at=outage.start_at,
            end_at=outage.end_at,
            street_id=s.street_id,
            street_name=s.name,
            locality=s.locality,
            houses=list(s.houses),
            reason=outage.reason,
            changed_at=outage.changed_at,
            previous_start_at=outage.previous_start_at,
            previous_end_at=outage.previous_end_at,
        )
        for s in outage.streets
    ]


def _copy_writes(
    outage: OutageItem, before: OutageItem | None
) -> tuple[list[StreetOutageItem], list[StreetOutageItem]]:
    """(copies to delete, copies to save) to bring the per-street items from `before` to `outage`."""
    wanted = {(c.pk, c.sk): c for c in street_copies(outage)}
    stale = [old for old in (street_copies(before) if before is not None else []) if (old.pk, old.sk) not in wanted]
    return stale, list(wanted.values())


class OutageRepository:
    def get(self, outage_id: str) -> OutageItem | None:
        try:
            return OutageItem.get(outage_pk(outage_id), OUTAGE_SK, consistent_read=True)
        except OutageItem.DoesNotExist:
            return None

    def get_many(self, outage_ids: list[str]) -> dict[str, OutageItem]:
        """BatchGetItem (strongly consistent), at most 100 keys a call; ids that do not exist are absent."""
        found: dict[str, OutageItem] = {}
        unique = list(dict.fromkeys(outage_ids))
        for start in range(0, len(unique), BATCH_GET_KEYS):
            keys = [(outage_pk(i), OUTAGE_SK) for i in unique[start : start + BATCH_GET_KEYS]]
            for item in OutageItem.batch_get(keys, consistent_read=True):
                found[item.outage_id] = item
        return found

    def of_month(self, month: str) -> list[OutageItem]:
        return list(OutageItem.by_month.query(month_pk(month)))

    def of_street(self, street_id: str, starts_from: datetime, starts_before: datetime) -> list[StreetOutageItem]:
        low = street_sk(clock.iso(starts_from), "")
        high = f"OUTAGE#{clock.iso(starts_before)}"  # exclusive: a start at the bound sorts after it
        return list(StreetOutageItem.query(street_pk(street_id), StreetOutageItem.sk.between(low, high)))

    def write(self, tx: Any, outage: OutageItem, before: OutageItem | None) -> None:
        """Save the outage and bring its per-street copies in line, in the caller's transaction.
        `before` is the state read for this edit: the save succeeds only if nobody changed it since
        and no earlier change is still notifying its subscribers."""
        if before is None:
            tx.save(outage, condition=OutageItem.pk.does_not_exist())
        else:
            tx.save(
                outage, condition=(OutageItem.version == before.version) & OutageItem.pending_notice.does_not_exist()
            )
        stale, wanted = _copy_writes(outage, before)
        for old in stale:
            tx.delete(old)
        for copy in wanted:
            tx.save(copy)

    @staticmethod
    def write_size(outage: OutageItem, before: OutageItem | None) -> int:
        """How many transaction items `write` takes."""
        stale, wanted = _copy_writes(outage, before)
        return 1 + len(stale) + len(wanted)

    def clear_pending(self, outage: OutageItem) -> None:
        """The change `outage.version` has notified everyone: drop its marker (if still there)."""
        try:
            outage.update(
                actions=[OutageItem.pending_notice.remove()],
                condition=(OutageItem.version == outage.version) & OutageItem.pending_notice.exists(),
            )
        except UpdateError as exc:
            if not is_conditional_failure(exc):
                raise

    def mark_notified(self, outage: OutageItem, count: int) -> None:
        outage.update(actions=[OutageItem.notified_at.set(clock.iso(clock.now())), OutageItem.notified.set(count)])

    def subscribers(self, street_id: str) -> Iterator[SubscriberItem]:
        return SubscriberItem.query(subs_pk(street_id))

    def subscriptions(self, user_id: str) -> list[UserSubscriptionItem]:
        return list(UserSubscriptionItem.query(user_pk(user_id), UserSubscriptionItem.sk.startswith("SUB#")))

    def subscribe(self, tx: Any, item: UserSubscriptionItem, user_id: str, limit: int) -> None:
        """Both sides and the counter in the caller's transaction. Fails there (in this order of
        items) if the subscription exists or the user already has `limit` of them."""
        tx.save(item, condition=UserSubscriptionItem.pk.does_not_exist())
        tx.save(
            SubscriberItem(
                subs_pk(item.street_id),
                subscriber_sk(user_id, item.house),
                user_id=user_id,
                house=item.house,
                emergency=item.emergency,
            )
        )
        tx.update(
            SubscriptionCounter(user_pk(user_id), COUNTER_SK),
            actions=[SubscriptionCounter.subscriptions.add(1)],
            condition=SubscriptionCounter.subscriptions.does_not_exist() | (SubscriptionCounter.subscriptions < limit),
        )

    def choose(self, tx: Any, user_id: str, street_id: str, house: str, emergency: bool) -> None:
        """Both sides of a subscription take the choice; fails in the caller's transaction (first item) if
        the user has no such subscription."""
        tx.update(
            UserSubscriptionItem(user_pk(user_id), user_sub_sk(street_id, house)),
            actions=[UserSubscriptionItem.emergency.set(emergency)],
            condition=UserSubscriptionItem.pk.exists(),
        )
        tx.update(
            SubscriberItem(subs_pk(street_id), subscriber_sk(user_id, house)),
            actions=[SubscriberItem.emergency.set(emergency)],
            condition=SubscriberItem.pk.exists(),
        )

    def subscription(self, user_id: str, street_id: str, house: str) -> UserSubscriptionItem | None:
        try:
            return UserSubscriptionItem.get(user_pk(user_id), user_sub_sk(street_id, house), consistent_read=True)
        except UserSubscriptionItem.DoesNotExist:
            return None

    def drop_subscriptions(self, user_id: str) -> None:
        """Every subscription of a closed account (chalicelib/accounts/privacy.py): both sides and the counter."""
        with SubscriberItem.batch_write() as batch:
            for item in self.subscriptions(user_id):
                batch.delete(item)
                batch.delete(SubscriberItem(subs_pk(item.street_id), subscriber_sk(user_id, item.house)))
            batch.delete(SubscriptionCounter(user_pk(user_id), COUNTER_SK))

    def unsubscribe(self, tx: Any, user_id: str, street_id: str, house: str) -> None:
        """Fails in the caller's transaction if the user has no such subscription."""
        tx.delete(
            UserSubscriptionItem(user_pk(user_id), user_sub_sk(street_id, house)),
            condition=UserSubscriptionItem.pk.exists(),
        )
        tx.delete(SubscriberItem(subs_pk(street_id), subscriber_sk(user_id, house)))
        tx.update(
            SubscriptionCounter(user_pk(user_id), COUNTER_SK), actions=[SubscriptionCounter.subscriptions.add(-1)]
        )
