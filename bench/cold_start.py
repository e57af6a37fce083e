"""Cold start: the import of the Lambda module (`app`) against a bare `import chalice, boto3`, and the
first request of each capability in a fresh process (bench/first_request.py).

Each import figure is the median of fresh interpreter runs, the two measured in turn. The target
(≤ 1.3) is the ratio of processor time: on a machine busy with other work the wall clock also counts
the time the import waited for a core, which a Lambda function does not share; both are printed.

`import app` loads no capability module, no pydantic and no boto3: the routes come from the generated
manifest and a route's first call imports the module declaring it (chalicelib/core/web.py). What that
first call costs is what the second table shows.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = 9
TARGET_RATIO = 1.3
_TIMER = (
    "import time; t, c = time.perf_counter(), time.process_time(); import {modules}; "
    "print(time.process_time() - c, time.perf_counter() - t)"
)


def _environment() -> dict[str, str]:
    env = {**os.environ, "KABINET_STAGE": "bench", "AWS_REGION": "eu-central-1"}
    # Any value, even "0", stops Python writing bytecode: the warm-up run must leave it, as a
    # deployed package has it.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _import_seconds(modules: str, env: dict[str, str]) -> tuple[float, float]:
    """(processor, wall) seconds of the import in a fresh interpreter."""
    out = subprocess.run(
        [sys.executable, "-c", _TIMER.format(modules=modules)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    cpu, wall = out.stdout.split()
    return float(cpu), float(wall)


def run() -> list[str]:
    env = _environment()
    _import_seconds("app", env)  # warm the bytecode cache
    bare_samples, app_samples = [], []
    for _ in range(RUNS):
        bare_samples.append(_import_seconds("chalice, boto3", env))
        app_samples.append(_import_seconds("app", env))
    bare = [statistics.median(s[i] for s in bare_samples) for i in (0, 1)]
    full = [statistics.median(s[i] for s in app_samples) for i in (0, 1)]
    ratio, wall_ratio = full[0] / bare[0], full[1] / bare[1]
    verdict = "OK" if ratio <= TARGET_RATIO else "ВЫШЕ ЦЕЛИ"
    first = subprocess.run(
        [sys.executable, "-m", "bench.first_request"], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return [
        "Холодный импорт (медиана из %d запусков; процессорное время, в скобках — по часам)" % RUNS,
        f"  import chalice, boto3 ........ {bare[0] * 1000:7.1f} мс  ({bare[1] * 1000:.1f} мс)",
        f"  import app ................... {full[0] * 1000:7.1f} мс  ({full[1] * 1000:.1f} мс)",
        f"  отношение .................... {ratio:7.2f}  (цель ≤ {TARGET_RATIO}) {verdict}  "
        f"(по часам {wall_ratio:.2f})",
        "",
        *first.stdout.rstrip("\n").splitlines(),
    ]
