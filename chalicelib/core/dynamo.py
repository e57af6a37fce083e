"""PynamoDB plumbing shared by the repositories."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pynamodb.connection import Connection
from pynamodb.transactions import TransactWrite

from .config import get_settings


def table_meta(name: str) -> type:
    """Meta for a table declared in infra/resources.yaml. The endpoint is left to botocore, which
    honours AWS_ENDPOINT_URL (moto locally, the real service in AWS)."""
    settings = get_settings()

    class Meta:
        table_name = settings.resource(name)
        region = settings.aws_region

    return Meta


@lru_cache(maxsize=1)
def connection() -> Connection:
    """One connection for the container's transactions: each new one would build a botocore session
    and client (≈ 0.1 s of loading service models) for every transaction."""
    settings = get_settings()
    return Connection(region=settings.aws_region)


def transaction() -> TransactWrite:
    """One all-or-nothing write across any of our tables (same account and region)."""
    return TransactWrite(connection=connection())


def is_conditional_failure(exc: BaseException) -> bool:
    cause: Any = getattr(exc, "cause", None)
    code = getattr(exc, "cause_response_code", None) or (
        cause.response.get("Error", {}).get("Code") if cause is not None and hasattr(cause, "response") else None
    )
    return code in ("ConditionalCheckFailedException", "TransactionCanceledException")
