"""Request and response shapes of access requests: `accounts/access-requests` (the applicant) and
`staff/access-requests` (operators and administrators). The service: `access_requests.py`."""

from typing import Annotated, Literal, get_args

from pydantic import ConfigDict, Field, StringConstraints

from chalicelib.attachments.models import FileOut, UploadId
from chalicelib.core.model import BaseModel

from .models import ContractNumber, Right, Serial

Relation = Literal["holder", "tenant", "relative", "representative", "other"]
Status = Literal["pending", "approved", "refused"]
Decision = Literal["approve", "refuse"]
_RELATIONS: dict[str, Relation] = {relation: relation for relation in get_args(Relation)}
_STATUSES: dict[str, Status] = {status: status for status in get_args(Status)}


def stored_relation(value: str) -> Relation:
    """As read from a request item (only ever written from `Relation`)."""
    return _RELATIONS[value]


def stored_request_status(value: str) -> Status:
    """As read from a request item (only ever written from `Status`)."""
    return _STATUSES[value]


RELATION_TITLES: dict[str, str] = {
    "holder": "Я владелец договора",
    "tenant": "Арендатор (наниматель)",
    "relative": "Родственник владельца",
    "representative": "Представитель по доверенности",
    "other": "Другое",
}
STATUS_TITLES: dict[str, str] = {"pending": "На рассмотрении", "approved": "Доступ предоставлен", "refused": "Отказано"}
MAX_FILES = 5


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class AccessRequestIn(Strict):
    contract_number: ContractNumber
    meter_serial: Serial
    relation: Relation = Field(
        description="Кем заявитель приходится договору: владелец, арендатор, родственник, представитель, другое"
    )
    right: Right = Field(
        description="Запрошенное право: holder — владелец, submit — просмотр и передача "
        "показаний, view — только просмотр"
    )
    comment: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] = ""
    files: list[UploadId] = Field(
        min_length=1,
        max_length=MAX_FILES,
        description="Подтверждённые загрузки с purpose=access_request: доверенность, "
        "договор аренды, иной документ (хотя бы один)",
        json_schema_extra={"uniqueItems": True},
    )


class AccessRequestOut(BaseModel):
    id: str
    contract_number: str
    meter_serial: str
    relation: Relation
    relation_title: str
    right: Right = Field(description="Запрошенное право")
    comment: str
    files: list[FileOut]
    status: Status
    status_title: str
    reason: str | None = Field(default=None, description="Причина отказа или комментарий сотрудника")
    granted_right: Right | None = Field(default=None, description="Предоставленное право (при одобрении)")
    created_at: str
    decided_at: str | None = None


class AccessRequestList(BaseModel):
    items: list[AccessRequestOut]


class StaffQueueQuery(Strict):
    status: Status = "pending"
    limit: int = Field(default=30, ge=1, le=100)
    cursor: Annotated[str, StringConstraints(max_length=100)] | None = Field(
        default=None,
        description="next_cursor предыдущей страницы; пусто — первая страница",
        json_schema_extra={
            "pattern": r"^([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z"
            r"_[0-9a-f]{32})?$"
        },
    )


class StaffRequestSummary(BaseModel):
    id: str
    created_at: str
    contract_number: str
    meter_serial: str
    applicant_name: str
    applicant_login: str
    relation: Relation
    relation_title: str
    right: Right
    status: Status
    status_title: str
    from_migration: bool = Field(description="Запрос создан переносом привязок, сделанных до проверки владельца")


class StaffRequestList(BaseModel):
    items: list[StaffRequestSummary]
    next_cursor: str | None = None


class Identity(BaseModel):
    """A consumer's identity: the applicant's as registered, or the holder's as billing sends it."""

    kind: str | None = Field(default=None, description="person | entrepreneur | company")
    name: str | None = None
    snils: str | None = None
    inn: str | None = None
    kpp: str | None = None
    ogrn: str | None = None


class Applicant(Identity):
    user_id: str
    login: str
    email: str | None = None
    phone: str | None = None
    active: bool = Field(description="Учётная запись существует и подтверждена")


class Holder(Identity):
    category: str | None = Field(
        default=None,
        description="Категория потребителя; пусто — договор в старом формате биллинга, без данных владельца",
    )


class ContractUser(BaseModel):
    user_id: str
    name: str | None = None
    login: str | None = None
    right: Right
    granted_by: str | None = None
    since: str


class StaffRequestCard(StaffRequestSummary):
    comment: str
    files: list[FileOut]
    reason: str | None = None
    granted_right: Right | None = None
    decided_at: str | None = None
    decided_by: str | None = Field(default=None, description="Логин сотрудника, принявшего решение")
    applicant: Applicant
    contract_found: bool = Field(description="Договор с таким номером есть в биллинге")
    serial_matched: bool = Field(description="В договоре есть действующий счётчик с таким заводским номером")
    holder: Holder | None = Field(default=None, description="Владелец по данным биллинга")
    identity_matches: bool = Field(description="Данные заявителя совпадают с данными владельца (ИНН/КПП, СНИЛС)")
    users: list[ContractUser] = Field(description="Кто уже подключён к договору")
    can_approve: bool = Field(description="Запрос на рассмотрении, договор и счётчик найдены, учётная запись активна")


class DecisionIn(Strict):
    decision: Decision
    right: Right | None = Field(
        default=None, description="Предоставляемое право (при одобрении; по умолчанию запрошенное)"
    )
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] = Field(
        default="", description="Причина отказа (обязательна при отказе) или комментарий для заявителя"
    )
