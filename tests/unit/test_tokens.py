from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.accounts import tokens
from chalicelib.core import clock


@pytest.fixture(autouse=True)
def fixed_key(monkeypatch):
    monkeypatch.setattr(tokens, "derived_key", lambda purpose: b"k" * 32)
    start = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    current = {"now": start}
    clock.set_clock(lambda: current["now"])
    yield current
    clock.set_clock(None)


def test_access_token_round_trip_carries_session_and_version():
    claims = tokens.AccessClaims("u1", "s1", "consumer", 3)
    token = tokens.issue_access_token(claims, timedelta(minutes=15))
    assert tokens.decode_access_token(token) == claims


def test_access_token_expires_exactly_at_its_lifetime(fixed_key):
    token = tokens.issue_access_token(tokens.AccessClaims("u1", "s1", "consumer", 0), timedelta(minutes=15))
    fixed_key["now"] += timedelta(minutes=14, seconds=59)
    tokens.decode_access_token(token)
    fixed_key["now"] += timedelta(seconds=1)
    with pytest.raises(tokens.InvalidToken):
        tokens.decode_access_token(token)


def test_tampered_or_foreign_tokens_are_refused(monkeypatch):
    token = tokens.issue_access_token(tokens.AccessClaims("u1", "s1", "admin", 0), timedelta(minutes=15))
    head, payload, signature = token.split(".")
    with pytest.raises(tokens.InvalidToken):
        tokens.decode_access_token(f"{head}.{payload}.{signature[:-2]}xx")
    monkeypatch.setattr(tokens, "derived_key", lambda purpose: b"other-key" * 4)
    with pytest.raises(tokens.InvalidToken):
        tokens.decode_access_token(token)


def test_refresh_token_encodes_user_session_and_secret_and_stores_only_a_digest():
    token = tokens.new_refresh_token("user-1", "sess-1")
    parsed = tokens.parse_refresh_token(token.encode())
    assert parsed == token
    assert token.secret not in token.digest and len(token.digest) == 64


@pytest.mark.parametrize("garbage", ["", "abc", "!!!", "dXNlcg"])
def test_malformed_refresh_tokens_are_refused(garbage):
    with pytest.raises(tokens.InvalidToken):
        tokens.parse_refresh_token(garbage)
