"""The notifications of a case: on registration and on every status change (SMS, e-mail, feed)."""

from __future__ import annotations

from datetime import date

from chalicelib.notifications import targets
from chalicelib.notifications.outbox import Notification

from .repository import CaseItem
from .rules import STATUS_TITLES, TYPE_TITLES

ANSWER_NOTE = " Ответ можно прочитать в личном кабинете."


def _due(case: CaseItem) -> str:
    return date.fromisoformat(case.due_on).strftime("%d.%m.%Y")


def submitted(case: CaseItem) -> Notification:
    return Notification(
        template=f"{case.kind}_submitted",
        user_id=case.owner_id,
        email=case.applicant_email,
        phone=case.contact_phone,
        link=targets.case(case.kind, case.case_id),
        params={"number": case.number, "type": TYPE_TITLES[case.kind][case.type], "due_on": _due(case)},
    )


def status_changed(case: CaseItem, status: str, email: str | None, comment: str = "") -> Notification:
    """`email` is the owner's current address (it may have changed since submission; None if the
    account is gone). A staff comment is the company's own text, so it may be sent."""
    note = ANSWER_NOTE if status == "answered" else (f" Комментарий: {comment}" if comment else "")
    return Notification(
        template=f"{case.kind}_status",
        user_id=case.owner_id,
        email=email,
        phone=case.contact_phone,
        link=targets.case(case.kind, case.case_id),
        params={"number": case.number, "status": STATUS_TITLES[status], "note": note},
    )
