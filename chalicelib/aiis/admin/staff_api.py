"""Staff routes of the console: `staff/agents...` (edge agents and their meters) and `staff/aiis/...`
(АТС 80020 exports)."""

from __future__ import annotations

from chalicelib.core.web import ApiBlueprint, Request, Result

from .models import (
    AgentCreate,
    AgentCreated,
    AgentList,
    AgentMetersIn,
    AgentOut,
    AgentPatch,
    AgentRotate,
    AgentSecret,
    Export80020Query,
    Export80020RangeQuery,
)

api = ApiBlueprint(__name__, tag="АИИС КУЭ")

# The metering (АИИС КУЭ) queue; billing exchange reads the 80020 exports too.
STAFF = ("metering", "billing", "admin")
ASSIGNERS = ("metering", "admin")
ADMINS = ("admin",)


@api.route(
    "/staff/agents",
    summary="Агенты УСПД: связь, очередь, версия, счётчики и их часы",
    access="staff",
    roles=STAFF,
    response=AgentList,
)
def list_agents(req: Request) -> AgentList:
    from .agents import AgentAdmin

    return AgentAdmin().list()


@api.route(
    "/staff/agents",
    "POST",
    summary="Зарегистрировать агента: секрет для файла ключа показывается один раз",
    access="staff",
    roles=ADMINS,
    body=AgentCreate,
    response=AgentCreated,
    status=201,
    errors=(409,),
)
def create_agent(req: Request) -> AgentCreated:
    from .agents import AgentAdmin

    return AgentAdmin().create(req.principal, req.body)


@api.route(
    "/staff/agents/{agent_id}",
    summary="Агент УСПД: связь, очередь, счётчики",
    access="staff",
    roles=STAFF,
    response=AgentOut,
    errors=(404,),
)
def get_agent(req: Request, agent_id: str) -> AgentOut:
    from .agents import AgentAdmin

    return AgentAdmin().get(agent_id)


@api.route(
    "/staff/agents/{agent_id}",
    "PATCH",
    summary="Переименовать, отключить или включить агента",
    access="staff",
    roles=ADMINS,
    body=AgentPatch,
    response=AgentOut,
    errors=(404, 409),
)
def update_agent(req: Request, agent_id: str) -> AgentOut:
    from .agents import AgentAdmin

    return AgentAdmin().patch(req.principal, agent_id, req.body)


@api.route(
    "/staff/agents/{agent_id}/meters",
    "PUT",
    summary="Счётчики агента (полный список по договору и заводскому номеру): только их данные принимаются",
    access="staff",
    roles=ASSIGNERS,
    body=AgentMetersIn,
    response=AgentOut,
    errors=(404, 409),
)
def assign_meters(req: Request, agent_id: str) -> AgentOut:
    from .agents import AgentAdmin

    return AgentAdmin().set_meters(req.principal, agent_id, req.body)


@api.route(
    "/staff/agents/{agent_id}/secret",
    "POST",
    summary="Сменить секрет агента: новый показывается один раз, прежний действует ещё keep_previous_hours "
    "часов или до первого запроса с новым",
    access="staff",
    roles=ADMINS,
    body=AgentRotate,
    response=AgentSecret,
    errors=(404, 409),
)
def rotate_secret(req: Request, agent_id: str) -> AgentSecret:
    from .agents import AgentAdmin

    return AgentAdmin().rotate(req.principal, agent_id, req.body)


@api.route(
    "/staff/aiis/80020",
    summary="Выгрузка суток в макете 80020 (XML, windows-1251) по точкам измерения; "
    "запрос с заголовком Accept: application/xml",
    access="staff",
    roles=STAFF,
    query=Export80020Query,
    produces="application/xml",
    errors=(422,),
)
def export_80020(req: Request) -> Result:
    from .exports import PointsExport

    return PointsExport().day_80020(req.query.date, req.query.points, req.query.half_hours_only)


@api.route(
    "/staff/aiis/80020/range",
    summary="Выгрузка нескольких суток в макете 80020: zip, по файлу на сутки; "
    "запрос с заголовком Accept: application/zip",
    access="staff",
    roles=STAFF,
    query=Export80020RangeQuery,
    produces="application/zip",
    errors=(422,),
)
def export_80020_range(req: Request) -> Result:
    from .exports import PointsExport

    return PointsExport().range_80020(
        req.query.date_from, req.query.date_to, req.query.points, req.query.half_hours_only
    )
