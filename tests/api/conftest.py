"""Fixtures for API tests through chalice.test.Client."""

from __future__ import annotations

import pytest
from chalice.test import Client
from connection_helpers import person
from helpers import Api, staff_user


@pytest.fixture(scope="module")
def client(aws):
    from app import app

    with Client(app) as test_client:
        yield test_client


@pytest.fixture
def api(client) -> Api:
    return Api(client)


@pytest.fixture
def user(api) -> dict:
    """A person registered, e-mail confirmed and signed in: the registration answer and its "token"."""
    return person(api)


@pytest.fixture
def engineer(api) -> dict:
    return staff_user(api, "engineer")


@pytest.fixture
def response_floor(monkeypatch):
    """Paced routes (registration, recovery, linking) answer no sooner than 1.2 s (tests run with 0)."""
    from chalicelib.core.config import get_settings

    monkeypatch.setenv("KABINET_AUTH_RESPONSE_FLOOR_MS", "1200")
    get_settings.cache_clear()
    yield 1.2
    get_settings.cache_clear()
