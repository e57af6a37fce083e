"""Stored items → response shapes (the card, list rows), shared by the applicant's and staff routes."""

from __future__ import annotations

import json
from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel

from chalicelib.attachments.models import FileRef
from chalicelib.cases.rules import as_party

from . import rules
from .models import (
    ApplicantOut,
    ApplicantSection,
    ConnectionApplicationCard,
    ConnectionApplicationSummary,
    ConnectionDeadline,
    ConnectionDocument,
    ConnectionHistoryEntry,
    ConnectionMessage,
    ConnectionProblem,
    ConnectionRequiredDocument,
    ObjectSection,
    TechnicalConditions,
    TechnicalSection,
)
from .repository import ApplicationItem, ApplicationRecord, DocumentItem

FIXED_IDENTIFIERS = ("snils", "inn", "ogrn")
Section = TypeVar("Section", bound=BaseModel)


def stored(section: BaseModel) -> dict[str, Any]:
    """A section as kept in DynamoDB: JSON values, decimals as text (no float rounding), no empty fields."""
    return dict(json.loads(section.model_dump_json(exclude_none=True), parse_float=str))


def _section(model: type[Section], data: dict[str, Any]) -> Section:
    return model.model_validate({k: v for k, v in data.items() if k in model.model_fields})


def applicant_of(item: ApplicationItem) -> ApplicantSection:
    return _section(ApplicantSection, item.applicant.as_dict())


def object_of(item: ApplicationItem) -> ObjectSection:
    return _section(ObjectSection, item.facility.as_dict())


def technical_of(item: ApplicationItem) -> TechnicalSection:
    return _section(TechnicalSection, item.technical.as_dict())


def local_day(instant: str, tz: tzinfo) -> date:
    return datetime.fromisoformat(instant.replace("Z", "+00:00")).astimezone(tz).date()


def milestones_of(item: ApplicationItem, tz: tzinfo) -> dict[str, date]:
    return {status: local_day(at, tz) for status, at in item.milestones.as_dict().items()}


def deadlines_of(item: ApplicationItem, tz: tzinfo) -> list[rules.Deadline]:
    technical, facility = technical_of(item), object_of(item)
    return rules.deadlines(
        item.category,
        item.status,
        milestones_of(item, tz),
        technical.voltage,
        facility.settlement,
        facility.grid_distance_m,
    )


def summary(item: ApplicationItem) -> ConnectionApplicationSummary:
    return ConnectionApplicationSummary(**_summary_fields(item))


def _summary_fields(item: ApplicationItem) -> dict[str, Any]:
    total: Decimal | None = rules.total_kw(technical_of(item))
    tu = (
        TechnicalConditions(number=item.tu_number, date=date.fromisoformat(item.tu_date))
        if item.tu_number and item.tu_date
        else None
    )
    return dict(
        id=item.application_id,
        number=item.number,
        status=item.status,
        status_title=rules.STATUS_TITLES[item.status],
        category=item.category,
        category_title=rules.CATEGORIES[item.category].title,
        reason=item.reason,
        reason_title=rules.REASON_TITLES[item.reason],
        object_address=item.facility.as_dict().get("address"),
        total_kw=total,
        created_at=item.created_at,
        submitted_at=item.submitted_at,
        updated_at=item.updated_at,
        technical_conditions=tu,
        account_number=item.account_number,
    )


def file_of(document: DocumentItem) -> FileRef:
    return FileRef.from_map(document.file.as_dict())


def document_out(document: DocumentItem, item: ApplicationItem) -> ConnectionDocument:
    ref = file_of(document)
    if document.from_company:
        title, editable = rules.COMPANY_DOCUMENT_TITLES[document.doc_kind], False
    else:
        title = rules.DOCUMENT_TITLES[document.doc_kind]
        # Files of the set being assembled only; «Завершить загрузку» and submission lock the set.
        editable = rules.documents_editable(item.status) and int(document.round) == int(item.documents_round)
    return ConnectionDocument(
        id=ref.id,
        kind=document.doc_kind,
        kind_title=title,
        name=ref.name,
        content_type=ref.content_type,
        size=ref.size,
        uploaded_at=ref.uploaded_at,
        from_company=document.from_company,
        editable=editable,
    )


def card_fields(record: ApplicationRecord, tz: tzinfo, today: date) -> dict[str, Any]:
    item = record.application
    applicant, facility, technical = applicant_of(item), object_of(item), technical_of(item)
    own = [d for d in record.documents if not d.from_company]
    present = {d.doc_kind for d in own}
    problems: list[rules.Problem] = []
    if item.status == "draft":
        problems = rules.submission_problems(
            item.kind, item.category, item.reason, applicant, facility, technical, present
        )
    received = item.milestones.as_dict().get("checking")
    fixed = {k: v for k, v in item.applicant.as_dict().items() if k in FIXED_IDENTIFIERS}
    by_time = sorted(record.documents, key=lambda d: (d.added_at, int(d.position)))
    return dict(
        **_summary_fields(item),
        applicant_kind=item.kind,
        applicant=ApplicantOut(**applicant.model_dump(exclude_none=True), **fixed),
        object=facility,
        technical=technical,
        estimated_review_due=rules.estimated_review_due(item.category, local_day(received, tz)) if received else None,
        required_documents=[
            ConnectionRequiredDocument(kind=k, title=rules.DOCUMENT_TITLES[k], present=k in present)
            for k in rules.required_documents(item.category, applicant)
        ],
        documents=[document_out(d, item) for d in by_time if not d.from_company],
        company_documents=[document_out(d, item) for d in by_time if d.from_company],
        history=[
            ConnectionHistoryEntry(
                at=h.at, status=h.status, status_title=rules.STATUS_TITLES[h.status], by=h.party_of(), comment=h.comment
            )
            for h in record.history
        ],
        messages=[
            ConnectionMessage(id=m.sk.removeprefix("MSG#"), at=m.at, author=as_party(m.author), text=m.text)
            for m in record.messages
        ],
        deadlines=[deadline_out(d, today) for d in deadlines_of(item, tz)],
        actions=rules.applicant_actions(item.status),
        problems=[ConnectionProblem(path=p.path, message=p.message) for p in problems],
        version=int(item.version),
    )


def card(record: ApplicationRecord, tz: tzinfo, today: date) -> ConnectionApplicationCard:
    return ConnectionApplicationCard(**card_fields(record, tz, today))


def deadline_out(deadline: rules.Deadline, today: date) -> ConnectionDeadline:
    return ConnectionDeadline(
        code=deadline.code,
        title=deadline.title,
        party=deadline.party,
        basis=deadline.basis,
        start=deadline.start,
        due=deadline.due,
        done_on=deadline.done_on,
        overdue=deadline.overdue(today),
        late=deadline.late,
    )
