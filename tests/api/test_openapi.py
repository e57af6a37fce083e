"""The OpenAPI document is generated from the routes and is a valid OpenAPI 3.1 document."""
from __future__ import annotations

from openapi_spec_validator import validate


def test_openapi_document_is_valid_and_covers_every_route(api):
    from app import app

    status, document = api.get("/openapi.json")
    assert status == 200
    validate(document)
    documented = {(path, method.upper()) for path, ops in document["paths"].items() for method in ops}
    routed = {(path, method) for path, entry in app.routes.items() for method in entry
              if path not in ("/api/v1/openapi.json",)}
    assert routed <= documented


def test_registration_body_documents_each_applicant_kind(api):
    document = api.get("/openapi.json")[1]
    body = document["paths"]["/api/v1/auth/register"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    kinds = {ref["$ref"].rsplit("/", 1)[1] for ref in body["oneOf"]}
    assert kinds == {"PersonRegistration", "EntrepreneurRegistration", "CompanyRegistration"}
    login = document["paths"]["/api/v1/auth/login"]["post"]
    assert set(login["responses"]) >= {"200", "401", "422", "429"}
    assert document["paths"]["/api/v1/me"]["get"]["security"] == [{"bearer": []}]
