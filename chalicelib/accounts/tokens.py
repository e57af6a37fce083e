"""Access tokens (JWT, short-lived) and refresh tokens (opaque, rotated, stored hashed)."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

import jwt

from chalicelib.core import clock
from chalicelib.core.secrets import derived_key

_ALGORITHM = "HS256"
_ISSUER = "kabinet"


@dataclass(frozen=True)
class AccessClaims:
    user_id: str
    session_id: str
    role: str
    token_version: int


class InvalidToken(Exception):
    pass


def issue_access_token(claims: AccessClaims, lifetime: timedelta) -> str:
    now = clock.now()
    payload = {
        "iss": _ISSUER,
        "sub": claims.user_id,
        "sid": claims.session_id,
        "role": claims.role,
        "ver": claims.token_version,
        "iat": clock.epoch(now),
        "exp": clock.epoch(now + lifetime),
    }
    return jwt.encode(payload, derived_key("jwt"), algorithm=_ALGORITHM)


def decode_access_token(token: str) -> AccessClaims:
    try:
        payload = jwt.decode(
            token,
            derived_key("jwt"),
            algorithms=[_ALGORITHM],
            issuer=_ISSUER,
            # Expiry is checked below against our clock, which tests can move.
            options={"require": ["exp", "sub", "sid", "ver"], "verify_exp": False, "verify_iat": False},
        )
    except jwt.PyJWTError:
        raise InvalidToken() from None
    if payload["exp"] <= clock.epoch(clock.now()):
        raise InvalidToken()
    return AccessClaims(payload["sub"], payload["sid"], payload.get("role", "consumer"), int(payload["ver"]))


@dataclass(frozen=True)
class RefreshToken:
    user_id: str
    session_id: str
    secret: str

    def encode(self) -> str:
        raw = f"{self.user_id}.{self.session_id}.{self.secret}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @property
    def digest(self) -> str:
        return secret_digest(self.secret)


def new_refresh_token(user_id: str, session_id: str) -> RefreshToken:
    return RefreshToken(user_id, session_id, secrets.token_urlsafe(32))


def parse_refresh_token(value: str) -> RefreshToken:
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        user_id, session_id, secret = raw.split(".")
    except (ValueError, UnicodeDecodeError):
        raise InvalidToken() from None
    if not (user_id and session_id and secret):
        raise InvalidToken()
    return RefreshToken(user_id, session_id, secret)


def secret_digest(value: str) -> str:
    """Stored form of bearer secrets (refresh tokens, confirmation links): a leaked table does not
    leak usable tokens. SHA-256 suffices — the secrets are 256-bit random, not passwords."""
    return hashlib.sha256(value.encode()).hexdigest()


def new_session_id() -> str:
    return secrets.token_hex(8)
