"""Accounts the browser tests make through the services of the stack running in this process
(tests/browser/conftest.py), for data a test needs that the demo accounts do not have."""

from __future__ import annotations

import os
import uuid
from typing import Any

import pytest


def new_consumer(prefix: str, password: str = "Secret123pass", **profile: Any) -> dict[str, str]:
    """An active ФЛ with `profile`, its login starting with `prefix`: {"login", "password", "phone", "user_id"}."""
    if os.environ.get("BROWSER_TEST_BASE_URL"):
        pytest.skip("accounts are created in the stack's process, which an external stack is not")
    from chalicelib.accounts.provisioning import create_active_user

    login = f"{prefix}{uuid.uuid4().hex[:10]}"
    phone = f"+7903{uuid.uuid4().int % 10**7:07d}"
    user_id = create_active_user(
        login=login,
        password=password,
        email=f"{login}@example.ru",
        phone=phone,
        kind="person",
        role="consumer",
        profile=profile,
    )
    return {"login": login, "password": password, "phone": phone, "user_id": user_id}
