"""One status change, whoever makes it: checked against `rules.TRANSITIONS`, written with its history
entry, its notification (outbox) and — for staff — its audit record in one transaction, then the
notification is handed to the queue."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Optional

from pynamodb.exceptions import TransactWriteError

from chalicelib.core import audit, clock
from chalicelib.core.audit import Actor
from chalicelib.core.config import get_settings
from chalicelib.core.dynamo import is_conditional_failure, transaction
from chalicelib.core.errors import ApiError, conflict
from chalicelib.notifications import outbox

from . import calendar, notices, rules
from .repository import CLOSED_QUEUE, OPEN_QUEUE, ApplicationItem, HistoryItem, application_key, history_key

STALE = "Заявка изменена. Обновите страницу и повторите"


def refused(exc: rules.TransitionError) -> ApiError:
    return conflict(str(exc))


def queue_of(status: str) -> Optional[str]:
    if status == "draft":
        return None
    return CLOSED_QUEUE if status in rules.TERMINAL else OPEN_QUEUE


@dataclass
class Change:
    """A status change and what travels with it."""
    target: str
    party: rules.Party
    actor_id: str
    comment: Optional[str] = None
    actions: list[Any] = field(default_factory=list)  # extra updates of the application item (ТУ, account)
    staff: Optional[Actor] = None
    audit_details: dict[str, Any] = field(default_factory=dict)


def guard(item: ApplicationItem, change: Change) -> rules.Transition:
    try:
        return rules.transition(item.status, change.target, change.party)
    except rules.TransitionError as exc:
        raise refused(exc) from None


def apply(item: ApplicationItem, change: Change) -> None:
    """Write the change. `item` (as read, with what the change sets — ТУ, account — already on it) moves
    to the new state in memory too; its version guards against a concurrent change (→ 409)."""
    guard(item, change)
    now = clock.iso(clock.now())
    source, version = item.status, int(item.version)
    item.status, item.updated_at, item.version = change.target, now, version + 1
    item.queue_pk = queue_of(change.target)
    # Правила п. 15: the applicant has 20 working days from the notice for the missing documents.
    due = (calendar.add_working_days(today(), rules.DOCUMENTS_WORKING_DAYS)
           if change.target == "awaiting_documents" else None)
    note = notices.status_changed(item, change.target, change.comment, due)
    actions = [ApplicationItem.status.set(change.target), ApplicationItem.updated_at.set(now),
               ApplicationItem.version.set(item.version), ApplicationItem.milestones[change.target].set(now),
               *change.actions]
    actions.append(ApplicationItem.queue_pk.set(item.queue_pk) if item.queue_pk else ApplicationItem.queue_pk.remove())
    try:
        with transaction() as tx:
            tx.update(ApplicationItem(application_key(item.application_id)), actions=actions,
                      condition=(ApplicationItem.status == source) & (ApplicationItem.version == version))
            tx.save(history_item(item.application_id, item.version, now, change.target, change.party,
                                 change.actor_id, change.comment))
            if change.staff is not None:
                audit.record(tx, change.staff, f"connection.{change.target}", "connection_application",
                             item.application_id, {"from": source, "to": change.target, **change.audit_details})
            outbox.stage(tx, note)
    except TransactWriteError as exc:
        if is_conditional_failure(exc):
            raise conflict(STALE) from None
        raise
    outbox.dispatch([note])


def history_item(application_id: str, version: int, at: str, status: str, party: str, actor_id: str,
                 comment: Optional[str] = None) -> HistoryItem:
    return HistoryItem(application_key(application_id), history_key(version), at=at, status=status, party=party,
                       actor_id=actor_id, comment=comment)


def today() -> date:
    return clock.now().astimezone(get_settings().tz).date()
