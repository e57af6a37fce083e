"""Russian identifiers: СНИЛС, ИНН, ОГРН/ОГРНИП, phone numbers, logins, e-mail addresses.

Each `normalize_*` returns the canonical form or raises `InvalidIdentifier` with a Russian message.
ИНН and ОГРН checksums come from python-stdnum; it has no СНИЛС, so that one is here.
"""

from __future__ import annotations

import re
from functools import lru_cache
from types import ModuleType
from typing import TYPE_CHECKING

# email-validator and python-stdnum are loaded by the first check that needs them: every cold start
# imports this module (the request models validate with it), few requests check an address or an ИНН,
# and email-validator's import alone is a noticeable part of a cold start (bench/cold_start.py).
if TYPE_CHECKING:
    from email_validator import ValidatedEmail


class InvalidIdentifier(ValueError):
    pass


_SEPARATORS = re.compile(r"[\s\-()]")
LOGIN_RE = re.compile(r"^[A-Za-z][A-Za-z0-9]{4,31}$")


def _digits(value: str) -> str:
    return _SEPARATORS.sub("", value)


def snils_check_digits(first9: str) -> str:
    """Control number of СНИЛС: Σ digit·weight (weights 9..1); 100 and 101 give 00; mod 101."""
    total = sum(int(d) * w for d, w in zip(first9, range(9, 0, -1)))
    if total > 101:
        total %= 101
    return "00" if total in (100, 101) else f"{total:02d}"


def normalize_snils(value: str) -> str:
    number = _digits(value)
    if not number.isdigit() or len(number) != 11:
        raise InvalidIdentifier("СНИЛС состоит из 11 цифр")
    # Numbers up to 001-001-998 were issued before checksums existed and carry none.
    if int(number[:9]) > 1001998 and snils_check_digits(number[:9]) != number[9:]:
        raise InvalidIdentifier("Неверная контрольная сумма СНИЛС")
    return f"{number[:3]}-{number[3:6]}-{number[6:9]} {number[9:]}"


def normalize_inn(value: str, length: int) -> str:
    number = _digits(value)
    if not number.isdigit() or len(number) != length:
        raise InvalidIdentifier(f"ИНН состоит из {length} цифр")
    from stdnum.exceptions import InvalidChecksum, ValidationError
    from stdnum.ru import inn as stdnum_inn

    try:
        return stdnum_inn.validate(number)
    except InvalidChecksum:
        raise InvalidIdentifier("Неверная контрольная сумма ИНН") from None
    except ValidationError:
        raise InvalidIdentifier("Неверный ИНН") from None


_KPP_RE = re.compile(r"^[0-9]{4}[0-9A-Z]{2}[0-9]{3}$")


def normalize_kpp(value: str) -> str:
    """КПП of a legal entity: 4 digits (tax office), 2 digits or capital Latin letters (reason), 3 digits."""
    number = _digits(value).upper()
    if not _KPP_RE.match(number):
        raise InvalidIdentifier("КПП состоит из 9 символов: 4 цифры, 2 цифры или латинские буквы, 3 цифры")
    return number


def normalize_ogrn(value: str, length: int) -> str:
    """ОГРН (13 digits, legal entities) or ОГРНИП (15 digits, sole proprietors)."""
    name = "ОГРНИП" if length == 15 else "ОГРН"
    number = _digits(value)
    if not number.isdigit() or len(number) != length:
        raise InvalidIdentifier(f"{name} состоит из {length} цифр")
    if length == 15 and number[0] != "3":
        raise InvalidIdentifier("ОГРНИП начинается с цифры 3")
    if length == 13 and number[0] not in "15":
        raise InvalidIdentifier("ОГРН юридического лица начинается с цифры 1 или 5")
    from stdnum.exceptions import InvalidChecksum, InvalidComponent, ValidationError
    from stdnum.ru import ogrn as stdnum_ogrn

    try:
        return stdnum_ogrn.validate(number)
    except InvalidChecksum:
        raise InvalidIdentifier(f"Неверная контрольная сумма {name}") from None
    except (InvalidComponent, ValidationError):
        raise InvalidIdentifier(f"Неверный {name}") from None


def normalize_phone(value: str) -> str:
    """Russian mobile/landline in any common spelling → +7XXXXXXXXXX."""
    number = _digits(value)
    if number.startswith("+7"):
        number = number[2:]
    elif len(number) == 11 and number[0] in "78":
        number = number[1:]
    if not number.isdigit() or len(number) != 10:
        raise InvalidIdentifier("Телефон в формате +7 900 123-45-67")
    return "+7" + number


EMAIL_MESSAGE = "Неверный адрес электронной почты"


@lru_cache(maxsize=1)
def _email_validator() -> ModuleType:
    import email_validator

    # Addresses at .local domains (the demo company's, kabinet.local) were always accepted here and are
    # stored; the library refuses the other special-use names (test, invalid, localhost, ...) as before.
    # Its documentation names this list as the setting to change.
    email_validator.SPECIAL_USE_DOMAIN_NAMES = [
        name for name in email_validator.SPECIAL_USE_DOMAIN_NAMES if name != "local"
    ]
    return email_validator


def _validated_email(value: str) -> ValidatedEmail:
    """email-validator's reading of an address: internationalised domains (почта.рф, or its punycode
    xn--80a1acny.xn--p1ai) are accepted; the part before @ must be ASCII, as mail servers (SES) require."""
    library = _email_validator()
    try:
        validated: ValidatedEmail = library.validate_email(value, check_deliverability=False, allow_smtputf8=False)
        return validated
    except library.EmailNotValidError:
        raise InvalidIdentifier(EMAIL_MESSAGE) from None


def normalize_email(value: str) -> str:
    """The address as the user typed it (the domain lowercased), once it is valid."""
    email = value.strip()
    if len(email) > 254:
        raise InvalidIdentifier(EMAIL_MESSAGE)
    # Without SMTPUTF8 (allow_smtputf8=False) email-validator always gives the ASCII form.
    ascii_form = _validated_email(email).ascii_email
    if ascii_form is None or len(ascii_form) > 254:
        raise InvalidIdentifier(EMAIL_MESSAGE)
    local, _, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


def ascii_email(email: str) -> str:
    """The form mail is sent to: the domain in punycode (ivanov@почта.рф → ivanov@xn--80a1acny.xn--p1ai).
    ASCII addresses, which is everything stored before IDN domains were accepted, come back unchanged."""
    if email.isascii():
        return email
    try:
        return _validated_email(email).ascii_email or email
    except InvalidIdentifier:
        return email


def email_key(email: str) -> str:
    """Uniqueness and look-up key: the ASCII form, compared case-insensitively, so почта.рф and
    xn--80a1acny.xn--p1ai are one address. Unchanged for every ASCII address already stored."""
    return ascii_email(email).lower()


def normalize_login(value: str) -> str:
    if not LOGIN_RE.match(value):
        raise InvalidIdentifier("Логин: от 5 до 32 латинских букв и цифр, начинается с буквы")
    return value


def classify_identifier(value: str) -> tuple[str, str]:
    """What a user typed into «Логин, e-mail или телефон» → (kind, look-up key).

    Logins start with a letter, so a value of digits and phone punctuation is a phone number.
    """
    text = value.strip()
    if "@" in text:
        return "email", email_key(text)
    if re.fullmatch(r"[+\d\s\-()]+", text):
        try:
            return "phone", normalize_phone(text)
        except InvalidIdentifier:
            return "phone", text
    return "login", text.lower()
