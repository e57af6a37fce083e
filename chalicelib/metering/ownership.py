"""Proof of ownership: does a portal account belong to the consumer billing names as a contract's holder?

Pure rules over the stored items (docs/design-ownership.md, «Proof of ownership»):
- ЮЛ: an account of a legal entity with the same ИНН and КПП, and the last billed reading of the named meter;
- ИП: an account of a sole proprietor with the same ИНН, and the last billed reading;
- ФЛ whose billing record has a СНИЛС: an account of an individual with the same СНИЛС;
- ФЛ whose billing record has no СНИЛС: the same surname and the last billed reading.
A contract from an old-format drop (no `category`) carries no identity and is never proven here.
"""

from __future__ import annotations

import re
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from chalicelib.accounts.repository import UserItem

from .repository import ContractItem, MeterItem

_SEPARATORS = re.compile(r"[\s\-()]")
_HYPHENS = re.compile(r"\s*[-‐‑‒–—]\s*")
_SPACES = re.compile(r"\s+")


def _profile(user: UserItem) -> dict[str, object]:
    return user.profile.as_dict() if user.profile else {}


def _canonical(value: object) -> str | None:
    """An identifier as compared: no separators, Latin letters upper-case; None when empty."""
    if not isinstance(value, str):
        return None
    text = _SEPARATORS.sub("", value).upper()
    return text or None


def _same(account_value: object, holder_value: str | None) -> bool:
    ours, theirs = _canonical(account_value), _canonical(holder_value)
    return ours is not None and ours == theirs


def identity_matches(user: UserItem, contract: ContractItem) -> bool:
    """The account's registered identifier(s) equal the holder's in billing, for the holder's kind."""
    if not contract.category:
        return False
    profile = _profile(user)
    if contract.holder_kind == "company":
        return (
            user.kind == "company"
            and _same(profile.get("inn"), contract.holder_inn)
            and _same(profile.get("kpp"), contract.holder_kpp)
        )
    if contract.holder_kind == "entrepreneur":
        return user.kind == "entrepreneur" and _same(profile.get("inn"), contract.holder_inn)
    if contract.holder_kind == "person":
        return user.kind == "person" and _same(profile.get("snils"), contract.holder_snils)
    return False


def surname_key(text: str) -> str:
    """A surname as compared: case, «ё»/«е», extra spaces and spaces around hyphens do not matter."""
    folded = _HYPHENS.sub("-", _SPACES.sub(" ", text.strip())).casefold()
    return folded.replace("ё", "е")


def holder_surname(holder_name: str) -> str:
    """The first word of billing's «Фамилия Имя Отчество» (a hyphenated surname is one word)."""
    words = surname_key(holder_name).split(" ")
    return words[0] if words else ""


def billed_integer(value: object) -> int | None:
    """The integer part of a billed value as billing stores it ("12345", "8456.12", "8456,12")."""
    if not isinstance(value, str):
        return None
    try:
        number = Decimal(value.strip().replace(",", "."))
    except InvalidOperation:
        return None
    if not number.is_finite() or number < 0:
        return None
    return int(number.to_integral_value(rounding=ROUND_DOWN))


def billed_reading_matches(meter: MeterItem | None, billed_reading: str | None) -> bool:
    """`billed_reading` is the named meter's last billed value (zone T1, integer part: what the bill,
    invoice or акт сверки shows)."""
    if meter is None or billed_reading is None:
        return False
    billed = billed_integer((meter.last_billing_values.as_dict() if meter.last_billing_values else {}).get("T1"))
    typed = billed_integer(billed_reading)
    return billed is not None and typed is not None and billed == typed


def proves_ownership(
    user: UserItem, contract: ContractItem, meter: MeterItem | None, billed_reading: str | None
) -> bool:
    """- ФЛ whose billing record has a СНИЛС: `identity_matches` (a СНИЛС is on no public record);
    - ЮЛ and ИП: `identity_matches` AND the billed reading — ИНН and КПП are public in ЕГРЮЛ/ЕГРИП and
      registration does not verify them, so they only tie the account to the holder, while the reading
      from the company's own invoice shows it is the holder who asks;
    - ФЛ without СНИЛС in billing: the same surname AND the billed reading."""
    if not contract.category:
        return False
    if contract.holder_kind in ("company", "entrepreneur"):
        return identity_matches(user, contract) and billed_reading_matches(meter, billed_reading)
    if contract.holder_snils:
        return identity_matches(user, contract)
    if user.kind != "person":
        return False
    surname = _profile(user).get("last_name")
    if not isinstance(surname, str) or not surname.strip():
        return False
    return surname_key(surname) == holder_surname(contract.holder_name) and billed_reading_matches(
        meter, billed_reading
    )


def portal_name(user: UserItem) -> str:
    """A person as the portal shows people: «Фамилия И. О.»; an organisation or ИП by its short name."""
    profile = _profile(user)
    if user.kind == "person":
        initials = " ".join(
            f"{str(part).strip()[0]}."
            for part in (profile.get("first_name"), profile.get("middle_name"))
            if isinstance(part, str) and part.strip()
        )
        surname = str(profile.get("last_name") or "").strip()
        return " ".join(p for p in (surname, initials) if p) or user.login
    return str(profile.get("short_name") or user.login)
