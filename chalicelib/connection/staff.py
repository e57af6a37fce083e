"""The staff console (connection engineers and administrators): the queue, taking an application,
status changes with a comment, requests for missing documents, ТУ and contract files, the account
number at connection, answers. Every action is audited in its own transaction."""

from __future__ import annotations

from datetime import date
from typing import Any

from chalicelib.accounts.principal import Principal
from chalicelib.accounts.repository import UserItem
from chalicelib.attachments.models import DownloadLink
from chalicelib.cases.dates import company_today
from chalicelib.cases.queue import queue_cursor, queue_start_key
from chalicelib.cases.staff import assign, assignee_unchanged, hand_over_details, hand_over_target
from chalicelib.core import audit, clock
from chalicelib.core.dynamo import conflict_on_condition, transaction
from chalicelib.core.errors import FieldError, conflict, field_error, not_found, validation_error
from chalicelib.notifications import outbox

from . import notices, rules, views, workflow
from .models import (
    StaffAnswer,
    StaffApplicationCard,
    StaffCompanyDocumentsIn,
    StaffQueueItem,
    StaffQueuePage,
    StaffQueueQuery,
    StaffStatusChange,
    StaffTransition,
)
from .repository import (
    CLOSED_QUEUE,
    OPEN_QUEUE,
    SK,
    ApplicationItem,
    ApplicationRecord,
    MessageItem,
    application_key,
    document_items,
    message_key,
    precise,
)

NOT_FOUND = "Заявка не найдена"
TAKEN = "Заявку уже взял в работу другой сотрудник"
NOT_OPEN = "Заявка уже не в работе"
NEED_MESSAGES = {
    "comment": ("comment", "Укажите комментарий для заявителя"),
    "tu": ("technical_conditions", "Укажите номер и дату технических условий"),
    "account_number": ("account_number", "Укажите номер лицевого счёта"),
}
NOT_FOR_STEP = "Для этого шага поле не заполняется"


