"""Grid-connection applications in the `cases` table.

Items (pk, sk):
- application ......... TP#<id>, TP — `chalicelib.cases.items.CaseModel` and: sections, milestones,
  number, ТУ, account; `version` for optimistic locking. GSIs: by_owner (owner_pk=TP#OWNER#<user>,
  created_at): the user's list, one Query;
  by_queue (queue_pk=TP#OPEN | TP#CLOSED, updated_at): the staff queue (drafts carry no queue_pk, so
  staff never see them); by_number (number_key=TP#<number>): the public check, one Query;
  by_due (due_pk=TP#DUE, due_on=<local day>): sparse — only applications the deadline watcher has
  something ahead for, keyed by the next day it has to act (watcher.py, one Query a run). `overdue`
  holds the codes of running deadlines past due (the staff queue filters on it), `reminded` the
  reminders already sent (`rules.reminder_key`).
- status history ...... TP#<id>, HISTORY#<version> — `chalicelib.cases.items.HistoryItem`, keyed by the
  application version the change produced, so the history is in order and a lost race cannot leave an
  entry behind
- document ............ TP#<id>, DOC#<upload id> — the attachments FileRef, our document kind, the
  round it came in (0 — with the application, n — the n-th request for missing documents)
- question / answer ... TP#<id>, MSG#<UTC time to microseconds>#<rand>
- day counter ......... COUNTER#tp#<YYYY-MM-DD>, COUNTER — the last sequence number of that day
  (`chalicelib.cases.items.CounterItem`)
A card is one Query on TP#<id> (with the auth guard's GetItem: two calls).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pynamodb.attributes import BooleanAttribute, MapAttribute, NumberAttribute, UnicodeAttribute, UnicodeSetAttribute
from pynamodb.expressions.condition import Condition
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.cases.indexes import ByNumber, ByOwner, ByQueue
from chalicelib.cases.items import CaseModel, HistoryItem, advance_counter, counter, partition
from chalicelib.core.dynamo import table_meta

SK = "TP"
OPEN_QUEUE = "TP#OPEN"
CLOSED_QUEUE = "TP#CLOSED"
DUE = "TP#DUE"
HISTORY_PREFIX = "HISTORY#"


def application_key(application_id: str) -> str:
    return f"TP#{application_id}"


def owner_key(user_id: str) -> str:
    return f"TP#OWNER#{user_id}"


def number_key(number: str) -> str:
    return f"TP#{number}"


def counter_key(day: str) -> str:
    return f"COUNTER#tp#{day}"


def history_key(version: int) -> str:
    return f"{HISTORY_PREFIX}{version:08d}"


def precise(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def message_key(moment: datetime) -> str:
    """Chronological and unique within the application."""
    return f"MSG#{moment.astimezone(UTC):%Y%m%dT%H%M%S%f}#{secrets.token_hex(4)}"


class ByDue(GlobalSecondaryIndex[Any]):
    """Applications by the next local day the deadline watcher acts on them (sparse)."""

    class Meta:
        index_name = "by_due"
        projection = AllProjection()

    due_pk = UnicodeAttribute(hash_key=True)
    due_on = UnicodeAttribute(range_key=True)


class ApplicationItem(CaseModel):
    sk = UnicodeAttribute(range_key=True, default=SK)
    application_id = UnicodeAttribute()
    kind = UnicodeAttribute()  # applicant kind: person | entrepreneur | company
    category = UnicodeAttribute()
    reason = UnicodeAttribute()
    applicant: MapAttribute[str, Any] = MapAttribute(default=dict)
    facility: MapAttribute[str, Any] = MapAttribute(attr_name="object", default=dict)
    technical: MapAttribute[str, Any] = MapAttribute(default=dict)
    milestones: MapAttribute[str, Any] = MapAttribute(default=dict)  # status → ISO instant it was last entered
    number = UnicodeAttribute(null=True)
    number_key = UnicodeAttribute(null=True)
    documents_round = NumberAttribute(default=0)
    tu_number = UnicodeAttribute(null=True)
    tu_date = UnicodeAttribute(null=True)
    account_number = UnicodeAttribute(null=True)
    queue_pk = UnicodeAttribute(null=True)
    due_pk = UnicodeAttribute(null=True)
    due_on = UnicodeAttribute(null=True)
    overdue = UnicodeSetAttribute(null=True)
    reminded = UnicodeSetAttribute(null=True)
    submitted_at = UnicodeAttribute(null=True)
    version = NumberAttribute(default=1)

    by_owner = ByOwner()
    by_queue = ByQueue()
    by_number = ByNumber()
    by_due = ByDue()


class DocumentItem(Model):
    Meta = table_meta("cases")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    doc_kind = UnicodeAttribute()
    file: MapAttribute[str, Any] = MapAttribute(default=dict)  # attachments.models.FileRef.to_map()
    round = NumberAttribute(default=0)
    from_company = BooleanAttribute(default=False)
    added_at = UnicodeAttribute()  # UTC to microseconds: files show in the order they were added
    position = NumberAttribute(default=0)  # order within one request


def document_items(
    application_id: str, files: Sequence[Any], kind: str, documents_round: int, from_company: bool, added_at: str
) -> Iterator[DocumentItem]:
    """The items of files added in one request (by the applicant or the company), in their order."""
    for position, ref in enumerate(files):
        yield DocumentItem(
            application_key(application_id),
            f"DOC#{ref.id}",
            doc_kind=kind,
            file=ref.to_map(),
            round=documents_round,
            from_company=from_company,
            added_at=added_at,
            position=position,
        )


class MessageItem(Model):
    Meta = table_meta("cases")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    at = UnicodeAttribute()
    author = UnicodeAttribute()  # applicant | company
    author_id = UnicodeAttribute()
    text = UnicodeAttribute()


@dataclass
class ApplicationRecord:
    """Everything under TP#<id>, read in one Query."""

    application: ApplicationItem
    history: list[HistoryItem] = field(default_factory=list)
    documents: list[DocumentItem] = field(default_factory=list)
    messages: list[MessageItem] = field(default_factory=list)


