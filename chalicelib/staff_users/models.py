"""Request and response shapes of `staff/users*` and the console sign-in."""
from __future__ import annotations

from typing import Annotated, Literal, Optional

from pydantic import BaseModel, Field, StringConstraints, field_validator
from pydantic_core import PydanticCustomError

from chalicelib.accounts.models import Email, Login, NewPassword, Phone, Strict, Text, Token

StaffRole = Literal["admin", "operator", "engineer", "metering", "billing"]
Status = Literal["invited", "active", "disabled"]
MiddleName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Roles = Annotated[list[StaffRole], Field(min_length=1, max_length=5,
                                         description="Роли: admin — администратор; operator — оператор "
                                                     "обращений и услуг; engineer — инженер по технологическому "
                                                     "присоединению; metering — инженер АИИС КУЭ; billing — "
                                                     "оператор обмена с биллингом")]


def _some(roles: object) -> object:
    if isinstance(roles, list) and not roles:
        raise PydanticCustomError("kabinet.roles", "Выберите хотя бы одну роль")
    return roles


def _distinct(roles: list[str]) -> list[str]:
    return sorted(set(roles))


class StaffUserIn(Strict):
    login: Login
    last_name: Text
    first_name: Text
    middle_name: Optional[MiddleName] = None
    email: Email
    phone: Phone
    roles: Roles

    _some = field_validator("roles", mode="before")(_some)
    _roles = field_validator("roles")(_distinct)


class StaffUserPatch(Strict):
    """What an administrator may change; the login stays."""
    last_name: Optional[Text] = None
    first_name: Optional[Text] = None
    middle_name: Optional[MiddleName] = None
    email: Optional[Email] = None
    phone: Optional[Phone] = None
    roles: Optional[Roles] = None

    _some = field_validator("roles", mode="before")(_some)
    _roles = field_validator("roles")(lambda roles: None if roles is None else _distinct(roles))


class StaffUserOut(BaseModel):
    id: str
    login: str
    last_name: str
    first_name: str
    middle_name: Optional[str] = None
    email: str
    phone: str
    roles: list[StaffRole]
    status: Status = Field(description="invited — ещё не задал пароль; active — работает; disabled — отключён")
    last_login_at: Optional[str] = Field(default=None, description="Последний вход (UTC, ISO 8601)")
    created_at: str


class StaffUserList(BaseModel):
    users: list[StaffUserOut]


class PasswordLinkSent(BaseModel):
    message: str


class StaffPasswordSet(Strict):
    """The one-time link's token and the new password (a link of `POST /staff/users` or of a reset)."""
    token: Token
    password: NewPassword  # the policy, which needs the employee's login, is checked by the service


class Colleague(BaseModel):
    id: str
    login: str
    name: str


class ColleagueList(BaseModel):
    colleagues: list[Colleague]


class ColleagueQuery(Strict):
    queue: Literal["appeals", "service_requests", "connection"] = Field(
        description="Очередь: обращения, заявки на услуги, технологическое присоединение")


class HandOverIn(Strict):
    """«Передать коллеге»: the employee who takes the case over."""
    colleague_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
