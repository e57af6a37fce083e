"""PynamoDB plumbing shared by the repositories."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, cast

from pynamodb.attributes import ListAttribute, MapAttribute, UnicodeAttribute
from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.models import MetaProtocol
from pynamodb.transactions import TransactWrite

from .config import get_settings
from .errors import FieldError, conflict


class TableMeta:
    """A model's Meta (pynamodb's MetaProtocol): the table and the region. The other settings are only
    declared here: pynamodb sets the connection ones (host, timeouts, retries, ...) from its defaults when
    the model class is created, and leaves the table-creation ones (capacity, billing mode, tags, stream)
    unset, which is what `hasattr` in Model.create_table expects."""

    read_capacity_units: int | None
    write_capacity_units: int | None
    host: str | None
    connect_timeout_seconds: int
    read_timeout_seconds: int
    max_retry_attempts: int
    max_pool_connections: int
    extra_headers: Mapping[str, str]
    aws_access_key_id: str | None
    aws_secret_access_key: str | None
    aws_session_token: str | None
    billing_mode: str | None
    tags: dict[str, str] | None
    stream_view_type: str | None

    def __init__(self, table_name: str, region: str) -> None:
        self.table_name = table_name
        self.region: str | None = region


def table_meta(name: str) -> MetaProtocol:
    """Meta for a table declared in infra/resources.yaml. The endpoint is left to botocore, which
    honours AWS_ENDPOINT_URL (moto locally, the real service in AWS)."""
    settings = get_settings()
    return TableMeta(settings.resource(name), settings.aws_region)


class TypedMap(MapAttribute[str, Any]):
    """The base of our declared maps (a MapAttribute subclass with its fields): pynamodb's constructor and
    as_dict() carry no annotations, so a strict checker would reject every call of them. Raw maps
    (MapAttribute(...) itself) stay raw: a subclass stores only its declared fields."""

    def __init__(self, **attributes: Any) -> None:
        # The one untyped call this class exists to wrap (mypy.ini's exclusion does not see through super()).
        super().__init__(**attributes)  # type: ignore[no-untyped-call]

    def as_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = super().as_dict()  # type: ignore[no-untyped-call]  # as __init__
        return result


def string_list(*, default: Callable[[], list[str]] | None = None, null: bool | None = None) -> ListAttribute[str]:
    """A list of strings, ListAttribute(of=UnicodeAttribute), typed as the list[str] it holds: pynamodb types
    a list's items as the `of` class, which is right for a map class and wrong for a scalar one."""
    return cast("ListAttribute[str]", ListAttribute(of=UnicodeAttribute, default=default, null=null))


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


@contextmanager
def conflict_on_condition(message: str, fields: Iterable[FieldError] = ()) -> Iterator[None]:
    """Around transactions whose failed condition means another change came first: a 409 with `message`
    (and `fields`, as `conflict` takes them)."""
    try:
        yield
    except TransactWriteError as exc:
        if is_conditional_failure(exc):
            raise conflict(message, fields) from None
        raise
