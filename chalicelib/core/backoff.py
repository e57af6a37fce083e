"""Batch calls that DynamoDB may answer only in part (BatchWriteItem's UnprocessedItems,
BatchGetItem's UnprocessedKeys), retried with capped exponential backoff and full jitter.

DynamoDB leaves requests unprocessed when the table or partition is over its throughput; asking again
at once only adds load. Each wait is random between zero and a cap that doubles per attempt, so
writers throttled together do not come back together; after MAX_ATTEMPTS the call fails rather than
spin, and whatever runs it (the agent's resend, SQS, the next schedule tick) tries later.
"""

from __future__ import annotations

from collections.abc import Callable
from random import uniform
from time import sleep
from typing import TypeVar

Request = TypeVar("Request")

BASE_SECONDS = 0.05
CAP_SECONDS = 2.0
MAX_ATTEMPTS = 8


class StillUnprocessed(RuntimeError):
    """DynamoDB kept leaving part of a batch unprocessed through every attempt."""


def wait_cap(attempt: int) -> float:
    """The longest wait after the `attempt`-th call (0-based) left something unprocessed."""
    return min(CAP_SECONDS, BASE_SECONDS * 2.0**attempt)


def until_processed(call: Callable[[list[Request]], list[Request]], pending: list[Request]) -> None:
    """`call(pending)` makes one batch call and returns what it left unprocessed; it is called again
    with that, after a jittered wait, until nothing is left."""
    for attempt in range(MAX_ATTEMPTS):
        if not pending:
            return
        if attempt:
            sleep(uniform(0, wait_cap(attempt - 1)))
        pending = call(pending)
    if pending:
        raise StillUnprocessed(f"{len(pending)} requests still unprocessed after {MAX_ATTEMPTS} attempts")
