"""Linking a contract proves ownership (issue 9, item 2): only the consumer billing names as the holder
links it, every refusal is the same answer without any of the holder's data, and failed attempts are
limited per account and per contract."""

from __future__ import annotations

import pytest
from helpers import billing_meter, consumer, count_calls, load_billing, unique_contract

SNILS = "112-233-445 95"
OTHER_SNILS = "112-233-446 96"
INN, KPP = "7707083893", "770701001"
HOLDER_DATA = ("Иванов", "Иван", "Плехановская", "кв. 15", "Квартира", "112-233", "11223344595")


def serial_of(number: str, i: int = 1) -> str:
    return f"S{number[-6:].upper()}{i}"


@pytest.fixture
def person_contract():
    """ФЛ Иванов Иван Иванович with СНИЛС in billing; meter 1 active, meter 2 decommissioned."""
    number = unique_contract()
    load_billing(
        billing_meter(number, serial_of(number, 1), last_period="2026-10", last_values={"T1": "12000"}),
        billing_meter(number, serial_of(number, 2), status="decommissioned"),
    )
    return number


def person(api, snils=SNILS, last_name="Иванов"):
    return consumer(api, "person", last_name=last_name, first_name="Иван", middle_name="Иванович", snils=snils)


def company(api, inn=INN, kpp=KPP):
    return consumer(
        api,
        "company",
        short_name="ООО «Ромашка»",
        full_name="Общество «Ромашка»",
        inn=inn,
        kpp=kpp,
        ogrn="1027700132195",
        head_name="Петров Пётр Петрович",
        snils=SNILS,
    )


def link(api, account, number, serial, **extra):
    return api.post("/accounts", {"contract_number": number, "meter_serial": serial, **extra}, token=account["token"])


def test_company_account_cannot_link_a_persons_contract_and_learns_nothing_of_the_holder(api, person_contract):
    romashka = company(api)
    status, answer = link(api, romashka, person_contract, serial_of(person_contract))
    assert status == 422 and answer["error"]["code"] == "ownership_not_proven"
    assert answer["error"]["fields"] == []
    text = str(answer)
    assert not [item for item in HOLDER_DATA if item in text], text
    assert "Запросить доступ" in answer["error"]["message"]
    assert api.get("/accounts", token=romashka["token"])[1]["contracts"] == []


def test_the_holder_links_with_its_identity_and_sees_the_holder_data(api, person_contract):
    status, tree = link(api, person(api, snils="11223344595"), person_contract, serial_of(person_contract).lower())
    assert status == 201, tree
    [contract] = tree["contracts"]
    assert contract["right"] == "holder" and contract["holder_name"] == "Иванов Иван Иванович"


def test_wrong_serial_unknown_contract_wrong_identity_old_format_and_removed_meter_are_one_answer(api, person_contract):
    old_format = unique_contract()
    load_billing(billing_meter(old_format, serial_of(old_format), holder_snils=None, category=None))
    attempts = [
        (person(api), person_contract, "NOPE1"),  # wrong serial
        (person(api), "НЕТ-" + person_contract, serial_of(person_contract)),  # unknown contract
        (person(api, snils=OTHER_SNILS), person_contract, serial_of(person_contract)),  # another person
        (person(api), old_format, serial_of(old_format)),  # no identity in billing
        (person(api), person_contract, serial_of(person_contract, 2)),  # a meter taken out of service
    ]
    answers, reads = [], []
    for account, number, serial in attempts:
        with count_calls("dynamodb") as calls:
            answers.append(link(api, account, number, serial))
        reads.append(calls)
    assert all(status == 422 for status, _ in answers)
    assert all(body == answers[0][1] for _, body in answers), answers
    # The same requests to the database on every path: the time taken does not tell them apart either.
    assert all(r == reads[0] for r in reads), reads


