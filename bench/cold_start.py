"""Cold import of the Lambda module (`app`) against a bare `import chalice, boto3`.

Each figure is the median of fresh interpreter runs; the ratio is the target (≤ 2).
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = 9
TARGET_RATIO = 2.0
_TIMER = "import time; t = time.perf_counter(); import {modules}; print(time.perf_counter() - t)"


def _median_import_seconds(modules: str) -> float:
    env = {**os.environ, "KABINET_STAGE": "bench", "AWS_REGION": "eu-central-1", "PYTHONDONTWRITEBYTECODE": "0"}
    samples = []
    for _ in range(RUNS):
        out = subprocess.run([sys.executable, "-c", _TIMER.format(modules=modules)], cwd=ROOT, env=env,
                             capture_output=True, text=True, check=True)
        samples.append(float(out.stdout.strip()))
    return statistics.median(samples)


def run() -> list[str]:
    _median_import_seconds("app")  # warm the bytecode cache, as a deployed package has it
    bare = _median_import_seconds("chalice, boto3")
    full = _median_import_seconds("app")
    ratio = full / bare
    verdict = "OK" if ratio <= TARGET_RATIO else "ВЫШЕ ЦЕЛИ"
    return ["Холодный импорт (медиана из %d запусков)" % RUNS,
            f"  import chalice, boto3 ........ {bare * 1000:7.1f} мс",
            f"  import app ................... {full * 1000:7.1f} мс",
            f"  отношение .................... {ratio:7.2f}  (цель ≤ {TARGET_RATIO:.0f}) {verdict}"]
