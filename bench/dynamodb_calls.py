"""DynamoDB calls per request on the hot endpoints, counted at the botocore layer under moto."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bench.demo import demo_api

TARGET = 2
# Sign-in also reads its attempt counters (accounts/login_guard.py) before the password is checked.
SIGN_IN_TARGET = 3


def run() -> list[str]:
    with demo_api() as api:
        from helpers import count_calls

        from bench.demo import staff_token
        from infra.local.demo import DEMO_ACCOUNTS

        person = DEMO_ACCOUNTS[0]
        token: dict[str, Any] = {}

        def sign_in() -> None:
            status, body = api.post("/auth/login", {"identifier": person.login, "password": person.password})
            assert status == 200, body
            token["access"] = body["access_token"]

        def me() -> None:
            assert api.get("/me", token=token["access"])[0] == 200

        def feed() -> None:
            assert api.get("/me/notifications", token=token["access"])[0] == 200

        lines = ["Вызовы DynamoDB на запрос (цель ≤ %d, с проверкой входа)" % TARGET]
        lines.append(_measure("вход (auth/login)", sign_in, count_calls, SIGN_IN_TARGET))
        for name, request in (("профиль (me)", me), ("лента (me/notifications)", feed)):
            lines.append(_measure(name, request, count_calls))

        from urllib.parse import quote

        from chalicelib.exchange.demo import DEMO_CONTRACT, DEMO_SERIAL

        sign_in()
        status, tree = api.post(
            "/accounts", {"contract_number": DEMO_CONTRACT, "meter_serial": DEMO_SERIAL}, token=token["access"]
        )
        assert status == 201, tree
        meter = next(
            m["id"] for o in tree["contracts"][0]["objects"] for m in o["meters"] if m["serial"] == DEMO_SERIAL
        )
        for name, path in (
            ("лицевые счета (accounts)", "/accounts"),
            ("карточка счётчика", f"/meters/{meter}"),
            ("история показаний", f"/meters/{meter}/readings"),
            ("форма ввода показаний", f"/meters/{meter}/readings/current"),
            ("сводка за период", "/readings/summary"),
            ("мои запросы доступа", "/accounts/access-requests"),
            ("совместный доступ (co-users)", f"/accounts/{quote(DEMO_CONTRACT)}/co-users"),
            ("АИИС КУЭ этого кабинета", f"/accounts/{quote(DEMO_CONTRACT)}/aiis"),
            ("условия 152-ФЗ (me/privacy)", "/me/privacy"),
        ):
            lines.append(_measure(name, lambda path=path: _ok(api.get(path, token=token["access"])), count_calls))
        body = {"access_token": staff_token(api, DEMO_ACCOUNTS[2])}
        lines.append(
            _measure(
                "очередь запросов доступа",
                lambda: _ok(api.get("/staff/access-requests", token=body["access_token"])),
                count_calls,
            )
        )
        from helpers import upload

        from chalicelib.exchange.demo import OLD_FORMAT_CONTRACT, OLD_FORMAT_SERIAL

        status, filed = api.post(
            "/accounts/access-requests",
            {
                "contract_number": OLD_FORMAT_CONTRACT,
                "meter_serial": OLD_FORMAT_SERIAL,
                "relation": "tenant",
                "right": "view",
                "files": [upload(api, token["access"], purpose="access_request")],
            },
            token=token["access"],
        )
        assert status == 201, filed
        lines.append(
            _measure(
                "карточка запроса доступа",
                lambda: _ok(api.get(f"/staff/access-requests/{filed['id']}", token=body["access_token"])),
                count_calls,
                target_calls=6,
                why="сотрудник открывает её для решения, docs/design-ownership.md",
            )
        )
        return lines


def _ok(answer: tuple[int, Any]) -> None:
    assert answer[0] == 200, answer


def _measure(
    name: str, request: Callable[[], None], count_calls: Any, target_calls: int = TARGET, why: str = ""
) -> str:
    request()  # warm: first use builds connections and caches the secret
    with count_calls("dynamodb") as calls:
        request()
    operations = ", ".join(calls)
    target = f"(цель ≤ {target_calls}{'; ' + why if why else ''})"
    scan = "  СКАН!" if any(op.startswith("Scan") for op in calls) else ""
    return f"  {name:<28} {len(calls)}  [{operations}] {target}{scan}"
