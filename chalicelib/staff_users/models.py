"""Request and response shapes of `staff/users*` and the console sign-in."""

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints, field_validator
from pydantic_core import PydanticCustomError

from chalicelib.accounts.models import Email, Login, LoginResponse, NewPassword, Phone, ProofOfWork, Strict, Text, Token
from chalicelib.core.model import BaseModel
from chalicelib.core.types import documented

StaffRole = Literal["admin", "operator", "engineer", "metering", "billing"]
Status = Literal["invited", "active", "disabled"]
MiddleName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Roles = Annotated[
    list[StaffRole],
    Field(
        min_length=1,
        max_length=5,
        description="Роли: admin — администратор; operator — оператор "
        "обращений и услуг; engineer — инженер по технологическому "
        "присоединению; metering — инженер АИИС КУЭ; billing — "
        "оператор обмена с биллингом",
    ),
]


def _some(roles: object) -> object:
    if isinstance(roles, list) and not roles:
        raise PydanticCustomError("kabinet.roles", "Выберите хотя бы одну роль")
    return roles


def _distinct(roles: list[str]) -> list[str]:
    return sorted(set(roles))


class StaffUserIn(Strict):
    login: Login
    last_name: Text
    first_name: Text
    middle_name: MiddleName | None = None
    email: Email
    phone: Phone
    roles: Roles

    _some = field_validator("roles", mode="before")(_some)
    _roles = field_validator("roles")(_distinct)


class StaffUserPatch(Strict):
    """What an administrator may change; the login stays."""

    last_name: Text | None = None
    first_name: Text | None = None
    middle_name: MiddleName | None = None
    email: Email | None = None
    phone: Phone | None = None
    roles: Roles | None = None

    _some = field_validator("roles", mode="before")(_some)
    _roles = field_validator("roles")(lambda roles: None if roles is None else _distinct(roles))


class StaffUserOut(BaseModel):
    id: str
    login: str
    last_name: str
    first_name: str
    middle_name: str | None = None
    email: str
    phone: str
    roles: list[StaffRole]
    status: Status = Field(description="invited — ещё не задал пароль; active — работает; disabled — отключён")
    last_login_at: str | None = Field(default=None, description="Последний вход (UTC, ISO 8601)")
    created_at: str
    totp_enrolled: bool | None = Field(
        default=None, description="Подключена ли двухфакторная защита (в карточке сотрудника; в списке не заполняется)"
    )


class StaffUserList(BaseModel):
    users: list[StaffUserOut]


class PasswordLinkSent(BaseModel):
    message: str


class StaffPasswordSet(Strict):
    """The one-time link's token and the new password (a link of `POST /staff/users` or of a reset)."""

    token: Token
    password: NewPassword  # the policy, which needs the employee's login, is checked by the service


class Colleague(BaseModel):
    id: str
    login: str
    name: str


class ColleagueList(BaseModel):
    colleagues: list[Colleague]


class ColleagueQuery(Strict):
    queue: Literal["appeals", "service_requests", "connection"] = Field(
        description="Очередь: обращения, заявки на услуги, технологическое присоединение"
    )


class HandOverIn(Strict):
    """«Передать коллеге»: the employee who takes the case over."""

    colleague_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


# --- two-factor sign-in (second_factor.py) -------------------------------------------------------
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read from paper without doubt
# What the field surely accepts (documented for clients and the schema fuzzer): six digits, or a
# recovery code as shown. The validator also takes upper case and spaces or no hyphen.
TOTP_CODE_PATTERN = r"^[0-9]{6}$"
SECOND_FACTOR_PATTERN = r"^[0-9]{6}$|^[a-hjkmnp-z2-9]{5}-[a-hjkmnp-z2-9]{5}$"
_RECOVERY = re.compile(f"[{RECOVERY_ALPHABET}]{{10}}")


def _second_factor(value: str) -> str:
    """Six digits stay as they are; a recovery code becomes its canonical `xxxxx-xxxxx`."""
    if re.fullmatch(r"\d{6}", value):
        return value
    compact = re.sub(r"[\s-]", "", value).lower()
    if _RECOVERY.fullmatch(compact):
        return f"{compact[:5]}-{compact[5:]}"
    raise PydanticCustomError("kabinet.totp_code", "Введите шесть цифр из приложения или резервный код")


def _totp_code(value: str) -> str:
    if not re.fullmatch(r"\d{6}", value):
        raise PydanticCustomError("kabinet.totp_code", "Введите шесть цифр из приложения")
    return value


SecondFactorCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=20),
    AfterValidator(_second_factor),
    documented(pattern=SECOND_FACTOR_PATTERN),
]
TotpCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=20),
    AfterValidator(_totp_code),
    documented(pattern=TOTP_CODE_PATTERN),
]
ChallengeToken = Annotated[
    str, StringConstraints(min_length=20, max_length=100), documented(pattern=r"^[A-Za-z0-9_-]{43}$")
]


class TotpEnrolment(BaseModel):
    """What an authenticator app needs; shown only until the employee confirms the first code."""

    secret: str = Field(description="Секретный ключ (Base32) для ручного ввода в приложение")
    otpauth_uri: str = Field(description="Ссылка otpauth:// — то же, что в QR-коде")
    qr_svg: str = Field(description="QR-код ссылки otpauth:// (data:image/svg+xml)")


class StaffLoginChallenge(BaseModel):
    """The password is right; the session is issued by `POST /staff/auth/login/totp`."""

    second_factor: Literal["totp", "totp_enrolment"] = Field(
        description="totp — введите код из приложения; totp_enrolment — сначала подключите приложение "
        "(QR-код в `enrolment`) и введите первый код"
    )
    challenge: str = Field(description="Одноразовый ключ второго шага; действует `expires_in` секунд")
    expires_in: int
    enrolment: TotpEnrolment | None = None


class SecondFactorIn(Strict):
    challenge: ChallengeToken
    code: SecondFactorCode = Field(
        description="Шесть цифр из приложения или резервный код (xxxxx-xxxxx); "
        "при подключении — только код из приложения"
    )
    # Needed only after repeated failures (answer 401 `challenge_required`), as at the password step.
    pow: ProofOfWork | None = None


class StaffSession(LoginResponse):
    recovery_codes: list[str] | None = Field(
        default=None, description="Только при подключении: десять одноразовых резервных кодов, показываются один раз"
    )


class TotpStatus(BaseModel):
    enrolled_at: str = Field(description="Когда подключена двухфакторная защита (UTC, ISO 8601)")
    recovery_codes_left: int = Field(description="Сколько резервных кодов ещё не использовано")


class RecoveryCodesIn(Strict):
    code: TotpCode = Field(description="Текущий код из приложения")


class RecoveryCodes(BaseModel):
    recovery_codes: list[str] = Field(
        description="Десять новых одноразовых резервных кодов; прежние больше не действуют"
    )
