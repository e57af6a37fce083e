"""Routes of `cases`, `appeals*` and `service-requests*` (the user's side).

Appeals and service requests share everything but their form, so their routes are made by one
factory per kind; the OpenAPI document lists each route on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib.attachments.models import DownloadLink, DownloadQuery
from chalicelib.core.web import ApiBlueprint, Request

from .models import AppealIn, CaseCard, CaseList, CaseListQuery, CaseOptions, ServiceRequestIn

api = ApiBlueprint(__name__, tag="Обращения и заявки")

# (kind, path, body of the form, what the summaries call it: plural, accusative, genitive)
KIND_ROUTES: tuple[tuple[str, str, type, tuple[str, str, str]], ...] = (
    ("appeal", "appeals", AppealIn, ("Обращения", "обращение", "обращения")),
    (
        "service_request",
        "service-requests",
        ServiceRequestIn,
        ("Заявки на дополнительные услуги", "заявку на дополнительную услугу", "заявки"),
    ),
)


@api.route(
    "/cases/options",
    summary="Справочники форм: виды обращений и услуг, адресаты, статусы, сроки",
    access="any",
    response=CaseOptions,
)
def options(req: Request) -> CaseOptions:
    from .service import CaseService

    return CaseService.options()


@api.route(
    "/cases",
    summary="Обращения и заявки на дополнительные услуги вместе (новые сверху)",
    query=CaseListQuery,
    response=CaseList,
    errors=(422,),
)
def all_cases(req: Request) -> CaseList:
    from .service import CaseService

    return CaseService().list(req.principal, req.query)


def named(name: str, handler: Callable[..., Any]) -> Callable[..., Any]:
    """Chalice names a view after its function; the factory's functions need one name per kind."""
    handler.__name__ = name
    return handler


def _register(kind: str, path: str, body: type, names: tuple[str, str, str]) -> None:
    plural, accusative, genitive = names

    def listing(req: Request) -> CaseList:
        from .service import CaseService

        return CaseService().list(req.principal, req.query, kind=kind)

    def submit(req: Request) -> CaseCard:
        from .service import CaseService

        service = CaseService()
        return (
            service.submit_appeal(req.principal, req.body)
            if kind == "appeal"
            else service.submit_service_request(req.principal, req.body)
        )

    def card(req: Request, case_id: str) -> CaseCard:
        from .service import CaseService

        return CaseService().card(req.principal, kind, case_id)

    def download(req: Request, case_id: str, file_id: str) -> DownloadLink:
        from .service import CaseService

        return CaseService().download(req.principal, kind, case_id, file_id, req.query.inline)

    api.route(
        f"/{path}",
        summary=f"{plural}: поиск по номеру, статусу, архив",
        query=CaseListQuery,
        response=CaseList,
        errors=(422,),
    )(named(f"{kind}_list", listing))
    api.route(
        f"/{path}",
        "POST",
        summary=f"Подать {accusative}: присваивается регистрационный номер, приходят SMS и e-mail",
        body=body,
        response=CaseCard,
        status=201,
        errors=(422, 429),
    )(named(f"{kind}_submit", submit))
    api.route(
        f"/{path}/{{case_id}}",
        summary=f"Карточка {genitive}: история статусов и ответ",
        response=CaseCard,
        errors=(404,),
    )(named(f"{kind}_card", card))
    api.route(
        f"/{path}/{{case_id}}/files/{{file_id}}",
        summary="Ссылка на скачивание файла (действует до 60 секунд)",
        query=DownloadQuery,
        response=DownloadLink,
        errors=(404,),
    )(named(f"{kind}_file", download))


for _kind in KIND_ROUTES:
    _register(*_kind)
