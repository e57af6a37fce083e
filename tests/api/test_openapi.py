"""The OpenAPI document is generated from the routes and is a valid OpenAPI 3.1 document."""

from __future__ import annotations

import json
import re

import pytest
from helpers import login as login_as, register_and_confirm, staff_user
from hypothesis import HealthCheck, given, settings, strategies as st
from openapi_spec_validator import validate


def test_openapi_document_is_valid_and_covers_every_route(api):
    from app import app

    status, document = api.get("/openapi.json")
    assert status == 200
    validate(document)
    documented = {(path, method.upper()) for path, ops in document["paths"].items() for method in ops}
    routed = {
        (path, method)
        for path, entry in app.routes.items()
        for method in entry
        if path not in ("/api/v1/openapi.json",)
    }
    assert routed <= documented


def test_registration_body_documents_each_applicant_kind(api):
    document = api.get("/openapi.json")[1]
    body = document["paths"]["/api/v1/auth/register"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    kinds = {ref["$ref"].rsplit("/", 1)[1] for ref in body["oneOf"]}
    assert kinds == {"PersonRegistration", "EntrepreneurRegistration", "CompanyRegistration"}
    login = document["paths"]["/api/v1/auth/login"]["post"]
    assert set(login["responses"]) >= {"200", "401", "422", "429"}
    assert document["paths"]["/api/v1/me"]["get"]["security"] == [{"bearer": []}]


# --- every status a route answers is in the document ------------------------------------------------


def _documented(document, method, path):
    return set(document["paths"][f"/api/v1{path}"][method]["responses"])


def test_what_the_dispatch_answers_before_a_handler_is_documented(api):
    from chalicelib.core.web import DEFAULT_MAX_BODY_BYTES

    document = api.get("/openapi.json")[1]
    login = _documented(document, "post", "/auth/login")
    answers = {
        api.call("POST", "/auth/login", raw=b"{not json")[0],  # 400
        api.call("POST", "/auth/login", raw=b"[" * 40 + b"]" * 40)[0],  # 400: deeper than 32
        api.call("POST", "/auth/login", raw=b"{" + b" " * DEFAULT_MAX_BODY_BYTES + b"}")[0],  # 413
        api.call("POST", "/auth/login", {"identifier": "x", "password": "y"}, headers={"Content-Type": "text/xml"})[0],
        api.post("/auth/login", {})[0],  # 422
    }
    assert answers == {400, 413, 415, 422} and {str(status) for status in answers} <= login
    staff = staff_user(api, "admin")
    status, _ = api.get("/staff/audit?limit=0", token=staff["token"])
    assert status == 422 and "422" in _documented(document, "get", "/staff/audit")
    status, answer = api.get("/staff/audit?actor=x&sort=desc", token=staff["token"])
    assert status == 422
    assert answer["error"]["fields"] == [{"path": "query", "message": "В запросе есть поля, которые не предусмотрены"}]
    consumer = register_and_confirm(api)
    status, _ = api.get("/staff/audit", token=login_as(api, consumer["login"])["access_token"])
    assert status == 403 and "403" in _documented(document, "get", "/staff/audit")
    # The router checks the media type of every route, a body or not.
    status, _ = api.call("GET", "/health", headers={"Content-Type": "image/png"})
    assert status == 415 and "415" in _documented(document, "get", "/health")


def test_models_of_one_name_in_two_modules_are_documented_apart(api):
    document = api.get("/openapi.json")[1]
    schemas = document["components"]["schemas"]
    card = document["paths"]["/api/v1/staff/appeals/{case_id}"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]["schema"]["$ref"].rsplit("/", 1)[1]
    applicant = schemas[card]["properties"]["applicant"]["$ref"].rsplit("/", 1)[1]
    assert set(schemas[applicant]["properties"]) == {"user_id", "name", "email"}
    names = {ref.rsplit("/", 1)[1] for ref in re.findall(r'"\$ref": "([^"]+)"', json.dumps(document))}
    assert names <= set(schemas)  # every reference resolves


# --- a date is YYYY-MM-DD, never a unix time -----------------------------------------------------------


def test_a_day_given_as_a_number_is_refused_not_read_as_1970(api):
    staff = staff_user(api, "admin")
    for value in ("0", "1700000000", "2024-1-5"):
        status, answer = api.get(f"/staff/aiis/80020?date={value}", token=staff["token"])
        assert status == 422, (value, answer)
        assert answer["error"]["fields"] == [{"path": "date", "message": "Ожидается дата в формате ГГГГ-ММ-ДД"}]


def _date_fields(model, seen):
    """(model, field name, annotation) of every `date` a request model takes, nested models included."""
    import datetime as dt
    from typing import Annotated, get_args

    from pydantic import BaseModel

    if model in seen:
        return
    seen.add(model)
    for name, field in model.model_fields.items():
        stack = [field.annotation]
        while stack:
            tp = stack.pop()
            if tp is dt.date:
                yield (
                    model,
                    name,
                    (Annotated[(field.annotation, *field.metadata)] if field.metadata else field.annotation),
                )
            elif isinstance(tp, type) and issubclass(tp, BaseModel):
                yield from _date_fields(tp, seen)
            else:
                stack.extend(get_args(tp))


def test_every_date_a_request_takes_refuses_a_unix_time():
    from pydantic import TypeAdapter, ValidationError

    from chalicelib.core.web import declare_all
    from chalicelib.route_manifest import ROUTES

    seen: set = set()
    fields = [
        found
        for spec in declare_all(ROUTES)  # every route the app serves, called yet in this process or not
        for model in (spec.body, spec.query)
        if model is not None
        for found in _date_fields(model, seen)
    ]
    assert len(fields) >= 8  # АИИС and outage queries, readings, grid connection, passport, ЕГР record
    for model, name, annotation in fields:
        adapter = TypeAdapter(annotation)
        adapter.validate_python("2024-03-05")
        for unix_time in (0, "0", 1700000000, "1700000000"):
            with pytest.raises(ValidationError):
                adapter.validate_python(unix_time)
                pytest.fail(f"{model.__name__}.{name} took {unix_time!r}")


# --- what the document calls valid, the validators accept -------------------------------------------


def _accepts(annotation):
    from pydantic import TypeAdapter

    return TypeAdapter(annotation).validate_python


def _pattern(annotation) -> str:
    from pydantic import TypeAdapter

    return TypeAdapter(annotation).json_schema()["pattern"]


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_values_of_every_documented_form_are_accepted(data):
    from chalicelib.accounts import models as accounts
    from chalicelib.metering import models as metering
    from chalicelib.outages.models import HousesText, HouseText

    for annotation in (
        accounts.Email,
        accounts.Phone,
        accounts.Login,
        accounts.Kpp,
        accounts.DocumentDate,
        metering.Email,
        HouseText,
        HousesText,
    ):
        value = data.draw(st.from_regex(_pattern(annotation), fullmatch=True))
        _accepts(annotation)(value)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.data())
