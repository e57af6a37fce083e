"""Password policy and hashing (argon2id)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from chalicelib.core.config import get_settings

if TYPE_CHECKING:
    from argon2 import PasswordHasher

MIN_LENGTH = 8
MAX_LENGTH = 128
# Hashed by the sign-in path for unknown accounts so both paths take the same time.
_DUMMY_PASSWORD = "kabinet-timing-equaliser"


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    from argon2 import PasswordHasher  # deferred: only sign-in and registration hash passwords

    # Defaults follow RFC 9106's "second recommended" profile (64 MiB, t=3), sized for a 512 MB
    # Lambda; the cost is a setting so a test run can use a cheaper one.
    settings = get_settings()
    return PasswordHasher(time_cost=settings.argon2_time_cost, memory_cost=settings.argon2_memory_kib, parallelism=1)


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    """The list an attacker tries first (origin in the file's header); read once, when a password is set."""
    lines = Path(__file__).with_name("common-passwords.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def policy_problems(password: str, login: str | None = None) -> list[str]:
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"Пароль должен содержать не менее {MIN_LENGTH} символов")
    if len(password) > MAX_LENGTH:
        problems.append(f"Пароль должен содержать не более {MAX_LENGTH} символов")
    if not any(c.isalpha() for c in password) or not any(c.isdigit() for c in password):
        problems.append("Пароль должен содержать буквы и цифры")
    if login and login.lower() in password.lower():
        problems.append("Пароль не должен содержать логин")
    if password.lower() in _common_passwords():
        problems.append("Этот пароль слишком распространён и легко подбирается: придумайте другой")
    return problems


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant-shape check: an absent hash still costs one argon2 verification."""
    from argon2.exceptions import InvalidHashError, VerificationError

    hasher = _hasher()
    try:
        if password_hash is None:
            hasher.verify(_dummy_hash(), password + _DUMMY_PASSWORD)
            return False
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher().hash(_DUMMY_PASSWORD)
