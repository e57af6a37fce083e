"""Structured JSON logs in Lambda (powertools formatter), readable lines locally; both carry the
invocation's ids and never personal data (core/observability.py)."""

from __future__ import annotations

import logging
import os

from .observability import InvocationFilter


def configure_logging() -> None:
    level = os.environ.get("LOG_LEVEL", "INFO")
    if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
        from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

        # Every `logging.getLogger("kabinet.*")` line becomes one JSON object for CloudWatch.
        handler = logging.StreamHandler()
        handler.setFormatter(LambdaPowertoolsFormatter(service=os.environ.get("POWERTOOLS_SERVICE_NAME", "kabinet")))
        logging.basicConfig(level=level, handlers=[handler], force=True)
    else:
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s [%(correlation_id)s]: %(message)s")
    for root_handler in logging.getLogger().handlers:
        root_handler.addFilter(InvocationFilter())
