"""The street directory: public autocomplete, localities, and its upkeep by administrators."""

from __future__ import annotations

import uuid

import pytest
from helpers import count_calls, login, register_and_confirm, staff_login, unique_suffix


def staff_token(api, role: str) -> str:
    from chalicelib.accounts.provisioning import create_active_user

    suffix = unique_suffix()
    create_active_user(
        login=f"{role}{suffix}",
        password="Staff12345pass",
        email=f"{role}{suffix}@kabinet.local",
        phone=f"+7473{uuid.uuid4().int % 10**7:07d}",
        kind="person",
        role=role,
        profile={"last_name": "Сотрудник", "first_name": "Тест"},
    )
    return staff_login(api, f"{role}{suffix}", password="Staff12345pass")["access_token"]


@pytest.fixture
def admin(api) -> str:
    return staff_token(api, "admin")


@pytest.fixture
def locality() -> str:
    """Tests share one backend: each works in a town of its own."""
    return f"Тестовск-{unique_suffix()}"


def test_admin_adds_a_street_and_anyone_finds_it_by_prefix(api, admin, locality):
    status, street = api.post("/staff/reference/streets", {"locality": locality, "name": " ул.  Щёрса "}, token=admin)
    assert status == 201 and street["name"] == "ул. Щёрса" and street["locality"] == locality
    for q in ("щер", "ЩЁР", "ул щерс", "Щерса улица"):
        status, found = api.get(f"/reference/streets?locality={locality}&q={q}")
        assert status == 200 and found["items"] == [street], q
    assert api.get(f"/reference/streets?locality={locality}&q=плех")[1]["items"] == []
    assert locality in api.get("/reference/localities")[1]["items"]
    # The same street spelt differently is the same street.
    status, answer = api.post("/staff/reference/streets", {"locality": locality, "name": "Щерса ул."}, token=admin)
    assert status == 409 and answer["error"]["fields"][0]["path"] == "name"


def test_autocomplete_returns_at_most_twenty_in_one_query(api, admin, locality):
    rows = [{"locality": locality, "name": f"ул. Садовая {n}-я"} for n in range(1, 26)]
    assert api.post("/staff/reference/streets/import", {"items": rows}, token=admin)[1]["created"] == 25
    with count_calls("dynamodb") as calls:
        status, found = api.get(f"/reference/streets?locality={locality}&q=сад")
    assert status == 200 and len(found["items"]) == 20
    assert calls == ["Query"]


def test_import_reports_bad_rows_by_index_and_skips_repeats(api, admin, locality):
    from chalicelib.core import audit

    rows = [
        {"locality": locality, "name": "ул. Кольцовская"},
        {"locality": locality, "name": "ул."},
        {"locality": locality, "name": "Кольцовская улица"},  # a repeat within the list
        {"locality": "", "name": "ул. Лизюкова", "extra": 1},
        "ул. Пушкинская",
        {"locality": locality, "name": "пр-т Революции"},
    ]
    status, report = api.post("/staff/reference/streets/import", {"items": rows}, token=admin)
    assert status == 200
    assert report["created"] == 2 and report["existing"] == 0
    assert report["errors"] == [
        {"index": 1, "path": "name", "message": "Укажите название улицы, а не только её вид"},
        {"index": 3, "path": "locality", "message": "Слишком короткое значение: не менее 1 символов"},
        {"index": 3, "path": "body", "message": "В запросе есть поля, которые не предусмотрены"},
        {"index": 4, "path": "body", "message": "Ожидается объект"},
    ]
    names = [s["name"] for s in api.get(f"/reference/streets?locality={locality}")[1]["items"]]
    assert names == ["ул. Кольцовская", "пр-т Революции"]
    # Running it again changes nothing.
    status, again = api.post("/staff/reference/streets/import", {"items": rows}, token=admin)
    assert (again["created"], again["existing"]) == (0, 2)
    actions = [e.action for e in audit.for_target("reference", "streets", limit=1000)]
    assert actions.count("reference.street.import") >= 2


def test_only_administrators_maintain_the_directory(api, locality):
    consumer = login(api, register_and_confirm(api)["login"])["access_token"]
    operator = staff_token(api, "operator")
    body = {"locality": locality, "name": "ул. Новая"}
    for token in (consumer, operator):
        assert api.post("/staff/reference/streets", body, token=token)[0] == 403
        assert api.post("/staff/reference/streets/import", {"items": [body]}, token=token)[0] == 403
    assert api.post("/staff/reference/streets", body)[0] == 401
    assert api.get(f"/reference/streets?locality={locality}&q=нов")[1]["items"] == []


def test_bad_queries_get_russian_field_messages(api):
    status, answer = api.get("/reference/streets?q=abc")
    assert status == 422 and answer["error"]["fields"] == [{"path": "locality", "message": "Обязательное поле"}]
    status, answer = api.get(f"/reference/streets?locality=Воронеж&q={'я' * 101}")
    assert status == 422 and answer["error"]["fields"][0]["path"] == "q"
