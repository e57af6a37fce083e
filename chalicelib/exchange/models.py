"""Request and response models of the staff exchange console (`staff/exchange/*`, `staff/periods/*`)."""

from typing import Literal

from pydantic import ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from chalicelib.core.model import BaseModel

RunStatus = Literal["running", "ok", "failed", "skipped", "interrupted"]

MAX_DROP_UPLOAD_BYTES = 5 * 1024 * 1024


class RunsQuery(BaseModel):
    limit: int = Field(default=20, ge=1, le=100)


class RunSummary(BaseModel):
    run_id: str
    trigger: Literal["schedule", "manual"]
    status: RunStatus
    started_at: str
    finished_at: str | None
    started_by: str | None = Field(description="Логин сотрудника, запустившего обмен вручную")
    exported: int = Field(description="Выгружено показаний")
    imported: int = Field(description="Загружено строк из файлов биллинга")
    skipped: int = Field(description="Пропущено ошибочных строк")
    error_count: int
    message: str | None = Field(description="Причина сбоя или пропуска запуска")


class RunList(BaseModel):
    items: list[RunSummary]


class RowErrorOut(BaseModel):
    drop: str = Field(description="Ключ файла в inbox/")
    row: int = Field(
        description="Номер строки: в CSV с заголовком — строка файла, в JSON — номер элемента; 0 — файл целиком"
    )
    message: str


class DropOut(BaseModel):
    key: str
    etag: str
    processed_key: str
    rows: int
    applied: int
    skipped: int


class RunDetail(RunSummary):
    taken_over_from: str | None = Field(description="Прерванный запуск, блокировку которого принял этот")
    export_keys: list[str]
    drops: list[DropOut]
    errors: list[RowErrorOut] = Field(description="Первые ошибки строк (не более 100); всего — error_count")


class LockOut(BaseModel):
    held: bool = Field(description="Идёт обмен: ввод показаний заблокирован")
    run_id: str | None
    acquired_at: str | None
    expires_at: str | None = Field(description="Когда блокировка истечёт, если запуск не снимет её сам")


class DropUpload(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        min_length=5,
        max_length=100,
        description="Имя файла: .csv или .json",
        json_schema_extra={"pattern": r"^[0-9A-Za-z_\-]{1,90}\.(csv|json)$"},
    )
    content: str = Field(min_length=1, description="Содержимое файла текстом (не более 5 МБ в UTF-8)")

    @field_validator("name")
    @classmethod
    def known_format(cls, value: str) -> str:
        value = value.strip()
        if not value.lower().endswith((".csv", ".json")) or "/" in value or "\\" in value:
            raise PydanticCustomError("kabinet.drop_name", "Имя файла должно оканчиваться на .csv или .json")
        return value

    @field_validator("content")
    @classmethod
    def within_limit(cls, value: str) -> str:
        if len(value.encode("utf-8")) > MAX_DROP_UPLOAD_BYTES:
            raise PydanticCustomError("kabinet.drop_size", "Файл больше 5 МБ: передайте его через SFTP")
        return value


class DropUploaded(BaseModel):
    key: str = Field(description="Ключ файла в бакете обмена; загрузится при следующем обмене")
    rows: int = Field(description="Строк в файле")
    valid: int = Field(description="Строк без ошибок")
    errors: list[RowErrorOut] = Field(description="Ошибки строк (первые 100): такие строки обмен пропустит")


class PeriodClosed(BaseModel):
    period: str
    closed_at: str
    already_closed: bool
