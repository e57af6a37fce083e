"""One status change, whoever makes it: checked against `rules.TRANSITIONS`, written with its history
entry, its notifications (outbox), the deadline watcher's keys recomputed for the new state and — for
staff and the watcher — its audit record in one transaction, then the notifications are handed to
the queue."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, tzinfo
from typing import Any

from chalicelib.attachments.service import AttachmentService
from chalicelib.cases.dates import company_today
from chalicelib.cases.items import HistoryItem, history_entry
from chalicelib.core import audit, clock
from chalicelib.core.audit import Actor
from chalicelib.core.config import Settings, get_settings
from chalicelib.core.dynamo import conflict_on_condition, transaction
from chalicelib.core.errors import ApiError, conflict
from chalicelib.notifications import outbox
from chalicelib.notifications.outbox import Notification
from chalicelib.settings import company

from . import calendar, notices, rules, views
from .repository import (
    CLOSED_QUEUE,
    DUE,
    OPEN_QUEUE,
    ApplicationItem,
    ConnectionRepository,
    application_key,
    history_key,
)

STALE = "Заявка изменена. Обновите страницу и повторите"


class ApplicationServices:
    """What the applicant's and the staff's services both work with; each can be given for a test."""

    def __init__(
        self,
        repository: ConnectionRepository | None = None,
        attachments: AttachmentService | None = None,
        settings: Settings | None = None,
    ) -> None:
        self.repo = repository or ConnectionRepository()
        self.attachments = attachments or AttachmentService()
        self.settings = settings or get_settings()


def refused(exc: rules.TransitionError) -> ApiError:
    return conflict(str(exc))


def queue_of(status: str) -> str | None:
    if status == "draft":
        return None
    return CLOSED_QUEUE if status in rules.TERMINAL else OPEN_QUEUE


@dataclass
class Change:
    """A status change and what travels with it."""

    target: str
    party: rules.Party
    actor_id: str
    comment: str | None = None
    actions: list[Any] = field(default_factory=list)  # extra updates of the application item (ТУ, account)
    staff: Actor | None = None
    audit_details: dict[str, Any] = field(default_factory=dict)
    # The line the applicant's notice carries instead of «Комментарий специалиста: <comment>».
    notice: str | None = None
    extra_notes: list[Notification] = field(default_factory=list)  # e.g. to the responsible employee


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
    item.milestones[change.target] = now
    # Правила п. 15: the applicant has 20 working days from the notice for the missing documents.
    due = (
        calendar.add_working_days(company_today(), rules.DOCUMENTS_WORKING_DAYS)
        if change.target == "awaiting_documents"
        else None
    )
    note = notices.status_changed(
        item, change.target, change.comment if change.notice is None else None, due, change.notice
    )
    actions = [
        ApplicationItem.status.set(change.target),
        ApplicationItem.updated_at.set(now),
        ApplicationItem.version.set(item.version),
        ApplicationItem.milestones[change.target].set(now),
        *change.actions,
        *watch_actions(watch_of(item, get_settings().tz, company_today()), company_today()),
    ]
    actions.append(ApplicationItem.queue_pk.set(item.queue_pk) if item.queue_pk else ApplicationItem.queue_pk.remove())
    notes = [note, *change.extra_notes]
    with conflict_on_condition(STALE), transaction() as tx:
        tx.update(
            ApplicationItem(application_key(item.application_id)),
            actions=actions,
            condition=(ApplicationItem.status == source) & (ApplicationItem.version == version),
        )
        tx.save(
            history_item(
                item.application_id, item.version, now, change.target, change.party, change.actor_id, change.comment
            )
        )
        if change.staff is not None:
            audit.record(
                tx,
                change.staff,
                f"connection.{change.target}",
                "connection_application",
                item.application_id,
                {"from": source, "to": change.target, **change.audit_details},
            )
        for each in notes:
            outbox.stage(tx, each)
    outbox.dispatch(notes)


def history_item(
    application_id: str,
    version: int,
    at: str,
    status: str,
    party: rules.Party,
    actor_id: str,
    comment: str | None = None,
) -> HistoryItem:
    return history_entry(
        application_key(application_id),
        history_key(version),
        at=at,
        status=status,
        party=party,
        actor_id=actor_id,
        comment=comment,
    )


def watch_of(item: ApplicationItem, tz: tzinfo, day: date) -> rules.Watch:
    """What the deadline watcher has to do for `item` (as it is in memory) on `day`."""
    return rules.watch(
        item.status,
        views.deadlines_of(item, tz),
        day,
        company().connection_reminder_working_days,
        item.reminded or set(),
    )


def watch_actions(watch: rules.Watch, unsent_on: date | None = None) -> list[Any]:
    """The stored overdue flags and the watcher's index key (absent when nothing is ahead). A caller
    that does not act on `watch` itself passes the day: what is due then stays due for the watcher."""
    actions = [ApplicationItem.overdue.set(set(watch.overdue)) if watch.overdue else ApplicationItem.overdue.remove()]
    if unsent_on is not None and (watch.reminders or watch.annul):
        actions += [ApplicationItem.due_pk.set(DUE), ApplicationItem.due_on.set(unsent_on.isoformat())]
    elif watch.next_on is None:
        actions += [ApplicationItem.due_pk.remove(), ApplicationItem.due_on.remove()]
    else:
        actions += [ApplicationItem.due_pk.set(DUE), ApplicationItem.due_on.set(watch.next_on.isoformat())]
    return actions
