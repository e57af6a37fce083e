"""Structured JSON logs in Lambda (powertools Logger), readable lines locally."""
from __future__ import annotations

import logging
import os


def configure_logging() -> None:
    level = os.environ.get("LOG_LEVEL", "INFO")
    if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
        from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

        # Every `logging.getLogger("kabinet.*")` line becomes one JSON object for CloudWatch.
        handler = logging.StreamHandler()
        handler.setFormatter(LambdaPowertoolsFormatter(
            service=os.environ.get("POWERTOOLS_SERVICE_NAME", "kabinet")))
        logging.basicConfig(level=level, handlers=[handler], force=True)
        return
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
