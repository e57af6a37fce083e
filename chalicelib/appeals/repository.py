"""Appeals and extra-service requests in the cases table.

Items and access patterns:
- case ............... pk=APPEAL#<id> | SREQ#<id>, sk=CASE (`chalicelib.cases.items.CaseModel` and what
  appeals add)
- status history ..... same pk, sk=HIST#<revision>, `chalicelib.cases.items.HistoryItem`: the card is one
  Query of the case's partition
- user's cases ....... GSI by_owner: owner_pk=USER#<user id>, created_at (newest first), kind filtered
  server-side, so other capabilities' cases of the user (TP#…) are not returned
- staff queue ........ GSI by_queue: queue_pk=QUEUE#APPEAL#<status> | QUEUE#SREQ#<status>, updated_at
- number lookup ...... GSI by_number: number_key=CASENO#<number>
- counters ........... pk=COUNTER#appeal#<year>, sk=COUNTER: one sequence for appeals and service
  requests, as the seeds list both in one numbered table (001, рис. 17)
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.expressions.condition import Condition

from chalicelib.attachments.repository import FileAttr
from chalicelib.cases.indexes import ByNumber, ByOwner, ByQueue
from chalicelib.cases.items import CaseModel, HistoryItem, advance_counter, counter, partition
from chalicelib.core.dynamo import TypedMap

from .rules import KEY_PREFIX, KINDS

CASE_SK = "CASE"
HISTORY_PREFIX = "HIST#"


def case_key(kind: str, case_id: str) -> str:
    return f"{KEY_PREFIX[kind]}#{case_id}"


def owner_key(user_id: str) -> str:
    return f"USER#{user_id}"


def queue_key(kind: str, status: str) -> str:
    return f"QUEUE#{KEY_PREFIX[kind]}#{status}"


def number_key(number: str) -> str:
    return f"CASENO#{number}"


def counter_key(year: int) -> str:
    return f"COUNTER#appeal#{year}"


def history_key(rev: int) -> str:
    """Keyed by the case revision the change creates: ordered even within one second, and a revision
    can only ever get one entry (the case update is conditional on the previous revision)."""
    return f"{HISTORY_PREFIX}{rev:09d}"


class AddressAttr(TypedMap):
    street_id = UnicodeAttribute()
    street = UnicodeAttribute()
    locality = UnicodeAttribute()
    house = UnicodeAttribute()
    flat = UnicodeAttribute(null=True)


class AnswerAttr(TypedMap):
    text = UnicodeAttribute()
    answered_at = UnicodeAttribute()
    answered_by = UnicodeAttribute()
    files = ListAttribute(of=FileAttr, default=list)


class CaseItem(CaseModel):
    sk = UnicodeAttribute(range_key=True, default=CASE_SK)
    case_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    number = UnicodeAttribute()
    year = NumberAttribute()
    seq = NumberAttribute()
    number_key = UnicodeAttribute()
    queue_pk = UnicodeAttribute()
    # Bumped by every change; staff writes are conditional on the revision they saw.
    rev = NumberAttribute(default=1)
    type = UnicodeAttribute()
    topic = UnicodeAttribute()
    text = UnicodeAttribute()
    addressee = UnicodeAttribute(null=True)
    address = AddressAttr(null=True)
    contact_phone = UnicodeAttribute()
    applicant_name = UnicodeAttribute()
    applicant_email = UnicodeAttribute()
    files = ListAttribute(of=FileAttr, default=list)
    answer = AnswerAttr(null=True)
    due_on = UnicodeAttribute()

    by_owner = ByOwner()
    by_queue = ByQueue()
    by_number = ByNumber()


class CaseRepository:
    def counter(self, year: int) -> int:
        return counter(counter_key(year))

    def advance_counter(self, tx: Any, year: int, seen: int) -> None:
        advance_counter(tx, counter_key(year), seen)

    def card(self, kind: str, case_id: str) -> tuple[CaseItem | None, list[HistoryItem]]:
        """The case and its history, oldest first: one Query of the case's partition."""
        case, history = None, []
        for data in partition(case_key(kind, case_id)):
            sk = data["sk"]["S"]
            if sk == CASE_SK:
                case = CaseItem.from_raw_data(data)
            elif sk.startswith(HISTORY_PREFIX):
                history.append(HistoryItem.from_raw_data(data))
        return case, history

    def of_owner(self, user_id: str) -> list[CaseItem]:
        return list(
            CaseItem.by_owner.query(
                owner_key(user_id), filter_condition=CaseItem.kind.is_in(*KINDS), scan_index_forward=False
            )
        )

    def queue(
        self, kind: str, status: str, condition: Condition | None, limit: int, start_key: dict[str, Any] | None
    ) -> tuple[list[CaseItem], dict[str, Any] | None]:
        """One Query call of a staff queue, oldest change first; with a filter the page may hold fewer
        than `limit` items and still have a next key (DynamoDB filters after reading)."""
        pages = CaseItem.by_queue.query(
            queue_key(kind, status), filter_condition=condition, last_evaluated_key=start_key, page_size=limit
        ).page_iter
        page = next(pages)
        return [CaseItem.from_raw_data(i) for i in page.get("Items", [])], pages.last_evaluated_key

    def by_number(self, number: str) -> list[CaseItem]:
        return list(CaseItem.by_number.query(number_key(number)))
