"""Routes of `reference/*` (public street directory) and `staff/reference/*` (its upkeep)."""

from __future__ import annotations

from chalicelib.core.web import ApiBlueprint, Request

from .models import (
    LocalityList,
    StreetImport,
    StreetImportReport,
    StreetIn,
    StreetList,
    StreetOut,
    StreetQuery,
    StreetRename,
)

api = ApiBlueprint(__name__, tag="Справочники")

EDITORS = ("admin",)


@api.route(
    "/reference/streets",
    summary="Поиск улиц населённого пункта по началу названия (до 20)",
    access="public",
    query=StreetQuery,
    response=StreetList,
)
def streets(req: Request) -> StreetList:
    from .service import ReferenceService

    return ReferenceService().search(req.query.locality, req.query.q)


@api.route(
    "/reference/localities", summary="Населённые пункты справочника улиц", access="public", response=LocalityList
)
def localities(req: Request) -> LocalityList:
    from .service import ReferenceService

    return ReferenceService().localities()


@api.route(
    "/staff/reference/streets",
    "POST",
    summary="Добавить улицу в справочник",
    access="staff",
    roles=EDITORS,
    body=StreetIn,
    response=StreetOut,
    status=201,
    errors=(409,),
)
def add_street(req: Request) -> StreetOut:
    from .service import ReferenceService

    return ReferenceService().add(req.principal, req.body)


@api.route(
    "/staff/reference/streets/{street_id}",
    "PATCH",
    summary="Переименовать улицу: она сохраняет идентификатор, отключения и подписки остаются за ней",
    access="staff",
    roles=EDITORS,
    body=StreetRename,
    response=StreetOut,
    errors=(404, 409),
)
def rename_street(req: Request, street_id: str) -> StreetOut:
    from .service import ReferenceService

    return ReferenceService().rename(req.principal, street_id, req.body)


@api.route(
    "/staff/reference/streets/import",
    "POST",
    summary="Загрузить улицы списком: ошибочные строки возвращаются с номерами, повторы пропускаются",
    access="staff",
    roles=EDITORS,
    body=StreetImport,
    response=StreetImportReport,
    max_body_bytes=2 * 1024 * 1024,
)
def import_streets(req: Request) -> StreetImportReport:
    from .service import ReferenceService

    return ReferenceService().import_streets(req.principal, req.body.items)
