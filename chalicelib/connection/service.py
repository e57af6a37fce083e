"""The applicant's side: drafts (deleted with their files released), sections, submission with a
registration number, documents, missing documents, readiness, withdrawal, questions; and the public
status check."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from pynamodb.exceptions import TransactWriteError, UpdateError

from chalicelib.accounts.principal import Principal
from chalicelib.accounts.repository import UserRepository
from chalicelib.attachments.models import DownloadLink
from chalicelib.cases.dates import company_today
from chalicelib.core import clock, throttle
from chalicelib.core.dynamo import conflict_on_condition, is_conditional_failure, transaction
from chalicelib.core.errors import ApiError, FieldError, conflict, field_error, not_found, validation_error
from chalicelib.notifications import outbox

from . import notices, rules, views, workflow
from .models import (
    ConnectionApplicationCard,
    ConnectionApplicationCreate,
    ConnectionApplicationList,
    ConnectionApplicationUpdate,
    ConnectionDocumentsIn,
    ConnectionPublicStatus,
    ConnectionQuestion,
    ConnectionStatusQuery,
    ConnectionWithdrawal,
    ReadinessReport,
    TechnicalSection,
)
from .repository import (
    OPEN_QUEUE,
    SK,
    ApplicationItem,
    ApplicationRecord,
    MessageItem,
    application_key,
    document_items,
    message_key,
    number_key,
    owner_key,
    precise,
)

NOT_FOUND = "Заявка не найдена"
NOT_DRAFT = "Заявку можно изменять только в статусе «Черновик»"
DELETE_ONLY_DRAFT = "Удалить можно только черновик. Поданную заявку можно отозвать"
# A transaction holds at most 100 items: a draft's files go in batches (document + upload each).
DELETE_BATCH = 45
PUBLIC_NOT_FOUND = "Заявка с таким номером и фамилией (наименованием организации) не найдена"
# A user's question is an item in the application's partition: the limit keeps a card one Query.
QUESTIONS_PER_HOUR = 10
MAX_DOCUMENTS = 60
# Concurrent submissions on one day race for the day's counter; the loser re-reads and retries.
NUMBER_ATTEMPTS = 25
COUNTER_LIFETIME = timedelta(days=7)
PURPOSE = "connection_application"


class ConnectionService(workflow.ApplicationServices):
    # --- drafts ------------------------------------------------------------------------------------

    def create(self, principal: Principal, body: ConnectionApplicationCreate) -> ConnectionApplicationCard:
        user = principal.user
        _refuse(rules.choice_problems(user.kind, body.category, body.reason))
        application_id = uuid.uuid4().hex
        now = clock.iso(clock.now())
        item = ApplicationItem(
            application_key(application_id),
            SK,
            application_id=application_id,
            owner_id=user.user_id,
            owner_pk=owner_key(user.user_id),
            kind=user.kind,
            category=body.category,
            reason=body.reason,
            status="draft",
            applicant=prefilled_applicant(user),
            facility={},
            technical=views.stored(TechnicalSection()),
            milestones={"draft": now},
            created_at=now,
            updated_at=now,
            version=1,
        )
        item.save(condition=ApplicationItem.pk.does_not_exist())
        return self.card(principal, application_id)

    def update(
        self, principal: Principal, application_id: str, body: ConnectionApplicationUpdate
    ) -> ConnectionApplicationCard:
        item = self._own_item(principal, application_id)
        if item.status != "draft":
            raise conflict(NOT_DRAFT)
        sent = body.model_fields_set
        category = body.category or item.category
        reason = body.reason or item.reason
        _refuse(
            rules.choice_problems(item.kind, category, reason)
            + (
                # A null is "not filled" (the form sends every field): only a value is foreign to the kind.
                rules.foreign_applicant_fields(
                    item.kind,
                    {name for name in body.applicant.model_fields_set if getattr(body.applicant, name) is not None},
                )
                if body.applicant
                else []
            )
        )
        actions: list[Any] = [ApplicationItem.category.set(category), ApplicationItem.reason.set(reason)]
        if "applicant" in sent and body.applicant is not None:
            fixed = {k: v for k, v in item.applicant.as_dict().items() if k in views.FIXED_IDENTIFIERS}
            actions.append(ApplicationItem.applicant.set({**views.stored(body.applicant), **fixed}))
        if "object" in sent and body.object is not None:
            actions.append(ApplicationItem.facility.set(views.stored(body.object)))
        if "technical" in sent and body.technical is not None:
            actions.append(ApplicationItem.technical.set(views.stored(body.technical)))
        self._write(item, actions, ApplicationItem.status == "draft", NOT_DRAFT)
        return self.card(principal, application_id)

    def delete(self, principal: Principal, application_id: str) -> None:
        """A draft goes with its files: their uploads are released to the sweep (attachments). Files
        beyond one transaction go first, each batch bumping the version so that a concurrent upload or
        submission fails rather than slipping in; the last batch deletes the application itself."""
        record = self._own_record(principal, application_id)
        item = record.application
        if item.status != "draft":
            raise conflict(DELETE_ONLY_DRAFT)
        key = application_key(application_id)
        documents = record.documents
        version = int(item.version)
        with conflict_on_condition(workflow.STALE):
            while True:
                batch, documents = documents[:DELETE_BATCH], documents[DELETE_BATCH:]
                current = (ApplicationItem.status == "draft") & (ApplicationItem.version == version)
                with transaction() as tx:
                    if documents:
                        tx.update(
                            ApplicationItem(key, SK),
                            actions=[ApplicationItem.version.set(version + 1)],
                            condition=current,
                        )
                    else:
                        tx.delete(ApplicationItem(key, SK), condition=current)
                    for document in batch:
                        tx.delete(document)
                    self.attachments.release(tx, key, [views.file_of(d) for d in batch])
                if not documents:
                    return
                version += 1

    # --- reading -----------------------------------------------------------------------------------

    def list(self, principal: Principal) -> ConnectionApplicationList:
        return ConnectionApplicationList(items=[views.summary(i) for i in self.repo.of_owner(principal.user_id)])

    def card(self, principal: Principal, application_id: str) -> ConnectionApplicationCard:
        return views.card(self._own_record(principal, application_id), self.settings.tz, company_today())

    # --- submission ----------------------------------------------------------------------------------

    def submit(self, principal: Principal, application_id: str) -> ConnectionApplicationCard:
        record = self._own_record(principal, application_id)
        item = record.application
        if item.status != "draft":
            raise conflict(NOT_DRAFT)
        applicant, facility, technical = views.applicant_of(item), views.object_of(item), views.technical_of(item)
        present = {d.doc_kind for d in record.documents if not d.from_company}
        _refuse(
            rules.submission_problems(item.kind, item.category, item.reason, applicant, facility, technical, present),
            "Заявка заполнена не полностью. Проверьте отмеченные поля",
        )
        day = company_today()
        for _ in range(NUMBER_ATTEMPTS):
            if self._submit_as(item, day, self.repo.counter(day.isoformat()) + 1):
                return self.card(principal, application_id)
        raise ApiError("Не удалось присвоить номер заявке. Повторите отправку", status=503, code="busy")

    def _submit_as(self, item: ApplicationItem, day: date, seq: int) -> bool:
        """One attempt: the day's counter moves from seq−1 to seq in the same transaction that gives the
        application its number. False when another submission took seq first."""
        now = clock.now()
        at = clock.iso(now)
        number = item.number = rules.application_number(day, seq, item.category)
        note = notices.submitted(item, rules.estimated_review_due(item.category, day))
        version = int(item.version)
        item.status = "checking"
        item.milestones["checking"] = at
        watch = workflow.watch_actions(workflow.watch_of(item, self.settings.tz, day), day)
        try:
            with transaction() as tx:
                self.repo.advance_counter(tx, day.isoformat(), seq - 1, clock.epoch(now + COUNTER_LIFETIME))
                tx.update(
                    ApplicationItem(application_key(item.application_id)),
                    actions=[
                        ApplicationItem.status.set("checking"),
                        ApplicationItem.number.set(number),
                        ApplicationItem.number_key.set(number_key(number)),
                        *watch,
                        ApplicationItem.submitted_at.set(at),
                        ApplicationItem.updated_at.set(at),
                        ApplicationItem.milestones["checking"].set(at),
                        ApplicationItem.queue_pk.set(OPEN_QUEUE),  # submitted: in work
                        ApplicationItem.version.set(version + 1),
                    ],
                    condition=(ApplicationItem.status == "draft") & (ApplicationItem.version == version),
                )
                tx.save(
                    workflow.history_item(item.application_id, version + 1, at, "checking", "applicant", item.owner_id)
                )
                outbox.stage(tx, note)
        except TransactWriteError as exc:
            if not is_conditional_failure(exc):
                raise
            fresh = self.repo.get(item.application_id)
            if fresh is None or fresh.status != "draft" or int(fresh.version) != version:
                raise conflict(workflow.STALE) from None
            item.status = "draft"
            return False
        outbox.dispatch([note])
        return True

    # --- documents -----------------------------------------------------------------------------------

    def add_documents(
        self, principal: Principal, application_id: str, body: ConnectionDocumentsIn
    ) -> ConnectionApplicationCard:
        record = self._own_record(principal, application_id)
        item = record.application
        if not rules.documents_editable(item.status):
            raise conflict("Документы можно добавлять в черновик или по запросу недостающих документов")
        if len(record.documents) + len(body.upload_ids) > MAX_DOCUMENTS:
            raise field_error("upload_ids", f"К заявке можно приложить не более {MAX_DOCUMENTS} файлов")
        files = self.attachments.require_confirmed(principal, body.upload_ids, PURPOSE, "upload_ids")
        now = precise(clock.now())
        with conflict_on_condition(workflow.STALE), transaction() as tx:
            _touch(tx, item)
            for document in document_items(
                application_id, files, body.kind, int(item.documents_round), from_company=False, added_at=now
            ):
                tx.save(document)
            self.attachments.attach(tx, application_key(application_id), files)
        return self.card(principal, application_id)

    def remove_document(self, principal: Principal, application_id: str, document_id: str) -> None:
        record = self._own_record(principal, application_id)
        item = record.application
        document = next((d for d in record.documents if d.sk == f"DOC#{document_id}" and not d.from_company), None)
        if document is None:
            raise not_found("Документ не найден")
        if not views.document_out(document, item).editable:
            raise conflict("Этот документ уже передан в сетевую организацию и удалить его нельзя")
        with conflict_on_condition(workflow.STALE), transaction() as tx:
            _touch(tx, item)
            tx.delete(document)
            self.attachments.release(tx, application_key(application_id), [views.file_of(document)])

    def complete_documents(self, principal: Principal, application_id: str) -> ConnectionApplicationCard:
        """«Завершить загрузку» (seed 001): the set of this round is locked and goes back to checking."""
        record = self._own_record(principal, application_id)
        item = record.application
        change = workflow.Change("checking", "applicant", principal.user_id)
        workflow.guard(item, change)
        if not any(int(d.round) == int(item.documents_round) and not d.from_company for d in record.documents):
            raise conflict("Загрузите хотя бы один недостающий документ")
        workflow.apply(item, change)
        return self.card(principal, application_id)

    def download(self, principal: Principal, application_id: str, document_id: str, inline: bool) -> DownloadLink:
        record = self._own_record(principal, application_id)
        document = next((d for d in record.documents if d.sk == f"DOC#{document_id}"), None)
        if document is None:
            raise not_found("Документ не найден")
        return self.attachments.download_url(principal, record.application.owner_id, views.file_of(document), inline)

    # --- readiness and questions -------------------------------------------------------------------

    def report_readiness(
        self, principal: Principal, application_id: str, body: ReadinessReport
    ) -> ConnectionApplicationCard:
        if not body.confirm:
            raise field_error("confirm", "Подтвердите выполнение технических условий со своей стороны")
        item = self._own_item(principal, application_id)
        workflow.apply(item, workflow.Change("readiness_reported", "applicant", principal.user_id))
        return self.card(principal, application_id)

    def withdraw(
        self, principal: Principal, application_id: str, body: ConnectionWithdrawal
    ) -> ConnectionApplicationCard:
        """«Отозвать заявку»: closed for good, the reason in the history; the responsible employee (if
        one has taken it) is told by e-mail in the same transaction."""
        item = self._own_item(principal, application_id)
        change = workflow.Change(
            "withdrawn", "applicant", principal.user_id, body.reason, notice=notices.withdrawn_line(body.reason)
        )
        workflow.guard(item, change)
        employee = UserRepository().get(item.assignee_id) if item.assignee_id else None
        if employee is not None and employee.email and employee.status == "active":
            change.extra_notes.append(notices.withdrawn_for_employee(item, employee.email, body.reason))
        workflow.apply(item, change)
        return self.card(principal, application_id)

    def ask(self, principal: Principal, application_id: str, body: ConnectionQuestion) -> ConnectionApplicationCard:
        item = self._own_item(principal, application_id)
        if item.status == "draft":
            raise conflict("Вопрос специалисту можно задать после подачи заявки")
        throttle.hit("tp-question", principal.user_id, QUESTIONS_PER_HOUR, 3600)
        now = clock.now()
        MessageItem(
            application_key(application_id),
            message_key(now),
            at=clock.iso(now),
            author="applicant",
            author_id=principal.user_id,
            text=body.text,
        ).save()
        return self.card(principal, application_id)

    # --- public check ------------------------------------------------------------------------------

    def public_status(self, query: ConnectionStatusQuery, source_ip: str) -> ConnectionPublicStatus:
        """Status and dates only. A wrong name and an unknown number get the same answer, and every
        attempt counts against the caller's address, so numbers cannot be probed."""
        throttle.hit(
            "tp-status",
            source_ip,
            self.settings.connection_status_checks_per_ip,
            self.settings.connection_status_window_seconds,
        )
        number = "".join(query.number.split())
        item = self.repo.by_number(number) if rules.is_application_number(number) else None
        if item is None or rules.name_key(query.name) not in rules.public_names(item.kind, views.applicant_of(item)):
            raise not_found(PUBLIC_NOT_FOUND)
        tz = self.settings.tz
        assert item.submitted_at is not None and item.number is not None
        return ConnectionPublicStatus(
            number=item.number,
            status=item.status,
            status_title=rules.STATUS_TITLES[item.status],
            reason=item.reason,
            reason_title=rules.REASON_TITLES[item.reason],
            category=item.category,
            category_title=rules.CATEGORIES[item.category].title,
            submitted_on=views.local_day(item.submitted_at, tz),
            updated_on=views.local_day(item.updated_at, tz),
        )

    # --- helpers -------------------------------------------------------------------------------------

    def _own_item(self, principal: Principal, application_id: str) -> ApplicationItem:
        item = self.repo.get(application_id)
        if item is None or item.owner_id != principal.user_id:
            raise not_found(NOT_FOUND)  # someone else's application is as good as none
        return item

    def _own_record(self, principal: Principal, application_id: str) -> ApplicationRecord:
        record = self.repo.record(application_id)
        if record is None or record.application.owner_id != principal.user_id:
            raise not_found(NOT_FOUND)
        return record

    @staticmethod
    def _write(item: ApplicationItem, actions: Sequence[Any], condition: Any, refused: str) -> None:
        version = int(item.version)
        now = clock.iso(clock.now())
        try:
            item.update(
                actions=[*actions, ApplicationItem.updated_at.set(now), ApplicationItem.version.set(version + 1)],
                condition=condition & (ApplicationItem.version == version),
            )
        except UpdateError as exc:
            if is_conditional_failure(exc):
                raise conflict(refused) from None
            raise