class StaffConnectionService(workflow.ApplicationServices):
    def queue(self, query: StaffQueueQuery) -> StaffQueuePage:
        if query.status == "draft":
            raise field_error("status", "Черновики видны только заявителю")
        page = self.repo.queue(
            closed=query.status in rules.TERMINAL,
            status=query.status,
            category=query.category,
            overdue=query.overdue,
            limit=query.limit,
            start_key=queue_start_key(
                query.cursor,
                queue_pk=CLOSED_QUEUE if query.status in rules.TERMINAL else OPEN_QUEUE,
                case_pk=application_key,
                sk=SK,
            ),
        )
        today = company_today()
        return StaffQueuePage(
            items=[self._row(item, today) for item in page.items],
            next_cursor=queue_cursor(page.cursor) if page.cursor else None,
        )

    def card(self, application_id: str) -> StaffApplicationCard:
        record = self._record(application_id)
        item = record.application
        transitions = [
            StaffTransition(status=t.target, title=rules.STATUS_TITLES[t.target], needs=sorted(t.needs))
            for t in rules.TRANSITIONS
            if t.source == item.status and t.party == "company"
        ]
        return StaffApplicationCard(
            **views.card_fields(record, self.settings.tz, company_today()),
            owner_id=item.owner_id,
            assignee_login=item.assignee_login,
            transitions=transitions,
        )

    def take(self, principal: Principal, application_id: str) -> StaffApplicationCard:
        item = self._record(application_id).application
        if not rules.is_open(item.status):
            raise conflict(NOT_OPEN)
        if item.assignee_id not in (None, principal.user_id) and principal.role != "admin":
            raise conflict(TAKEN)
        self._assign(principal, application_id, item, principal.user, "take", {"previous": item.assignee_login or ""})
        return self.card(application_id)

    def hand_over(
        self, principal: Principal, application_id: str, colleague_id: str, roles: tuple[str, ...]
    ) -> StaffApplicationCard:
        """«Передать коллеге»: an open application goes to an engineer of the queue (`roles`)."""
        item = self._record(application_id).application
        colleague = hand_over_target(item, rules.is_open(item.status), colleague_id, roles, NOT_OPEN)
        if colleague is not None:
            self._assign(principal, application_id, item, colleague, "hand_over", hand_over_details(item, colleague))
        return self.card(application_id)

    def _assign(
        self,
        principal: Principal,
        application_id: str,
        item: ApplicationItem,
        employee: UserItem,
        action: str,
        details: dict[str, Any],
    ) -> None:
        """The application goes to `employee` unless someone took or handed it over since it was read."""

        def write(tx: Any) -> None:
            tx.update(
                ApplicationItem(application_key(application_id)),
                actions=assign(employee),
                condition=assignee_unchanged(item),
            )
            audit.record(tx, principal, f"connection.{action}", "connection_application", application_id, details)

        self._transact(write)

    def change_status(self, principal: Principal, application_id: str, body: StaffStatusChange) -> StaffApplicationCard:
        item = self._record(application_id).application
        if body.version != int(item.version):
            raise conflict(workflow.STALE)
        try:
            step = rules.transition(item.status, body.status, "company")
        except rules.TransitionError as exc:
            raise workflow.refused(exc) from None
        self._check_fields(step, body)
        actions: list[Any] = []
        details: dict[str, Any] = {}
        if body.technical_conditions is not None:
            item.tu_number, item.tu_date = body.technical_conditions.number, body.technical_conditions.date.isoformat()
            actions += [ApplicationItem.tu_number.set(item.tu_number), ApplicationItem.tu_date.set(item.tu_date)]
            details["tu_number"] = item.tu_number
        if body.account_number is not None:
            item.account_number = body.account_number
            actions.append(ApplicationItem.account_number.set(body.account_number))
            details["account_number"] = body.account_number
        if body.status == "awaiting_documents":
            # A new round: what the applicant uploads now is a new set, locked by «Завершить загрузку».
            item.documents_round = int(item.documents_round) + 1
            actions.append(ApplicationItem.documents_round.set(item.documents_round))
        workflow.apply(
            item,
            workflow.Change(
                body.status, "company", principal.user_id, body.comment, actions, staff=principal, audit_details=details
            ),
        )
        return self.card(application_id)

    def answer(self, principal: Principal, application_id: str, body: StaffAnswer) -> StaffApplicationCard:
        item = self._record(application_id).application
        now = clock.now()
        note = notices.answered(item)

        def write(tx: Any) -> None:
            tx.save(
                MessageItem(
                    application_key(application_id),
                    message_key(now),
                    at=clock.iso(now),
                    author="company",
                    author_id=principal.user_id,
                    text=body.text,
                )
            )
            audit.record(tx, principal, "connection.answer", "connection_application", application_id)
            outbox.stage(tx, note)

        self._transact(write)
        outbox.dispatch([note])
        return self.card(application_id)

    def add_company_documents(
        self, principal: Principal, application_id: str, body: StaffCompanyDocumentsIn
    ) -> StaffApplicationCard:
        item = self._record(application_id).application
        files = self.attachments.require_confirmed(principal, body.upload_ids, "company_document", "upload_ids")
        at = precise(clock.now())
        note = notices.company_document(item, body.kind)

        def write(tx: Any) -> None:
            tx.condition_check(
                ApplicationItem, application_key(application_id), SK, condition=ApplicationItem.status != "draft"
            )
            for document in document_items(
                application_id, files, body.kind, int(item.documents_round), from_company=True, added_at=at
            ):
                tx.save(document)
            self.attachments.attach(tx, application_key(application_id), files)
            audit.record(
                tx,
                principal,
                "connection.company_document",
                "connection_application",
                application_id,
                {"kind": body.kind, "files": len(files)},
            )
            outbox.stage(tx, note)

        self._transact(write)
        outbox.dispatch([note])
        return self.card(application_id)

    def download(self, principal: Principal, application_id: str, document_id: str, inline: bool) -> DownloadLink:
        record = self._record(application_id)
        document = next((d for d in record.documents if d.sk == f"DOC#{document_id}"), None)
        if document is None:
            raise not_found("Документ не найден")
        return self.attachments.download_url(principal, record.application.owner_id, views.file_of(document), inline)

    # --- helpers -------------------------------------------------------------------------------------

    def _record(self, application_id: str) -> ApplicationRecord:
        """Drafts are the applicant's own until submitted: staff see them as absent."""
        record = self.repo.record(application_id)
        if record is None or record.application.status == "draft":
            raise not_found(NOT_FOUND)
        return record

    @staticmethod
    def _check_fields(step: rules.Transition, body: StaffStatusChange) -> None:
        problems = [
            FieldError(*NEED_MESSAGES[need])
            for need in sorted(step.needs)
            if getattr(body, NEED_MESSAGES[need][0]) is None
        ]
        for need in ("tu", "account_number"):
            name = NEED_MESSAGES[need][0]
            if need not in step.needs and getattr(body, name) is not None:
                problems.append(FieldError(name, NOT_FOR_STEP))
        if body.technical_conditions is not None and body.technical_conditions.date > company_today():
            problems.append(FieldError("technical_conditions.date", "Дата технических условий не может быть в будущем"))
        if problems:
            raise validation_error(problems)

    @staticmethod
    def _transact(write: Any) -> None:
        with conflict_on_condition(workflow.STALE), transaction() as tx:
            write(tx)

    def _row(self, item: ApplicationItem, today: date) -> StaffQueueItem:
        running = [d for d in views.deadlines_of(item, self.settings.tz) if d.done_on is None]
        applicant = views.applicant_of(item)
        name = (
            " ".join(p for p in (applicant.last_name, applicant.first_name, applicant.middle_name) if p)
            if item.kind == "person"
            else applicant.short_name or ""
        )
        late = [d.title for d in running if d.overdue(today)]
        return StaffQueueItem(
            **views.summary(item).model_dump(),
            applicant_name=name,
            assignee_login=item.assignee_login,
            overdue=bool(late),
            overdue_deadlines=late,
            next_due=min((d.due for d in running), default=None),
        )
