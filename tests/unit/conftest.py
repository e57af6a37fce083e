"""Unit tests run without AWS: the company settings in force are the seed (defaults.json and the
KABINET_* values), as on a deployment that has stored no document yet."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def seed_company_settings(monkeypatch):
    from chalicelib.settings import service

    monkeypatch.setattr(service, "CACHE_SECONDS", 24 * 3600)
    service.reset_cache()
    service._remember(service.Stored(version=0, settings=service.seed(), saved_at=None, saved_by=None))
    yield
    service.reset_cache()
