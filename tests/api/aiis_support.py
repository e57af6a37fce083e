"""Shared set-up for the АИИС КУЭ API tests: a contract with meters on АИИС, its owner, an admin,
a registered agent, and a client that signs requests the way the edge agent does."""

from __future__ import annotations

import gzip
import json
import time
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from helpers import Api, billing_meter, load_billing, login, register_and_confirm, unique_contract
from test_reference import staff_token


def local_day(days_ago: int = 1) -> date:
    from chalicelib.core import clock
    from chalicelib.core.config import get_settings

    return clock.now().astimezone(get_settings().tz).date() - timedelta(days=days_ago)


def slot_start(day: date, index: int) -> str:
    from chalicelib.aiis.storage.days import slot_bounds
    from chalicelib.core.config import get_settings

    return slot_bounds(day, index, get_settings().tz)[0].isoformat().replace("+00:00", "Z")


def interval(serial: str, day: date, index: int, value: float = 0.5, status: str = "ok") -> dict[str, Any]:
    values = {} if status == "missing" else {"A+": value, "A-": 0.0, "R+": round(value / 5, 3), "R-": 0.0}
    return {
        "kind": "interval",
        "meter": serial,
        "start": slot_start(day, index),
        "minutes": 30,
        "values": values,
        "status": status,
    }


class AgentClient:
    """Signed, gzip-compressed POSTs to `/api/v1/agents/{id}/...` through the Chalice test client."""

    def __init__(self, api: Api, agent_id: str, secret_hex: str) -> None:
        from chalicelib.aiis.ingestion.signing import signing_key

        self.api, self.agent_id = api, agent_id
        self.key = signing_key(bytes.fromhex(secret_hex))

    def post(
        self,
        endpoint: str,
        payload: Any = None,
        *,
        body: bytes | None = None,
        timestamp: int | None = None,
        headers: dict[str, str] | None = None,
        path_agent: str | None = None,
        signed_body: bytes | None = None,
    ) -> tuple[int, Any, dict[str, str]]:
        from chalicelib.aiis.ingestion.signing import signature

        if body is None:
            body = gzip.compress(json.dumps(payload, ensure_ascii=False).encode(), mtime=0)
        path = f"/api/v1/agents/{path_agent or self.agent_id}/{endpoint}"
        stamp = str(timestamp if timestamp is not None else int(time.time()))
        sent = {
            "Content-Type": "application/json",
            "Content-Encoding": "gzip",
            "X-Kabinet-Agent": self.agent_id,
            "X-Kabinet-Timestamp": stamp,
            "X-Kabinet-Signature": signature(
                self.key, "POST", path, stamp, body if signed_body is None else signed_body
            ),
            **(headers or {}),
        }
        response = self.api.client.http.post(path, headers=sent, body=body)
        text = response.body.decode() if response.body else ""
        return response.status_code, (json.loads(text) if text else None), dict(response.headers)

    def batch(
        self, records: list[dict[str, Any]], batch_id: str | None = None, **kw: Any
    ) -> tuple[int, Any, dict[str, str]]:
        batch_id = batch_id or uuid.uuid4().hex
        return self.post(
            "batches",
            {"batch_id": batch_id, "agent_id": self.agent_id, "records": records},
            headers={"Idempotency-Key": batch_id, **kw.pop("headers", {})},
            **kw,
        )


@dataclass
class Site:
    """One contract with two АИИС meters; meter 1 belongs to the agent, meter 2 to nobody. The owner has
    linked the contract and connected the АИИС service to it."""

    contract: str
    serials: list[str]
    meter_ids: list[str]
    owner: dict[str, Any]
    admin: str
    agent_id: str
    secret: str
    agent: AgentClient


def make_site(api: Api, assign: int = 1) -> Site:
    contract = unique_contract()
    serials = [f"S{contract[-6:].upper()}{n}" for n in (1, 2)]
    load_billing(
        *(billing_meter(contract, s, status="aiis", point_code=f"PT{uuid.uuid4().hex[:10].upper()}") for s in serials)
    )
    owner = register_and_confirm(api)
    owner["token"] = login(api, owner["login"])["access_token"]
    status, tree = api.post(
        "/accounts", {"contract_number": contract, "meter_serial": serials[0]}, token=owner["token"]
    )
    assert status == 201, tree
    by_serial = {m["serial"]: m["id"] for o in tree["contracts"][0]["objects"] for m in o["meters"]}
    # АИИС data is shown only to an account that has connected the service (seed 000).
    status, state = api.post(f"/accounts/{contract}/aiis", token=owner["token"])
    assert status == 200 and state["connected"], state
    admin = staff_token(api, "admin")
    agent_id = f"tp-{uuid.uuid4().hex[:8]}"
    status, created = api.post(
        "/staff/agents",
        {
            "id": agent_id,
            "name": "ТП-17, ул. Ленина, 5",
            "meters": [{"contract": contract, "serial": s} for s in serials[:assign]],
        },
        token=admin,
    )
    assert status == 201, created
    return Site(
        contract,
        serials,
        [by_serial[s] for s in serials],
        owner,
        admin,
        agent_id,
        created["secret"],
        AgentClient(api, agent_id, created["secret"]),
    )


def add_co_user(api: Api, contract: str, right: str = "view") -> dict[str, Any]:
    """A second signed-in account with `right` on the contract, granted the way every grant is staged
    (metering/access.py) — how the holder's invitation or staff approval ends."""
    from chalicelib.accounts.repository import UserRepository
    from chalicelib.core import clock
    from chalicelib.core.dynamo import transaction
    from chalicelib.metering.access import stage_grant
    from chalicelib.metering.repository import MeteringRepository, contract_key

    user = register_and_confirm(api)
    user["token"] = login(api, user["login"])["access_token"]
    repo = MeteringRepository()
    item, objects = repo.contract_with_objects(contract)
    assert item is not None
    with transaction() as tx:
        stage_grant(
            tx,
            UserRepository().get(user["user_id"]),
            item,
            objects,
            repo.meters_of(contract_key(contract)),
            right,
            "test",
            clock.iso(clock.now()),
        )
    return user