@dataclass(frozen=True)
class QueuePage:
    items: list[ApplicationItem]
    cursor: dict[str, Any] | None


_PARTS: dict[str, Any] = {HISTORY_PREFIX: HistoryItem, "DOC#": DocumentItem, "MSG#": MessageItem}


class ConnectionRepository:
    def get(self, application_id: str) -> ApplicationItem | None:
        try:
            return ApplicationItem.get(application_key(application_id), SK, consistent_read=True)
        except ApplicationItem.DoesNotExist:
            return None

    def record(self, application_id: str) -> ApplicationRecord | None:
        """The application with its history, documents and messages: one Query (more pages only for
        an application with a very long history)."""
        found: ApplicationRecord | None = None
        parts: dict[Any, list[Any]] = {HistoryItem: [], DocumentItem: [], MessageItem: []}
        for data in partition(application_key(application_id)):
            sk = data["sk"]["S"]
            if sk == SK:
                found = ApplicationRecord(ApplicationItem.from_raw_data(data))
                continue
            model = next((m for prefix, m in _PARTS.items() if sk.startswith(prefix)), None)
            if model is not None:
                parts[model].append(model.from_raw_data(data))
        if found is not None:
            found.history, found.documents, found.messages = parts[HistoryItem], parts[DocumentItem], parts[MessageItem]
        return found

    def of_owner(self, user_id: str) -> list[ApplicationItem]:
        return list(ApplicationItem.by_owner.query(owner_key(user_id), scan_index_forward=False))

    def by_number(self, number: str) -> ApplicationItem | None:
        return next(iter(ApplicationItem.by_number.query(number_key(number), limit=1)), None)

    def queue(
        self,
        closed: bool,
        status: str | None,
        category: str | None,
        overdue: bool,
        limit: int,
        start_key: dict[str, Any] | None,
    ) -> QueuePage:
        """Newest change first. Status, category and the stored overdue flag narrow the partition with a
        filter: the open queue holds only applications in work, so what the filter skips stays small."""
        condition: Condition | None = ApplicationItem.overdue.exists() if overdue else None
        if status is not None:
            condition = ApplicationItem.status == status
        if category is not None:
            by_category = ApplicationItem.category == category
            condition = by_category if condition is None else condition & by_category
        result = ApplicationItem.by_queue.query(
            CLOSED_QUEUE if closed else OPEN_QUEUE,
            filter_condition=condition,
            scan_index_forward=False,
            limit=limit,
            last_evaluated_key=start_key,
        )
        items = list(result)
        return QueuePage(items=items, cursor=result.last_evaluated_key if len(items) == limit else None)

    def due_by(self, day: str) -> list[ApplicationItem]:
        """Applications the watcher has to act on by `day` (a missed day is caught up)."""
        return list(ApplicationItem.by_due.query(DUE, ApplicationItem.due_on <= day))

    def open_applications(self) -> Iterator[ApplicationItem]:
        """Every application in work (the migration that gives them their watcher key)."""
        return iter(ApplicationItem.by_queue.query(OPEN_QUEUE))

    def counter(self, day: str) -> int:
        return counter(counter_key(day))

    def advance_counter(self, tx: Any, day: str, seen: int, ttl: int) -> None:
        """The day's counter from `seen` to `seen + 1` in `tx`; a day's counter is kept a week (`ttl`)."""
        advance_counter(tx, counter_key(day), seen, ttl)
