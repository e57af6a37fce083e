"""Routes of the person's own data (152-ФЗ): the export, and withdrawing consent with closing the account."""

from pydantic import ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from chalicelib.core.model import BaseModel
from chalicelib.core.web import ApiBlueprint, Request

from .models import Message, Password

api = ApiBlueprint(__name__, tag="Учётная запись")


class DataExport(BaseModel):
    url: str = Field(description="Ссылка на ZIP-архив (data.json и файлы); действует expires_in секунд")
    file_name: str
    expires_in: int
    size: int = Field(description="Размер архива, байт")
    files: int = Field(description="Сколько файлов в архиве")
    files_not_included: int = Field(description="Файлы сверх объёма выгрузки: перечислены в data.json")


class CloseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    password: Password
    confirm: bool = Field(
        description="Подтверждение: учётная запись закрывается безвозвратно (true)", json_schema_extra={"const": True}
    )

    @field_validator("confirm")
    @classmethod
    def confirmed(cls, value: bool) -> bool:
        if not value:
            raise PydanticCustomError(
                "kabinet.confirm", "Подтвердите, что понимаете последствия закрытия учётной записи"
            )
        return value


class PrivacyTerms(BaseModel):
    retention_years: int = Field(description="Сколько лет после закрытия учётной записи хранятся обращения и заявки")
    exports_per_hour: int
    export_link_seconds: int = Field(description="Сколько секунд действует ссылка на архив")


@api.route(
    "/me/privacy",
    summary="Условия: срок хранения обращений и заявок после закрытия, лимиты выгрузки",
    response=PrivacyTerms,
)
def privacy_terms(req: Request) -> PrivacyTerms:
    from chalicelib.core.config import get_settings

    from .privacy import EXPORTS_PER_HOUR

    settings = get_settings()
    return PrivacyTerms(
        retention_years=settings.personal_data_retention_years,
        exports_per_hour=EXPORTS_PER_HOUR,
        export_link_seconds=settings.download_url_seconds,
    )


@api.route(
    "/me/data-export",
    "POST",
    summary="Выгрузка всех моих данных: ZIP (data.json и файлы) по короткой ссылке (не чаще 3 раз в час)",
    response=DataExport,
    errors=(429,),
)
def data_export(req: Request) -> DataExport:
    from .privacy import PrivacyService

    link = PrivacyService().export(req.principal)
    return DataExport(
        url=link.url,
        file_name=link.file_name,
        expires_in=link.expires_in,
        size=link.size,
        files=link.files,
        files_not_included=link.files_not_included,
    )


@api.route(
    "/me/close",
    "POST",
    summary="Отзыв согласия на обработку персональных данных и закрытие учётной записи (нужен пароль)",
    body=CloseRequest,
    response=Message,
    errors=(403, 409, 422, 429),
)
def close_account(req: Request) -> Message:
    from .privacy import PrivacyService

    return Message(message=PrivacyService().close(req.principal, req.body.password))
