"""Routes of `staff/access-requests*`: the queue of access requests to contracts, the card comparing the
applicant with the holder in billing, files, and the decision (operators and administrators only)."""

from __future__ import annotations

from chalicelib.attachments.models import DownloadLink, DownloadQuery
from chalicelib.core.web import ApiBlueprint, Request

from .request_models import DecisionIn, StaffQueueQuery, StaffRequestCard, StaffRequestList

api = ApiBlueprint(__name__, tag="Консоль сотрудника: доступ к договорам")

HANDLERS = ("operator", "admin")


@api.route(
    "/staff/access-requests",
    summary="Очередь запросов доступа по статусу (новые — сначала старые)",
    query=StaffQueueQuery,
    response=StaffRequestList,
    errors=(403, 422),
    access="staff",
    roles=HANDLERS,
)
def staff_access_queue(req: Request) -> StaffRequestList:
    from .access_requests import AccessRequestService

    return AccessRequestService().queue(req.query)


@api.route(
    "/staff/access-requests/{request_id}",
    summary="Запрос: заявитель и владелец по биллингу рядом, найдены ли договор и счётчик, кто уже подключён",
    response=StaffRequestCard,
    errors=(403, 404),
    access="staff",
    roles=HANDLERS,
)
def staff_access_card(req: Request, request_id: str) -> StaffRequestCard:
    from .access_requests import AccessRequestService

    return AccessRequestService().card(request_id)


@api.route(
    "/staff/access-requests/{request_id}/files/{file_id}",
    summary="Ссылка на скачивание файла (до 60 секунд)",
    query=DownloadQuery,
    response=DownloadLink,
    errors=(403, 404),
    access="staff",
    roles=HANDLERS,
)
def staff_access_file(req: Request, request_id: str, file_id: str) -> DownloadLink:
    from .access_requests import AccessRequestService

    return AccessRequestService().download(req.principal, request_id, file_id, req.query.inline)


@api.route(
    "/staff/access-requests/{request_id}/decision",
    "POST",
    summary="Одобрить с правом (доступ предоставляется сразу) или отклонить с причиной; заявитель получает уведомление",
    body=DecisionIn,
    response=StaffRequestCard,
    errors=(403, 404, 409, 422),
    access="staff",
    roles=HANDLERS,
)
def staff_access_decision(req: Request, request_id: str) -> StaffRequestCard:
    from .access_requests import AccessRequestService

    return AccessRequestService().decide(req.principal, request_id, req.body)
