"""Fixtures for API tests through chalice.test.Client."""

from __future__ import annotations

import pytest
from chalice.test import Client
from helpers import Api


@pytest.fixture(scope="module")
def client(aws):
    from app import app

    with Client(app) as test_client:
        yield test_client


@pytest.fixture
def api(client) -> Api:
    return Api(client)
