"""Uploads: ticket → browser POSTs to S3 → confirm (checked here) → attached to a case → downloads."""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from pynamodb.exceptions import UpdateError

from chalicelib.core import clock, throttle
from chalicelib.core.config import get_settings
from chalicelib.core.dynamo import is_conditional_failure
from chalicelib.core.errors import ApiError, FieldError, field_error, forbidden, not_found, validation_error

from . import storage
from .models import STAFF_PURPOSES, UPLOAD_ID_PATTERN, DownloadLink, FileOut, FileRef, UploadRequest, UploadTicket
from .repository import OPEN_QUEUE, UploadItem, UploadRepository
from .rules import MAGIC_BYTES, PREVIEWABLE, BadFileName, content_disposition, kind_named, kind_of, sanitize_file_name

logger = logging.getLogger("kabinet.attachments")

# A file not attached to a case within this time is deleted by the sweeper (abandoned forms).
UNATTACHED_LIFETIME = timedelta(hours=24)
# The record's TTL is only a backstop behind the sweeper, which also removes the object.
RECORD_TTL = timedelta(days=3)

UPLOAD_NOT_FOUND = "Загрузка не найдена"
FILE_NOT_READY = "Файл не найден или ещё не загружен. Загрузите файл заново"
WRONG_TYPE = "Допустимы файлы PDF, JPG, PNG, ZIP и RAR"


def _too_big() -> str:
    return f"Файл больше {get_settings().attachment_max_bytes // (1024 * 1024)} МБ"


