"""Request and response shapes of `accounts` and `meters/{id}`."""

import re
from typing import Annotated, Literal, get_args

from pydantic import AfterValidator, ConfigDict, Field, StringConstraints
from pydantic_core import PydanticCustomError

from chalicelib.accounts.identifiers import InvalidIdentifier, normalize_email
from chalicelib.core.model import BaseModel
from chalicelib.core.types import EMAIL_PATTERN, documented

ContractNumber = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40, pattern=r"^[0-9A-Za-zА-Яа-яЁё/\-\.]+$")
]
Serial = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40, pattern=r"^[0-9A-Za-z\-]+$")
]
MeterStatus = Literal["active", "decommissioned", "aiis"]
Right = Literal["holder", "submit", "view"]
CoUserRight = Literal["submit", "view"]
_STATUSES: dict[str, MeterStatus] = {status: status for status in get_args(MeterStatus)}
_RIGHTS: dict[str, Right] = {right: right for right in get_args(Right)}
_CO_USER_RIGHTS: dict[str, CoUserRight] = {right: right for right in get_args(CoUserRight)}


def stored_status(value: str) -> MeterStatus:
    """A meter status as read from an item (only ever written from `MeterStatus`)."""
    return _STATUSES[value]


def stored_right(value: str) -> Right:
    """A right as read from a link (only ever written from `Right`)."""
    return _RIGHTS[value]


def stored_co_user_right(value: str) -> CoUserRight:
    """A co-user's right as read from an invitation or a co-user's link."""
    return _CO_USER_RIGHTS[value]


def _billed_reading(value: str) -> str:
    if not re.fullmatch(r"\d{1,9}([.,]\d{1,6})?", value):
        raise PydanticCustomError(
            "kabinet.billed_reading", "Показание из квитанции: только цифры, до 9 знаков до запятой"
        )
    return value


def _email(value: str) -> str:
    try:
        return normalize_email(value)
    except InvalidIdentifier as exc:
        raise PydanticCustomError("kabinet.email", str(exc)) from None


BilledReading = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20), AfterValidator(_billed_reading)]
Email = Annotated[str, StringConstraints(max_length=254), AfterValidator(_email), documented(pattern=EMAIL_PATTERN)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class LinkRequest(Strict):
    contract_number: ContractNumber
    meter_serial: Serial
    billed_reading: BilledReading | None = Field(
        default=None,
        description="Последнее показание этого счётчика из счёта или квитанции (для ЮЛ и ИП; для ФЛ — если "
        "в договоре нет СНИЛС)",
    )


class RenameRequest(Strict):
    label: Annotated[str, StringConstraints(strip_whitespace=True, max_length=60)] | None = None


class VirtualMeterRequest(Strict):
    """A meter the user declares (seed 001): checked by billing at the next exchange."""

    location: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=200)]
    account_number: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9\-]{4,20}$")]
    serial: Serial
    model: Annotated[str, StringConstraints(strip_whitespace=True, max_length=60)] | None = None
    digits: int = Field(default=6, ge=4, le=9)
    zones: Literal[1, 2, 3] = 1


class MeterSummary(BaseModel):
    id: str
    serial: str
    label: str | None = None
    model: str | None = None
    status: MeterStatus
    zones: list[str]
    digits: int
    virtual: bool
    verified: bool
    account: str | None = None
    location: str | None = Field(default=None, description="Место установки заявленного счётчика")


class ObjectOut(BaseModel):
    id: str
    name: str
    address: str
    account: str
    meters: list[MeterSummary]


class ContractOut(BaseModel):
    number: str
    holder_name: str
    right: Right = Field(description="Право пользователя: владелец, просмотр и передача показаний, только просмотр")
    objects: list[ObjectOut]


class AccountsOut(BaseModel):
    contracts: list[ContractOut]
    declared_meters: list[MeterSummary] = Field(description="Заявленные пользователем счётчики, ещё не подтверждённые")


class CurrentReading(BaseModel):
    period: str
    values: dict[str, str]
    consumption: dict[str, str]
    submitted_at: str


class ReplacementOut(BaseModel):
    date: str = Field(description="Дата замены")
    old_serial: str = Field(description="Заводской номер снятого счётчика")
    old_final: dict[str, str] = Field(description="Конечные показания снятого счётчика по зонам")
    new_serial: str = Field(description="Заводской номер установленного счётчика")
    new_initial: dict[str, str] = Field(description="Начальные показания установленного счётчика по зонам")


class MeterCard(BaseModel):
    id: str
    serial: str
    label: str | None = None
    model: str | None = None
    status: MeterStatus
    contract: str | None = None
    account: str
    object_name: str | None = None
    location: str | None = None
    digits: int
    zones: list[str]
    coefficient: str
    install_date: str | None = None
    install_place: str | None = None
    verified_on: str | None = None
    next_verification: str | None = None
    seal: str | None = None
    point_code: str | None = None
    virtual: bool
    verified: bool
    last_billing_values: dict[str, str]
    last_billing_period: str | None = None
    current_reading: CurrentReading | None = None
    right: Right = Field(description="Право пользователя на договор этого счётчика")
    replacements: list[ReplacementOut] = Field(
        default_factory=list, description="Замены прибора учёта по данным биллинга, новые первыми"
    )


class InvitationRequest(Strict):
    email: Email
    right: CoUserRight


class InvitationOut(BaseModel):
    id: str
    email: str
    right: CoUserRight
    created_at: str
    expires_at: str


class CoUserOut(BaseModel):
    user_id: str
    name: str = Field(description="«Фамилия И. О.» или краткое наименование организации")
    login: str
    right: CoUserRight
    since: str


class CoUsersOut(BaseModel):
    co_users: list[CoUserOut]
    invitations: list[InvitationOut] = Field(description="Приглашения, ещё не принятые")


class AcceptInvitationRequest(Strict):
    contract_number: ContractNumber
    token: Annotated[str, StringConstraints(min_length=10, max_length=200, pattern=r"^[A-Za-z0-9_\-]+$")]
