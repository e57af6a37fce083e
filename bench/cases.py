"""DynamoDB calls of the appeals and service-request hot paths (the user's lists and card, a file link,
the staff queue and card), counted at the botocore layer under moto, on the demo data (the demo
consumer's answered complaint and new service request)."""

from __future__ import annotations

from bench.dynamodb_calls import TARGET, _environment, _measure


def run() -> list[str]:
    _environment()
    from moto import mock_aws

    with mock_aws():
        from chalice.test import Client

        from bench.demo import create_stack, staff_token

        create_stack()
        from infra.local.demo import DEMO_ACCOUNTS, seed

        seed()
        from helpers import Api, count_calls, upload

        from app import app

        person, staff = DEMO_ACCOUNTS[0], DEMO_ACCOUNTS[2]
        with Client(app) as client:
            api = Api(client)
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
