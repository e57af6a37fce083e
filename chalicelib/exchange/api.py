"""Routes of the staff exchange console: `staff/exchange/*` and `staff/periods/{period}/close`."""

from __future__ import annotations

from chalicelib.core.web import ApiBlueprint, Request

from .models import DropUpload, DropUploaded, LockOut, PeriodClosed, RunDetail, RunList, RunsQuery

api = ApiBlueprint(__name__, tag="Обмен с биллингом")

READERS = ("billing", "admin")
ADMINS = ("admin",)


@api.route(
    "/staff/exchange/runs",
    summary="Журнал обменов с биллингом, новые первыми",
    access="staff",
    roles=READERS,
    query=RunsQuery,
    response=RunList,
    errors=(422,),
)
def runs(req: Request) -> RunList:
    from .service import ExchangeService

    return ExchangeService().runs(req.query.limit)


@api.route(
    "/staff/exchange/runs/{run_id}",
    summary="Отчёт об обмене: выгрузка, загруженные файлы, ошибки строк",
    access="staff",
    roles=READERS,
    response=RunDetail,
    errors=(404,),
)
def run(req: Request, run_id: str) -> RunDetail:
    from .service import ExchangeService

    return ExchangeService().run(run_id)


@api.route(
    "/staff/exchange/lock",
    summary="Блокировка ввода показаний на время обмена",
    access="staff",
    roles=READERS,
    response=LockOut,
)
def lock_state(req: Request) -> LockOut:
    from .service import ExchangeService

    return ExchangeService().lock()


@api.route(
    "/staff/exchange/run",
    "POST",
    summary="Запустить обмен сейчас (409, если обмен уже идёт)",
    access="staff",
    roles=ADMINS,
    response=RunDetail,
    errors=(409,),
)
def run_now(req: Request) -> RunDetail:
    from .service import ExchangeService

    context = req.lambda_context
    return ExchangeService().run_now(req.principal, lambda: context.get_remaining_time_in_millis() / 1000)


@api.route(
    "/staff/exchange/drops",
    "POST",
    summary="Положить файл биллинга (CSV или JSON, до 5 МБ) во входящие: загрузится при следующем обмене",
    access="staff",
    roles=ADMINS,
    body=DropUpload,
    response=DropUploaded,
    status=201,
    max_body_bytes=6 * 1024 * 1024,
)
def upload_drop(req: Request) -> DropUploaded:
    from .service import ExchangeService

    return ExchangeService().upload_drop(req.principal, req.body)


@api.route(
    "/staff/periods/{period}/close",
    "POST",
    summary="Закрыть расчётный период: показания за него больше не принимаются",
    access="staff",
    roles=ADMINS,
    response=PeriodClosed,
    errors=(422,),
)
def close_period(req: Request, period: str) -> PeriodClosed:
    from .service import ExchangeService

    return ExchangeService().close_period(req.principal, period)
