"""The process environment of a bench that runs the code in this process under moto."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def bench_environment(**extra: str) -> None:
    """Settings of the "bench" stage with fake credentials (`extra` on top), no endpoint of a local
    stack (moto intercepts in-process), and the repository and the API tests' helpers importable."""
    os.environ.update(
        {
            "KABINET_STAGE": "bench",
            "AWS_REGION": "eu-central-1",
            "AWS_DEFAULT_REGION": "eu-central-1",
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            **extra,
        }
    )
    os.environ.pop("AWS_ENDPOINT_URL", None)
    for path in (ROOT, ROOT / "tests" / "api"):
        sys.path.insert(0, str(path))
