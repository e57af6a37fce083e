"""DynamoDB calls of the appeals and service-request hot paths (the user's lists and card, a file link,
the staff queue and card), counted at the botocore layer under moto, on the demo data (the demo
consumer's answered complaint and new service request)."""

from __future__ import annotations

from bench.demo import demo_api
from bench.dynamodb_calls import TARGET, _measure


def run() -> list[str]:
    with demo_api() as api:
        from helpers import count_calls, upload

        from bench.demo import staff_token
        from infra.local.demo import DEMO_ACCOUNTS

        person, staff = DEMO_ACCOUNTS[0], DEMO_ACCOUNTS[2]
        status, signed_in = api.post("/auth/login", {"identifier": person.login, "password": person.password})
        assert status == 200, signed_in
        user, employee = signed_in["access_token"], staff_token(api, staff)
        upload_id = upload(api, user)
        status, appeal = api.post(
            "/appeals",
            {
                "type": "information",
                "addressee": "Генеральный директор",
                "topic": "Тарифы",
                "text": "Какой тариф действует с июля?",
                "contact_phone": "+79001112233",
                "attachments": [upload_id],
            },
            token=user,
        )
        assert status == 201, appeal

        def get(path: str, token: str):  # type: ignore[no-untyped-def]
            def request() -> None:
                status, body = api.get(path, token=token)
                assert status == 200, body

            return request

        lines = ["Обращения и заявки: вызовы DynamoDB на запрос (цель ≤ %d, с проверкой входа)" % TARGET]
        for name, request in (
            ("обращения и заявки (/cases)", get("/cases", user)),
            ("обращения: поиск по номеру", get(f"/appeals?number={appeal['number']}", user)),
            ("архив заявок", get("/service-requests?archived=true", user)),
            ("карточка обращения", get(f"/appeals/{appeal['id']}", user)),
            ("ссылка на файл", get(f"/appeals/{appeal['id']}/files/{upload_id}", user)),
            ("очередь (просрочка)", get("/staff/appeals?status=submitted&overdue=true", employee)),
            ("карточка сотрудника", get(f"/staff/appeals/{appeal['id']}", employee)),
        ):
            lines.append(_measure(name, request, count_calls))
        return lines
