"""Case items → response shapes, for the user's and the staff's views alike."""

from __future__ import annotations

from datetime import date
from typing import Any

from chalicelib.attachments import FileOut, FileRef
from chalicelib.attachments.repository import FileAttr
from chalicelib.cases.items import HistoryItem

from .models import (
    AnswerOut,
    Applicant,
    Assignee,
    CaseCard,
    CaseSummary,
    HistoryEntry,
    ObjectAddressOut,
    StaffCaseCard,
    StaffCaseSummary,
    StaffTransition,
)
from .repository import AddressAttr, CaseItem
from .rules import ARCHIVED_STATUSES, STATUS_TITLES, TYPE_TITLES, StaffStep, is_overdue, stored_status


def file_ref(attr: FileAttr) -> FileRef:
    return FileRef.from_map(attr.as_dict())


def file_attr(ref: FileRef) -> FileAttr:
    return FileAttr(**ref.to_map())


def _files(attrs: Any) -> list[FileOut]:
    return [file_ref(a).out() for a in attrs or []]


def address_text(address: AddressAttr) -> str:
    text = f"{address.locality}, {address.street}, д. {address.house}"
    return f"{text}, кв. {address.flat}" if address.flat else text


def summary_fields(case: CaseItem, today: date) -> dict[str, Any]:
    return {
        "id": case.case_id,
        "kind": case.kind,
        "number": case.number,
        "type": case.type,
        "type_title": TYPE_TITLES[case.kind][case.type],
        "topic": case.topic,
        "status": case.status,
        "status_title": STATUS_TITLES[case.status],
        "created_at": case.created_at,
        "updated_at": case.updated_at,
        "due_on": case.due_on,
        "overdue": is_overdue(case.status, case.due_on, today),
        "archived": case.status in ARCHIVED_STATUSES,
    }


def summary(case: CaseItem, today: date) -> CaseSummary:
    return CaseSummary(**summary_fields(case, today))


def _card_fields(case: CaseItem, history: list[HistoryItem], today: date) -> dict[str, Any]:
    address = None
    if case.address is not None:
        address = ObjectAddressOut(
            street_id=case.address.street_id,
            street=case.address.street,
            locality=case.address.locality,
            house=case.address.house,
            flat=case.address.flat,
            text=address_text(case.address),
        )
    answer = None
    if case.answer is not None:
        answer = AnswerOut(text=case.answer.text, answered_at=case.answer.answered_at, files=_files(case.answer.files))
    entries = [
        HistoryEntry(
            at=h.at,
            status=stored_status(h.status),
            status_title=STATUS_TITLES[h.status],
            comment=h.comment,
            by_company=h.party_of() == "company",
        )
        for h in sorted(history, key=lambda h: h.sk)
    ]
    return {
        **summary_fields(case, today),
        "addressee": case.addressee,
        "address": address,
        "text": case.text,
        "contact_phone": case.contact_phone,
        "files": _files(case.files),
        "history": entries,
        "answer": answer,
    }


def card(case: CaseItem, history: list[HistoryItem], today: date) -> CaseCard:
    return CaseCard(**_card_fields(case, history, today))


def _assignee(case: CaseItem) -> Assignee | None:
    return Assignee(user_id=case.assignee_id, login=case.assignee_login or "") if case.assignee_id else None


def staff_summary(case: CaseItem, today: date) -> StaffCaseSummary:
    return StaffCaseSummary(**summary_fields(case, today), assignee=_assignee(case))


def staff_card(case: CaseItem, history: list[HistoryItem], today: date, steps: list[StaffStep]) -> StaffCaseCard:
    return StaffCaseCard(
        **_card_fields(case, history, today),
        assignee=_assignee(case),
        applicant=Applicant(user_id=case.owner_id, name=case.applicant_name, email=case.applicant_email),
        transitions=[
            StaffTransition(action=s.action, status=s.status, title=s.title, needs=list(s.needs)) for s in steps
        ],
    )
