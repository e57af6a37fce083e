"""Renaming a street in the directory: it keeps its id (outages and subscriptions point at it)."""

from __future__ import annotations

import pytest
from helpers import unique_suffix
from test_reference import staff_token


@pytest.fixture
def admin(api) -> str:
    return staff_token(api, "admin")


@pytest.fixture
def locality() -> str:
    return f"Переименовск-{unique_suffix()}"


def add(api, token, locality, name):
    status, street = api.post("/staff/reference/streets", {"locality": locality, "name": name}, token=token)
    assert status == 201, street
    return street


def test_a_renamed_street_keeps_its_id_and_is_found_by_the_new_name(api, admin, locality):
    street = add(api, admin, locality, "ул. Ленина")
    status, renamed = api.patch(f"/staff/reference/streets/{street['id']}", {"name": "Мира улица"}, token=admin)
    assert status == 200 and renamed == {"id": street["id"], "name": "Мира улица", "locality": locality}
    assert api.get(f"/reference/streets?locality={locality}&q=мир")[1]["items"] == [renamed]
    assert api.get(f"/reference/streets?locality={locality}&q=лен")[1]["items"] == []
    from chalicelib.reference.service import ReferenceService

    assert ReferenceService().by_ids([street["id"]])[street["id"]].name == "Мира улица"
    from chalicelib.core import audit

    [entry] = [e for e in audit.for_target("street", street["id"]) if e.action == "reference.street.rename"]
    assert entry.details == {"locality": locality, "name": "Мира улица", "previous_name": "ул. Ленина"}

    # Only the spelling: the same listing, the new spelling.
    status, respelt = api.patch(f"/staff/reference/streets/{street['id']}", {"name": "ул. Мира"}, token=admin)
    assert status == 200 and api.get(f"/reference/streets?locality={locality}&q=мир")[1]["items"] == [respelt]


def test_a_name_in_use_is_refused_and_the_old_name_is_not_reused_for_another_id(api, admin, locality):
    first = add(api, admin, locality, "ул. Садовая")
    add(api, admin, locality, "ул. Полевая")
    status, answer = api.patch(f"/staff/reference/streets/{first['id']}", {"name": "Полевая ул."}, token=admin)
    assert status == 409 and answer["error"]["fields"][0]["path"] == "name"

    assert api.patch(f"/staff/reference/streets/{first['id']}", {"name": "ул. Луговая"}, token=admin)[0] == 200
    # «ул. Садовая» would get the renamed street's id again: refused, never written over it.
    status, answer = api.post("/staff/reference/streets", {"locality": locality, "name": "ул. Садовая"}, token=admin)
    assert status == 409
    status, report = api.post(
        "/staff/reference/streets/import",
        {"items": [{"locality": locality, "name": "ул. Садовая"}, {"locality": locality, "name": "ул. Береговая"}]},
        token=admin,
    )
    assert status == 200 and report["created"] == 1
    assert [(e["index"], e["path"]) for e in report["errors"]] == [(0, "name")]
    assert api.get(f"/reference/streets?locality={locality}&q=луг")[1]["items"][0]["id"] == first["id"]


def test_renaming_needs_an_administrator_and_a_known_street(api, admin, locality):
    street = add(api, admin, locality, "ул. Заречная")
    operator = staff_token(api, "operator")
    assert api.patch(f"/staff/reference/streets/{street['id']}", {"name": "ул. Речная"}, token=operator)[0] == 403
    status, answer = api.patch("/staff/reference/streets/" + "0" * 32, {"name": "ул. Речная"}, token=admin)
    assert status == 404 and answer["error"]["message"] == "Улица не найдена"
    assert api.patch("/staff/reference/streets/not-an-id", {"name": "ул. Речная"}, token=admin)[0] == 404
    status, answer = api.patch(f"/staff/reference/streets/{street['id']}", {"name": "ул."}, token=admin)
    assert status == 422 and answer["error"]["fields"][0]["message"] == "Укажите название улицы, а не только её вид"
