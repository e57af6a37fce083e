"""Keys derived from the deployment's secrets (Secrets Manager): `kabinet-<stage>-app-secrets` signs
tokens and codes and may be rotated; `kabinet-<stage>-data-key` encrypts stored data and is not.

The secret is cached for `secret_max_age_seconds` (Powertools parameters), not for the life of a
container: a rotated key is in use in every container within that time, at one Secrets Manager call
per container per period. Each purpose gets its own key via HMAC so a leak of one derived key does
not expose the others.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache
from typing import Any

from .aws import client
from .config import get_settings


@lru_cache(maxsize=1)
def _provider() -> Any:
    # Powertools (with boto3) is loaded by the first request that needs a key, not at import.
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

    return SecretsProvider(boto3_client=client("secretsmanager"))


def _root_key(secret_name: str, field: str) -> bytes:
    settings = get_settings()
    secret = _provider().get(settings.resource(secret_name), transform="json", max_age=settings.secret_max_age_seconds)
    return str(secret[field]).encode()


def derived_key(purpose: str) -> bytes:
    """A key of tokens and codes: they stop working when the signing key is rotated, as they should."""
    return _derive(_root_key("app-secrets", "signing_key"), purpose)


def data_key(purpose: str) -> bytes:
    """A key of data stored encrypted (`kabinet-<stage>-data-key`): unaffected by rotating the signing key."""
    return _derive(_root_key("data-key", "data_key"), purpose)


@lru_cache(maxsize=64)
def _derive(signing_key: bytes, purpose: str) -> bytes:
    return hmac.new(signing_key, f"kabinet/{purpose}".encode(), hashlib.sha256).digest()


def reset_cache() -> None:
    """After tests recreate the secret (and the clients)."""
    _provider.cache_clear()
    _derive.cache_clear()
