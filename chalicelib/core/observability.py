"""Following one request through the system (docs/observability.md).

Every invocation runs inside `invocation()`: its log lines carry the correlation id, the Lambda
request id and the cold-start flag, and in Lambda with tracing on, the X-Ray trace is annotated with
the same correlation id. An HTTP request's id is API Gateway's request id (answered to the client in
`X-Request-Id`); the outbox item keeps the id of the request that staged it, so the SQS consumer that
delivers the notice logs under that id too. Log lines never carry personal data: e-mail addresses,
phone numbers and СНИЛС in a message are masked before it is written.
"""

from __future__ import annotations

import logging
import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

NAMESPACE = "Kabinet"
_correlation: ContextVar[str] = ContextVar("correlation_id", default="")
_lambda_request: ContextVar[str] = ContextVar("function_request_id", default="")
_cold: ContextVar[bool] = ContextVar("cold_start", default=False)
_first_invocation = [True]  # of this container


def correlation_id() -> str:
    """The id of the request or job being served ("" outside one)."""
    return _correlation.get()


def new_correlation_id() -> str:
    return str(uuid.uuid4())


@contextmanager
def invocation(lambda_context: Any = None, correlation: str | None = None) -> Iterator[str]:
    """One Lambda invocation (or one SQS record of it): its ids, for the log lines and the trace."""
    request_id = getattr(lambda_context, "aws_request_id", "") or _lambda_request.get()
    cold = _cold.get()
    if lambda_context is not None:
        cold, _first_invocation[0] = _first_invocation[0], False
    correlation_token = _correlation.set(correlation or _correlation.get() or request_id or new_correlation_id())
    request_token, cold_token = _lambda_request.set(request_id), _cold.set(cold)
    try:
        with _traced(_correlation.get()):
            yield _correlation.get()
    finally:
        _cold.reset(cold_token)
        _lambda_request.reset(request_token)
        _correlation.reset(correlation_token)


@contextmanager
def correlated(correlation: str | None) -> Iterator[str]:
    """Work done for an earlier request (an outbox item it staged): logged under that request's id."""
    with invocation(correlation=correlation) as value:
        yield value


def _tracing_on() -> bool:
    return bool(os.environ.get("AWS_LAMBDA_FUNCTION_NAME")) and os.environ.get(
        "POWERTOOLS_TRACE_DISABLED", ""
    ).lower() not in ("1", "true")


@contextmanager
def _traced(correlation: str) -> Iterator[None]:
    if not _tracing_on():
        yield
        return
    from aws_lambda_powertools import Tracer  # only in Lambda: X-Ray's SDK costs cold-start time

    tracer = Tracer(service=os.environ.get("POWERTOOLS_SERVICE_NAME", "kabinet"), patch_modules=["boto3", "botocore"])
    # Lambda's own segment cannot be annotated; a subsegment per invocation carries the id.
    with tracer.provider.in_subsegment("## kabinet") as subsegment:
        subsegment.put_annotation("correlation_id", correlation)
        yield


# --- logs -------------------------------------------------------------------------------------------

_EMAIL = re.compile(r"[\w.+%-]+@([\w-]+\.)+[\w-]+", re.UNICODE)
_SNILS = re.compile(r"\b\d{3}-\d{3}-\d{3} \d{2}\b")
_PHONE = re.compile(r"(?<![\w])(?:\+7|8)[\s(-]*\d{3}[\s)-]*\d{3}[\s-]*\d{2}[\s-]*\d{2}\b")


def mask_personal(text: str) -> str:
    """E-mail addresses, phone numbers and СНИЛС replaced, so a log line identifies no one."""
    text = _EMAIL.sub("<e-mail>", text)
    text = _SNILS.sub("<СНИЛС>", text)
    return _PHONE.sub("<телефон>", text)


class InvocationFilter(logging.Filter):
    """Adds the invocation's ids to each record and masks personal data in its message."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.correlation_id = _correlation.get() or "-"
        record.function_request_id = _lambda_request.get() or "-"
        record.cold_start = _cold.get()
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True  # a malformed call is logging's own error to report
        masked = mask_personal(message)
        if masked != message or record.args:
            record.msg, record.args = masked, ()
        return True


# --- metrics ----------------------------------------------------------------------------------------


def count(metric: str, value: int = 1, **dimensions: str) -> None:
    """A business event as a CloudWatch metric (EMF, written to the log: no API call at run time)."""
    if not os.environ.get("AWS_LAMBDA_FUNCTION_NAME") or os.environ.get("POWERTOOLS_METRICS_DISABLED", "").lower() in (
        "1",
        "true",
    ):
        logging.getLogger("kabinet.metrics").debug("metric %s %s %s", metric, value, dimensions)
        return
    from aws_lambda_powertools.metrics import MetricUnit, single_metric

    with single_metric(name=metric, unit=MetricUnit.Count, value=value, namespace=NAMESPACE) as emitted:
        for name, dimension in dimensions.items():
            emitted.add_dimension(name=name, value=dimension)