def _touch(tx: Any, item: ApplicationItem) -> None:
    """A change of the document set is a new version of the application: a submission or «Завершить
    загрузку» racing with it then fails instead of passing with a set it did not check."""
    tx.update(
        ApplicationItem(application_key(item.application_id)),
        actions=[
            ApplicationItem.version.set(int(item.version) + 1),
            ApplicationItem.updated_at.set(clock.iso(clock.now())),
        ],
        condition=(ApplicationItem.status == item.status) & (ApplicationItem.version == item.version),
    )


def _refuse(problems: list[rules.Problem], message: str | None = None) -> None:
    if problems:
        fields = [FieldError(p.path, p.message) for p in problems]
        raise validation_error(fields, message) if message else validation_error(fields)


def prefilled_applicant(user: Any) -> dict[str, Any]:
    """The applicant section from the profile (seed 001: passport for ФЛ, ЕГРЮЛ record for ИП/ЮЛ)."""
    profile = user.profile.as_dict() if user.profile else {}
    address = _address_text(profile.get("address"))
    data: dict[str, Any] = {"phone": user.phone, "email": user.email}
    if user.kind == "person":
        data.update(
            {k: profile[k] for k in ("last_name", "first_name", "middle_name", "passport", "snils") if profile.get(k)}
        )
        if address:
            data["registration_address"] = address
    else:
        data.update(
            {
                k: profile[k]
                for k in ("short_name", "full_name", "head_name", "egr_record", "inn", "ogrn")
                if profile.get(k)
            }
        )
        if address:
            data["legal_address"] = address
    return data


def _address_text(address: dict[str, Any] | None) -> str | None:
    if not address:
        return None
    parts = [
        address.get("postcode"),
        address.get("locality"),
        address.get("street"),
        f"д. {address['house']}" if address.get("house") else None,
        f"кв. {address['flat']}" if address.get("flat") else None,
    ]
    return ", ".join(p for p in parts if p)
