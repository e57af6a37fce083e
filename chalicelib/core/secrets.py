"""Keys derived from the deployment's one secret (Secrets Manager `kabinet-<stage>-app-secrets`).

Fetched once per Lambda container; each purpose gets its own key via HMAC so a leak of one
derived key does not expose the others.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from functools import lru_cache

from .aws import client
from .config import get_settings


@lru_cache(maxsize=1)
def _signing_key() -> bytes:
    secret = client("secretsmanager").get_secret_value(SecretId=get_settings().resource("app-secrets"))
    return json.loads(secret["SecretString"])["signing_key"].encode()


@lru_cache(maxsize=None)
def derived_key(purpose: str) -> bytes:
    return hmac.new(_signing_key(), f"kabinet/{purpose}".encode(), hashlib.sha256).digest()


def reset_cache() -> None:
    """After tests recreate the secret."""
    _signing_key.cache_clear()
    derived_key.cache_clear()
