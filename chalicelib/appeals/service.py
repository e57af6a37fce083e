"""A user's appeals and extra-service requests: submission with a registration number, the lists
(search by number, archive), the card with its history and answer, and file downloads."""

from __future__ import annotations

import random
import re
import time
import uuid
from collections.abc import Sequence
from typing import Any

from pynamodb.exceptions import TransactWriteError

from chalicelib.attachments import DownloadLink, FileRef
from chalicelib.attachments.service import FILE_NOT_READY, AttachmentService
from chalicelib.cases.dates import company_today
from chalicelib.cases.items import HistoryItem, history_entry
from chalicelib.cases.rules import Party
from chalicelib.core import clock, throttle
from chalicelib.core.config import get_settings
from chalicelib.core.dynamo import is_conditional_failure, transaction
from chalicelib.core.errors import ApiError, field_error, not_found
from chalicelib.notifications import outbox
from chalicelib.reference.repository import StreetRepository

from . import notify, views
from .models import CASE_ID_PATTERN, AppealIn, CaseCard, CaseList, CaseListQuery, CaseOptions, Option, ServiceRequestIn
from .repository import AddressAttr, CaseItem, CaseRepository, case_key, history_key, number_key, owner_key, queue_key
from .rules import (
    APPEAL_TYPES,
    ARCHIVED_STATUSES,
    SERVICE_TYPES,
    STATUS_TITLES,
    due_date,
    format_number,
    parse_number_query,
)

NOT_FOUND = {"appeal": "Обращение не найдено", "service_request": "Заявка не найдена"}
FILE_NOT_FOUND = "Файл не найден"
# A case with its history, oldest first (a module-level name: `CaseService.list` shadows the builtin).
LoadedCase = tuple[CaseItem, list[HistoryItem]]
# Submissions racing for the year's counter retry with a fresh read; each retry is one more
# contender fewer, so this bound is only reached under a pathological burst.
MAX_NUMBER_ATTEMPTS = 25


def history_item(
    case: CaseItem, rev: int, status: str, at: str, actor_id: str, party: Party, comment: str | None = None
) -> HistoryItem:
    return history_entry(
        case.pk, history_key(rev), at=at, status=status, party=party, actor_id=actor_id, comment=comment
    )


def _conflicted(exc: TransactWriteError) -> bool:
    reasons = getattr(exc, "cancellation_reasons", None) or []
    return any(reason is not None and reason.code == "TransactionConflict" for reason in reasons)


def applicant_name(user: Any) -> str:
    profile = user.profile.as_dict() if user.profile else {}
    if user.kind == "person":
        parts = (profile.get("last_name"), profile.get("first_name"), profile.get("middle_name"))
        return " ".join(p for p in parts if p) or user.login
    return str(profile.get("short_name") or user.login)


def valid_case_id(case_id: str) -> bool:
    return re.fullmatch(CASE_ID_PATTERN, case_id) is not None


