"""Bad input becomes Russian messages per field that never repeat what was typed."""

import pytest
from pydantic import ValidationError

from chalicelib.accounts.models import LoginRequest, ProfileUpdate, RegisterRequest
from chalicelib.core.validation import to_api_error


def errors_of(model, data):
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    return {f.path: f.message for f in to_api_error(caught.value, getattr(model, "loc_noise", frozenset())).fields}


def test_registration_errors_are_reported_per_field_without_the_union_branch_in_paths():
    errors = errors_of(
        RegisterRequest,
        {
            "kind": "person",
            "login": "1bad",
            "password": "short",
            "email": "not-an-email",
            "phone": "123",
            "address": {"postcode": "39", "locality": "", "street": "ул. Ленина", "house": "1"},
            "consent": {"accepted": False, "version": "2024-01"},
            "pow": {"challenge": "x", "nonce": "1"},
            "last_name": "Иванов",
            "first_name": "Иван",
            "snils": "112-233-445 96",
        },
    )
    assert errors["snils"] == "Неверная контрольная сумма СНИЛС"
    assert errors["login"].startswith("Логин:")
    assert errors["email"] == "Неверный адрес электронной почты"
    assert errors["address.postcode"] == "Неверный формат"
    assert errors["address.locality"].startswith("Слишком короткое")
    assert errors["consent.accepted"] == "Необходимо согласие на обработку персональных данных"
    assert all("112-233" not in m and "not-an-email" not in m for m in errors.values())


def test_unknown_kind_asks_to_choose_the_applicant_kind():
    assert errors_of(RegisterRequest, {"kind": "alien"}) == {"body": "Выберите вид заявителя"}


def test_company_needs_ten_digit_inn_and_thirteen_digit_ogrn():
    errors = errors_of(RegisterRequest, {"kind": "company", "inn": "500100732259", "ogrn": "304500116000157"})
    assert errors["inn"] == "ИНН состоит из 10 цифр"
    assert errors["ogrn"] == "ОГРН состоит из 13 цифр"
    assert errors["short_name"] == "Обязательное поле"


def test_login_and_snils_cannot_be_edited_in_the_profile():
    errors = errors_of(ProfileUpdate, {"login": "other1", "snils": "112-233-445 95"})
    assert errors == {"login": "Это поле изменить нельзя", "snils": "Это поле изменить нельзя"}


def test_wrong_types_get_russian_messages():
    errors = errors_of(LoginRequest, {"identifier": 5, "password": None, "remember": "maybe", "extra": 1})
    assert errors == {
        "identifier": "Ожидается строка",
        "password": "Ожидается строка",
        "remember": "Ожидается да или нет",
        "body": "В запросе есть поля, которые не предусмотрены",
    }
