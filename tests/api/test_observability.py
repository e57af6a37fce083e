"""One request followed through the logs: its id in the API's refusal line, in the outbox item it staged
and in the consumer's delivery line — and no personal data in any of them (docs/observability.md)."""

from __future__ import annotations

import io
import json
import logging
from contextlib import redirect_stdout

import pytest
from helpers import deliver_notifications, person_payload

from chalicelib.core.observability import InvocationFilter, count, mask_personal


@pytest.fixture
def logs(caplog):
    """Log records as the deployed handler sees them: with the invocation's ids, masked."""
    caplog.handler.addFilter(InvocationFilter())
    caplog.set_level(logging.INFO, logger="kabinet")
    yield caplog
    caplog.handler.removeFilter(caplog.handler.filters[-1])


def test_a_refusal_is_logged_under_the_id_the_client_is_given_without_what_was_sent(client, logs):
    payload = {"identifier": "ivanov@example.ru", "password": "x"}
    answer = client.http.post(
        "/api/v1/auth/login", body=json.dumps(payload), headers={"Content-Type": "application/json"}
    )
    assert answer.status_code in (401, 422)
    request_id = answer.headers["X-Request-Id"]
    refusals = [r for r in logs.records if r.name == "kabinet.web" and r.getMessage().startswith("refused")]
    assert refusals and all(r.correlation_id == request_id for r in refusals)
    assert "POST /auth/login" in refusals[-1].getMessage()
    assert all("ivanov" not in r.getMessage() for r in logs.records)


def test_each_request_gets_its_own_id(client):
    first = client.http.get("/api/v1/health").headers["X-Request-Id"]
    second = client.http.get("/api/v1/health").headers["X-Request-Id"]
    assert first and second and first != second


def test_the_notice_a_request_staged_is_delivered_under_that_requests_id(client, api, logs):
    from chalicelib.notifications.repository import OutboxItem

    payload = person_payload(api)
    answer = client.http.post(
        "/api/v1/auth/register", body=json.dumps(payload), headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 202, answer.body
    request_id = answer.headers["X-Request-Id"]
    staged = [item for item in OutboxItem.scan() if item.correlation_id == request_id]
    assert len(staged) == 1 and staged[0].delivered_at is None

    assert deliver_notifications() >= 1
    delivered = [
        r
        for r in logs.records
        if r.name == "kabinet.notifications"
        and staged[0].outbox_id in r.getMessage()
        and "delivered by" in r.getMessage()
    ]
    assert delivered and delivered[-1].correlation_id == request_id
    assert all(payload["email"] not in r.getMessage() for r in logs.records)


def test_personal_data_in_a_message_is_masked():
    line = "to ivanov.ii@почта.рф and +7 (910) 123-45-67 or 89101234567, СНИЛС 112-233-445 95; заявка 42"
    assert mask_personal(line) == "to <e-mail> and <телефон> or <телефон>, СНИЛС <СНИЛС>; заявка 42"


def test_a_business_event_is_a_cloudwatch_metric_in_lambda(monkeypatch):
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "kabinet-prod-notifications_consumer")
    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED", raising=False)
    printed = io.StringIO()
    with redirect_stdout(printed):
        count("NotificationsFailed", channel="sms")
    emitted = json.loads(printed.getvalue())
    directive = emitted["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == "Kabinet" and directive["Metrics"][0]["Name"] == "NotificationsFailed"
    assert emitted["channel"] == "sms" and emitted["NotificationsFailed"] in (1, [1])
