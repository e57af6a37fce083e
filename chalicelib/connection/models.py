"""Request and response shapes of grid-connection applications.

Sections are validated for format on every save; whether a section is complete for the chosen
category is `rules.submission_problems`, checked on submit (and shown on the card as `problems`).
Powers are kW with up to 3 decimals, sent and returned as JSON numbers.
"""

import re
from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, ConfigDict, Field, PlainSerializer, StringConstraints
from pydantic_core import PydanticCustomError

from chalicelib.accounts.models import EgrRecord, Email, Passport, Phone
from chalicelib.attachments.models import UploadId
from chalicelib.cases.queue import CURSOR_SCHEMA
from chalicelib.core.model import BaseModel
from chalicelib.core.types import IsoDate, decimal_number, documented

from . import rules

Kw = Annotated[
    Decimal,
    Field(ge=0, le=100000, max_digits=9, decimal_places=3),
    PlainSerializer(float, return_type=float, when_used="json"),
    decimal_number(5, 3),
]
PositiveKw = Annotated[
    Decimal,
    Field(gt=0, le=100000, max_digits=9, decimal_places=3),
    PlainSerializer(float, return_type=float, when_used="json"),
    decimal_number(5, 3, positive=True),
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
AddressText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=5, max_length=300)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
ApplicationId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]


def _pattern(regex: re.Pattern[str], message: str) -> AfterValidator:
    def check(value: str) -> str:
        if not regex.match(value):
            raise PydanticCustomError("kabinet.format", message)
        return value

    return AfterValidator(check)


Okved = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=8),
    _pattern(rules.OKVED, "Код ОКВЭД в формате 00.00.00"),
    documented(pattern=rules.OKVED.pattern),
]
Cadastral = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=40),
    _pattern(rules.CADASTRAL, "Кадастровый номер в формате 00:00:0000000:000"),
    documented(pattern=rules.CADASTRAL.pattern),
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# --- Sections --------------------------------------------------------------------------------------


class ApplicantSection(Strict):
    """Applicant and contacts, prefilled from the profile. ФЛ fill the personal fields, ИП/ЮЛ the
    organisation fields; ИНН, ОГРН and СНИЛС come from the profile and are not edited here."""

    last_name: Name | None = None
    first_name: Name | None = None
    middle_name: Name | None = None
    passport: Passport | None = None
    registration_address: AddressText | None = Field(default=None, description="Адрес регистрации (ФЛ)")
    actual_address: AddressText | None = Field(default=None, description="Фактический адрес проживания (ФЛ)")
    short_name: Name | None = None
    full_name: LongName | None = None
    head_name: Name | None = Field(default=None, description="ФИО руководителя (ЮЛ)")
    egr_record: EgrRecord | None = Field(default=None, description="Номер и дата записи ЕГРЮЛ/ЕГРИП")
    legal_address: AddressText | None = None
    postal_address: AddressText | None = None
    representative: bool = Field(default=False, description="Заявка подаётся представителем (нужна доверенность)")
    representative_name: Name | None = None
    phone: Phone | None = None
    email: Email | None = None


class ObjectSection(Strict):
    name: Name | None = Field(default=None, description="Объект: жилой дом, нежилое помещение, стройплощадка…")
    address: AddressText | None = None
    cadastral_number: Cadastral | None = None
    ownership: rules.Ownership | None = None
    settlement: rules.Settlement | None = Field(default=None, description="Город (urban) или сельская местность")
    grid_distance_m: int | None = Field(
        default=None, ge=0, le=100000, description="Расстояние до ближайших сетей, м, если известно"
    )


class ConnectionStage(Strict):
    design_until: IsoDate = Field(description="Окончание проектирования")
    commissioning: IsoDate = Field(description="Ввод в эксплуатацию")
    power_kw: PositiveKw


class TechnicalSection(Strict):
    requested_kw: Kw | None = Field(default=None, description="Запрашиваемая максимальная мощность")
    previous_kw: Kw = Field(default=Decimal(0), description="Ранее присоединённая мощность")
    voltage: rules.Voltage | None = None
    reliability: rules.Reliability = Field(default="III", description="III категория по умолчанию (seed 001)")
    reliability_justification: Text | None = None
    okved: Okved | None = Field(default=None, description="Вид нагрузки (ОКВЭД), для ЮЛ и ИП")
    temporary_months: int | None = Field(default=None, ge=1, le=rules.MAX_TEMPORARY_MONTHS)
    stages: list[ConnectionStage] | None = Field(default=None, max_length=rules.MAX_STAGES)
    contract_type: rules.ContractType | None = None
    retail_company: Name | None = Field(default=None, description="Энергосбытовая организация")
    instalments: bool = Field(default=False, description="Рассрочка платежа (ЮЛ и ИП свыше 15 до 150 кВт)")


class ApplicantOut(ApplicantSection):
    """The section as shown, with the identifiers fixed at registration."""

    snils: str | None = None
    inn: str | None = None
    ogrn: str | None = None


# --- Requests --------------------------------------------------------------------------------------


class ConnectionApplicationCreate(Strict):
    category: rules.Category
    reason: rules.Reason = "first"


class ConnectionApplicationUpdate(Strict):
    """Each section sent replaces that section; sections not sent stay as they are."""

    category: rules.Category | None = None
    reason: rules.Reason | None = None
    applicant: ApplicantSection | None = None
    object: ObjectSection | None = None
    technical: TechnicalSection | None = None


class ConnectionDocumentsIn(Strict):
    kind: rules.DocumentKind
    upload_ids: list[UploadId] = Field(
        min_length=1, max_length=10, description="Подтверждённые загрузки (назначение connection_application)"
    )