class CaseService:
    def __init__(
        self,
        repository: CaseRepository | None = None,
        attachments: AttachmentService | None = None,
        streets: StreetRepository | None = None,
    ) -> None:
        self.repo = repository or CaseRepository()
        self.attachments = attachments or AttachmentService()
        self.streets = streets or StreetRepository()

    @staticmethod
    def options() -> CaseOptions:
        settings = get_settings()
        return CaseOptions(
            appeal_types=[Option(code=k, title=v) for k, v in APPEAL_TYPES.items()],
            service_types=[Option(code=k, title=v) for k, v in SERVICE_TYPES.items()],
            addressees=settings.addressees,
            statuses=[Option(code=k, title=v) for k, v in STATUS_TITLES.items()],
            appeal_answer_days=settings.appeal_answer_days,
            service_request_days=settings.service_request_days,
        )

    # --- submission -----------------------------------------------------------------------------

    def submit_appeal(self, principal: Any, body: AppealIn) -> CaseCard:
        if body.addressee not in get_settings().addressees:
            raise field_error("addressee", "Выберите адресата из списка")
        self._throttle(principal)
        files = self.attachments.require_confirmed(principal, body.attachments, purpose="appeal")
        case = self._new_case(
            principal, "appeal", body.type, body.topic, body.text, body.contact_phone, get_settings().appeal_answer_days
        )
        case.addressee = body.addressee
        return self._register(principal, case, files)

    def submit_service_request(self, principal: Any, body: ServiceRequestIn) -> CaseCard:
        street = self.streets.by_ids([body.address.street_id]).get(body.address.street_id)
        if street is None:
            raise field_error("address.street_id", "Выберите улицу из справочника")
        self._throttle(principal)
        files = self.attachments.require_confirmed(principal, body.attachments, purpose="service_request")
        case = self._new_case(
            principal,
            "service_request",
            body.service,
            SERVICE_TYPES[body.service],
            body.text,
            body.contact_phone,
            get_settings().service_request_days,
        )
        case.address = AddressAttr(
            street_id=street.id,
            street=street.name,
            locality=street.locality,
            house=body.address.house,
            flat=body.address.flat or None,
        )
        return self._register(principal, case, files)

    @staticmethod
    def _throttle(principal: Any) -> None:
        throttle.hit("cases-submit", principal.user_id, get_settings().cases_per_hour, 3600)

    @staticmethod
    def _new_case(principal: Any, kind: str, type_: str, topic: str, text: str, phone: str, days: int) -> CaseItem:
        now = clock.iso(clock.now())
        case_id = uuid.uuid4().hex
        user = principal.user
        return CaseItem(
            case_key(kind, case_id),
            case_id=case_id,
            kind=kind,
            owner_pk=owner_key(principal.user_id),
            owner_id=principal.user_id,
            created_at=now,
            updated_at=now,
            status="submitted",
            queue_pk=queue_key(kind, "submitted"),
            type=type_,
            topic=topic,
            text=text,
            contact_phone=phone,
            applicant_name=applicant_name(user),
            applicant_email=user.email,
            due_on=due_date(company_today(), days).isoformat(),
        )

    def _register(self, principal: Any, case: CaseItem, files: Sequence[FileRef]) -> CaseCard:
        """Give the case the next number of the year and write it, its first history entry, its files
        and its notification in one transaction with the counter's conditional advance: two submissions
        can never get the same number, and a failed write never uses one up."""
        case.files = [views.file_attr(f) for f in files]
        history = history_item(case, 1, "submitted", case.created_at, principal.user_id, "applicant")
        year = company_today().year
        previous: int | None = None
        for attempt in range(MAX_NUMBER_ATTEMPTS):
            seen = self.repo.counter(year)
            if previous is not None and seen == previous and files:
                # The counter did not move, so what failed the transaction was a file being
                # attached to another case meanwhile.
                raise field_error("attachments", FILE_NOT_READY)
            previous = seen
            case.year, case.seq = year, seen + 1
            case.number = format_number(year, seen + 1)
            case.number_key = number_key(case.number)
            note = notify.submitted(case)
            try:
                with transaction() as tx:
                    self.repo.advance_counter(tx, year, seen)
                    tx.save(case, condition=CaseItem.pk.does_not_exist())
                    tx.save(history)
                    self.attachments.attach(tx, case.pk, files)
                    outbox.stage(tx, note)
            except TransactWriteError as exc:
                if not is_conditional_failure(exc):
                    raise
                if _conflicted(exc):
                    previous = None  # a concurrent transaction, not a condition: just try again
                time.sleep(random.uniform(0, 0.01 * (attempt + 1)))  # spread the contenders out
                continue
            outbox.dispatch([note])
            return views.card(case, [history], company_today())
        raise ApiError("Не удалось зарегистрировать обращение. Повторите попытку", status=503, code="busy")

    # --- reading --------------------------------------------------------------------------------

    def list(self, principal: Any, query: CaseListQuery, kind: str | None = None) -> CaseList:
        """One Query of the user's cases (both kinds); filters apply here, the list is small."""
        number = None
        if query.number:
            number = parse_number_query(query.number)
            if number is None:
                raise field_error("number", "Введите номер, например 2026-000123 или 123")
        today = company_today()
        items = []
        # Newest number first, as the seed's table is ordered (created_at ties within a second).
        cases = sorted(self.repo.of_owner(principal.user_id), key=lambda c: (int(c.year), int(c.seq)), reverse=True)
        for case in cases:
            if kind is not None and case.kind != kind:
                continue
            if query.status is not None and case.status != query.status:
                continue
            if query.archived is not None and (case.status in ARCHIVED_STATUSES) != query.archived:
                continue
            if number is not None and not number.matches(int(case.year), int(case.seq)):
                continue
            items.append(views.summary(case, today))
        return CaseList(items=items)

    def card(self, principal: Any, kind: str, case_id: str) -> CaseCard:
        case, history = self._owned(principal, kind, case_id)
        return views.card(case, history, company_today())

    def _owned(self, principal: Any, kind: str, case_id: str) -> LoadedCase:
        case, history = self.repo.card(kind, case_id) if valid_case_id(case_id) else (None, [])
        if case is None or case.owner_id != principal.user_id:
            raise not_found(NOT_FOUND[kind])  # someone else's case does not exist for this user
        return case, history

    def download(
        self, principal: Any, kind: str, case_id: str, file_id: str, inline: bool, staff: bool = False
    ) -> DownloadLink:
        """The user's own case (or any, for staff): its files and its answer's files."""
        case, _ = self.repo.card(kind, case_id) if valid_case_id(case_id) else (None, [])
        if case is None or (not staff and case.owner_id != principal.user_id):
            raise not_found(NOT_FOUND[kind])
        attrs = list(case.files or []) + list(case.answer.files or [] if case.answer else [])
        found = next((a for a in attrs if a.id == file_id), None)
        if found is None:
            raise not_found(FILE_NOT_FOUND)
        return self.attachments.download_url(principal, case.owner_id, views.file_ref(found), inline=inline)
