"""Who proves to be a contract's holder (chalicelib/metering/ownership.py): the rules of
docs/design-ownership.md, without AWS."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.accounts.repository import UserItem
from chalicelib.metering.ownership import identity_matches, portal_name, proves_ownership
from chalicelib.metering.repository import ContractItem, MeterItem

SNILS = "112-233-445 95"
COMPANY_INN, KPP = "7707083893", "770701001"
IP_INN = "500100732259"


def account(kind: str, **profile: Any) -> UserItem:
    return UserItem("USER#u", "PROFILE", user_id="u", kind=kind, login="someone", profile=profile)


def person(**profile: Any) -> UserItem:
    return account(
        "person", **{"last_name": "Иванов", "first_name": "Иван", "middle_name": "Иванович", "snils": SNILS, **profile}
    )


def contract(
    kind: str = "person",
    category: str | None = "flat_no_common_meter",
    holder_name: str = "Иванов Иван Иванович",
    **identity: Any,
) -> ContractItem:
    return ContractItem(
        "CONTRACT#ДЭ-1",
        "CONTRACT",
        number="ДЭ-1",
        holder_name=holder_name,
        holder_kind=kind,
        category=category,
        updated_at="2026-01-01T00:00:00Z",
        **identity,
    )


def meter(last: dict[str, str] | None = None, status: str = "active") -> MeterItem:
    return MeterItem(
        "METER#m",
        "METER",
        meter_id="m",
        contract_pk="CONTRACT#ДЭ-1",
        meter_sk="METER#S1",
        serial="S1",
        account="1",
        digits=5,
        zones=list(last or {"T1": ""}),
        status=status,
        last_billing_values=last or {},
        updated_at="2026-01-01T00:00:00Z",
    )


# --- identity --------------------------------------------------------------------------------


def test_person_with_the_same_snils_in_any_spelling():
    assert identity_matches(person(), contract(holder_snils=SNILS))
    assert identity_matches(person(snils="11223344595"), contract(holder_snils=SNILS))
    assert not identity_matches(person(snils="112-233-445 00"), contract(holder_snils=SNILS))


def test_person_contract_without_snils_is_not_an_identity_match():
    assert not identity_matches(person(), contract())


def test_company_needs_the_same_inn_and_kpp():
    holder = contract("company", "company", "ООО «Ромашка»", holder_inn=COMPANY_INN, holder_kpp=KPP)
    assert identity_matches(account("company", inn=COMPANY_INN, kpp=KPP), holder)
    assert identity_matches(account("company", inn=COMPANY_INN, kpp="7707 01 001"), holder)
    assert not identity_matches(account("company", inn=COMPANY_INN, kpp="770702001"), holder)  # another branch
    assert not identity_matches(account("company", inn=COMPANY_INN), holder)  # no КПП in the profile


def test_kpp_letters_compare_without_case():
    holder = contract("company", "company", "ООО «Ромашка»", holder_inn=COMPANY_INN, holder_kpp="7707AB001")
    assert identity_matches(account("company", inn=COMPANY_INN, kpp="7707ab001"), holder)


def test_entrepreneur_needs_the_same_inn():
    holder = contract("entrepreneur", "entrepreneur", "ИП Сидоров С. С.", holder_inn=IP_INN)
    assert identity_matches(account("entrepreneur", inn=IP_INN), holder)
    assert not identity_matches(account("entrepreneur", inn="500100732260"), holder)


def test_ip_and_company_accounts_are_not_interchangeable():
    ip_contract = contract("entrepreneur", "entrepreneur", "ИП Сидоров С. С.", holder_inn=IP_INN)
    company_contract = contract("company", "company", "ООО «Ромашка»", holder_inn=COMPANY_INN, holder_kpp=KPP)
    assert not identity_matches(account("company", inn=IP_INN, kpp=KPP), ip_contract)
    assert not identity_matches(account("entrepreneur", inn=COMPANY_INN, kpp=KPP), company_contract)
    # A ФЛ account never matches an organisation's contract, whatever it stores.
    assert not identity_matches(person(inn=COMPANY_INN, kpp=KPP), company_contract)


def test_a_company_account_does_not_prove_a_person_contract():
    holder = contract(holder_snils=SNILS)
    assert not identity_matches(account("company", inn=COMPANY_INN, kpp=KPP, snils=SNILS), holder)
    assert not proves_ownership(
        account("company", inn=COMPANY_INN, kpp=KPP, snils=SNILS), holder, meter({"T1": "12345"}), "12345"
    )


def test_old_format_contract_never_matches():
    old = contract(category=None, holder_snils=SNILS)
    assert not identity_matches(person(), old)
    assert not proves_ownership(person(), contract(category=None), meter({"T1": "12345"}), "12345")


# --- surname and the last billed reading ---------------------------------------------------------


def test_surname_and_billed_reading_prove_a_person_contract_without_snils():
    assert proves_ownership(person(snils=None), contract(), meter({"T1": "12345"}), "12345")
    assert proves_ownership(person(snils=None), contract(), meter({"T1": "12345"}), "012345")  # leading zeros


@pytest.mark.parametrize(
    "surname,holder",
    [
        ("ИВАНОВ", "Иванов Иван Иванович"),
        ("  Иванов ", "Иванов  Иван Иванович"),
        ("Королёв", "Королев Сергей Павлович"),
        ("Королев", "КОРОЛЁВ Сергей Павлович"),
        ("Римская-Корсакова", "Римская - Корсакова Анна Петровна"),
        ("Римская – Корсакова", "Римская-Корсакова Анна Петровна"),
    ],
)
def test_surname_ignores_case_yo_spaces_and_hyphen_spacing(surname, holder):
    assert proves_ownership(person(last_name=surname), contract(holder_name=holder), meter({"T1": "500"}), "500")


def test_half_of_a_double_surname_is_not_the_surname():
    holder = contract(holder_name="Римская-Корсакова Анна Петровна")
    assert not proves_ownership(person(last_name="Римская"), holder, meter({"T1": "500"}), "500")
    assert not proves_ownership(person(last_name="Корсакова"), holder, meter({"T1": "500"}), "500")


def test_another_surname_or_reading_is_refused():
    assert not proves_ownership(person(last_name="Петров"), contract(), meter({"T1": "12345"}), "12345")
    assert not proves_ownership(person(), contract(), meter({"T1": "12345"}), "12346")
    assert not proves_ownership(person(), contract(), meter({"T1": "12345"}), None)


def test_reading_with_a_fraction_in_billing_compares_its_integer_part():
    assert proves_ownership(person(), contract(), meter({"T1": "8456.12"}), "8456")
    assert proves_ownership(person(), contract(), meter({"T1": "8456,12"}), "8456,7")
    assert not proves_ownership(person(), contract(), meter({"T1": "8456.99"}), "8457")


def test_meter_without_a_billed_value_cannot_prove():
    assert not proves_ownership(person(), contract(), meter(), "0")
    assert not proves_ownership(person(), contract(), None, "12345")


def test_reading_path_is_only_for_person_contracts_without_snils():
    # Billing has the СНИЛС: only the СНИЛС proves it, the reading does not.
    assert not proves_ownership(person(snils="112-233-445 00"), contract(holder_snils=SNILS), meter({"T1": "1"}), "1")
    # An ИП named like a person, with the right reading: not a person's contract, not a person's account.
    ip = contract("entrepreneur", "entrepreneur", "Иванов Иван Иванович", holder_inn=IP_INN)
    assert not proves_ownership(person(), ip, meter({"T1": "1"}), "1")
    assert not proves_ownership(
        account("entrepreneur", inn="500100732260", last_name="Иванов"), contract(), meter({"T1": "1"}), "1"
    )


def test_an_organisation_needs_its_identifiers_and_the_billed_reading():
    company = contract("company", "company", "ООО «Ромашка»", holder_inn=COMPANY_INN, holder_kpp=KPP)
    ours = account("company", inn=COMPANY_INN, kpp=KPP)
    assert not proves_ownership(ours, company, meter({"T1": "8456.12"}), None)
    assert not proves_ownership(ours, company, meter({"T1": "8456.12"}), "8455")
    assert proves_ownership(ours, company, meter({"T1": "8456.12"}), "8456")
    ip = contract("entrepreneur", "entrepreneur", "ИП Сидоров С. С.", holder_inn=IP_INN)
    assert not proves_ownership(account("entrepreneur", inn=IP_INN), ip, meter({"T1": "77"}), None)
    assert proves_ownership(account("entrepreneur", inn=IP_INN), ip, meter({"T1": "77"}), "77")


def test_portal_names():
    assert portal_name(person()) == "Иванов И. И."
    assert portal_name(person(middle_name=None)) == "Иванов И."
    assert portal_name(account("company", short_name="ООО «Ромашка»")) == "ООО «Ромашка»"
    assert portal_name(account("entrepreneur")) == "someone"
