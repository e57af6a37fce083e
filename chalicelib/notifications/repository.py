"""The notifications table: the outbox and each user's feed.

Access patterns (keys in infra/resources.yaml):
- outbox item by id ........ GetItem pk=OUTBOX#<id>
- undelivered outbox items . Query GSI `pending` (sparse: only undelivered items carry pending_pk)
- a user's feed, newest first Query pk=FEED#<user>, sk begins_with NOTE#, descending
- unread counter ........... pk=FEED#<user>, sk=~COUNTER (ADD, so it never races). "~" sorts after
  "NOTE#", so the first page of the descending feed Query returns the counter too: one call.
- new-event counters of the menu sections (sections.py): attributes `new_<section>` of the same
  counter item, so the menu's counts are one GetItem.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import BooleanAttribute, MapAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import UpdateError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.core.dynamo import is_conditional_failure, string_list, table_meta

PENDING = "PENDING"
# Undelivered after this many relays: parked under FAILED (alarmed on, inspected by staff).
FAILED = "FAILED"
MAX_RELAYS = 5


class _Pending(GlobalSecondaryIndex["OutboxItem"]):
    class Meta:
        index_name = "pending"
        projection = AllProjection()

    pending_pk = UnicodeAttribute(hash_key=True)
    pending_at = UnicodeAttribute(range_key=True)


class OutboxItem(Model):
    Meta = table_meta("notifications")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default="OUTBOX")
    ttl = NumberAttribute(null=True)
    outbox_id = UnicodeAttribute()
    user_id = UnicodeAttribute(null=True)
    template = UnicodeAttribute()
    # Removed once delivered: it may hold a one-time code or link.
    params: MapAttribute[str, Any] = MapAttribute(null=True)
    email = UnicodeAttribute(null=True)
    phone = UnicodeAttribute(null=True)
    channels = string_list()
    created_at = UnicodeAttribute()
    pending_pk = UnicodeAttribute(null=True)
    pending_at = UnicodeAttribute(null=True)
    delivered_at = UnicodeAttribute(null=True)
    relays = NumberAttribute(default=0)
    # The request that staged it: its delivery is logged under the same id (core/observability.py).
    correlation_id = UnicodeAttribute(null=True)

    pending = _Pending()


class FeedItem(Model):
    Meta = table_meta("notifications")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    ttl = NumberAttribute(null=True)
    note_id = UnicodeAttribute()
    title = UnicodeAttribute()
    body = UnicodeAttribute()
    link = UnicodeAttribute(null=True)
    read = BooleanAttribute(default=False)
    created_at = UnicodeAttribute()
    # Set only on the counter item, which the first-page Query returns with the notes.
    unread = NumberAttribute(null=True)


COUNTER = "~COUNTER"


class FeedCounter(Model):
    Meta = table_meta("notifications")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default=COUNTER)
    unread = NumberAttribute(default=0)
    # One per sections.SECTIONS; absent on items written before the counters existed (= nothing new).
    new_accounts = NumberAttribute(null=True)
    new_readings = NumberAttribute(null=True)
    new_appeals = NumberAttribute(null=True)
    new_connection = NumberAttribute(null=True)
    new_outages = NumberAttribute(null=True)

    def new(self, section: str) -> int:
        return max(0, int(getattr(self, f"new_{section}") or 0))


def new_in(section: str) -> NumberAttribute:
    """The counter attribute of a section of sections.SECTIONS."""
    attribute: NumberAttribute = getattr(FeedCounter, f"new_{section}")
    return attribute


def outbox_key(outbox_id: str) -> str:
    return f"OUTBOX#{outbox_id}"


def feed_key(user_id: str) -> str:
    return f"FEED#{user_id}"


def note_key(note_id: str) -> str:
    return f"NOTE#{note_id}"


class NotificationRepository:
    def get_outbox(self, outbox_id: str) -> OutboxItem | None:
        try:
            return OutboxItem.get(outbox_key(outbox_id), "OUTBOX", consistent_read=True)
        except OutboxItem.DoesNotExist:
            return None

    def undelivered_before(self, cutoff_iso: str, limit: int = 100) -> list[OutboxItem]:
        return list(OutboxItem.pending.query(PENDING, OutboxItem.pending_at < cutoff_iso, limit=limit))

    def mark_delivered(self, item: OutboxItem, delivered_at: str) -> None:
        item.update(
            actions=[
                OutboxItem.params.remove(),
                OutboxItem.pending_pk.remove(),
                OutboxItem.pending_at.remove(),
                OutboxItem.delivered_at.set(delivered_at),
            ]
        )

    def mark_relayed(self, item: OutboxItem, now_iso: str) -> None:
        if item.relays + 1 >= MAX_RELAYS:
            item.update(actions=[OutboxItem.pending_pk.set(FAILED), OutboxItem.relays.add(1)])
        else:
            item.update(actions=[OutboxItem.pending_at.set(now_iso), OutboxItem.relays.add(1)])

    def feed_page(self, user_id: str, limit: int, after: str | None) -> tuple[list[FeedItem], str | None, int]:
        """A page of notes, newest first, the cursor of the next page, and the unread count."""
        if after:
            result = FeedItem.query(
                feed_key(user_id),
                FeedItem.sk.startswith("NOTE#"),
                scan_index_forward=False,
                limit=limit,
                last_evaluated_key={"pk": {"S": feed_key(user_id)}, "sk": {"S": note_key(after)}},
            )
            items = list(result)
            unread = self.unread_count(user_id)
        else:
            # The counter sorts last, so a descending Query starts with it: counter + page in one call.
            result = FeedItem.query(
                feed_key(user_id), FeedItem.sk <= COUNTER, scan_index_forward=False, limit=limit + 1
            )
            raw = list(result)
            unread = int(raw[0].unread or 0) if raw and raw[0].sk == COUNTER else 0
            items = [item for item in raw if item.sk != COUNTER]
        last = result.last_evaluated_key
        return items, (last["sk"]["S"].removeprefix("NOTE#") if last else None), max(0, unread)

    def unread_count(self, user_id: str) -> int:
        counter = self.counter(user_id)
        return max(0, int(counter.unread or 0)) if counter else 0

    def counter(self, user_id: str) -> FeedCounter | None:
        try:
            return FeedCounter.get(feed_key(user_id), COUNTER)
        except FeedCounter.DoesNotExist:
            return None

    def reset_section(self, user_id: str, section: str) -> None:
        """Nothing new in the section any more. Written only if there was something: opening a quiet
        section costs no write."""
        attribute = new_in(section)
        try:
            FeedCounter(feed_key(user_id), COUNTER).update(actions=[attribute.set(0)], condition=attribute > 0)
        except UpdateError as exc:
            if not is_conditional_failure(exc):
                raise

    def unread_notes(self, user_id: str) -> list[FeedItem]:
        return [
            n
            for n in FeedItem.query(
                feed_key(user_id),
                FeedItem.sk.startswith("NOTE#"),
                filter_condition=FeedItem.read == False,  # noqa: E712 - a PynamoDB condition, not a comparison
            )
        ]

    # --- for the person's data (chalicelib/accounts/privacy.py) ----------------------------------
    def all_notes(self, user_id: str) -> list[FeedItem]:
        """The whole feed, newest first."""
        return list(FeedItem.query(feed_key(user_id), FeedItem.sk.startswith("NOTE#"), scan_index_forward=False))

    def delete_feed(self, user_id: str) -> None:
        """Every note and the unread counter."""
        with FeedItem.batch_write() as batch:
            for item in FeedItem.query(feed_key(user_id), attributes_to_get=["pk", "sk"]):
                batch.delete(item)
