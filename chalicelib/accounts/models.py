"""Request and response shapes of the accounts API (validated at the edge, Russian messages)."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Callable, ClassVar, Literal, Optional, Union

from pydantic import (AfterValidator, BaseModel, ConfigDict, Field, StringConstraints,
                      field_validator, model_validator)
from pydantic_core import PydanticCustomError

from . import identifiers
from .identifiers import InvalidIdentifier
from .passwords import policy_problems

Kind = Literal["person", "entrepreneur", "company"]
Role = Literal["consumer", "operator", "engineer", "admin"]
STAFF_ROLES = ("operator", "engineer", "admin")


def _checked(normalize: Callable[[str], str], code: str) -> AfterValidator:
    def check(value: str) -> str:
        try:
            return normalize(value)
        except InvalidIdentifier as exc:
            raise PydanticCustomError(f"kabinet.{code}", str(exc)) from None
    return AfterValidator(check)


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Email = Annotated[str, StringConstraints(max_length=254), _checked(identifiers.normalize_email, "email")]
Phone = Annotated[str, StringConstraints(max_length=32), _checked(identifiers.normalize_phone, "phone")]
Login = Annotated[str, StringConstraints(max_length=32), _checked(identifiers.normalize_login, "login")]
Snils = Annotated[str, StringConstraints(max_length=20), _checked(identifiers.normalize_snils, "snils")]
Password = Annotated[str, StringConstraints(min_length=1, max_length=128)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\d{6}$")]
Token = Annotated[str, StringConstraints(min_length=10, max_length=512)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Address(Strict):
    postcode: Annotated[str, StringConstraints(pattern=r"^\d{6}$")]
    locality: Text
    street: Text
    house: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
    flat: Optional[Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)]] = None


class Consent(Strict):
    accepted: bool
    version: Annotated[str, StringConstraints(min_length=1, max_length=40)]

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
    password: Password
    email: Email
    phone: Phone
    address: Address
    consent: Consent
    pow: ProofOfWork

    @model_validator(mode="after")
    def password_policy(self) -> "RegisterBase":
        problems = policy_problems(self.password, self.login)
        if problems:
            raise PydanticCustomError("kabinet.password", problems[0])
        return self


class PersonRegistration(RegisterBase):
    kind: Literal["person"]
    last_name: Text
    first_name: Text
    middle_name: Optional[Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]] = None
    snils: Snils


class _OrgRegistration(RegisterBase):
    short_name: Text
    full_name: LongText
    head_name: Text


class EntrepreneurRegistration(_OrgRegistration):
    kind: Literal["entrepreneur"]
    inn: Annotated[str, _checked(lambda v: identifiers.normalize_inn(v, 12), "inn")]
    ogrn: Annotated[str, _checked(lambda v: identifiers.normalize_ogrn(v, 15), "ogrn")]


class CompanyRegistration(_OrgRegistration):
    kind: Literal["company"]
    inn: Annotated[str, _checked(lambda v: identifiers.normalize_inn(v, 10), "inn")]
    ogrn: Annotated[str, _checked(lambda v: identifiers.normalize_ogrn(v, 13), "ogrn")]


Registration = Annotated[Union[PersonRegistration, EntrepreneurRegistration, CompanyRegistration],
                         Field(discriminator="kind")]


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


class RefreshRequest(Strict):
    refresh_token: Token


class ForgotRequest(Strict):
    email: Email
    pow: ProofOfWork


def _identifier_given(value: str) -> str:
    if not value:
        raise PydanticCustomError("kabinet.identifier", "Укажите логин, e-mail или телефон")
    return value


class ResendConfirmationRequest(Strict):
    """Whatever sign-in accepts; the letter only ever goes to the address stored on the account."""
    identifier: Annotated[str, StringConstraints(strip_whitespace=True, max_length=254),
                          AfterValidator(_identifier_given)]
    pow: ProofOfWork


class ResetRequest(Strict):
    email: Email
    code: Code
    password: Password

    @model_validator(mode="after")
    def password_policy(self) -> "ResetRequest":
        problems = policy_problems(self.password)
        if problems:
            raise PydanticCustomError("kabinet.password", problems[0])
        return self


def _document_date(value: date) -> date:
    """Russian passports and ЕГРЮЛ records date from 1991 at the earliest, and never from the future."""
    if value > date.today() or value.year < 1991:
        raise PydanticCustomError("kabinet.date", "Недопустимая дата")
    return value


DocumentDate = Annotated[date, AfterValidator(_document_date)]


class Passport(Strict):
    series: Annotated[str, StringConstraints(pattern=r"^\d{4}$")]
    number: Annotated[str, StringConstraints(pattern=r"^\d{6}$")]
    issued_by: Text
    issued_on: DocumentDate


class EgrRecord(Strict):
    number: Annotated[str, StringConstraints(pattern=r"^\d{13}$|^\d{15}$")]
    date: DocumentDate


class ProfileUpdate(Strict):
    """Editable profile fields; login, kind, СНИЛС, ИНН and ОГРН are fixed at registration."""
    email: Optional[Email] = None
    phone: Optional[Phone] = None
    address: Optional[Address] = None
    last_name: Optional[Text] = None
    first_name: Optional[Text] = None
    middle_name: Optional[Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]] = None
    passport: Optional[Passport] = None
    short_name: Optional[Text] = None
    full_name: Optional[LongText] = None
    head_name: Optional[Text] = None
    egr_record: Optional[EgrRecord] = None

    # Present only to answer «cannot be changed» on the right field instead of «unknown field».
    login: Any = None
    kind: Any = None
    snils: Any = None
    inn: Any = None
    ogrn: Any = None

    @field_validator("login", "kind", "snils", "inn", "ogrn")
    @classmethod
    def fixed_fields(cls, value: Any) -> Any:
        if value is not None:
            raise PydanticCustomError("kabinet.fixed", "Это поле изменить нельзя")
        return value


class PasswordChange(Strict):
    old_password: Password
    new_password: Password


class Profile(BaseModel):
    id: str
    kind: Kind
    role: Role
    login: str
    email: str
    email_confirmed: bool
    pending_email: Optional[str] = None
    phone: str
    address: Optional[Address] = None
    last_name: Optional[str] = None
    first_name: Optional[str] = None
    middle_name: Optional[str] = None
    snils: Optional[str] = None
    passport: Optional[Passport] = None
    short_name: Optional[str] = None
    full_name: Optional[str] = None
    inn: Optional[str] = None
    ogrn: Optional[str] = None
    head_name: Optional[str] = None
    egr_record: Optional[EgrRecord] = None
    created_at: str


class Tokens(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int
    refresh_expires_in: int


class LoginResponse(Tokens):
    user: Profile
