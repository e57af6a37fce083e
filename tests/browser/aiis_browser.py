"""What the АИИС КУЭ browser tests share: the agent that reads the demo АИИС meter and a consumer of
that meter, made through the services of the stack running in this process (tests/browser/conftest.py)."""

from __future__ import annotations

import os
import re
import uuid
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from stack_accounts import new_consumer

PASSWORD = "Aiis12345"


def aiis_agent() -> str:
    """The id of the agent that reads the demo АИИС meter: the one that has it (`make run`'s concentrator
    is not started in tests, but be safe), else one an administrator registers the way staff do it."""
    if os.environ.get("BROWSER_TEST_BASE_URL"):
        pytest.skip("the agent is registered through the services of a stack running in this process")
    from chalicelib.accounts.principal import Principal
    from chalicelib.accounts.provisioning import create_active_user
    from chalicelib.accounts.repository import UserRepository
    from chalicelib.aiis.admin.agents import AgentAdmin
    from chalicelib.aiis.admin.models import AgentCreate, MeterRef
    from chalicelib.exchange.demo import AIIS_SERIAL, DEMO_CONTRACT

    agents = AgentAdmin()
    holder = next((a.id for a in agents.list().agents if AIIS_SERIAL in [m.serial for m in a.meters]), None)
    if holder is not None:
        return holder
    tag = uuid.uuid4().hex[:8]
    admin = create_active_user(
        login=f"adm{tag}",
        password=PASSWORD,
        email=f"adm{tag}@kabinet.local",
        phone=f"+7901{uuid.uuid4().int % 10**7:07d}",
        kind="staff",
        role="admin",
        profile={"last_name": "Админов", "first_name": "Адам"},
    )
    agents.create(
        Principal(user=UserRepository().get(admin), session_id="test"),
        AgentCreate(
            id=f"test-{tag}", name="ТП тестовая", meters=[MeterRef(contract=DEMO_CONTRACT, serial=AIIS_SERIAL)]
        ),
    )
    return f"test-{tag}"


def link_aiis_consumer(prefix: str) -> dict[str, Any]:
    """A consumer (login starting with `prefix`) who linked contract ДЭ-1001 by its АИИС meter, not yet
    connected to АИИС, and the agent that reads that meter: {"login", "principal", "agent"}."""
    from chalicelib.accounts.principal import Principal
    from chalicelib.accounts.repository import UserRepository
    from chalicelib.aiis.storage.agents_repository import AgentsRepository
    from chalicelib.exchange.demo import AIIS_SERIAL, DEMO_CONTRACT
    from chalicelib.metering.models import LinkRequest
    from chalicelib.metering.service import MeteringService

    agent_id = aiis_agent()
    account = new_consumer(
        prefix,
        PASSWORD,
        last_name="Петров",
        first_name="Пётр",
        middle_name="Петрович",
        # The СНИЛС billing names as the holder of ДЭ-1001: linking proves ownership.
        snils="112-233-445 95",
    )
    principal = Principal(user=UserRepository().get(account["user_id"]), session_id="test")
    MeteringService().link(principal, LinkRequest(contract_number=DEMO_CONTRACT, meter_serial=AIIS_SERIAL))
    return {"login": account["login"], "principal": principal, "agent": AgentsRepository().get(agent_id)}


def sign_in(page: Page, site_url: str, login: str) -> None:
    page.goto(f"{site_url}/#/login")
    page.locator('[name="identifier"]').fill(login)
    page.locator('[name="password"]').fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    expect(page.get_by_role("heading", name=re.compile("^Здравствуйте"))).to_be_visible()
