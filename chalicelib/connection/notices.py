"""Notifications of an application: on submission (number and estimated term, seed 003) and on every
status change (SMS and e-mail, seed 000), to the contacts given in the application; plus the feed."""
from __future__ import annotations

from datetime import date
from typing import Optional

from chalicelib.notifications.outbox import Notification

from . import rules
from .repository import ApplicationItem


def ru_date(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def _to(item: ApplicationItem, template: str, params: dict[str, str]) -> Notification:
    contacts = item.applicant.as_dict() if item.applicant else {}
    return Notification(template, {"number": item.number or "", **params}, user_id=item.owner_id,
                        email=contacts.get("email"), phone=contacts.get("phone"))


def submitted(item: ApplicationItem, review_due: date) -> Notification:
    return _to(item, "tp_submitted", {"category": rules.CATEGORIES[item.category].title, "due_on": ru_date(review_due)})


def status_changed(item: ApplicationItem, status: str, comment: Optional[str] = None,
                   documents_due: Optional[date] = None) -> Notification:
    """`item` already carries what the change set (ТУ, account number)."""
    lines = []
    if status == "contract_sent" and item.tu_number and item.tu_date:
        lines.append(f"Технические условия № {item.tu_number} от {ru_date(date.fromisoformat(item.tu_date))}.")
    if status == "connected" and item.account_number:
        lines.append(f"Номер лицевого счёта: {item.account_number}.")
    if comment:
        lines.append(f"Комментарий специалиста: {comment}")
    if documents_due is not None:
        lines.append("Загрузите недостающие документы в карточке заявки и нажмите «Завершить загрузку» "
                     f"до {ru_date(documents_due)}, иначе заявка будет аннулирована.")
    note = "".join(f"\n\n{line}" for line in lines)
    return _to(item, "tp_status", {"status": rules.STATUS_TITLES[status], "note": note})


def answered(item: ApplicationItem) -> Notification:
    return _to(item, "tp_answer", {})


def company_document(item: ApplicationItem, kind: str) -> Notification:
    return _to(item, "tp_document", {"title": rules.COMPANY_DOCUMENT_TITLES[kind]})
