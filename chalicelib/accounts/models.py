"""Request and response shapes of the accounts API (validated at the edge, Russian messages)."""

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from chalicelib.core.config import get_settings
from chalicelib.core.model import BaseModel
from chalicelib.core.types import (
    EMAIL_PATTERN,
    KPP_PATTERN,
    LOGIN_PATTERN,
    NEW_PASSWORD,
    PHONE_PATTERN,
    SNILS,
    IsoDate,
    documented,
    inn,
    ogrn,
)

from . import identifiers
from .identifiers import InvalidIdentifier
from .passwords import policy_problems

Kind = Literal["person", "entrepreneur", "company"]
Role = Literal["consumer", "operator", "engineer", "admin", "metering", "billing"]


def _checked(normalize: Callable[[str], str], code: str) -> AfterValidator:
    def check(value: str) -> str:
        try:
            return normalize(value)
        except InvalidIdentifier as exc:
            raise PydanticCustomError(f"kabinet.{code}", str(exc)) from None

    return AfterValidator(check)


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Email = Annotated[
    str,
    StringConstraints(max_length=254),
    _checked(identifiers.normalize_email, "email"),
    documented(pattern=EMAIL_PATTERN),
]
Phone = Annotated[
    str,
    StringConstraints(max_length=32),
    _checked(identifiers.normalize_phone, "phone"),
    documented(pattern=PHONE_PATTERN),
]
Login = Annotated[
    str,
    StringConstraints(max_length=32),
    _checked(identifiers.normalize_login, "login"),
    documented(pattern=LOGIN_PATTERN),
]
Snils = Annotated[str, StringConstraints(max_length=20), _checked(identifiers.normalize_snils, "snils"), SNILS]
Kpp = Annotated[
    str, StringConstraints(max_length=20), _checked(identifiers.normalize_kpp, "kpp"), documented(pattern=KPP_PATTERN)
]
Password = Annotated[str, StringConstraints(min_length=1, max_length=128)]
NewPassword = Annotated[Password, NEW_PASSWORD]  # checked by `_policy` on the model
Code = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\d{6}$")]
Token = Annotated[str, StringConstraints(min_length=10, max_length=512)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Address(Strict):
    postcode: Annotated[str, StringConstraints(pattern=r"^\d{6}$")]
    locality: Text
    street: Text
    house: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
    flat: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] | None = None


class Consent(Strict):
    accepted: Annotated[bool, documented(const=True)]
    # The version of the text the user accepted: the current one (GET /auth/consent).
    version: Annotated[str, StringConstraints(min_length=1, max_length=40)] = Field(
        json_schema_extra=lambda schema: schema.update(enum=[get_settings().consent_version])
    )
    # The edition of the user agreement shown with the form: the current one (GET /pages/agreement).
    agreement_version: int = Field(ge=1, le=999_999)

    @field_validator("accepted")
    @classmethod
    def must_accept(cls, value: bool) -> bool:
        if not value:
            raise PydanticCustomError("kabinet.consent", "Необходимо согласие на обработку персональных данных")
        return value


class ProofOfWork(Strict):
    challenge: Annotated[str, StringConstraints(max_length=200)]
    nonce: Annotated[str, StringConstraints(max_length=20)]


class RegisterBase(Strict):
    login: Login
    password: NewPassword
    email: Email
    phone: Phone
    address: Address
    consent: Consent
    pow: ProofOfWork

    # On the field, so the error's path is `password`; `login` is declared first, so it is already
    # in `info.data` when it is valid (an invalid login has its own error).
    @field_validator("password")
    @classmethod
    def password_policy(cls, value: str, info: ValidationInfo) -> str:
        return _policy(value, info.data.get("login"))


class PersonRegistration(RegisterBase):
    kind: Literal["person"]
    last_name: Text
    first_name: Text
    middle_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    snils: Snils


class _OrgRegistration(RegisterBase):
    short_name: Text
    full_name: LongText
    head_name: Text


class EntrepreneurRegistration(_OrgRegistration):
    kind: Literal["entrepreneur"]
    inn: Annotated[str, _checked(lambda v: identifiers.normalize_inn(v, 12), "inn"), inn(12)]
    ogrn: Annotated[str, _checked(lambda v: identifiers.normalize_ogrn(v, 15), "ogrn"), ogrn(15)]


class CompanyRegistration(_OrgRegistration):
    kind: Literal["company"]
    inn: Annotated[str, _checked(lambda v: identifiers.normalize_inn(v, 10), "inn"), inn(10)]
    kpp: Kpp
    ogrn: Annotated[str, _checked(lambda v: identifiers.normalize_ogrn(v, 13), "ogrn"), ogrn(13)]


Registration = Annotated[
    PersonRegistration | EntrepreneurRegistration | CompanyRegistration, Field(discriminator="kind")
]


class RegisterRequest(BaseModel):
    """Wrapper so the discriminated union validates as one body model."""

    model_config = ConfigDict(extra="forbid")
    registration: Registration
    # Location parts pydantic adds for the wrapper and the union branch; the client's paths
    # (`snils`, `address.street`) have neither.
    loc_noise: ClassVar[frozenset[str]] = frozenset({"registration", "person", "entrepreneur", "company"})

    @model_validator(mode="before")
    @classmethod
    def wrap(cls, data: Any) -> Any:
        if isinstance(data, dict) and "registration" not in data:
            if data.get("kind") not in ("person", "entrepreneur", "company"):
                raise PydanticCustomError("kabinet.kind", "Выберите вид заявителя")
            return {"registration": data}
        return data


class Message(BaseModel):
    message: str


