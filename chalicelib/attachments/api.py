"""Routes of `attachments/uploads*`: a presigned POST ticket, then the confirmation."""

from __future__ import annotations

from chalicelib.core.web import ApiBlueprint, Request

from .models import FileOut, UploadRequest, UploadTicket

api = ApiBlueprint(__name__, tag="Файлы")


@api.route(
    "/attachments/uploads",
    "POST",
    summary="Получить форму для загрузки файла прямо в хранилище (PDF, JPG, PNG, ZIP, RAR; до 20 МБ)",
    access="any",
    body=UploadRequest,
    response=UploadTicket,
    status=201,
    errors=(403, 422, 429),
)
def start_upload(req: Request) -> UploadTicket:
    from .service import AttachmentService

    return AttachmentService().start_upload(req.principal, req.body)


@api.route(
    "/attachments/uploads/{upload_id}/confirm",
    "POST",
    summary="Подтвердить загрузку: размер, тип и содержимое проверяются, неподходящий файл удаляется",
    access="any",
    response=FileOut,
    errors=(404, 409, 422),
)
def confirm(req: Request, upload_id: str) -> FileOut:
    from .service import AttachmentService

    return AttachmentService().confirm(req.principal, upload_id)
