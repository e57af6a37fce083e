"""Domain and HTTP errors, and the one JSON shape every error takes.

`{"error": {"code", "message", "fields": [{"path", "message"}]}}` — messages in Russian and never
containing what the user sent (no personal data echoed back).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FieldError:
    path: str
    message: str


@dataclass
class ApiError(Exception):
    message: str
    fields: list[FieldError] = field(default_factory=list)
    status: int = 400
    code: str = "bad_request"
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def body(self) -> dict[str, Any]:
        return {
            "error": {
                "code": self.code,
                "message": self.message,
                "fields": [{"path": f.path, "message": f.message} for f in self.fields],
            }
        }


def validation_error(
    fields: Iterable[FieldError], message: str = "Проверьте правильность заполнения полей"
) -> ApiError:
    return ApiError(message, list(fields), status=422, code="validation_error")


def field_error(path: str, message: str) -> ApiError:
    return validation_error([FieldError(path, message)])


def unauthorized(message: str = "Требуется вход в личный кабинет", code: str = "unauthorized") -> ApiError:
    return ApiError(message, status=401, code=code)


def forbidden(message: str = "Недостаточно прав для этого действия") -> ApiError:
    return ApiError(message, status=403, code="forbidden")


def not_found(message: str = "Не найдено") -> ApiError:
    return ApiError(message, status=404, code="not_found")


def conflict(message: str, fields: Iterable[FieldError] = ()) -> ApiError:
    return ApiError(message, list(fields), status=409, code="conflict")


def rate_limited(retry_after_seconds: int, message: str = "Слишком много попыток. Повторите позже") -> ApiError:
    seconds = max(1, int(retry_after_seconds))
    minutes = (seconds + 59) // 60
    return ApiError(
        f"{message} (через {minutes} мин.)", status=429, code="rate_limited", headers={"Retry-After": str(seconds)}
    )