class ChallengeResponse(BaseModel):
    challenge: str
    difficulty: int
    expires_in: int


class ConsentText(BaseModel):
    version: str
    text: str


class ConfirmRequest(Strict):
    token: Token


class LoginRequest(Strict):
    identifier: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=254)]
    password: Password
    remember: bool = False
    # Needed only after repeated failures of this identifier (answer 401 `challenge_required`).
    pow: ProofOfWork | None = None


class RefreshRequest(Strict):
    refresh_token: Token


class ForgotRequest(Strict):
    email: Email
    pow: ProofOfWork


def _policy(password: str, login: str | None = None) -> str:
    problems = policy_problems(password, login)
    if problems:
        raise PydanticCustomError("kabinet.password", problems[0])
    return password


def _identifier_given(value: str) -> str:
    if not value:
        raise PydanticCustomError("kabinet.identifier", "Укажите логин, e-mail или телефон")
    return value


class ResendConfirmationRequest(Strict):
    """Whatever sign-in accepts; the letter only ever goes to the address stored on the account."""

    identifier: Annotated[
        str,
        StringConstraints(strip_whitespace=True, max_length=254),
        AfterValidator(_identifier_given),
        documented(minLength=1),
    ]
    pow: ProofOfWork


class ResetRequest(Strict):
    email: Email
    code: Code
    password: NewPassword

    @field_validator("password")
    @classmethod
    def password_policy(cls, value: str) -> str:
        return _policy(value)


def _document_date(value: date) -> date:
    """Russian passports and ЕГРЮЛ records date from 1991 at the earliest, and never from the future."""
    if value > date.today() or value.year < 1991:
        raise PydanticCustomError("kabinet.date", "Недопустимая дата")
    return value


# Documented as a form that is always in range: a year from 1991 to 2025, a day every month has.
DocumentDate = Annotated[
    IsoDate,
    AfterValidator(_document_date),
    documented(pattern=r"^(199[1-9]|20[01][0-9]|202[0-5])-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$"),
]


class Passport(Strict):
    series: Annotated[str, StringConstraints(pattern=r"^\d{4}$")]
    number: Annotated[str, StringConstraints(pattern=r"^\d{6}$")]
    issued_by: Text
    issued_on: DocumentDate


class EgrRecord(Strict):
    number: Annotated[str, StringConstraints(pattern=r"^\d{13}$|^\d{15}$")]
    date: DocumentDate


class NotificationChoices(Strict):
    """How the account hears of reading windows and meter verification: the feed always; e-mail and
    SMS as chosen (SMS costs the company money, so it is off until asked for)."""

    email: bool = Field(default=True, description="Напоминания по электронной почте")
    sms: bool = Field(default=False, description="Напоминания в СМС")
    reading_reminders: bool = Field(default=True, description="Напоминать о приёме показаний")


class ProfileUpdate(Strict):
    """Editable profile fields; login, kind, СНИЛС, ИНН and ОГРН are fixed at registration. The phone is
    changed with an SMS code (`me/phone`): here it is refused unless it is the current one."""

    email: Email | None = None
    phone: Phone | None = None
    address: Address | None = None
    last_name: Text | None = None
    first_name: Text | None = None
    middle_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    passport: Passport | None = None
    short_name: Text | None = None
    full_name: LongText | None = None
    head_name: Text | None = None
    # ЮЛ only: a company that moves to another tax office gets a new КПП (its ИНН stays).
    kpp: Kpp | None = None
    egr_record: EgrRecord | None = None
    notifications: NotificationChoices | None = None

    # Present only to answer «cannot be changed» on the right field instead of «unknown field».
    login: Annotated[Any, documented(type="null")] = None
    kind: Annotated[Any, documented(type="null")] = None
    snils: Annotated[Any, documented(type="null")] = None
    inn: Annotated[Any, documented(type="null")] = None
    ogrn: Annotated[Any, documented(type="null")] = None

    @field_validator("login", "kind", "snils", "inn", "ogrn")
    @classmethod
    def fixed_fields(cls, value: Any) -> Any:
        if value is not None:
            raise PydanticCustomError("kabinet.fixed", "Это поле изменить нельзя")
        return value


class PhoneChangeRequest(Strict):
    phone: Phone


class PhoneConfirmRequest(Strict):
    code: Code


class PhoneChangeStarted(BaseModel):
    message: str
    expires_in: int = Field(description="Секунд, в течение которых действует код")


class PasswordChange(Strict):
    old_password: Password
    new_password: NewPassword


class ConsentRecord(BaseModel):
    version: str = Field(description="Версия текста согласия, принятая при регистрации")
    accepted_at: str | None = Field(default=None, description="Когда согласие принято (UTC, ISO 8601)")


class Profile(BaseModel):
    id: str
    kind: Kind
    role: Role
    login: str
    email: str
    email_confirmed: bool
    pending_email: str | None = None
    phone: str
    address: Address | None = None
    last_name: str | None = None
    first_name: str | None = None
    middle_name: str | None = None
    snils: str | None = None
    passport: Passport | None = None
    short_name: str | None = None
    full_name: str | None = None
    inn: str | None = None
    kpp: str | None = None
    ogrn: str | None = None
    head_name: str | None = None
    egr_record: EgrRecord | None = None
    created_at: str
    consent: ConsentRecord | None = None
    # Employees only: all the roles (`role` is the primary one); the console shows the sections of any of them.
    roles: list[Role] | None = None
    notifications: NotificationChoices = Field(
        default_factory=NotificationChoices, description="Каналы напоминаний о показаниях и поверке"
    )


class Tokens(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int
    refresh_expires_in: int


class LoginResponse(Tokens):
    user: Profile
