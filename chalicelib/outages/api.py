"""Routes of `outages*` (public lookup, subscriptions) and `staff/outages*` (the console)."""

from __future__ import annotations

from pydantic import BaseModel

from chalicelib.core.web import ApiBlueprint, Request

from .models import (
    MonthQuery,
    OutageDetail,
    OutageImport,
    OutageImportReport,
    OutageIn,
    OutageList,
    OutageMonth,
    OutagePatch,
    OutageQuery,
    SubscriptionChoice,
    SubscriptionIn,
    SubscriptionList,
    SubscriptionOut,
)

api = ApiBlueprint(__name__, tag="Отключения")

OPERATORS = ("operator", "admin")


@api.route(
    "/outages",
    summary="Плановые и аварийные отключения по адресу за период (по умолчанию — 14 дней)",
    access="public",
    query=OutageQuery,
    response=OutageList,
    errors=(422,),
)
def lookup(req: Request) -> BaseModel:
    from .service import OutageService

    q = req.query
    return OutageService().lookup(q.street_id, q.house, q.kind, q.date_from, q.date_to)


@api.route(
    "/outages/subscriptions",
    summary="Адреса, об отключениях по которым приходят SMS, и выбор: только плановые или все",
    response=SubscriptionList,
)
def subscriptions(req: Request) -> SubscriptionList:
    from .subscriptions import SubscriptionService

    return SubscriptionService().list(req.principal.user_id)


@api.route(
    "/outages/subscriptions",
    "POST",
    summary="Подписаться на SMS об отключениях по адресу (до 10): только о плановых или и об аварийных",
    body=SubscriptionIn,
    response=SubscriptionOut,
    status=201,
    errors=(409,),
)
def subscribe(req: Request) -> SubscriptionOut:
    from .subscriptions import SubscriptionService

    return SubscriptionService().add(req.principal.user_id, req.body)


@api.route(
    "/outages/subscriptions/{street_id}/{house}",
    "PATCH",
    summary="Изменить подписку: только плановые отключения или все (номер дома — в URL-кодировке)",
    body=SubscriptionChoice,
    response=SubscriptionOut,
    errors=(404,),
)
def choose(req: Request, street_id: str, house: str) -> SubscriptionOut:
    from .subscriptions import SubscriptionService

    return SubscriptionService().choose(req.principal.user_id, street_id, house, req.body)


@api.route(
    "/outages/subscriptions/{street_id}/{house}",
    "DELETE",
    summary="Отписаться от адреса (номер дома — в URL-кодировке)",
    status=204,
    errors=(404,),
)
def unsubscribe(req: Request, street_id: str, house: str) -> None:
    from .subscriptions import SubscriptionService

    SubscriptionService().remove(req.principal.user_id, street_id, house)


@api.route(
    "/staff/outages",
    summary="Отключения месяца (по месяцу начала)",
    access="staff",
    roles=OPERATORS,
    query=MonthQuery,
    response=OutageMonth,
    errors=(422,),
)
def month(req: Request) -> OutageMonth:
    from .service import OutageService

    return OutageService().month(req.query.month)


@api.route(
    "/staff/outages",
    "POST",
    summary="Ввести отключение: плановое ждёт публикации, аварийное видно сразу",
    access="staff",
    roles=OPERATORS,
    body=OutageIn,
    response=OutageDetail,
    status=201,
)
def create(req: Request) -> OutageDetail:
    from .service import OutageService

    return OutageService().create(req.principal, req.body)


@api.route(
    "/staff/outages/import",
    "POST",
    summary="Загрузить отключения (JSON или CSV через «;»). Повторная загрузка ничего не дублирует: "
    "итог по каждой строке — создано, без изменений, обновлено или ошибка",
    access="staff",
    roles=OPERATORS,
    body=OutageImport,
    response=OutageImportReport,
    max_body_bytes=3 * 1024 * 1024,
)
def import_outages(req: Request) -> OutageImportReport:
    from .service import OutageService

    return OutageService().import_outages(req.principal, req.body)


@api.route(
    "/staff/outages/{outage_id}",
    summary="Отключение",
    access="staff",
    roles=OPERATORS,
    response=OutageDetail,
    errors=(404,),
)
def get(req: Request, outage_id: str) -> OutageDetail:
    from .service import OutageService

    return OutageService().get(outage_id)


@api.route(
    "/staff/outages/{outage_id}",
    "PATCH",
    summary="Изменить, закрыть (указать окончание) или отменить отключение. Новое время или дома, отмена "
    "и возврат опубликованного планового — SMS подписчикам, один раз на изменение",
    access="staff",
    roles=OPERATORS,
    body=OutagePatch,
    response=OutageDetail,
    errors=(404, 409),
)
def update(req: Request, outage_id: str) -> OutageDetail:
    from .service import OutageService

    return OutageService().update(req.principal, outage_id, req.body)


@api.route(
    "/staff/outages/{outage_id}/publish",
    "POST",
    summary="Опубликовать плановое отключение и разослать SMS подписчикам (повторно — без рассылки)",
    access="staff",
    roles=OPERATORS,
    response=OutageDetail,
    errors=(404, 409),
)
def publish(req: Request, outage_id: str) -> OutageDetail:
    from .publishing import Publisher

    return Publisher().publish(req.principal, outage_id)
