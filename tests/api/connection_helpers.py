"""Helpers of the grid-connection API tests: applicants, a complete draft, walking the workflow."""

from __future__ import annotations

import uuid
from typing import Any

from helpers import Api, login, register_and_confirm, unique_suffix, upload

PASSPORT = {
    "series": "2010",
    "number": "123456",
    "issued_by": "ГУ МВД России по Воронежской области",
    "issued_on": "2015-05-05",
}
OBJECT = {
    "name": "Индивидуальный жилой дом",
    "address": "Воронеж, ул. Лесная, д. 5",
    "cadastral_number": "36:34:0101001:15",
    "ownership": "owner",
    "settlement": "urban",
}
TECHNICAL = {"requested_kw": 15, "voltage": "0.4", "contract_type": "supply", "retail_company": "ПАО «ТНС энерго»"}
# The path to «connected» and on, with what each step needs (rules.TRANSITIONS).
FORWARD: list[tuple[str, dict[str, Any]]] = [
    ("registered", {}),
    ("contract_sent", {"technical_conditions": {"number": "ТУ-1180", "date": "2026-11-20"}}),
    ("contract_concluded", {}),
    ("works", {}),
]
AFTER_READINESS: list[tuple[str, dict[str, Any]]] = [
    ("inspection", {}),
    ("connected", {"account_number": "3600123456"}),
    ("closed", {}),
]


def person(api: Api) -> dict[str, Any]:
    user = register_and_confirm(api)
    user["token"] = login(api, user["login"])["access_token"]
    return user


def organisation(api: Api, kind: str = "company") -> dict[str, Any]:
    """A signed-in ЮЛ (or ИП) account, made the way the company provisions one."""
    from chalicelib.accounts.provisioning import create_active_user

    suffix = unique_suffix()
    is_company = kind == "company"
    account = {
        "login": f"org{suffix}",
        "email": f"org{suffix}@example.ru",
        "phone": f"+7901{uuid.uuid4().int % 10**7:07d}",
    }
    profile = {
        "short_name": "ООО «Ромашка»" if is_company else "ИП Петров П. П.",
        "full_name": (
            "Общество с ограниченной ответственностью «Ромашка»"
            if is_company
            else "Индивидуальный предприниматель Петров Пётр Петрович"
        ),
        "inn": "7707083893" if is_company else "500100732259",
        "ogrn": "1027700132195" if is_company else "304500116000157",
        "egr_record": {"number": "1027700132195" if is_company else "304500116000157", "date": "2010-02-03"},
        "address": {"postcode": "394036", "locality": "Воронеж", "street": "ул. Плехановская", "house": "1"},
    }
    if is_company:
        profile["head_name"] = "Петров Пётр Петрович"
    account["user_id"] = create_active_user(
        login=account["login"],
        password="Secret123pass",
        email=account["email"],
        phone=account["phone"],
        kind=kind,
        role="consumer",
        profile=profile,
    )
    account["token"] = login(api, account["login"])["access_token"]
    return account


def create(api: Api, token: str, category: str = "household_15", **body: Any) -> dict[str, Any]:
    status, card = api.post("/connection-applications", {"category": category, **body}, token=token)
    assert status == 201, card
    return card


def applicant_of(card: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """The applicant section as the wizard sends it back: what the card shows, minus fixed identifiers."""
    section = {k: v for k, v in card["applicant"].items() if v is not None and k not in ("snils", "inn", "ogrn")}
    return {**section, **changes}


def attach(api: Api, token: str, application_id: str, kind: str, count: int = 1) -> dict[str, Any]:
    ids = [upload(api, token, file_name=f"{kind}-{n}.pdf", purpose="connection_application") for n in range(count)]
    status, card = api.post(
        f"/connection-applications/{application_id}/documents", {"kind": kind, "upload_ids": ids}, token=token
    )
    assert status == 200, card
    return card


def complete_draft(
    api: Api,
    token: str,
    category: str = "household_15",
    technical: dict[str, Any] | None = None,
    documents: tuple[str, ...] = ("location_plan", "ownership"),
    **applicant: Any,
) -> dict[str, Any]:
    card = create(api, token, category)
    patch = {
        "applicant": applicant_of(
            card, **({"passport": PASSPORT} if card["applicant_kind"] == "person" else {}), **applicant
        ),
        "object": OBJECT,
        "technical": technical or TECHNICAL,
    }
    status, card = api.patch(f"/connection-applications/{card['id']}", patch, token=token)
    assert status == 200, card
    for kind in documents:
        card = attach(api, token, card["id"], kind)
    return card


def submitted(api: Api, token: str, **kw: Any) -> dict[str, Any]:
    card = complete_draft(api, token, **kw)
    status, card = api.post(f"/connection-applications/{card['id']}/submit", token=token)
    assert status == 200, card
    return card


def staff_move(api: Api, token: str, card: dict[str, Any], status: str, **body: Any) -> dict[str, Any]:
    code, answer = api.post(
        f"/staff/connection-applications/{card['id']}/status",
        {"status": status, "version": card["version"], **body},
        token=token,
    )
    assert code == 200, answer
    return answer


def walk(api: Api, staff_token: str, card: dict[str, Any], steps: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    for status, body in steps:
        card = staff_move(api, staff_token, card, status, **body)
    return card
