"""Batch calls DynamoDB answers in part are retried after jittered, growing waits — not at once in a
tight loop — and a batch that never gets through fails instead of spinning."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.core import backoff


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    recorded: list[float] = []
    monkeypatch.setattr(backoff, "sleep", recorded.append)
    return recorded


def leaving(unprocessed_per_call: list[int]) -> tuple[list[list[int]], Any]:
    """A batch call that leaves the last n requests of the batch unprocessed on each call in turn."""
    calls: list[list[int]] = []

    def call(pending: list[int]) -> list[int]:
        calls.append(list(pending))
        left = unprocessed_per_call[len(calls) - 1] if len(calls) <= len(unprocessed_per_call) else 0
        return pending[len(pending) - left :] if left else []

    return calls, call


def test_a_batch_done_at_once_is_not_delayed(waits: list[float]) -> None:
    calls, call = leaving([])
    backoff.until_processed(call, [1, 2, 3])
    assert calls == [[1, 2, 3]]
    assert waits == []


def test_only_what_was_left_is_sent_again_after_growing_random_waits(waits: list[float]) -> None:
    calls, call = leaving([2, 1, 1])
    backoff.until_processed(call, [1, 2, 3])
    assert calls == [[1, 2, 3], [2, 3], [3], [3]]
    assert len(waits) == 3
    assert all(0 <= wait <= backoff.wait_cap(attempt) for attempt, wait in enumerate(waits))
    assert [backoff.wait_cap(attempt) for attempt in range(3)] == [0.05, 0.1, 0.2]


def test_waits_are_jittered_so_throttled_writers_do_not_come_back_together(waits: list[float]) -> None:
    for _ in range(2):
        backoff.until_processed(leaving([1, 1, 1])[1], [1])
    assert waits[:3] != waits[3:]


def test_the_wait_is_capped(waits: list[float]) -> None:
    assert backoff.wait_cap(30) == backoff.CAP_SECONDS


def test_a_batch_that_never_gets_through_fails_instead_of_spinning(waits: list[float]) -> None:
    calls, call = leaving([1] * 100)
    with pytest.raises(backoff.StillUnprocessed):
        backoff.until_processed(call, [1, 2])
    assert len(calls) == backoff.MAX_ATTEMPTS
