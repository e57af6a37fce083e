import pytest

from chalicelib.accounts.passwords import hash_password, policy_problems, verify_password


def test_policy_accepts_letters_and_digits_of_sufficient_length():
    assert policy_problems("Secret123pass", "ivanov1") == []


def test_policy_explains_each_problem_in_russian():
    assert policy_problems("abc1") == ["Пароль должен содержать не менее 8 символов"]
    assert policy_problems("abcdefghij") == ["Пароль должен содержать буквы и цифры"]
    assert policy_problems("12345678")[0] == "Пароль должен содержать буквы и цифры"
    assert policy_problems("xIvanov1x99", "ivanov1") == ["Пароль не должен содержать логин"]
    assert "не более 128" in policy_problems("a1" * 65)[0]


def test_the_most_common_passwords_are_refused_whatever_their_case():
    for password in ("password1", "qwerty123", "Password1", "QWERTY123", "1q2w3e4r"):
        assert policy_problems(password) == ["Этот пароль слишком распространён и легко подбирается: придумайте другой"]
    assert policy_problems("Demo12345") == []


def test_hash_is_argon2id_and_verifies_only_the_right_password():
    hashed = hash_password("Secret123pass")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "Secret123pass")
    assert not verify_password(hashed, "Secret123Pass")


def test_missing_or_corrupt_hash_never_verifies():
    assert not verify_password(None, "anything1")
    assert not verify_password("not-a-hash", "anything1")


def test_an_unknown_account_costs_one_argon2_verification_like_a_known_one(monkeypatch):
    from argon2 import PasswordHasher, extract_parameters

    from chalicelib.accounts import passwords

    real = hash_password("Secret123pass")
    passwords._dummy_hash.cache_clear()
    # The first unknown sign-in of a container used to hash a dummy password before verifying it.
    monkeypatch.setattr(PasswordHasher, "hash", lambda *args, **kwargs: pytest.fail("hashed on sign-in"))
    assert not verify_password(None, "Secret123pass")
    assert extract_parameters(passwords._dummy_hash()) == extract_parameters(real)
