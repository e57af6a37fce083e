"""Consumer routes: `meters/{id}/aiis/...` (a meter's data) and `accounts/{contract}/aiis` (connecting
the service to a contract in this personal account)."""

from __future__ import annotations

from chalicelib.core.web import ApiBlueprint, Request, Result

from .models import (
    AiisContractOut,
    ConsumptionOut,
    ConsumptionQuery,
    EventsOut,
    EventsQuery,
    ProfileOut,
    ProfileQuery,
    ReadingsOut,
    ReadingsQuery,
    RegistersOut,
    RelayOut,
)

api = ApiBlueprint(__name__, tag="АИИС КУЭ")


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
