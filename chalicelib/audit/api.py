"""`staff/audit`: the audit trail of staff actions (administrators only), by target or by employee.

A target is named by its kind and id — or, for appeals, extra-service requests and grid-connection
applications, by the registration number people know it by (`targets.resolve`); an employee by user
id or by login. Entries come newest first; times are the company's local time.
"""

from typing import Annotated, Any

from pydantic import ConfigDict, Field, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

from chalicelib.core.model import BaseModel
from chalicelib.core.web import ApiBlueprint, Request

api = ApiBlueprint(__name__, tag="Консоль сотрудника")

Ident = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80, pattern=r"^[0-9A-Za-zА-Яа-яЁё_.:\-]+$")
]
Login = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32, pattern=r"^[0-9A-Za-z]+$")]
EMPLOYEE_NOT_FOUND = "Сотрудник с таким логином не найден"


class AuditQuery(BaseModel):
    """Either a target (`target_kind` + `target_id`, e.g. appeal / its id or number) or an employee
    (`actor` or `actor_login`)."""

    model_config = ConfigDict(extra="forbid")
    target_kind: Ident | None = Field(
        default=None,
        description="Вид объекта: appeal, service_request, "
        "connection_application, outage, agent, street, period, exchange…",
    )
    target_id: Ident | None = Field(
        default=None,
        description="Идентификатор объекта; для обращений, заявок на услуги и на присоединение — также рег. номер",
    )
    actor: Ident | None = Field(default=None, description="Идентификатор сотрудника")
    actor_login: Login | None = Field(default=None, description="Логин сотрудника")
    limit: int = Field(default=50, ge=1, le=200)

    @model_validator(mode="after")
    def one_subject(self) -> "AuditQuery":
        by_target = self.target_kind is not None and self.target_id is not None
        by_actor = [self.actor, self.actor_login].count(None) == 1
        unused = (self.target_kind is None) != (self.target_id is None)
        if unused or by_target == by_actor or (self.actor is not None and self.actor_login is not None):
            raise PydanticCustomError("kabinet.audit", "Укажите объект (вид и номер) или сотрудника")
        return self


class AuditEntryOut(BaseModel):
    at: str = Field(description="Когда: местное время компании, ISO 8601 со смещением")
    actor_login: str
    role: str
    action: str = Field(description="Код действия: appeal.status, outage.publish, agent.rotate_secret…")
    target: str = Field(description="Вид и идентификатор объекта через #")
    target_kind: str
    target_id: str
    details: dict[str, Any]


class AuditPage(BaseModel):
    items: list[AuditEntryOut]


@api.route(
    "/staff/audit",
    summary="Журнал действий сотрудников: по объекту (вид и идентификатор или рег. номер) "
    "или по сотруднику (идентификатор или логин), новые сверху",
    access="staff",
    roles=("admin",),
    query=AuditQuery,
    response=AuditPage,
    errors=(403, 422),
)
def audit_trail(req: Request) -> AuditPage:
    from chalicelib.core import audit
    from chalicelib.core.config import get_settings

    query: AuditQuery = req.query
    if query.target_kind is not None and query.target_id is not None:
        from .targets import resolve

        entries = audit.for_target(query.target_kind, resolve(query.target_kind, query.target_id), query.limit)
    else:
        entries = audit.by_actor(query.actor or _employee(query.actor_login or ""), query.limit)
    tz = get_settings().tz
    return AuditPage(items=[_out(entry, tz) for entry in entries])


def _employee(login: str) -> str:
    from chalicelib.accounts.repository import UserRepository, staff_identity_key
    from chalicelib.core.errors import field_error

    # Employees' logins are in their own key namespace (a consumer may have the same login).
    user = UserRepository().find_by_identifier("login", staff_identity_key(login.lower()))
    if user is None or user.role == "consumer":
        raise field_error("actor_login", EMPLOYEE_NOT_FOUND)
    return str(user.user_id)


def _out(entry: Any, tz: Any) -> AuditEntryOut:
    from datetime import datetime

    kind, _, target_id = entry.target.partition("#")
    at = datetime.fromisoformat(entry.at.replace("Z", "+00:00")).astimezone(tz).isoformat(timespec="seconds")
    return AuditEntryOut(
        at=at,
        actor_login=entry.actor_login,
        role=entry.role,
        action=entry.action,
        target=entry.target,
        target_kind=kind,
        target_id=target_id,
        details=entry.details,
    )
