"""Routes of `meters/{id}/aiis/...` and `accounts/{contract}/aiis` (consumers) and of
`staff/agents...` and `staff/aiis/...` (the console)."""

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
    AiisContractOut,
    ConsumptionOut,
    ConsumptionQuery,
    EventsOut,
    EventsQuery,
    Export80020Query,
    Export80020RangeQuery,
    ProfileOut,
    ProfileQuery,
    ReadingsOut,
    ReadingsQuery,
    RegistersOut,
    RelayOut,
)

api = ApiBlueprint(__name__, tag="АИИС КУЭ")

# The metering (АИИС КУЭ) queue; billing exchange reads the 80020 exports too.
STAFF = ("metering", "billing", "admin")
ASSIGNERS = ("metering", "admin")
ADMINS = ("admin",)


# --- consumers -----------------------------------------------------------------------------------


@api.route(
    "/meters/{meter_id}/aiis/registers",
    summary="Показания A+, A-, R+, R- со временем снятия",
    response=RegistersOut,
    errors=(403, 404),
)
def registers(req: Request, meter_id: str) -> RegistersOut:
    from .reader import AiisReader

    return AiisReader().registers(req.principal, meter_id)


@api.route(
    "/meters/{meter_id}/aiis/profile",
    summary="Профиль мощности: интервалы счётчика (1–60 мин) за период до 31 дня",
    query=ProfileQuery,
    response=ProfileOut,
    errors=(403, 404, 422),
)
def profile(req: Request, meter_id: str) -> ProfileOut:
    from .reader import AiisReader

    return AiisReader().profile(req.principal, meter_id, req.query.date_from, req.query.date_to)


@api.route(
    "/meters/{meter_id}/aiis/profile.csv",
    summary="Профиль мощности за период в CSV (Excel)",
    query=ProfileQuery,
    produces="text/csv",
    errors=(403, 404, 422),
)
def profile_csv(req: Request, meter_id: str) -> Result:
    from .reader import AiisReader

    return AiisReader().profile_csv(req.principal, meter_id, req.query.date_from, req.query.date_to)


@api.route(
    "/meters/{meter_id}/aiis/consumption",
    summary="График потребления: день (интервалы профиля счётчика), месяц (по дням), год (по месяцам); календарный или "
    "расчётный период; канал A+, A-, R+, R- (знак «+» передавайте как %2B)",
    query=ConsumptionQuery,
    response=ConsumptionOut,
    errors=(403, 404, 422),
)
def consumption(req: Request, meter_id: str) -> ConsumptionOut:
    from .reader import AiisReader

    return AiisReader().consumption(req.principal, meter_id, req.query)


@api.route(
    "/meters/{meter_id}/aiis/consumption.csv",
    summary="Данные графика потребления в CSV (Excel): те же параметры, что у графика",
    query=ConsumptionQuery,
    produces="text/csv",
    errors=(403, 404, 422),
)
def consumption_csv(req: Request, meter_id: str) -> Result:
    from .reader import AiisReader

    return AiisReader().consumption_csv(req.principal, meter_id, req.query)


@api.route(
    "/meters/{meter_id}/aiis/readings",
    summary="Таблица показаний по дням, новые сверху, постранично",
    query=ReadingsQuery,
    response=ReadingsOut,
    errors=(403, 404, 422),
)
def readings(req: Request, meter_id: str) -> ReadingsOut:
    from .reader import AiisReader

    return AiisReader().readings(req.principal, meter_id, req.query.page, req.query.size)


@api.route(
    "/meters/{meter_id}/aiis/events",
    summary="Журнал событий счётчика с фильтрами по важности и журналу",
    query=EventsQuery,
    response=EventsOut,
    errors=(403, 404, 422),
)
def events(req: Request, meter_id: str) -> EventsOut:
    from .reader import AiisReader

    return AiisReader().events(req.principal, meter_id, req.query)


@api.route(
    "/meters/{meter_id}/aiis/events.csv",
    summary="Журнал событий счётчика в CSV (Excel): те же фильтры, что у журнала",
    query=EventsQuery,
    produces="text/csv",
    errors=(403, 404, 422),
)
def events_csv(req: Request, meter_id: str) -> Result:
    from .reader import AiisReader

    return AiisReader().events_csv(req.principal, meter_id, req.query)


@api.route(
    "/meters/{meter_id}/aiis/relay",
    summary="Состояние реле нагрузки (включено/отключено)",
    response=RelayOut,
    errors=(403, 404),
)
def relay(req: Request, meter_id: str) -> RelayOut:
    from .reader import AiisReader

    return AiisReader().relay(req.principal, meter_id)


@api.route(
    "/accounts/{contract_number}/aiis",
    summary="Подключена ли услуга АИИС КУЭ к договору в этом личном кабинете, и счётчики договора",
    response=AiisContractOut,
    errors=(404,),
)
def contract_status(req: Request, contract_number: str) -> AiisContractOut:
    from .contracts import AiisContracts

    return AiisContracts().status(req.principal, contract_number)


@api.route(
    "/accounts/{contract_number}/aiis",
    "POST",
    summary=(
        "Подключить услугу АИИС КУЭ к договору в этом личном кабинете "
        "(доступ других пользователей договора не меняется)"
    ),
    response=AiisContractOut,
    errors=(404,),
)
def connect(req: Request, contract_number: str) -> AiisContractOut:
    from .contracts import AiisContracts

    return AiisContracts().set_connected(req.principal, contract_number, True)


@api.route(
    "/accounts/{contract_number}/aiis",
    "DELETE",
    summary="Отключить услугу АИИС КУЭ от договора в этом личном кабинете (только для себя)",
    status=204,
    errors=(404,),
)
def disconnect(req: Request, contract_number: str) -> None:
    from .contracts import AiisContracts

    AiisContracts().set_connected(req.principal, contract_number, False)


# --- staff ---------------------------------------------------------------------------------------


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