class ReadinessReport(Strict):
    confirm: bool = Field(
        description="Подтверждаю выполнение технических условий со своей стороны", json_schema_extra={"const": True}
    )


class ConnectionQuestion(Strict):
    text: Text


class ConnectionStatusQuery(Strict):
    number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=30)]
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)] = Field(
        description="Фамилия или ФИО полностью (ФЛ), наименование организации (ЮЛ, ИП); регистр, «ё» и лишние "
        "пробелы не важны"
    )


class ConnectionWithdrawal(Strict):
    reason: Text = Field(description="Причина отзыва заявки")


# --- Responses -------------------------------------------------------------------------------------


class ConnectionProblem(BaseModel):
    path: str
    message: str


class ConnectionRequiredDocument(BaseModel):
    kind: str
    title: str
    present: bool


class ConnectionDocument(BaseModel):
    id: str
    kind: str
    kind_title: str
    name: str
    content_type: str
    size: int
    uploaded_at: str
    from_company: bool
    editable: bool = Field(description="Заявитель может удалить файл (черновик или текущая дозагрузка)")


class ConnectionHistoryEntry(BaseModel):
    at: str
    status: str
    status_title: str
    by: rules.Party
    comment: str | None = None


class ConnectionMessage(BaseModel):
    id: str
    at: str
    author: rules.Party
    text: str


class ConnectionDeadline(BaseModel):
    code: rules.DeadlineCode
    title: str
    party: rules.Party = Field(description="Чей это срок: сетевой организации или заявителя")
    basis: str = Field(description="Пункт Правил технологического присоединения (ПП РФ № 861)")
    start: date
    due: date
    done_on: date | None = None
    overdue: bool = Field(description="Срок идёт и уже пропущен")
    late: bool = Field(description="Выполнено позже срока")


class TechnicalConditions(BaseModel):
    number: str
    date: date


class ConnectionApplicationSummary(BaseModel):
    id: str
    number: str | None = None
    status: str
    status_title: str
    category: str
    category_title: str
    reason: str
    reason_title: str
    object_address: str | None = None
    total_kw: Kw | None = None
    created_at: str
    submitted_at: str | None = None
    updated_at: str
    technical_conditions: TechnicalConditions | None = None
    account_number: str | None = None


class ConnectionApplicationList(BaseModel):
    items: list[ConnectionApplicationSummary]


class ConnectionApplicationCard(ConnectionApplicationSummary):
    applicant_kind: rules.ApplicantKind
    applicant: ApplicantOut
    object: ObjectSection
    technical: TechnicalSection
    estimated_review_due: date | None = Field(default=None, description="Ориентировочный срок рассмотрения")
    required_documents: list[ConnectionRequiredDocument]
    documents: list[ConnectionDocument]
    company_documents: list[ConnectionDocument]
    history: list[ConnectionHistoryEntry]
    messages: list[ConnectionMessage]
    deadlines: list[ConnectionDeadline]
    actions: list[str] = Field(
        description="Доступные заявителю действия: edit, submit, delete, upload, "
        "complete_documents, report_readiness, withdraw, ask"
    )
    problems: list[ConnectionProblem] = Field(description="Что мешает подать черновик (пусто — можно подавать)")
    version: int


class ConnectionPublicStatus(BaseModel):
    number: str
    status: str
    status_title: str
    reason: str
    reason_title: str = Field(description="«В связи с»")
    category: str
    category_title: str = Field(description="«Тип заявки»")
    submitted_on: date
    updated_on: date


# --- Staff console ---------------------------------------------------------------------------------


class StaffQueueQuery(Strict):
    status: rules.Status | None = Field(default=None, description="По умолчанию — все заявки в работе")
    category: rules.Category | None = None
    overdue: bool = Field(
        default=False, description="Только с пропущенным идущим сроком (отметка ежедневной проверки сроков)"
    )
    cursor: Annotated[str, StringConstraints(max_length=300)] | None = Field(
        default=None,
        description="next_cursor предыдущей страницы; пусто — первая страница",
        json_schema_extra=CURSOR_SCHEMA,
    )
    limit: int = Field(default=50, ge=1, le=100)


class StaffQueueItem(ConnectionApplicationSummary):
    applicant_name: str
    assignee_login: str | None = None
    overdue: bool
    overdue_deadlines: list[str] = Field(description="Пропущенные идущие сроки (названия этапов)")
    next_due: date | None = Field(default=None, description="Ближайший идущий срок")


class StaffQueuePage(BaseModel):
    items: list[StaffQueueItem]
    next_cursor: str | None = None


class StaffTransition(BaseModel):
    status: str
    title: str
    needs: list[rules.Need]


class StaffApplicationCard(ConnectionApplicationCard):
    owner_id: str
    assignee_login: str | None = None
    transitions: list[StaffTransition] = Field(description="Куда сотрудник может перевести заявку сейчас")


class TechnicalConditionsIn(Strict):
    number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    date: IsoDate


class StaffStatusChange(Strict):
    status: rules.Status
    version: int = Field(ge=1, description="Версия карточки, с которой работал сотрудник")
    comment: Text | None = None
    technical_conditions: TechnicalConditionsIn | None = Field(
        default=None, description="Для статуса «Направлены договор и технические условия»"
    )
    account_number: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9\-]{4,20}$")] | None = Field(
        default=None, description="Для статуса «Присоединение выполнено»"
    )


class StaffAnswer(Strict):
    text: Text


class StaffCompanyDocumentsIn(Strict):
    kind: rules.CompanyDocumentKind
    upload_ids: list[UploadId] = Field(
        min_length=1, max_length=10, description="Подтверждённые загрузки сотрудника (назначение company_document)"
    )
