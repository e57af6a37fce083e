"""Routes of `connection-applications*`, `public/connection-applications/status` and
`staff/connection-applications*`."""

from __future__ import annotations

from chalicelib.attachments.models import DownloadLink, DownloadQuery
from chalicelib.core.web import ApiBlueprint, Request
from chalicelib.staff_users.models import HandOverIn

from .models import (
    ConnectionApplicationCard,
    ConnectionApplicationCreate,
    ConnectionApplicationList,
    ConnectionApplicationUpdate,
    ConnectionDocumentsIn,
    ConnectionPublicStatus,
    ConnectionQuestion,
    ConnectionStatusQuery,
    ConnectionWithdrawal,
    ReadinessReport,
    StaffAnswer,
    StaffApplicationCard,
    StaffCompanyDocumentsIn,
    StaffQueuePage,
    StaffQueueQuery,
    StaffStatusChange,
)

api = ApiBlueprint(__name__, tag="Технологическое присоединение")

# Connection engineers and administrators; operators handle appeals and outages, not applications.
ENGINEERS = ("engineer", "admin")
BASE = "/connection-applications"
ONE = BASE + "/{application_id}"
STAFF_BASE = "/staff/connection-applications"
STAFF_ONE = STAFF_BASE + "/{application_id}"


# Services and storage are imported inside the handlers: a cold start pays only for the routes.


@api.route(BASE, summary="Мои заявки на технологическое присоединение", response=ConnectionApplicationList)
def list_applications(req: Request) -> ConnectionApplicationList:
    from .service import ConnectionService

    return ConnectionService().list(req.principal)


@api.route(
    BASE,
    "POST",
    summary="Создать черновик заявки (раздел «Заявитель» заполняется из профиля)",
    body=ConnectionApplicationCreate,
    response=ConnectionApplicationCard,
    status=201,
)
def create(req: Request) -> ConnectionApplicationCard:
    from .service import ConnectionService

    return ConnectionService().create(req.principal, req.body)


@api.route(
    ONE,
    summary="Карточка заявки: разделы, документы, история, вопросы, сроки",
    response=ConnectionApplicationCard,
    errors=(404,),
)
def card(req: Request, application_id: str) -> ConnectionApplicationCard:
    from .service import ConnectionService

    return ConnectionService().card(req.principal, application_id)


@api.route(
    ONE,
    "PATCH",
    summary="Сохранить разделы черновика (присланный раздел заменяется целиком)",
    body=ConnectionApplicationUpdate,
    response=ConnectionApplicationCard,
    errors=(404, 409),
)
def update(req: Request, application_id: str) -> ConnectionApplicationCard:
    from .service import ConnectionService

    return ConnectionService().update(req.principal, application_id, req.body)


@api.route(ONE, "DELETE", summary="Удалить черновик заявки вместе с его файлами", status=204, errors=(404, 409))
def delete(req: Request, application_id: str) -> None:
    from .service import ConnectionService

    ConnectionService().delete(req.principal, application_id)


@api.route(
    ONE + "/withdraw",
    "POST",
    summary="Отозвать поданную заявку (до заключения договора) с указанием причины",
    body=ConnectionWithdrawal,
    response=ConnectionApplicationCard,
    errors=(404, 409),
)
def withdraw(req: Request, application_id: str) -> ConnectionApplicationCard:
    from .service import ConnectionService

    return ConnectionService().withdraw(req.principal, application_id, req.body)


@api.route(
    ONE + "/submit",
    "POST",
    summary="Отправить заявку: полная проверка, номер и ориентировочный срок рассмотрения",
    response=ConnectionApplicationCard,
    errors=(404, 409, 422, 503),
)
def submit(req: Request, application_id: str) -> ConnectionApplicationCard:
    from .service import ConnectionService

    return ConnectionService().submit(req.principal, application_id)


@api.route(
    ONE + "/documents",
    "POST",
    summary="Приложить загруженные файлы (черновик или запрос недостающих документов)",
    body=ConnectionDocumentsIn,
    response=ConnectionApplicationCard,
    errors=(404, 409),
)
def add_documents(req: Request, application_id: str) -> ConnectionApplicationCard:
    from .service import ConnectionService

    return ConnectionService().add_documents(req.principal, application_id, req.body)


@api.route(
    ONE + "/documents/{document_id}",
    "DELETE",
    summary="Убрать файл из ещё не переданного набора",
    status=204,
    errors=(404, 409),
)
def remove_document(req: Request, application_id: str, document_id: str) -> None:
    from .service import ConnectionService

    ConnectionService().remove_document(req.principal, application_id, document_id)


@api.route(
    ONE + "/documents/complete",
    "POST",
    summary="«Завершить загрузку»: недостающие документы переданы, заявка возвращается на проверку",
    response=ConnectionApplicationCard,
    errors=(404, 409),
)
def complete_documents(req: Request, application_id: str) -> ConnectionApplicationCard:
    from .service import ConnectionService

    return ConnectionService().complete_documents(req.principal, application_id)


@api.route(
    ONE + "/documents/{document_id}/download",
    summary="Ссылка на скачивание файла заявки (свой или документ сетевой организации)",
    query=DownloadQuery,
    response=DownloadLink,
    errors=(404,),
)
def download(req: Request, application_id: str, document_id: str) -> DownloadLink:
    from .service import ConnectionService

    return ConnectionService().download(req.principal, application_id, document_id, req.query.inline)


