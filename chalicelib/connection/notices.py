"""Notifications of an application: on submission (number and estimated term, seed 003) and on every
status change (SMS and e-mail, seed 000), to the contacts given in the application; plus the feed."""

from __future__ import annotations

from datetime import date

from chalicelib.notifications import targets
from chalicelib.notifications.outbox import Notification

from . import rules
from .repository import ApplicationItem


def ru_date(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def _to(item: ApplicationItem, template: str, params: dict[str, str]) -> Notification:
    contacts = item.applicant.as_dict() if item.applicant else {}
    return Notification(
        template,
        {"number": item.number or "", **params},
        user_id=item.owner_id,
        email=contacts.get("email"),
        phone=contacts.get("phone"),
        link=targets.application(item.application_id),
    )


def submitted(item: ApplicationItem, review_due: date) -> Notification:
    return _to(item, "tp_submitted", {"category": rules.CATEGORIES[item.category].title, "due_on": ru_date(review_due)})


def status_changed(
    item: ApplicationItem,
    status: str,
    comment: str | None = None,
    documents_due: date | None = None,
    notice: str | None = None,
) -> Notification:
    """`item` already carries what the change set (ТУ, account number); `notice` is a line of our own
    (the watcher's annulment, the applicant's withdrawal) where staff would write a comment."""
    lines = []
    if status == "contract_sent" and item.tu_number and item.tu_date:
        lines.append(f"Технические условия № {item.tu_number} от {ru_date(date.fromisoformat(item.tu_date))}.")
    if status == "connected" and item.account_number:
        lines.append(f"Номер лицевого счёта: {item.account_number}.")
    if comment:
        lines.append(f"Комментарий специалиста: {comment}")
    if notice:
        lines.append(notice)
    if documents_due is not None:
        lines.append(documents_line(documents_due))
    note = "".join(f"\n\n{line}" for line in lines)
    return _to(item, "tp_status", {"status": rules.STATUS_TITLES[status], "note": note})


def answered(item: ApplicationItem) -> Notification:
    return _to(item, "tp_answer", {})


def company_document(item: ApplicationItem, kind: str) -> Notification:
    return _to(item, "tp_document", {"title": rules.COMPANY_DOCUMENT_TITLES[kind]})


def documents_line(due: date) -> str:
    """The one wording of the missing-documents term: in the request, the reminder and the annulment."""
    return (
        "Загрузите недостающие документы в карточке заявки и нажмите «Завершить загрузку» "
        f"до {ru_date(due)}, иначе заявка будет аннулирована ({rules.DOCUMENTS_CLAUSE})."
    )


def annulment_line(due: date) -> str:
    return (
        f"Недостающие документы не представлены до {ru_date(due)} — в течение {rules.DOCUMENTS_WORKING_DAYS} "
        f"рабочих дней со дня уведомления, поэтому заявка аннулирована ({rules.DOCUMENTS_CLAUSE})."
    )


def documents_reminder(item: ApplicationItem, due: date) -> Notification:
    return _to(item, "tp_documents_reminder", {"due_on": ru_date(due), "note": documents_line(due)})


def withdrawn_line(reason: str) -> str:
    return f"Заявка отозвана Вами. Причина: {reason}"


def to_employee(item: ApplicationItem, template: str, email: str, params: dict[str, str]) -> Notification:
    """E-mail to an employee: no feed (the console is their place), a link to the card there."""
    from chalicelib.core.config import get_settings

    link = f"{get_settings().site_url}/staff.html#/connections/case?id={item.application_id}"
    return Notification(template, {"number": item.number or "", "card_url": link, **params}, email=email)


def deadline_reminder(item: ApplicationItem, email: str, deadline: rules.Deadline) -> Notification:
    return to_employee(
        item,
        "tp_staff_deadline",
        email,
        {"title": deadline.title, "due_on": ru_date(deadline.due), "basis": deadline.basis},
    )


def withdrawn_for_employee(item: ApplicationItem, email: str, reason: str) -> Notification:
    return to_employee(item, "tp_staff_withdrawn", email, {"reason": reason})
