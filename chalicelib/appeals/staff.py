"""The staff console for appeals and extra-service requests: queues, taking a case, status changes
with a comment, answers. The card lists the steps the employee may take (`rules.staff_steps`) and each
change is made only if it is one of them (`rules.staff_step`). Every change is conditional on the
revision the employee saw, audited and notified in the same transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from chalicelib.accounts.repository import UserRepository
from chalicelib.attachments import FileRef
from chalicelib.attachments.service import AttachmentService
from chalicelib.cases.dates import company_today
from chalicelib.cases.queue import queue_cursor, queue_start_key
from chalicelib.cases.staff import assign, hand_over_details, hand_over_target
from chalicelib.core import audit, clock
from chalicelib.core.dynamo import conflict_on_condition, transaction
from chalicelib.core.errors import ApiError, conflict, field_error, not_found
from chalicelib.notifications import outbox

from . import notify, views
from .models import AnswerIn, StaffCaseCard, StaffCaseList, StaffQueueQuery, StatusChangeIn
from .repository import CASE_SK, AnswerAttr, CaseItem, CaseRepository, case_key, queue_key
from .rules import (
    OPEN_STATUSES,
    TYPE_TITLES,
    IllegalTransition,
    StaffAction,
    StaffStep,
    format_number,
    parse_number_query,
    staff_step,
    staff_steps,
)
from .service import NOT_FOUND, LoadedCase, history_item, valid_case_id

CHANGED_MEANWHILE = "Карточку уже изменил другой сотрудник. Обновите её и повторите действие"
TAKE_ONLY_OPEN = "Взять в работу можно только новое или находящееся в работе обращение"
HAND_OVER_ONLY_OPEN = "Передать коллеге можно только новое или находящееся в работе дело"
# A number typed without its year is looked up in this year and the ones before: five in all.
NUMBER_SEARCH_YEARS = 5


class StaffCaseService:
    def __init__(
        self,
        repository: CaseRepository | None = None,
        attachments: AttachmentService | None = None,
        users: UserRepository | None = None,
    ) -> None:
        self.repo = repository or CaseRepository()
        self.attachments = attachments or AttachmentService()
        self.users = users or UserRepository()

    # --- queues ---------------------------------------------------------------------------------

    def queue(self, kind: str, query: StaffQueueQuery) -> StaffCaseList:
        today = company_today()
        if query.number:
            number = parse_number_query(query.number)
            if number is None:
                raise field_error("number", "Введите номер, например 2026-000123 или 123")
            # The site's rule: a number without its year (123) finds that number of any year; here one
            # Query of the number index per year, back to the oldest year cases are still looked up in.
            years = (
                [number.year] if number.year is not None else range(today.year, today.year - NUMBER_SEARCH_YEARS, -1)
            )
            found = [
                c for year in years for c in self.repo.by_number(format_number(year, number.seq)) if c.kind == kind
            ]
            return StaffCaseList(items=[views.staff_summary(c, today) for c in found])
        if query.type is not None and query.type not in TYPE_TITLES[kind]:
            raise field_error("type", "Недопустимое значение")
        if query.overdue and query.status not in OPEN_STATUSES:
            return StaffCaseList(items=[])  # only open cases can be overdue
        condition: Condition | None = None
        if query.type is not None:
            condition = CaseItem.type == query.type
        if query.overdue:
            late = CaseItem.due_on < today.isoformat()
            condition = late if condition is None else condition & late
        items, last = self.repo.queue(
            kind,
            query.status,
            condition,
            query.limit,
            queue_start_key(
                query.cursor, queue_pk=queue_key(kind, query.status), case_pk=lambda i: case_key(kind, i), sk=CASE_SK
            ),
        )
        return StaffCaseList(
            items=[views.staff_summary(c, today) for c in items], next_cursor=queue_cursor(last) if last else None
        )

    def card(self, principal: Any, kind: str, case_id: str) -> StaffCaseCard:
        case, history = self._load(kind, case_id)
        return views.staff_card(case, history, company_today(), steps(case, principal))

    # --- changes --------------------------------------------------------------------------------

    def take(self, principal: Any, kind: str, case_id: str) -> StaffCaseCard:
        """Assign to me; a new case goes into work. Taking over a colleague's case is allowed (and audited)."""
        case, _ = self._load(kind, case_id)
        try:
            step = _step(case, principal, "take", "in_progress")
        except ApiError:
            if case.status in OPEN_STATUSES and case.assignee_id == principal.user_id:
                return self.card(principal, kind, case_id)  # already mine: a repeated click changes nothing
            raise conflict(TAKE_ONLY_OPEN) from None
        status = step.status if step.status != case.status else None
        return self._change(
            principal,
            case,
            "take",
            status=status,
            actions=assign(principal.user),
            details={"previous_assignee": case.assignee_id or "", "previous": case.assignee_login or ""},
        )

    def hand_over(
        self, principal: Any, kind: str, case_id: str, colleague_id: str, roles: tuple[str, ...]
    ) -> StaffCaseCard:
        """«Передать коллеге»: an open case goes to an employee of its queue (`roles`); its status stays."""
        case, _ = self._load(kind, case_id)
        colleague = hand_over_target(case, case.status in OPEN_STATUSES, colleague_id, roles, HAND_OVER_ONLY_OPEN)
        if colleague is None:
            return self.card(principal, kind, case_id)
        return self._change(
            principal,
            case,
            "hand_over",
            status=None,
            actions=assign(colleague),
            details=hand_over_details(case, colleague),
        )

    def change_status(self, principal: Any, kind: str, case_id: str, body: StatusChangeIn) -> StaffCaseCard:
        case, _ = self._load(kind, case_id)
        step = _step(case, principal, "status", body.status)
        if "comment" in step.needs and not body.comment:
            raise field_error("comment", "Укажите причину отказа")
        actions = assign(principal.user) if body.status == "in_progress" and not case.assignee_id else []
        return self._change(principal, case, "status", status=body.status, comment=body.comment, actions=actions)

    def answer(self, principal: Any, kind: str, case_id: str, body: AnswerIn) -> StaffCaseCard:
        case, _ = self._load(kind, case_id)
        _step(case, principal, "answer", "answered")
        files = self.attachments.require_confirmed(principal, body.attachments, purpose="company_document")
        now = clock.iso(clock.now())
        answer = AnswerAttr(
            text=body.text, answered_at=now, answered_by=principal.user_id, files=[views.file_attr(f) for f in files]
        )
        actions = [CaseItem.answer.set(answer)] + ([] if case.assignee_id else assign(principal.user))
        return self._change(
            principal, case, "answer", status="answered", actions=actions, files=files, details={"files": len(files)}
        )

    def _load(self, kind: str, case_id: str) -> LoadedCase:
        case, history = self.repo.card(kind, case_id) if valid_case_id(case_id) else (None, [])
        if case is None:
            raise not_found(NOT_FOUND[kind])
        return case, history

    def _change(
        self,
        principal: Any,
        case: CaseItem,
        action: str,
        *,
        status: str | None,
        actions: list[Action],
        comment: str = "",
        files: Sequence[FileRef] = (),
        details: dict[str, Any] | None = None,
    ) -> StaffCaseCard:
        now = clock.iso(clock.now())
        updates: list[Action] = [*actions, CaseItem.updated_at.set(now), CaseItem.rev.add(1)]
        note = None
        history = None
        if status is not None:
            updates += [CaseItem.status.set(status), CaseItem.queue_pk.set(queue_key(case.kind, status))]
            history = history_item(case, int(case.rev) + 1, status, now, principal.user_id, "company", comment)
            owner = self.users.get(case.owner_id)
            email = owner.email if owner is not None and owner.status == "active" else None
            note = notify.status_changed(case, status, email, comment)
        with conflict_on_condition(CHANGED_MEANWHILE), transaction() as tx:
            tx.update(CaseItem(case.pk, case.sk), actions=updates, condition=CaseItem.rev == case.rev)
            if history is not None:
                tx.save(history)
            self.attachments.attach(tx, case.pk, files)
            audit.record(
                tx,
                principal,
                f"{case.kind}.{action}",
                case.kind,
                case.case_id,
                {"number": case.number, "from": case.status, "to": status or case.status, **(details or {})},
            )
            if note is not None:
                outbox.stage(tx, note)
        if note is not None:
            outbox.dispatch([note])
        return self.card(principal, case.kind, case.case_id)


def steps(case: CaseItem, principal: Any) -> list[StaffStep]:
    """What this employee may do with the case now: the staff card lists exactly these."""
    return staff_steps(case.status, case.assignee_id, principal.user_id)


def _step(case: CaseItem, principal: Any, action: StaffAction, target: str) -> StaffStep:
    """The listed step this request makes, or 409: the card's list and these checks are one rule."""
    try:
        return staff_step(case.status, case.assignee_id, principal.user_id, action, target)
    except IllegalTransition as exc:
        raise ApiError(str(exc), status=409, code="illegal_transition") from None
