"""Routes of `staff/appeals*` and `staff/service-requests*`: operators and administrators only
(a connection engineer has no access to appeals)."""

from __future__ import annotations

from chalicelib.attachments.models import DownloadLink, DownloadQuery
from chalicelib.core.web import ApiBlueprint, Request
from chalicelib.staff_users.models import HandOverIn

from .api import KIND_ROUTES, named
from .models import AnswerIn, StaffCaseCard, StaffCaseList, StaffQueueQuery, StatusChangeIn

api = ApiBlueprint(__name__, tag="Консоль сотрудника: обращения и заявки")

HANDLERS = ("operator", "admin")


def _register(kind: str, path: str) -> None:
    def queue(req: Request) -> StaffCaseList:
        from .staff import StaffCaseService

        return StaffCaseService().queue(kind, req.query)

    def card(req: Request, case_id: str) -> StaffCaseCard:
        from .staff import StaffCaseService

        return StaffCaseService().card(req.principal, kind, case_id)

    def take(req: Request, case_id: str) -> StaffCaseCard:
        from .staff import StaffCaseService

        return StaffCaseService().take(req.principal, kind, case_id)

    def hand_over(req: Request, case_id: str) -> StaffCaseCard:
        from .staff import StaffCaseService

        return StaffCaseService().hand_over(req.principal, kind, case_id, req.body.colleague_id, HANDLERS)

    def status(req: Request, case_id: str) -> StaffCaseCard:
        from .staff import StaffCaseService

        return StaffCaseService().change_status(req.principal, kind, case_id, req.body)

    def answer(req: Request, case_id: str) -> StaffCaseCard:
        from .staff import StaffCaseService

        return StaffCaseService().answer(req.principal, kind, case_id, req.body)

    def download(req: Request, case_id: str, file_id: str) -> DownloadLink:
        from .service import CaseService

        return CaseService().download(req.principal, kind, case_id, file_id, req.query.inline, staff=True)

    base = f"/staff/{path}"
    one = f"{base}/{{case_id}}"
    api.route(
        base,
        summary="Очередь по статусу (по умолчанию новые), фильтры по виду и просрочке; поиск по номеру",
        query=StaffQueueQuery,
        response=StaffCaseList,
        errors=(403, 422),
        access="staff",
        roles=HANDLERS,
    )(named(f"staff_{kind}_queue", queue))
    api.route(
        one,
        summary="Карточка с заявителем, исполнителем, историей, ответом и доступными сотруднику шагами",
        response=StaffCaseCard,
        errors=(403, 404),
        access="staff",
        roles=HANDLERS,
    )(named(f"staff_{kind}_card", card))
    api.route(
        f"{one}/take",
        "POST",
        summary="Взять в работу (назначить на себя)",
        response=StaffCaseCard,
        errors=(403, 404, 409),
        access="staff",
        roles=HANDLERS,
    )(named(f"staff_{kind}_take", take))
    api.route(
        f"{one}/hand-over",
        "POST",
        summary="Передать коллеге (сотруднику этой очереди)",
        body=HandOverIn,
        response=StaffCaseCard,
        errors=(403, 404, 409, 422),
        access="staff",
        roles=HANDLERS,
    )(named(f"staff_{kind}_hand_over", hand_over))
    api.route(
        f"{one}/status",
        "POST",
        summary="Сменить статус с комментарием: в работу, отказ (с причиной), закрыть после ответа",
        body=StatusChangeIn,
        response=StaffCaseCard,
        errors=(403, 404, 409, 422),
        access="staff",
        roles=HANDLERS,
    )(named(f"staff_{kind}_status", status))
    api.route(
        f"{one}/answer",
        "POST",
        summary="Ответить (текст и файлы компании): статус «Дан ответ»",
        body=AnswerIn,
        response=StaffCaseCard,
        errors=(403, 404, 409, 422),
        access="staff",
        roles=HANDLERS,
    )(named(f"staff_{kind}_answer", answer))
    api.route(
        f"{one}/files/{{file_id}}",
        summary="Ссылка на скачивание файла (до 60 секунд)",
        query=DownloadQuery,
        response=DownloadLink,
        errors=(403, 404),
        access="staff",
        roles=HANDLERS,
    )(named(f"staff_{kind}_file", download))


for _kind, _path, _body, _names in KIND_ROUTES:
    _register(_kind, _path)
