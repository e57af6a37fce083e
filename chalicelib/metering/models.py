"""Request and response shapes of `accounts` and `meters/{id}`."""
from __future__ import annotations

from typing import Annotated, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

ContractNumber = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40,
                                                  pattern=r"^[0-9A-Za-zА-Яа-яЁё/\-\.]+$")]
Serial = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40,
                                          pattern=r"^[0-9A-Za-z\-]+$")]
MeterStatus = Literal["active", "decommissioned", "aiis"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class LinkRequest(Strict):
    contract_number: ContractNumber
    meter_serial: Serial


class RenameRequest(Strict):
    label: Optional[Annotated[str, StringConstraints(strip_whitespace=True, max_length=60)]] = None


class VirtualMeterRequest(Strict):
    """A meter the user declares (seed 001): checked by billing at the next exchange."""
    location: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=200)]
    account_number: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9\-]{4,20}$")]
    serial: Serial
    model: Optional[Annotated[str, StringConstraints(strip_whitespace=True, max_length=60)]] = None
    digits: int = Field(default=6, ge=4, le=9)
    zones: Literal[1, 2, 3] = 1


class MeterSummary(BaseModel):
    id: str
    serial: str
    label: Optional[str] = None
    model: Optional[str] = None
    status: MeterStatus
    zones: list[str]
    digits: int
    virtual: bool
    verified: bool
    account: Optional[str] = None
    location: Optional[str] = Field(default=None, description="Место установки заявленного счётчика")


class ObjectOut(BaseModel):
    id: str
    name: str
    address: str
    account: str
    meters: list[MeterSummary]


class ContractOut(BaseModel):
    number: str
    holder_name: str
    objects: list[ObjectOut]


class AccountsOut(BaseModel):
    contracts: list[ContractOut]
    declared_meters: list[MeterSummary] = Field(description="Заявленные пользователем счётчики, ещё не подтверждённые")


class CurrentReading(BaseModel):
    period: str
    values: dict[str, str]
    consumption: dict[str, str]
    submitted_at: str


class MeterCard(BaseModel):
    id: str
    serial: str
    label: Optional[str] = None
    model: Optional[str] = None
    status: MeterStatus
    contract: Optional[str] = None
    account: str
    object_name: Optional[str] = None
    location: Optional[str] = None
    digits: int
    zones: list[str]
    coefficient: str
    install_date: Optional[str] = None
    install_place: Optional[str] = None
    verified_on: Optional[str] = None
    next_verification: Optional[str] = None
    seal: Optional[str] = None
    point_code: Optional[str] = None
    virtual: bool
    verified: bool
    last_billing_values: dict[str, str]
    last_billing_period: Optional[str] = None
    current_reading: Optional[CurrentReading] = None
