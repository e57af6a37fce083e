"""What a penetration test sends first: bodies built to crash or amplify, routes probed without a
token, methods and media types the router refuses itself. Every answer is ours: 4xx, one shape, Russian."""

from __future__ import annotations

import json

import pytest
from helpers import login, register_and_confirm, staff_user

NESTED = "[" * 1100 + "]" * 1100


def error_of(answer):
    assert set(answer) == {"error"} and set(answer["error"]) == {"code", "message", "fields"}
    return answer["error"]


@pytest.mark.parametrize("path", ["/auth/login", "/auth/register", "/appeals", "/accounts"])
def test_deeply_nested_body_is_a_400_not_a_crash(api, path):
    token = None
    if path in ("/appeals", "/accounts"):
        user = register_and_confirm(api)
        token = login(api, user["login"])["access_token"]
    for body in (NESTED, '{"a":' * 1100 + "1" + "}" * 1100):
        status, answer = api.call("POST", path, raw=body.encode(), token=token)
        assert status == 400, answer
        assert error_of(answer)["code"] == "bad_request"


def test_brackets_inside_strings_are_not_nesting(api):
    status, answer = api.post("/auth/login", {"identifier": "[" * 60 + "{" * 60 + '\\"[', "password": "x"})
    assert status == 401, answer


def test_a_body_over_the_limit_is_refused_before_it_is_read(api):
    status, answer = api.call("POST", "/auth/login", raw=b'{"identifier": "' + b"a" * 300_000 + b'"}')
    assert status == 413 and error_of(answer)["code"] == "payload_too_large"


def test_many_unknown_keys_give_a_small_answer_that_echoes_none_of_them(api):
    body = {f"invented_key_{i}": i for i in range(9_000)}
    body.update({"<script>alert(1)</script>": 1, "паспорт 4510 123456": 2})
    status, answer = api.call("POST", "/auth/login", raw=json.dumps(body).encode())
    assert status == 422
    text = json.dumps(answer, ensure_ascii=False)
    assert len(text) < 2_000
    assert "invented_key" not in text and "script" not in text and "4510" not in text
    assert {"path": "body", "message": "В запросе есть поля, которые не предусмотрены"} in answer["error"]["fields"]


def test_invalid_keys_of_a_map_are_reported_on_the_map(api):
    from typing import Literal

    from pydantic import BaseModel, ValidationError

    from chalicelib.core.validation import to_api_error

    class Values(BaseModel):
        values: dict[Literal["T1", "T2"], int]

    try:
        Values.model_validate({"values": {"секрет-123": 1, "T1": "x"}})
    except ValidationError as exc:
        fields = {(f.path, f.message) for f in to_api_error(exc).fields}
    assert all("секрет" not in path for path, _ in fields)
    assert ("values", "Недопустимое значение") in fields and ("values.T1", "Ожидается целое число") in fields


def test_without_a_token_no_route_says_anything_about_its_fields(api):
    for method, path in (
        ("POST", "/appeals"),
        ("POST", "/accounts"),
        ("GET", "/staff/audit?limit=abc"),
        ("POST", "/connection-applications"),
    ):
        status, answer = api.call(method, path, raw=b"{}")
        assert status == 401, (path, answer)
        assert error_of(answer)["fields"] == []


def test_a_consumer_on_a_staff_route_is_refused_before_the_query_is_read(api):
    user = register_and_confirm(api)
    token = login(api, user["login"])["access_token"]
    status, answer = api.get("/staff/audit?limit=abc&from=yesterday", token=token)
    assert status == 403 and error_of(answer)["fields"] == []


def test_a_role_without_the_section_is_refused_before_its_body_is_read(api):
    engineer = staff_user(api, "engineer")
    status, answer = api.call("POST", "/staff/exchange/drops", raw=b'{"name": 5}', token=engineer["token"])
    assert status == 403 and error_of(answer)["fields"] == []


def test_router_errors_take_the_one_shape_in_russian(api):
    status, answer = api.call("PUT", "/health")
    assert status == 405 and error_of(answer)["code"] == "method_not_allowed"
    assert "PUT" not in json.dumps(answer)
    response = api.client.http.put("/api/v1/health", headers={"Content-Type": "application/json"})
    assert response.headers.get("Allow") == "GET"
    status, answer = api.call("POST", "/auth/login", raw=b"<login/>", headers={"Content-Type": "application/xml"})
    assert status == 415 and error_of(answer)["code"] == "unsupported_media_type"
    assert "xml" not in error_of(answer)["message"].lower().replace("application/json", "")


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data", "text/plain;application/json", None],
)
def test_only_json_is_read_so_a_foreign_page_cannot_post_without_a_preflight(api, content_type):
    # A browser sends each of these cross-site without asking the API first (a "simple" CORS request):
    # the three form types, a text/plain whose ignored parameter names JSON, and a body with no type.
    body = b'{"identifier": "demo", "password": "Wrong123pass"}'
    headers = {"Content-Type": content_type} if content_type else {}
    response = api.client.http.post("/api/v1/auth/login", headers=headers, body=body)
    assert response.status_code == 415, content_type
    assert error_of(json.loads(response.body))["code"] == "unsupported_media_type"


def test_json_with_a_charset_is_json(api):
    body = b'{"identifier": "nobody_here", "password": "Wrong123pass"}'
    headers = {"Content-Type": "Application/JSON; charset=utf-8"}
    assert api.client.http.post("/api/v1/auth/login", headers=headers, body=body).status_code == 401


def test_recovery_and_registration_take_as_long_for_a_known_address_as_for_an_unknown_one(api, response_floor):
    import time

    from helpers import person_payload, solve_pow

    user = register_and_confirm(api)

    def timed(path, body):
        started = time.monotonic()
        status, _ = api.post(path, body)
        return status, time.monotonic() - started

    for path in ("/auth/password/forgot", "/auth/login/recover"):
        known = timed(path, {"email": user["email"], "pow": solve_pow(api)})
        unknown = timed(path, {"email": "nobody-at-all@example.ru", "pow": solve_pow(api)})
        assert known[0] == unknown[0] == 202
        assert known[1] >= response_floor and unknown[1] >= response_floor
        assert abs(known[1] - unknown[1]) < 0.15, (path, known, unknown)
    taken = timed("/auth/register", person_payload(api, email=user["email"]))
    fresh = timed("/auth/register", person_payload(api))
    assert taken[0] == fresh[0] == 202
    assert taken[1] >= response_floor and fresh[1] >= response_floor
    assert abs(taken[1] - fresh[1]) < 0.15, (taken, fresh)