def test_a_refusal_takes_as_long_for_a_real_contract_as_for_one_that_does_not_exist(
    api, person_contract, response_floor
):
    import time

    def timed(number: str) -> tuple[int, float]:
        started = time.monotonic()
        status, _ = link(api, person(api, snils=OTHER_SNILS), number, serial_of(person_contract))
        return status, time.monotonic() - started

    real, absent = timed(person_contract), timed("НЕТ-" + person_contract)
    assert real[0] == absent[0] == 422
    assert real[1] >= response_floor and absent[1] >= response_floor
    assert abs(real[1] - absent[1]) < 0.15, (real, absent)


def test_failed_attempts_are_limited_per_contract_across_accounts(api, person_contract):
    for _ in range(5):
        assert link(api, person(api, snils=OTHER_SNILS), person_contract, serial_of(person_contract))[0] == 422
    # Now even the holder is refused for a while: otherwise many accounts could share out the guessing.
    status, answer = link(api, person(api), person_contract, serial_of(person_contract))
    assert status == 429 and answer["error"]["code"] == "rate_limited"
    # A contract number that does not exist behaves the same, so the 429 tells nothing either.
    unknown = "НЕТ-" + person_contract
    statuses = [link(api, person(api), unknown, "X1")[0] for _ in range(6)]
    assert statuses == [422] * 5 + [429]
    # Other contracts are not affected.
    other = unique_contract()
    load_billing(billing_meter(other, serial_of(other)))
    assert link(api, person(api), other, serial_of(other))[0] == 201


def test_person_without_snils_in_billing_proves_by_surname_and_the_billed_reading(api):
    number = unique_contract()
    load_billing(
        billing_meter(
            number,
            serial_of(number),
            holder_snils=None,
            category="private_house",
            holder_name="Петрова  Мария Сергеевна",
            last_period="2026-10",
            last_values={"T1": "12345.6"},
        )
    )
    petrova = person(api, snils=OTHER_SNILS, last_name="ПЕТРОВА")
    refused = link(api, petrova, number, serial_of(number))
    assert refused[0] == 422 and refused[1]["error"]["code"] == "ownership_not_proven"
    assert link(api, petrova, number, serial_of(number), billed_reading="12346")[1] == refused[1]
    # Another surname with the right reading is the same refusal.
    assert (
        link(api, person(api, last_name="Иванова"), number, serial_of(number), billed_reading="12345")[1] == refused[1]
    )
    status, tree = link(api, petrova, number, serial_of(number), billed_reading="012345,6")
    assert status == 201, tree
    assert tree["contracts"][0]["right"] == "holder"


def test_billed_reading_must_be_digits(api, person_contract):
    status, answer = link(api, person(api), person_contract, serial_of(person_contract), billed_reading="12a45")
    assert status == 422 and [f["path"] for f in answer["error"]["fields"]] == ["billed_reading"]
    assert "12a45" not in str(answer)


def test_company_proves_by_inn_kpp_and_the_reading_on_its_invoice(api):
    number = unique_contract()
    load_billing(
        billing_meter(
            number,
            serial_of(number),
            holder_kind="company",
            category="company",
            holder_name="ООО «Ромашка»",
            holder_snils=None,
            holder_inn=INN,
            holder_kpp=KPP,
            last_period="2026-10",
            last_values={"T1": "8456.12"},
        )
    )
    serial = serial_of(number)
    assert link(api, company(api, kpp="770702001"), number, serial, billed_reading="8456")[0] == 422  # a branch
    assert link(api, person(api), number, serial, billed_reading="8456")[0] == 422
    # ИНН and КПП are public (ЕГРЮЛ): alone, or with a wrong reading, they prove nothing.
    assert link(api, company(api), number, serial)[0] == 422
    assert link(api, company(api), number, serial, billed_reading="8455")[0] == 422
    status, tree = link(api, company(api), number, serial, billed_reading="8456")
    assert status == 201 and tree["contracts"][0]["right"] == "holder"
