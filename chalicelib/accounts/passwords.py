"""Password policy and hashing (argon2id)."""

from __future__ import annotations

import base64
import secrets
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from chalicelib.core.config import get_settings

if TYPE_CHECKING:
    from argon2 import PasswordHasher

MIN_LENGTH = 8
MAX_LENGTH = 128


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
            hasher.verify(_dummy_hash(), password)
            return False
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A hash of no password with the configured cost, which the sign-in of an unknown account verifies
    against. Assembled, not computed: hashing it on first use made the first unknown sign-in in each
    container take two argon2 runs where a known account takes one."""
    hasher = _hasher()

    def random_b64(size: int) -> str:
        return base64.b64encode(secrets.token_bytes(size)).decode().rstrip("=")

    return (
        f"$argon2id$v=19$m={hasher.memory_cost},t={hasher.time_cost},p={hasher.parallelism}"
        f"${random_b64(hasher.salt_len)}${random_b64(hasher.hash_len)}"
    )
