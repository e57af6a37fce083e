"""Gzipped size of what browsers download from the built site (build/site, `make site`).

First load of a page = the page, the stylesheet, the browser check and the page's bundle; Chart.js is
fetched by the АИИС pages only and the proof-of-work worker at sign-in, so they are listed apart.
Target: the consumer site's first load ≤ 120 KB gzipped.
"""

from __future__ import annotations

import gzip
from pathlib import Path

SITE = Path(__file__).resolve().parents[1] / "build" / "site"
TARGET_KB = 120.0
FIRST_LOAD = {
    "сайт потребителя (index.html)": ["index.html", "assets/app.css", "assets/js/supported.js", "assets/js/app.js"],
    "консоль сотрудника (staff.html)": ["staff.html", "assets/app.css", "assets/js/supported.js", "assets/js/staff.js"],
}
ON_DEMAND = {
    "Chart.js (страницы АИИС)": "vendor/chartjs/chart.umd.min.js",
    "проверка «не робот» (worker)": "assets/js/pow-worker.js",
}


def _gzipped_kb(relative: str) -> float:
    return len(gzip.compress((SITE / relative).read_bytes(), compresslevel=9)) / 1024


def run() -> list[str]:
    if not (SITE / "index.html").is_file():
        return ["Размер сайта: build/site не собран (make site)"]
    lines = ["Размер сайта, gzip (build/site)"]
    for title, files in FIRST_LOAD.items():
        for relative in files:
            lines.append(f"  {relative:.<36} {_gzipped_kb(relative):7.1f} КБ")
        total = sum(_gzipped_kb(relative) for relative in files)
        verdict = ""
        if "index.html" in files:
            verdict = f"  (цель ≤ {TARGET_KB:.0f} КБ) {'OK' if total <= TARGET_KB else 'ВЫШЕ ЦЕЛИ'}"
        lines.append(f"  первая загрузка: {title} {total:7.1f} КБ{verdict}")
    for title, relative in ON_DEMAND.items():
        lines.append(f"  {title}: {relative} {_gzipped_kb(relative):7.1f} КБ")
    return lines
