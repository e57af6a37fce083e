"""boto3 clients. Region and endpoint come from the environment (AWS_REGION, AWS_ENDPOINT_URL),
which boto3 reads itself — nothing here names an endpoint."""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from .config import get_settings


@lru_cache(maxsize=None)
def client(service: str) -> Any:
    import boto3  # deferred: routes that never touch boto3 directly don't pay its import

    return boto3.session.Session().client(service, region_name=get_settings().aws_region)


def reset_clients() -> None:
    """Tests start a fresh moto backend per test; cached clients would keep old state."""
    client.cache_clear()
