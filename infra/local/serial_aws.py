"""moto, local and in tests, is not thread-safe where AWS is: its in-memory backend (also behind the
moto server) changes tables while a transaction in another thread deep-copies them. Serialising
each AWS API call of this process keeps every interleaving of *our* code that concurrency tests and
parallel browser requests exercise, without moto's own races. Never used in AWS."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import botocore.client


@contextmanager
def one_aws_call_at_a_time() -> Iterator[None]:
    lock = threading.RLock()
    original = botocore.client.BaseClient._make_api_call

    def serialised(self: Any, operation: str, params: Any) -> Any:
        with lock:
            return original(self, operation, params)

    botocore.client.BaseClient._make_api_call = serialised  # type: ignore[method-assign]
    try:
        yield
    finally:
        botocore.client.BaseClient._make_api_call = original  # type: ignore[method-assign]