@api.route(
    ONE + "/readiness",
    "POST",
    summary="«Сообщить о готовности»: технические условия со своей стороны выполнены",
    body=ReadinessReport,
    response=ConnectionApplicationCard,
    errors=(404, 409),
)
def readiness(req: Request, application_id: str) -> ConnectionApplicationCard:
    from .service import ConnectionService

    return ConnectionService().report_readiness(req.principal, application_id, req.body)


@api.route(
    ONE + "/messages",
    "POST",
    summary="Задать вопрос специалисту по заявке",
    body=ConnectionQuestion,
    response=ConnectionApplicationCard,
    status=201,
    errors=(404, 409, 429),
)
def ask(req: Request, application_id: str) -> ConnectionApplicationCard:
    from .service import ConnectionService

    return ConnectionService().ask(req.principal, application_id, req.body)


@api.route(
    "/public/connection-applications/status",
    summary="Проверить заявку по номеру и ФИО (фамилии) или наименованию организации: статус, даты, "
    "тип заявки и основание",
    access="public",
    query=ConnectionStatusQuery,
    response=ConnectionPublicStatus,
    errors=(404, 422, 429),
)
def public_status(req: Request) -> ConnectionPublicStatus:
    from .service import ConnectionService

    return ConnectionService().public_status(req.query, req.source_ip)


# --- staff -----------------------------------------------------------------------------------------


@api.route(
    STAFF_BASE,
    summary="Очередь заявок на ТП (по умолчанию — в работе), новые изменения сначала",
    access="staff",
    roles=ENGINEERS,
    query=StaffQueueQuery,
    response=StaffQueuePage,
)
def staff_queue(req: Request) -> StaffQueuePage:
    from .staff import StaffConnectionService

    return StaffConnectionService().queue(req.query)


@api.route(
    STAFF_ONE,
    summary="Карточка заявки для сотрудника, с допустимыми переходами",
    access="staff",
    roles=ENGINEERS,
    response=StaffApplicationCard,
    errors=(404,),
)
def staff_card(req: Request, application_id: str) -> StaffApplicationCard:
    from .staff import StaffConnectionService

    return StaffConnectionService().card(application_id)


@api.route(
    STAFF_ONE + "/take",
    "POST",
    summary="Взять заявку в работу",
    access="staff",
    roles=ENGINEERS,
    response=StaffApplicationCard,
    errors=(404, 409),
)
def staff_take(req: Request, application_id: str) -> StaffApplicationCard:
    from .staff import StaffConnectionService

    return StaffConnectionService().take(req.principal, application_id)


@api.route(
    STAFF_ONE + "/hand-over",
    "POST",
    summary="Передать заявку коллеге (инженеру по присоединению)",
    access="staff",
    roles=ENGINEERS,
    body=HandOverIn,
    response=StaffApplicationCard,
    errors=(404, 409, 422),
)
def staff_hand_over(req: Request, application_id: str) -> StaffApplicationCard:
    from .staff import StaffConnectionService

    return StaffConnectionService().hand_over(req.principal, application_id, req.body.colleague_id, ENGINEERS)


@api.route(
    STAFF_ONE + "/status",
    "POST",
    summary="Сменить статус с комментарием (запрос недостающих документов, ТУ, лицевой счёт, аннулирование)",
    access="staff",
    roles=ENGINEERS,
    body=StaffStatusChange,
    response=StaffApplicationCard,
    errors=(404, 409),
)
def staff_status(req: Request, application_id: str) -> StaffApplicationCard:
    from .staff import StaffConnectionService

    return StaffConnectionService().change_status(req.principal, application_id, req.body)


@api.route(
    STAFF_ONE + "/messages",
    "POST",
    summary="Ответить заявителю",
    access="staff",
    roles=ENGINEERS,
    body=StaffAnswer,
    response=StaffApplicationCard,
    status=201,
    errors=(404,),
)
def staff_answer(req: Request, application_id: str) -> StaffApplicationCard:
    from .staff import StaffConnectionService

    return StaffConnectionService().answer(req.principal, application_id, req.body)


@api.route(
    STAFF_ONE + "/company-documents",
    "POST",
    summary="Разместить документы сетевой организации (ТУ, договор, ответ, акт)",
    access="staff",
    roles=ENGINEERS,
    body=StaffCompanyDocumentsIn,
    response=StaffApplicationCard,
    status=201,
    errors=(404, 409),
)
def staff_documents(req: Request, application_id: str) -> StaffApplicationCard:
    from .staff import StaffConnectionService

    return StaffConnectionService().add_company_documents(req.principal, application_id, req.body)


@api.route(
    STAFF_ONE + "/documents/{document_id}/download",
    summary="Ссылка на скачивание файла заявки",
    access="staff",
    roles=ENGINEERS,
    query=DownloadQuery,
    response=DownloadLink,
    errors=(404,),
)
def staff_download(req: Request, application_id: str, document_id: str) -> DownloadLink:
    from .staff import StaffConnectionService

    return StaffConnectionService().download(req.principal, application_id, document_id, req.query.inline)
