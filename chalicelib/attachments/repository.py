"""Upload records in the cases table.

- upload by id ........ GetItem / BatchGetItem pk=UPLOAD#<id>, sk=UPLOAD (owner checked on the item)
- open uploads ........ Query GSI by_queue, queue_pk=UPLOADS#OPEN, updated_at < cutoff: what the sweeper
  deletes. The key is removed when the upload is attached, so attached files leave the index.
Uploads carry no owner_pk, so they never appear in a user's case list (GSI by_owner).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DeleteError
from pynamodb.models import Model

from chalicelib.cases.indexes import ByQueue
from chalicelib.core.dynamo import TypedMap, is_conditional_failure, table_meta

SK = "UPLOAD"
OPEN_QUEUE = "UPLOADS#OPEN"


def upload_key(upload_id: str) -> str:
    return f"UPLOAD#{upload_id}"


class FileAttr(TypedMap):
    """A `FileRef` as stored on whatever it is attached to (an appeal, an application, an access request)."""

    id = UnicodeAttribute()
    key = UnicodeAttribute()
    name = UnicodeAttribute()
    kind = UnicodeAttribute()
    content_type = UnicodeAttribute()
    size = NumberAttribute()
    uploaded_at = UnicodeAttribute()
    uploaded_by = UnicodeAttribute()
    from_company = BooleanAttribute(default=False)


class UploadItem(Model):
    Meta = table_meta("cases")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default=SK)
    upload_id = UnicodeAttribute()
    owner_id = UnicodeAttribute()
    key = UnicodeAttribute()
    name = UnicodeAttribute()
    kind = UnicodeAttribute()
    content_type = UnicodeAttribute()
    size = NumberAttribute()
    purpose = UnicodeAttribute()
    from_company = BooleanAttribute(default=False)
    status = UnicodeAttribute()  # pending → confirmed → attached
    created_at = UnicodeAttribute()
    confirmed_at = UnicodeAttribute(null=True)
    attached_to = UnicodeAttribute(null=True)
    queue_pk = UnicodeAttribute(null=True)
    updated_at = UnicodeAttribute()
    ttl = NumberAttribute(null=True)

    by_queue = ByQueue()  # the sweep's queue of uploads not yet attached


class UploadRepository:
    def create(self, item: UploadItem) -> None:
        item.save(condition=UploadItem.pk.does_not_exist())

    def get(self, upload_id: str) -> UploadItem | None:
        try:
            return UploadItem.get(upload_key(upload_id), SK, consistent_read=True)
        except UploadItem.DoesNotExist:
            return None

    def many(self, upload_ids: Iterable[str]) -> dict[str, UploadItem]:
        keys = [(upload_key(i), SK) for i in set(upload_ids)]
        return {i.upload_id: i for i in UploadItem.batch_get(keys, consistent_read=True)} if keys else {}

    def mark_confirmed(self, item: UploadItem, at: str) -> None:
        item.update(
            actions=[UploadItem.status.set("confirmed"), UploadItem.confirmed_at.set(at)],
            condition=UploadItem.status == "pending",
        )

    def delete(self, item: UploadItem) -> None:
        item.delete()

    def delete_if_open(self, item: UploadItem) -> bool:
        try:
            item.delete(condition=UploadItem.queue_pk.exists())
            return True
        except DeleteError as exc:
            if is_conditional_failure(exc):
                return False
            raise

    def attach(self, tx: Any, upload_id: str, case_key: str) -> None:
        """In the caller's transaction: fails it if the upload is not (or no longer) free to attach."""
        tx.update(
            UploadItem(upload_key(upload_id), SK),
            actions=[
                UploadItem.status.set("attached"),
                UploadItem.attached_to.set(case_key),
                UploadItem.queue_pk.remove(),
                UploadItem.ttl.remove(),
            ],
            condition=UploadItem.status == "confirmed",
        )

    def release(self, tx: Any, upload_id: str, case_key: str, at: str) -> None:
        """In the caller's transaction: an upload attached to `case_key` is free again — back in the
        sweep's queue from `at`, so it is deleted unless attached anew in time."""
        tx.update(
            UploadItem(upload_key(upload_id), SK),
            actions=[
                UploadItem.status.set("confirmed"),
                UploadItem.attached_to.remove(),
                UploadItem.queue_pk.set(OPEN_QUEUE),
                UploadItem.updated_at.set(at),
            ],
            condition=(UploadItem.status == "attached") & (UploadItem.attached_to == case_key),
        )

    def open_before(self, cutoff: str) -> Iterator[UploadItem]:
        """Oldest first, page by page as the caller consumes them."""
        return iter(UploadItem.by_queue.query(OPEN_QUEUE, UploadItem.updated_at < cutoff))
