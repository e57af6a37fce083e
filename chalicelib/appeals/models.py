"""Request and response shapes of appeals, extra-service requests and their staff console."""

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, JsonValue, StringConstraints

from chalicelib.accounts.models import Phone
from chalicelib.attachments import FileOut, UploadId
from chalicelib.cases.queue import CURSOR_SCHEMA
from chalicelib.core.config import get_settings
from chalicelib.core.model import BaseModel
from chalicelib.reference.models import StreetId

from .rules import Kind, Need, StaffAction, Status

MAX_TEXT = 1000
MAX_FILES = 5
CASE_ID_PATTERN = r"^[0-9a-f]{32}$"

# The same codes as rules.APPEAL_TYPES / SERVICE_TYPES (tests/unit/test_appeals_rules.py keeps them equal).
AppealType = Literal["information", "complaint", "unmetered_consumption", "grid_theft", "consultation"]
ServiceType = Literal["reading_removal", "meter_commissioning", "supply_point_equipping", "meter_installation"]

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT)]
Comment = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_TEXT)]
Attachments = Annotated[
    list[UploadId],
    Field(
        default_factory=list,
        max_length=MAX_FILES,
        description="upload_id подтверждённых загрузок (до 5)",
        json_schema_extra={"uniqueItems": True},
    ),
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _addressees(schema: dict[str, JsonValue]) -> None:
    """The company's addressees as the field's enum, read when the document is built (they are settings)."""
    addressees: list[JsonValue] = [*get_settings().addressees]
    schema["enum"] = addressees


# --- requests ---------------------------------------------------------------------------------


class AppealIn(Strict):
    type: AppealType
    addressee: Annotated[str, StringConstraints(min_length=1, max_length=200)] = Field(
        description="Кому: одно из значений addressees из /appeals/options",
        json_schema_extra=_addressees,
    )
    topic: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    text: Text
    contact_phone: Phone
    attachments: Attachments


class ObjectAddressIn(Strict):
    street_id: StreetId = Field(description="Улица из справочника (/reference/streets)")
    house: Annotated[str, StringConstraints(min_length=1, max_length=25)]
    flat: Annotated[str, StringConstraints(max_length=25)] | None = None


class ServiceRequestIn(Strict):
    service: ServiceType
    address: ObjectAddressIn
    text: Text
    contact_phone: Phone
    attachments: Attachments


class CaseListQuery(Strict):
    number: Annotated[str, StringConstraints(max_length=20)] | None = Field(
        default=None,
        description="Рег. номер целиком (2026-000123) или только порядковая часть (123)",
        json_schema_extra={"pattern": r"^(([0-9]{4}-)?0{0,5}[1-9][0-9]{0,8})?$"},
    )
    status: Status | None = None
    archived: bool | None = Field(
        default=None, description="true — только закрытые и отклонённые, false — только незакрытые"
    )


class StaffQueueQuery(Strict):
    status: Status = "submitted"
    type: Annotated[str, StringConstraints(max_length=40)] | None = None
    overdue: bool = False
    number: Annotated[str, StringConstraints(max_length=20)] | None = Field(
        default=None,
        description="Найти по рег. номеру: целиком (2026-000123) или только порядковая часть (123) — "
        "за этот год и четыре предыдущих; остальные фильтры не применяются",
        json_schema_extra={"pattern": r"^(([0-9]{4}-)?0{0,5}[1-9][0-9]{0,8})?$"},
    )
    limit: int = Field(default=50, ge=1, le=100)
    cursor: Annotated[str, StringConstraints(max_length=300)] | None = Field(
        default=None,
        description="next_cursor предыдущей страницы; пусто — первая страница",
        json_schema_extra=CURSOR_SCHEMA,
    )


class StatusChangeIn(Strict):
    status: Literal["in_progress", "rejected", "closed"] = Field(
        description="Ответ даётся через /answer; in_progress назначает обращение на Вас, если оно ничьё"
    )
    comment: Comment = ""


class AnswerIn(Strict):
    text: Text
    attachments: Attachments = Field(
        default_factory=list, max_length=MAX_FILES, description="upload_id файлов с purpose=company_document"
    )


# --- responses --------------------------------------------------------------------------------


class Option(BaseModel):
    code: str
    title: str


class CaseOptions(BaseModel):
    appeal_types: list[Option]
    service_types: list[Option]
    addressees: list[str]
    statuses: list[Option]
    appeal_answer_days: int
    service_request_days: int
    max_text: int = MAX_TEXT
    max_files: int = MAX_FILES


class CaseSummary(BaseModel):
    id: str
    kind: Kind
    number: str
    type: str
    type_title: str
    topic: str
    status: Status
    status_title: str
    created_at: str
    updated_at: str
    due_on: str = Field(description="Срок рассмотрения (дата, часовой пояс компании)")
    overdue: bool
    archived: bool


class CaseList(BaseModel):
    items: list[CaseSummary]


class ObjectAddressOut(BaseModel):
    street_id: str
    street: str
    locality: str
    house: str
    flat: str | None = None
    text: str = Field(description="Адрес одной строкой")


class HistoryEntry(BaseModel):
    at: str
    status: Status
    status_title: str
    comment: str | None = None
    by_company: bool


class AnswerOut(BaseModel):
    text: str
    answered_at: str
    files: list[FileOut]


class CaseCard(CaseSummary):
    addressee: str | None = None
    address: ObjectAddressOut | None = None
    text: str
    contact_phone: str
    files: list[FileOut]
    history: list[HistoryEntry]
    answer: AnswerOut | None = None


class Applicant(BaseModel):
    user_id: str
    name: str
    email: str


class Assignee(BaseModel):
    user_id: str
    login: str


class StaffCaseSummary(CaseSummary):
    assignee: Assignee | None = None


class StaffCaseList(BaseModel):
    items: list[StaffCaseSummary]
    next_cursor: str | None = None


class StaffTransition(BaseModel):
    """One step the employee may take now (the shape of the connection card's `transitions`)."""

    action: StaffAction = Field(
        description="Запрос, которым выполняется шаг: take — POST …/take, "
        "status — POST …/status, answer — POST …/answer"
    )
    status: Status = Field(description="Статус после шага (при передаче себе обращения в работе он не меняется)")
    title: str = Field(description="Надпись кнопки: «Взять в работу», «Ответить», «Отказать»…")
    needs: list[Need] = Field(description="Что обязательно передать: comment — причину, text — текст ответа")


class StaffCaseCard(CaseCard):
    applicant: Applicant
    assignee: Assignee | None = None
    transitions: list[StaffTransition] = Field(
        description="Что этот сотрудник может сделать сейчас; остальные действия API отклонит (409). "
        "У закрытого и отклонённого — пусто"
    )
