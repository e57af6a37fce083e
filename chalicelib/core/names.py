"""Physical names of the resources declared in infra/resources.yaml.

The standard library only: app.py names its SQS queues at import, and a cold start must not pay for
the settings model (core/config.py) to do it.
"""

from __future__ import annotations

import os

ENV_PREFIX = "KABINET_"
DEFAULT_STAGE = "local"


def resource_name(name: str, stage: str | None = None) -> str:
    """Physical name of a resource declared in infra/resources.yaml; without `stage`, this deployment's
    (KABINET_STAGE) — what app.py names its queues by at import, where nothing is validated yet."""
    stage = stage or os.environ.get(ENV_PREFIX + "STAGE") or DEFAULT_STAGE
    return f"kabinet-{stage}-{name}"
