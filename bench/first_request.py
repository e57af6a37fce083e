"""The first request of each capability in a fresh process, as a cold Lambda container serves it.

`python -m bench.first_request` starts a moto server with the stack and a consumer and an
administrator signed in, then runs one route per capability, each in a new interpreter
(`--one`): that process times `import app` and then one call of the Lambda entry point with an API
Gateway event — the import, the module declaring the route (imported on its first call), the models
the route builds on first use, the AWS clients it creates, the secret it fetches and its DynamoDB
calls. It prints one line per capability.
"""

from __future__ import annotations

import json
import logging
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RUNS = 3
PREFIX = "/api/v1"
# (capability, method, route, path parameters, query, body, who calls: None | "consumer" | "admin")
CASES: tuple[tuple[str, str, str, dict[str, str], dict[str, str] | None, Any, str | None], ...] = (
    ("служебное", "GET", "/health", {}, None, None, None),
    ("учётная запись", "GET", "/me", {}, None, None, "consumer"),
    ("персональные данные", "GET", "/me/privacy", {}, None, None, "consumer"),
    ("уведомления", "GET", "/me/notifications", {}, None, None, "consumer"),
    ("главная", "GET", "/me/summary", {}, None, None, "consumer"),
    ("лицевые счета", "GET", "/accounts", {}, None, None, "consumer"),
    ("показания", "GET", "/readings/summary", {}, None, None, "consumer"),
    ("обращения", "GET", "/cases", {}, None, None, "consumer"),
    ("техприсоединение", "GET", "/connection-applications", {}, None, None, "consumer"),
    (
        "калькулятор",
        "POST",
        "/connection-calculator",
        {},
        None,
        {"power_kw": "15", "distance_m": 100, "voltage": "0.4"},
        None,
    ),
    (
        "файлы",
        "POST",
        "/attachments/uploads",
        {},
        None,
        {"file_name": "a.pdf", "content_type": "application/pdf", "size": 100, "purpose": "appeal"},
        "consumer",
    ),
    ("отключения", "GET", "/outages/subscriptions", {}, None, None, "consumer"),
    ("справочники", "GET", "/reference/localities", {}, None, None, None),
    ("информация", "GET", "/pages/{slug}", {"slug": "agreement"}, None, None, None),
    ("настройки", "GET", "/settings/public", {}, None, None, None),
    ("консоль: обращения", "GET", "/staff/appeals", {}, None, None, "admin"),
    ("консоль: доступ к договорам", "GET", "/staff/access-requests", {}, None, None, "admin"),
    ("консоль: АИИС КУЭ", "GET", "/staff/agents", {}, None, None, "admin"),
    ("консоль: обмен с биллингом", "GET", "/staff/exchange/runs", {}, None, None, "admin"),
    ("консоль: аудит", "GET", "/staff/audit", {}, {"target_kind": "outage", "target_id": "0" * 32}, None, "admin"),
    ("консоль: сотрудники", "GET", "/staff/users", {}, None, None, "admin"),
    ("документ OpenAPI", "GET", "/openapi.json", {}, None, None, None),
)


def _event(
    method: str, route: str, path_params: dict[str, str], query: dict[str, str] | None, body: Any, token: str | None
) -> dict[str, Any]:
    """What API Gateway hands the function (the shape chalice's local gateway builds too)."""
    path = route
    for name, value in path_params.items():
        path = path.replace(f"{{{name}}}", value)
    headers = {"content-type": "application/json", "host": "bench.local"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    return {
        "requestContext": {
            "httpMethod": method,
            "resourcePath": PREFIX + route,
            "path": PREFIX + path,
            "identity": {"sourceIp": "127.0.0.1"},
        },
        "headers": headers,
        "pathParameters": path_params or None,
        "stageVariables": {},
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "body": json.dumps(body) if body is not None else None,
        "isBase64Encoded": False,
    }


def one(event_json: str) -> None:
    """In a fresh interpreter: processor and wall seconds to import the app and to answer the first
    request, and the status."""
    event = json.loads(event_json)
    started = time.process_time(), time.perf_counter()
    from app import app

    imported = time.process_time(), time.perf_counter()
    response = app(event, _Context())
    answered = time.process_time(), time.perf_counter()
    print(
        json.dumps(
            {
                "import": [imported[i] - started[i] for i in (0, 1)],
                "request": [answered[i] - imported[i] for i in (0, 1)],
                "status": response["statusCode"],
            }
        )
    )


class _Context:
    """What Lambda passes as the context object (the fields logging and tracing read)."""

    function_name = "kabinet-bench-api"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:eu-central-1:123456789012:function:kabinet-bench-api"
    memory_limit_in_mb = 512
    aws_request_id = "bench"
    log_group_name = "/aws/lambda/kabinet-bench-api"
    log_stream_name = "bench"

    def get_remaining_time_in_millis(self) -> int:
        return 15000


def _environment(endpoint: str) -> dict[str, str]:
    return {
        "KABINET_STAGE": "bench",
        "AWS_REGION": "eu-central-1",
        "AWS_DEFAULT_REGION": "eu-central-1",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_ENDPOINT_URL": endpoint,
        "KABINET_ARGON2_TIME_COST": "1",
        "KABINET_ARGON2_MEMORY_KIB": "8192",
    }


def _signed_in() -> dict[str, str]:
    sys.path.insert(0, str(ROOT / "tests" / "api"))
    from chalice.test import Client
    from helpers import Api, consumer, staff_user

    from app import app

    with Client(app) as client:
        api = Api(client)
        return {"consumer": consumer(api)["token"], "admin": staff_user(api, "admin")["token"]}


def main() -> None:
    from moto.server import ThreadedMotoServer

    from infra.local.run import _free_port

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's access log
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        env = _environment(f"http://127.0.0.1:{port}")
        os.environ.update(env)
        import boto3

        from infra.local.stack import create_local_stack

        outputs = create_local_stack(boto3.session.Session(region_name="eu-central-1"), stage="bench")
        # What the template's Globals pass to the functions in AWS.
        env.update(
            {
                "KABINET_ATTACHMENTS_BUCKET": outputs["AttachmentsBucketName"],
                "KABINET_EXCHANGE_BUCKET": outputs["ExchangeBucketName"],
            }
        )
        os.environ.update(env)
        tokens = _signed_in()
        child_env = {**os.environ, **env}
        child_env.pop("PYTHONDONTWRITEBYTECODE", None)
        print(
            "Первый запрос каждой возможности в новом процессе (медиана из %d; импорт app + запрос, "
            "процессорное время, в скобках — по часам)" % RUNS
        )
        for name, method, route, path_params, query, body, caller in CASES:
            event = _event(method, route, path_params, query, body, tokens[caller] if caller else None)
            samples = [_run_one(event, child_env) for _ in range(RUNS)]
            statuses = {s["status"] for s in samples}
            imported, request = (
                [statistics.median(s[part][i] for s in samples) * 1000 for i in (0, 1)]
                for part in ("import", "request")
            )
            failed = "" if statuses <= {200, 201, 204} else f"  ОТВЕТ {sorted(statuses)}!"
            print(
                f"  {name:<28} {method:<4} {route:<26} {imported[0]:5.0f} + {request[0]:5.0f} мс"
                f"  ({imported[1]:.0f} + {request[1]:.0f} мс){failed}"
            )
    finally:
        server.stop()


def _run_one(event: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.first_request", "--one", json.dumps(event)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        one(sys.argv[2])
    else:
        main()
