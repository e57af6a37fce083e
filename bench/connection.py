"""DynamoDB calls of the grid-connection hot paths (the applicant's list and card, the public check),
counted at the botocore layer under moto, on the demo data (the demo ФЛ's draft application)."""

from __future__ import annotations

from typing import Any

from bench.demo import demo_api
from bench.dynamodb_calls import TARGET, _measure


def run() -> list[str]:
    with demo_api() as api:
        from helpers import count_calls

        from infra.local.demo import DEMO_ACCOUNTS

        person = DEMO_ACCOUNTS[0]
        status, signed_in = api.post("/auth/login", {"identifier": person.login, "password": person.password})
        assert status == 200, signed_in
        token = signed_in["access_token"]
        status, listed = api.get("/connection-applications", token=token)
        assert status == 200 and listed["items"], listed
        application_id: Any = listed["items"][0]["id"]

        def applications() -> None:
            assert api.get("/connection-applications", token=token)[0] == 200

        def card() -> None:
            assert api.get(f"/connection-applications/{application_id}", token=token)[0] == 200

        lines = ["Технологическое присоединение: вызовы DynamoDB на запрос (цель ≤ %d, с проверкой входа)" % TARGET]
        for name, request in (("мои заявки (список)", applications), ("карточка заявки", card)):
            lines.append(_measure(name, request, count_calls))
        return lines
