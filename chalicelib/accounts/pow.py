"""Proof-of-work bot protection that works offline (no third-party captcha).

A challenge is `expires.nonce.difficulty.mac`, signed so the server keeps no state until the
answer arrives; the answer is single-use. Solving costs the client ~2^difficulty SHA-256 hashes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from chalicelib.core import clock, throttle
from chalicelib.core.config import get_settings
from chalicelib.core.errors import ApiError
from chalicelib.core.secrets import derived_key


@dataclass(frozen=True)
class Challenge:
    challenge: str
    difficulty: int
    expires_in: int


def _mac(payload: str) -> str:
    return hmac.new(derived_key("pow"), payload.encode(), hashlib.sha256).hexdigest()[:32]


def issue() -> Challenge:
    settings = get_settings()
    expires = clock.epoch(clock.now()) + settings.pow_ttl_seconds
    payload = f"{expires}.{secrets.token_hex(8)}.{settings.pow_difficulty}"
    return Challenge(f"{payload}.{_mac(payload)}", settings.pow_difficulty, settings.pow_ttl_seconds)


def leading_zero_bits(digest: bytes) -> int:
    bits = 0
    for byte in digest:
        if byte == 0:
            bits += 8
            continue
        return bits + 8 - byte.bit_length()
    return bits


def solve(challenge: str, difficulty: int) -> str:
    """What the browser does; used by tests and scripted clients."""
    nonce = 0
    while leading_zero_bits(hashlib.sha256(f"{challenge}:{nonce}".encode()).digest()) < difficulty:
        nonce += 1
    return str(nonce)


def verify(challenge: str, nonce: str) -> None:
    failed = ApiError("Проверка на робота не пройдена. Обновите страницу и попробуйте ещё раз", code="captcha_failed")
    parts = challenge.split(".")
    if len(parts) != 4 or not nonce.isdigit() or len(nonce) > 20:
        raise failed
    expires, _, difficulty, mac = parts
    payload = ".".join(parts[:3])
    if not hmac.compare_digest(mac, _mac(payload)) or not expires.isdigit() or not difficulty.isdigit():
        raise failed
    if int(expires) < clock.epoch(clock.now()):
        raise failed
    digest = hashlib.sha256(f"{challenge}:{nonce}".encode()).digest()
    if leading_zero_bits(digest) < int(difficulty):
        raise failed
    if not throttle.claim_once("pow", challenge, int(expires)):
        raise failed
