"""Checksums and formats of Russian identifiers, with the edge cases users actually hit."""

import pytest

from chalicelib.accounts.identifiers import (
    InvalidIdentifier,
    classify_identifier,
    normalize_email,
    normalize_inn,
    normalize_kpp,
    normalize_login,
    normalize_ogrn,
    normalize_phone,
    normalize_snils,
    snils_check_digits,
)


@pytest.mark.parametrize("raw", ["112-233-445 95", "11223344595", " 112 233 445 95 "])
def test_valid_snils_in_any_spelling_is_normalised(raw):
    assert normalize_snils(raw) == "112-233-445 95"


def test_snils_with_wrong_check_digits_is_refused():
    with pytest.raises(InvalidIdentifier, match="контрольная сумма СНИЛС"):
        normalize_snils("112-233-445 96")


@pytest.mark.parametrize(
    "first9, expected",
    [
        ("112233445", "95"),
        # Sum 100 and 101 give "00"; sums above 101 are taken mod 101 first.
        ("000000000", "00"),
    ],
)
def test_snils_check_digits(first9, expected):
    assert snils_check_digits(first9) == expected


def test_snils_check_digits_of_sum_over_101_is_reduced():
    # 9+8+...+1 weights on all nines: 9*45 = 405; 405 mod 101 = 1
    assert snils_check_digits("999999999") == "01"


def test_old_snils_below_the_checksum_era_is_accepted_without_checksum():
    assert normalize_snils("001-001-998 00") == "001-001-998 00"


@pytest.mark.parametrize("raw", ["1122334459", "112233445955", "abc-def-ghi jk"])
def test_snils_of_wrong_length_or_letters_is_refused(raw):
    with pytest.raises(InvalidIdentifier, match="11 цифр"):
        normalize_snils(raw)


def test_inn_of_a_company_and_of_a_person():
    assert normalize_inn("7707083893", 10) == "7707083893"
    assert normalize_inn("500100732259", 12) == "500100732259"


def test_inn_with_bad_checksum_or_length():
    with pytest.raises(InvalidIdentifier, match="контрольная сумма ИНН"):
        normalize_inn("7707083894", 10)
    with pytest.raises(InvalidIdentifier, match="12 цифр"):
        normalize_inn("7707083893", 12)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("770701001", "770701001"),
        (" 7707 01 001 ", "770701001"),
        # The 5th and 6th characters (reason for registration) may be capital Latin letters since 2013.
        ("7707AB001", "7707AB001"),
        ("7707ab001", "7707AB001"),
    ],
)
def test_kpp_in_any_spelling_is_normalised(raw, expected):
    assert normalize_kpp(raw) == expected


@pytest.mark.parametrize("raw", ["77070100", "7707010011", "770A01001", "7707010A1", "7707АБ001", "７７０７01001", ""])
def test_kpp_of_wrong_length_or_letters_in_the_wrong_place_is_refused(raw):
    # Cyrillic look-alikes and full-width digits are not a КПП either.
    with pytest.raises(InvalidIdentifier, match="КПП состоит из 9 символов"):
        normalize_kpp(raw)


def test_ogrn_and_ogrnip():
    assert normalize_ogrn("1027700132195", 13) == "1027700132195"
    assert normalize_ogrn("304500116000157", 15) == "304500116000157"


def test_ogrn_errors_name_the_right_number():
    with pytest.raises(InvalidIdentifier, match=r"контрольная сумма ОГРН$"):
        normalize_ogrn("1027700132196", 13)
    with pytest.raises(InvalidIdentifier, match="ОГРНИП начинается с цифры 3"):
        normalize_ogrn("404500116000157", 15)
    with pytest.raises(InvalidIdentifier, match="ОГРНИП состоит из 15 цифр"):
        normalize_ogrn("1027700132195", 15)


@pytest.mark.parametrize("raw", ["+7 900 123-45-67", "89001234567", "8 (900) 123 45 67", "9001234567", "79001234567"])
def test_phone_spellings(raw):
    assert normalize_phone(raw) == "+79001234567"


@pytest.mark.parametrize("raw", ["12345", "+1 202 555 0100", "8900123456a"])
def test_bad_phones(raw):
    with pytest.raises(InvalidIdentifier):
        normalize_phone(raw)


def test_email_domain_is_lowercased_local_part_kept():
    assert normalize_email(" Ivan.Petrov@Mail.RU ") == "Ivan.Petrov@mail.ru"
    for bad in ["no-at.ru", "a@b", "a..b@c.ru", "a@" + "b" * 260 + ".ru"]:
        with pytest.raises(InvalidIdentifier):
            normalize_email(bad)


@pytest.mark.parametrize("login", ["ivan1", "Petrov2024", "a" * 32])
def test_good_logins(login):
    assert normalize_login(login) == login


@pytest.mark.parametrize("login", ["iva", "1ivan", "иван123", "ivan_1", "a" * 33])
def test_bad_logins(login):
    with pytest.raises(InvalidIdentifier):
        normalize_login(login)


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("Ivanov1", ("login", "ivanov1")),
        ("Ivan@Mail.ru", ("email", "ivan@mail.ru")),
        ("8 900 123-45-67", ("phone", "+79001234567")),
    ],
)
def test_what_the_user_typed_at_sign_in_is_classified(typed, expected):
    assert classify_identifier(typed) == expected