class AttachmentService:
    def __init__(self, repository: UploadRepository | None = None) -> None:
        self.repo = repository or UploadRepository()

    # --- the API's own flow ---------------------------------------------------------------------

    def start_upload(self, principal: Any, request: UploadRequest) -> UploadTicket:
        settings = get_settings()
        if request.purpose in STAFF_PURPOSES and not principal.is_staff:
            raise forbidden()
        try:
            name = sanitize_file_name(request.file_name)
        except BadFileName as exc:
            raise field_error("file_name", str(exc)) from None
        kind = kind_of(name, request.content_type)
        if kind is None:
            raise validation_error([FieldError("file_name", WRONG_TYPE)], WRONG_TYPE)
        if request.size > settings.attachment_max_bytes:
            raise validation_error([FieldError("size", _too_big())], _too_big())
        throttle.hit("uploads", principal.user_id, settings.uploads_per_hour, 3600)

        upload_id = secrets.token_hex(16)
        # The key holds no part of the user's name: names are labels, never paths.
        key = f"uploads/{principal.user_id}/{upload_id}"
        now = clock.now()
        content_type = request.content_type.split(";", 1)[0].strip().lower()
        self.repo.create(
            UploadItem(
                f"UPLOAD#{upload_id}",
                upload_id=upload_id,
                owner_id=principal.user_id,
                key=key,
                name=name,
                kind=kind.name,
                content_type=content_type,
                size=request.size,
                purpose=request.purpose,
                from_company=bool(principal.is_staff),
                status="pending",
                created_at=clock.iso(now),
                queue_pk=OPEN_QUEUE,
                updated_at=clock.iso(now),
                ttl=clock.epoch(now + RECORD_TTL),
            )
        )
        url, fields = storage.presigned_post(key, content_type, request.size, settings.upload_url_seconds)
        return UploadTicket(upload_id=upload_id, url=url, fields=fields, expires_in=settings.upload_url_seconds)

    def confirm(self, principal: Any, upload_id: str) -> FileOut:
        """Check what S3 holds (moto and a forged form may bypass the POST policy, so the API checks
        again): size as declared and within the limit, declared type, and the magic bytes."""
        # The id goes into a key: anything but our own id format is simply not found.
        item = self.repo.get(upload_id) if re.fullmatch(UPLOAD_ID_PATTERN, upload_id) else None
        if item is None or item.owner_id != principal.user_id:
            raise not_found(UPLOAD_NOT_FOUND)
        if item.status != "pending":
            return _ref(item).out()
        stored = storage.head(item.key)
        if stored is None:
            raise ApiError("Файл ещё не загружен в хранилище. Повторите загрузку", status=409, code="upload_incomplete")
        problem = self._problem(item, stored)
        if problem is not None:
            storage.delete(item.key)
            self.repo.delete(item)
            raise ApiError(problem, status=422, code="upload_rejected")
        try:
            self.repo.mark_confirmed(item, clock.iso(clock.now()))
        except UpdateError as exc:  # a concurrent confirm of the same upload got there first
            if not is_conditional_failure(exc):
                raise
        return _ref(item).out()

    @staticmethod
    def _problem(item: UploadItem, stored: storage.StoredObject) -> str | None:
        if stored.size > get_settings().attachment_max_bytes:
            return _too_big()
        if stored.size != int(item.size):
            return "Размер загруженного файла не совпадает с заявленным. Загрузите файл заново"
        if stored.content_type.split(";", 1)[0].strip().lower() != item.content_type:
            return "Тип загруженного файла не совпадает с заявленным. Загрузите файл заново"
        if not kind_named(item.kind).matches(storage.first_bytes(item.key, MAGIC_BYTES)):
            return "Содержимое файла не соответствует его типу. " + WRONG_TYPE
        return None

    # --- for other capabilities ---------------------------------------------------------------

    def require_confirmed(
        self, principal: Any, upload_ids: Sequence[str], purpose: str, field: str = "attachments"
    ) -> list[FileRef]:
        """The caller's confirmed, not yet attached uploads made for `purpose`, in the given order.
        One BatchGetItem. Anything else is a 422 on `field` that does not tell which reason."""
        if not upload_ids:
            return []
        if len(set(upload_ids)) != len(upload_ids):
            raise field_error(field, "Один и тот же файл указан дважды")
        found = self.repo.many(upload_ids)
        refs = []
        for index, upload_id in enumerate(upload_ids):
            item = found.get(upload_id)
            if (
                item is None
                or item.owner_id != principal.user_id
                or item.status != "confirmed"
                or item.purpose != purpose
            ):
                raise field_error(f"{field}.{index}", FILE_NOT_READY)
            refs.append(_ref(item))
        return refs

    def attach(self, tx: Any, case_key: str, files: Sequence[FileRef]) -> None:
        """Join the caller's transaction: each upload becomes attached to `case_key`; the transaction
        fails if one was attached elsewhere meanwhile (see `is_conditional_failure`)."""
        for ref in files:
            self.repo.attach(tx, ref.id, case_key)

    def release(self, tx: Any, case_key: str, files: Sequence[FileRef]) -> None:
        """Join the caller's transaction: files taken off `case_key` (a deleted draft, a removed file)
        go back to the owner's unattached uploads, which the sweep deletes after UNATTACHED_LIFETIME."""
        at = clock.iso(clock.now())
        for ref in files:
            self.repo.release(tx, ref.id, case_key, at)

    def download_url(self, principal: Any, case_owner_id: str, file: FileRef, inline: bool = False) -> DownloadLink:
        """A presigned GET for the case owner or staff; anyone else gets 404 (the case is not theirs)."""
        if principal.user_id != case_owner_id and not principal.is_staff:
            raise not_found()
        seconds = get_settings().download_url_seconds
        disposition = content_disposition(file.name, inline=inline and file.kind in PREVIEWABLE)
        url = storage.presigned_get(file.key, kind_named(file.kind).content_type, disposition, seconds)
        return DownloadLink(url=url, name=file.name, expires_in=seconds)

    # --- schedule ------------------------------------------------------------------------------

    def sweep(self) -> int:
        """Delete uploads never attached within UNATTACHED_LIFETIME. The record goes first, on the
        condition that it is still open: an upload attached at the last moment is never lost."""
        cutoff = clock.iso(clock.now() - UNATTACHED_LIFETIME)
        removed = 0
        for item in self.repo.open_before(cutoff):
            if self.repo.delete_if_open(item):
                storage.delete(item.key)
                removed += 1
        if removed:
            logger.info("removed %d unattached uploads", removed)
        return removed


def _ref(item: UploadItem) -> FileRef:
    return FileRef(
        id=item.upload_id,
        key=item.key,
        name=item.name,
        kind=item.kind,
        content_type=item.content_type,
        size=int(item.size),
        uploaded_at=item.created_at,
        uploaded_by=item.owner_id,
        from_company=bool(item.from_company),
    )
