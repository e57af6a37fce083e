"""The PP 861 deadline watcher: a daily pass, on the company's local day (an hourly tick that acts from
`ACT_FROM` local time on, so nobody gets an SMS at night), over the applications that
have something due (one Query on the sparse `by_due` index: due_on ≤ today, so a missed day is caught
up), each handled in one transaction:

- a running deadline past due is flagged (`overdue`, which the staff queue filters on);
- `connection_reminder_working_days` (company settings) working days before a company deadline ends,
  the responsible employee gets an e-mail — the assignee, or every active connection engineer while
  nobody has taken the application; before the missing-documents term ends, the applicant gets a
  reminder (feed, e-mail, SMS);
- an application still waiting for documents after their term is annulled (Правила п. 15), with the
  history entry, the applicant's notice citing the clause, and an audit record by «система».

Run twice, or retried after a partial run, it sends nothing twice and annuls nothing twice: a reminder
is written only on the condition that its key is not yet in `reminded`, and the annulment is a status
change conditioned on the version it judged. The index key moves to the next day anything is due.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, time
from types import SimpleNamespace
from typing import Any

from pynamodb.exceptions import TransactWriteError

from chalicelib.core import clock
from chalicelib.core.config import get_settings
from chalicelib.core.dynamo import is_conditional_failure, transaction
from chalicelib.core.errors import ApiError
from chalicelib.notifications import outbox
from chalicelib.notifications.outbox import Notification

from . import notices, rules, views, workflow
from .repository import ApplicationItem, ConnectionRepository, application_key

logger = logging.getLogger("kabinet.connection.watcher")

ENGINEERS = ("engineer",)
ACT_FROM = time(9, 0)
SYSTEM_ID = "system"


class _System:
    """The audit's actor for what the watcher does by itself."""

    user_id = SYSTEM_ID
    role = "system"
    user = SimpleNamespace(login="система")


@dataclass
class WatchReport:
    reminded: int = 0
    flagged: int = 0
    annulled: int = 0


class DeadlineWatcher:
    def __init__(self, repository: ConnectionRepository | None = None) -> None:
        self.repo = repository or ConnectionRepository()
        self._engineers: list[str] | None = None

    def run(self) -> WatchReport:
        tz = get_settings().tz
        local = clock.now().astimezone(tz)
        today = local.date()
        report = WatchReport()
        if local.time() < ACT_FROM:
            return report
        for item in self.repo.due_by(today.isoformat()):
            try:
                self._handle(item, tz, today, report)
            except ApiError:  # the application changed since the index was read: its own change re-keyed it
                logger.info("application %s changed while watched; skipped", item.application_id)
        logger.info(
            "deadline watcher %s: %d reminders, %d flagged, %d annulled",
            today,
            report.reminded,
            report.flagged,
            report.annulled,
        )
        return report

    def _handle(self, item: ApplicationItem, tz: Any, today: date, report: WatchReport) -> None:
        watch = workflow.watch_of(item, tz, today)
        if watch.annul:
            documents = next(d for d in views.deadlines_of(item, tz) if d.code == "documents")
            workflow.apply(
                item,
                workflow.Change(
                    "annulled",
                    "company",
                    SYSTEM_ID,
                    notices.annulment_line(documents.due),
                    staff=_System(),
                    notice=notices.annulment_line(documents.due),
                    audit_details={"reason": "documents_overdue"},
                ),
            )
            report.annulled += 1
            return
        notes = [note for deadline in watch.reminders for note in self._reminders(item, deadline)]
        keys = {rules.reminder_key(d) for d in watch.reminders}
        condition = (ApplicationItem.status == item.status) & (ApplicationItem.version == item.version)
        for key in sorted(keys):
            condition &= ~ApplicationItem.reminded.contains(key)
        actions = workflow.watch_actions(watch)
        if keys:
            actions.append(ApplicationItem.reminded.add(keys))
        try:
            with transaction() as tx:
                tx.update(ApplicationItem(application_key(item.application_id)), actions=actions, condition=condition)
                for note in notes:
                    outbox.stage(tx, note)
        except TransactWriteError as exc:
            if is_conditional_failure(exc):  # another run did it, or the application moved on
                return
            raise
        outbox.dispatch(notes)
        report.reminded += len(notes)
        report.flagged += len(watch.overdue - set(item.overdue or ()))

    def _reminders(self, item: ApplicationItem, deadline: rules.Deadline) -> list[Notification]:
        if deadline.party == "applicant":
            return [notices.documents_reminder(item, deadline.due)]
        return [notices.deadline_reminder(item, email, deadline) for email in self._responsible(item)]

    def _responsible(self, item: ApplicationItem) -> list[str]:
        from chalicelib.accounts.repository import UserRepository

        if item.assignee_id:
            employee = UserRepository().get(item.assignee_id)
            if employee is not None and employee.status == "active" and employee.email:
                return [employee.email]
        if self._engineers is None:  # once a run: one Query and one BatchGet of the staff directory
            from chalicelib.staff_users.service import StaffUserService

            self._engineers = [
                u.email
                for u in StaffUserService().list().users
                if u.status == "active" and set(u.roles) & set(ENGINEERS) and u.email
            ]
        return self._engineers


def watch_deadlines() -> WatchReport:
    """The daily schedule (app.py)."""
    return DeadlineWatcher().run()
