"""Items of the `cases` table that every kind of case shares, and the one Query that reads a case.

- case ............. <KIND>#<id>, <sk of the kind>: `CaseModel`'s attributes plus the kind's own
- status history ... same pk, sk=<history prefix of the kind><revision>: `HistoryItem`, one schema for all
- counter .......... COUNTER#<sequence>#<period>, COUNTER: the last registration number given
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.core.dynamo import table_meta

from .rules import Party, as_party

COUNTER_SK = "COUNTER"


class CaseModel(Model):
    """What every case item has: its owner (the `by_owner` key), its status and times, and the employee
    who has it. Each kind declares its own sort key, ids and the three indexes (PynamoDB binds an index
    to the class it is declared on)."""

    Meta = table_meta("cases")
    pk = UnicodeAttribute(hash_key=True)
    owner_id = UnicodeAttribute()
    owner_pk = UnicodeAttribute()
    status = UnicodeAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    assignee_id = UnicodeAttribute(null=True)
    assignee_login = UnicodeAttribute(null=True)


class HistoryItem(Model):
    """One status change of any case. `party` says who made it. Appeals written before the one schema
    carry `by_company` instead; `party_of` reads both and `chalicelib.cases.migrations` rewrites them."""

    Meta = table_meta("cases")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    at = UnicodeAttribute()
    status = UnicodeAttribute()
    party = UnicodeAttribute(null=True)
    actor_id = UnicodeAttribute()
    comment = UnicodeAttribute(null=True)
    by_company = BooleanAttribute(null=True)  # the appeals' old shape: read, never written

    def party_of(self) -> Party:
        if self.party:
            return as_party(self.party)
        return "company" if self.by_company else "applicant"


def history_entry(
    pk: str, sk: str, *, at: str, status: str, party: Party, actor_id: str, comment: str | None = None
) -> HistoryItem:
    return HistoryItem(pk, sk, at=at, status=status, party=party, actor_id=actor_id, comment=comment or None)


class CounterItem(Model):
    Meta = table_meta("cases")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default=COUNTER_SK)
    value = NumberAttribute(default=0)
    ttl = NumberAttribute(null=True)


def counter(key: str) -> int:
    """The last number given in the counter's sequence (0 before the first)."""
    try:
        return int(CounterItem.get(key, COUNTER_SK, consistent_read=True).value)
    except CounterItem.DoesNotExist:
        return 0


def advance_counter(tx: Any, key: str, seen: int, ttl: int | None = None) -> None:
    """Move the counter from `seen` to `seen + 1` on the condition that nobody moved it since it was read:
    the number the caller derived from `seen` is then its own, and the transaction carrying the case
    fails (to be retried with a fresh read) otherwise. `ttl` (epoch seconds) only for a new counter."""
    if seen == 0:
        tx.save(CounterItem(key, COUNTER_SK, value=1, ttl=ttl), condition=CounterItem.pk.does_not_exist())
    else:
        tx.update(
            CounterItem(key, COUNTER_SK), actions=[CounterItem.value.set(seen + 1)], condition=CounterItem.value == seen
        )


def partition(pk: str) -> Iterator[dict[str, Any]]:
    """Every item of one case (the case, its history and the kind's own parts), raw: one Query, more pages
    only for a case with a very long history."""
    connection = HistoryItem._get_connection()
    start_key = None
    while True:
        page = connection.query(pk, exclusive_start_key=start_key, consistent_read=True)
        yield from page.get("Items", [])
        start_key = page.get("LastEvaluatedKey")
        if not start_key:
            return
