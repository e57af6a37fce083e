"""Routes of `accounts/access-requests`: asking the company for access to a contract, and the list of
one's requests (chalicelib/metering/access_requests.py)."""

from __future__ import annotations

from chalicelib.core.web import ApiBlueprint, Request

from .request_models import AccessRequestIn, AccessRequestList, AccessRequestOut

api = ApiBlueprint(__name__, tag="Лицевые счета и приборы учёта")


@api.route(
    "/accounts/access-requests",
    "POST",
    summary="Запросить доступ к договору у сетевой компании (с доверенностью или договором аренды). "
    "Ответ не сообщает, есть ли такой договор и счётчик: это проверяет сотрудник",
    body=AccessRequestIn,
    response=AccessRequestOut,
    status=201,
    errors=(403, 409, 422, 429),
)
def submit_access_request(req: Request) -> AccessRequestOut:
    from .access_requests import AccessRequestService

    return AccessRequestService().submit(req.principal, req.body)


@api.route(
    "/accounts/access-requests",
    summary="Мои запросы доступа к договорам: статус и причина отказа",
    response=AccessRequestList,
)
def my_access_requests(req: Request) -> AccessRequestList:
    from .access_requests import AccessRequestService

    return AccessRequestService().mine(req.principal)
