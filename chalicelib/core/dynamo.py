"""PynamoDB plumbing shared by the repositories."""
from __future__ import annotations

from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.connection import Connection
from pynamodb.models import Model

from .config import get_settings


def table_meta(name: str) -> type:
    """Meta for a table declared in infra/resources.yaml. The endpoint is left to botocore, which
    honours AWS_ENDPOINT_URL (moto locally, the real service in AWS)."""
    settings = get_settings()

    class Meta:
        table_name = settings.resource(name)
        region = settings.aws_region

    return Meta


class KeyedModel(Model):
    """Single-table items: generic `pk`/`sk` keys, `ttl` for DynamoDB expiry."""

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    ttl = NumberAttribute(null=True)


def connection() -> Connection:
    settings = get_settings()
    return Connection(region=settings.aws_region)


def is_conditional_failure(exc: BaseException) -> bool:
    cause: Any = getattr(exc, "cause", None)
    code = getattr(exc, "cause_response_code", None) or (
        cause.response.get("Error", {}).get("Code") if cause is not None and hasattr(cause, "response") else None)
    return code in ("ConditionalCheckFailedException", "TransactionCanceledException")
