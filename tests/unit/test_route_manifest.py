"""The API is served from the generated route manifest (chalicelib/route_manifest.py): it must list
every route the capability modules declare, and `import app` — what every cold start pays — must not
import those modules nor pydantic; a route's first call imports its own module only."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_manifest_lists_the_routes_the_modules_declare():
    from infra.routes import MANIFEST, render

    assert MANIFEST.read_text(encoding="utf-8") == render(), (
        "chalicelib/route_manifest.py is stale: run `make routes` (python -m infra.routes)"
    )


def test_the_app_serves_every_declared_route_with_its_methods():
    from app import API_PREFIX, app
    from chalicelib.core.web import declare_all
    from chalicelib.route_manifest import ROUTES

    declared = {(API_PREFIX + spec.path, spec.method) for spec in declare_all(ROUTES)}
    served = {(path, method) for path, entry in app.routes.items() for method in entry}
    assert served - declared == {(f"{API_PREFIX}/openapi.json", "GET")}
    assert declared <= served


def _fresh(code: str) -> dict[str, object]:
    """What `code` prints as JSON, run in a new interpreter (nothing imported by the test run)."""
    env = {**os.environ, "KABINET_STAGE": "test", "AWS_REGION": "eu-central-1"}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=120
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


_LOADED = """
import json, sys
before = set(sys.modules)
{code}
print(json.dumps({{"loaded": sorted(set(sys.modules) - before), **result}}))
"""


def test_importing_the_app_imports_no_capability_module_nor_pydantic():
    from app import ROUTE_MODULES

    loaded = _fresh(_LOADED.format(code="import app\nresult = {}"))["loaded"]
    assert isinstance(loaded, list)
    assert not [m for m in loaded if m.split(".")[0] in ("pydantic", "pydantic_core", "boto3", "pynamodb")]
    capabilities = {module.rsplit(".", 1)[0] for module in ROUTE_MODULES} - {"chalicelib.core"}
    assert not [m for m in loaded if any(m == c or m.startswith(c + ".") for c in capabilities)]
    assert "chalicelib.core.config" not in loaded and "chalicelib.core.system_api" not in loaded


def test_the_first_call_of_a_route_imports_its_module_only():
    answer = _fresh(
        _LOADED.format(
            code=(
                "import app\n"
                "from chalice.test import Client\n"
                "response = Client(app.app).http.get('/api/v1/health')\n"
                "result = {'status': response.status_code, 'body': json.loads(response.body)}"
            )
        )
    )
    assert answer["status"] == 200 and answer["body"] == {"status": "ok", "stage": "test"}
    loaded = answer["loaded"]
    assert isinstance(loaded, list) and "chalicelib.core.system_api" in loaded
    assert "chalicelib.accounts.api" not in loaded and "chalicelib.metering.api" not in loaded
