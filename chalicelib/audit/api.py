"""`staff/audit`: the audit trail of staff actions (administrators only), by target or by employee."""
from __future__ import annotations

from typing import Annotated, Any, Optional

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

from chalicelib.core.web import ApiBlueprint, Request

api = ApiBlueprint(__name__, tag="Консоль сотрудника")

Ident = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80,
                                         pattern=r"^[0-9A-Za-zА-Яа-яЁё_.:\-]+$")]


class AuditQuery(BaseModel):
    """Either a target (`target_kind` + `target_id`, e.g. appeal / its id) or an employee (`actor`)."""
    model_config = ConfigDict(extra="forbid")
    target_kind: Optional[Ident] = None
    target_id: Optional[Ident] = None
    actor: Optional[Ident] = Field(default=None, description="Идентификатор сотрудника")
    limit: int = Field(default=50, ge=1, le=200)

    @model_validator(mode="after")
    def one_subject(self) -> "AuditQuery":
        by_target = self.target_kind is not None and self.target_id is not None
        if by_target == (self.actor is not None):
            raise PydanticCustomError("kabinet.audit", "Укажите объект (вид и номер) или сотрудника")
        return self


class AuditEntryOut(BaseModel):
    at: str
    actor_login: str
    role: str
    action: str
    target: str
    details: dict[str, Any]


class AuditPage(BaseModel):
    items: list[AuditEntryOut]


@api.route("/staff/audit", summary="Журнал действий сотрудников", access="staff", roles=("admin",),
           query=AuditQuery, response=AuditPage, errors=(403, 422))
def audit_trail(req: Request) -> AuditPage:
    from chalicelib.core import audit

    query: AuditQuery = req.query
    entries = (audit.for_target(query.target_kind, query.target_id, query.limit) if query.actor is None
               else audit.by_actor(query.actor, query.limit))
    return AuditPage(items=[AuditEntryOut(**entry.__dict__) for entry in entries])
