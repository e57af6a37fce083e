"""Shapes of the attachments API, and `FileRef` — what a case stores about each of its files."""

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StringConstraints

from chalicelib.core.model import BaseModel

from .rules import ALLOWED_CONTENT_TYPES

# Where an upload may be attached; `company_document` (answers, ТУ, contracts) is for staff only.
# `access_request`: a power of attorney or lease behind a request for a contract (metering/access_requests.py).
Purpose = Literal["appeal", "service_request", "connection_application", "access_request", "company_document"]
STAFF_PURPOSES = frozenset({"company_document"})

UPLOAD_ID_PATTERN = r"^[0-9a-f]{32}$"
UploadId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=UPLOAD_ID_PATTERN)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class UploadRequest(Strict):
    file_name: Annotated[str, StringConstraints(min_length=1, max_length=255)] = Field(
        description="Имя файла на устройстве пользователя; путь отбрасывается. Расширение должно "
        "соответствовать content_type",
        json_schema_extra={"pattern": r"^[^\\/]*[0-9A-Za-zА-Яа-яЁё_\-][^\\/]*\.(pdf|jpg|jpeg|png|zip|rar)$"},
    )
    content_type: Annotated[str, StringConstraints(min_length=1, max_length=100)] = Field(
        description="MIME-тип: application/pdf, image/jpeg, image/png, application/zip, application/vnd.rar",
        json_schema_extra={"enum": list(ALLOWED_CONTENT_TYPES)},
    )
    size: int = Field(ge=1, description="Размер в байтах, не более 20 МБ")
    purpose: Purpose


class UploadTicket(BaseModel):
    upload_id: str
    url: str = Field(description="Адрес для POST multipart/form-data прямо в хранилище")
    fields: dict[str, str] = Field(description="Поля формы; поле file добавляется последним")
    expires_in: int = Field(description="Секунд до истечения ссылки")


class FileOut(BaseModel):
    id: str
    name: str
    content_type: str
    size: int
    uploaded_at: str
    from_company: bool = Field(description="Файл загрузил сотрудник (ответ, документ компании)")


class DownloadLink(BaseModel):
    url: str
    name: str
    expires_in: int


class DownloadQuery(Strict):
    inline: bool = Field(default=False, description="Открыть в браузере (PDF, JPEG, PNG) вместо скачивания")


@dataclass(frozen=True)
class FileRef:
    """A confirmed file as a case keeps it (`to_map()` into a MapAttribute list, `from_map()` back)."""

    id: str
    key: str
    name: str
    kind: str
    content_type: str
    size: int
    uploaded_at: str
    uploaded_by: str
    from_company: bool

    def to_map(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "key": self.key,
            "name": self.name,
            "kind": self.kind,
            "content_type": self.content_type,
            "size": self.size,
            "uploaded_at": self.uploaded_at,
            "uploaded_by": self.uploaded_by,
            "from_company": self.from_company,
        }

    @classmethod
    def from_map(cls, data: dict[str, Any]) -> "FileRef":
        return cls(
            id=data["id"],
            key=data["key"],
            name=data["name"],
            kind=data["kind"],
            content_type=data["content_type"],
            size=int(data["size"]),
            uploaded_at=data["uploaded_at"],
            uploaded_by=data["uploaded_by"],
            from_company=bool(data["from_company"]),
        )

    def out(self) -> FileOut:
        return FileOut(
            id=self.id,
            name=self.name,
            content_type=self.content_type,
            size=self.size,
            uploaded_at=self.uploaded_at,
            from_company=self.from_company,
        )