def test_query_and_path_forms_are_accepted(client, data):
    from chalicelib.appeals.models import CaseListQuery, StaffQueueQuery
    from chalicelib.appeals.rules import parse_number_query
    from chalicelib.core.openapi import _PATH_PARAMETERS
    from chalicelib.metering.periods import Period

    short = data.draw(
        st.from_regex(CaseListQuery.model_json_schema()["properties"]["number"]["pattern"], fullmatch=True)
    )
    assert short == "" or parse_number_query(short) is not None  # empty: no filter
    # The console searches by number with the site's rule (a part of the number: its sequence).
    staff = data.draw(
        st.from_regex(StaffQueueQuery.model_json_schema()["properties"]["number"]["pattern"], fullmatch=True)
    )
    assert staff == "" or parse_number_query(staff) is not None
    Period.parse(data.draw(st.from_regex(_PATH_PARAMETERS["period"]["pattern"], fullmatch=True)))


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.data())
def test_a_required_text_documented_as_non_blank_is_accepted(data):
    from chalicelib.accounts.models import Text

    value = data.draw(st.from_regex(r"\S", fullmatch=False).filter(lambda v: len(v) <= 200))
    assert _accepts(Text)(value)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.data())
def test_the_fuzzers_identifier_generators_make_valid_identifiers(data):
    """tests/fuzz/hooks.py stands in for the checksum a JSON schema cannot state: its values must pass."""
    from schemathesis.specs.openapi.formats import STRING_FORMATS

    from chalicelib.accounts import identifiers
    from chalicelib.accounts.passwords import policy_problems
    from tests.fuzz import hooks  # noqa: F401 - registers the formats

    identifiers.normalize_snils(data.draw(STRING_FORMATS["snils"]))
    identifiers.normalize_inn(data.draw(STRING_FORMATS["inn-10"]), 10)
    identifiers.normalize_inn(data.draw(STRING_FORMATS["inn-12"]), 12)
    identifiers.normalize_ogrn(data.draw(STRING_FORMATS["ogrn-13"]), 13)
    identifiers.normalize_ogrn(data.draw(STRING_FORMATS["ogrn-15"]), 15)
    login = data.draw(st.from_regex(r"^[A-Za-z][A-Za-z0-9]{4,31}$", fullmatch=True))
    assert policy_problems(data.draw(STRING_FORMATS["password"]), login) == []
