"""Routes of `pages*` (public information pages) and `staff/pages*` (their upkeep)."""

from __future__ import annotations

from chalicelib.core.web import ApiBlueprint, Request

from .catalogue import HELP_EDITORS
from .models import PageIn, PageList, PageOut, PageSource

api = ApiBlueprint(__name__, tag="Информация")


@api.route(
    "/pages",
    summary="Информационные страницы: соглашение, помощь по разделам, контакты",
    access="public",
    response=PageList,
)
def pages(req: Request) -> PageList:
    from .service import PageService

    return PageService().list()


@api.route(
    "/pages/{slug}", summary="Страница: текущая редакция в HTML", access="public", response=PageOut, errors=(404,)
)
def page(req: Request, slug: str) -> PageOut:
    from .service import PageService

    return PageService().page(slug)


@api.route(
    "/pages/agreement/versions/{version}",
    summary="Редакция пользовательского соглашения по номеру",
    access="public",
    response=PageOut,
    errors=(404,),
)
def agreement_version(req: Request, version: str) -> PageOut:
    from chalicelib.core.errors import not_found

    from .service import PageService

    if not version.isdigit() or len(version) > 6:
        raise not_found("Такой редакции соглашения нет")
    return PageService().agreement_version(int(version))


@api.route(
    "/staff/pages/{slug}",
    summary="Страница с исходным текстом (Markdown) для правки",
    access="staff",
    roles=HELP_EDITORS,
    response=PageSource,
    errors=(404,),
)
def page_source(req: Request, slug: str) -> PageSource:
    from .service import PageService

    return PageService().source(slug)


@api.route(
    "/staff/pages/{slug}",
    "PUT",
    summary="Сохранить страницу (Markdown → HTML); соглашение получает новую редакцию, прежние остаются доступны",
    access="staff",
    roles=HELP_EDITORS,
    body=PageIn,
    response=PageSource,
    errors=(403, 404, 409, 422),
)
def save_page(req: Request, slug: str) -> PageSource:
    from .service import PageService

    return PageService().save(req.principal, slug, req.body)
