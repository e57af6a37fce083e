"""Outbox → SQS → consumer → SES/SNS: exactly once, never lost, dead-lettered when hopeless."""

from __future__ import annotations

import json
from datetime import timedelta

import boto3
import pytest
from helpers import deliver_notifications, login, register_and_confirm, sent_emails, sent_sms

from chalicelib.core import clock
from chalicelib.notifications import outbox
from chalicelib.notifications.consumer import handle_batch
from chalicelib.notifications.repository import NotificationRepository

QUEUE = "kabinet-test-notifications"


def queue_url() -> str:
    return boto3.client("sqs", region_name="eu-central-1").get_queue_url(QueueName=QUEUE)["QueueUrl"]


def sqs_event(*bodies: str) -> dict:
    return {
        "Records": [
            {
                "messageId": f"m{i}",
                "receiptHandle": f"r{i}",
                "body": body,
                "attributes": {},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:eu-central-1:123456789012:q",
                "awsRegion": "eu-central-1",
            }
            for i, body in enumerate(bodies)
        ]
    }


def change_password(api, user, new="Changed123"):
    token = login(api, user["login"])["access_token"]
    status, _ = api.post("/me/password", {"old_password": user["password"], "new_password": new}, token=token)
    assert status == 200


def pending_ids(user_id=None):
    items = NotificationRepository().undelivered_before(clock.iso(clock.now() + timedelta(days=1)))
    return [i.outbox_id for i in items if user_id is None or i.user_id == user_id]


def test_a_redelivered_message_sends_nothing_twice(api):
    user = register_and_confirm(api)
    deliver_notifications()
    change_password(api, user)
    sqs = boto3.client("sqs", region_name="eu-central-1")
    message = sqs.receive_message(QueueUrl=queue_url(), MaxNumberOfMessages=10)["Messages"]
    bodies = [m["Body"] for m in message]
    assert handle_batch(sqs_event(*bodies)) == {"batchItemFailures": []}
    emails, texts = len(sent_emails(user["email"])), len(sent_sms(user["phone"]))
    # SQS is at-least-once: the same messages again (and again) send nothing more.
    handle_batch(sqs_event(*bodies))
    handle_batch(sqs_event(*bodies))
    assert (len(sent_emails(user["email"])), len(sent_sms(user["phone"]))) == (emails, texts)
    for m in message:
        sqs.delete_message(QueueUrl=queue_url(), ReceiptHandle=m["ReceiptHandle"])


def test_a_failed_hand_off_to_sqs_is_recovered_by_the_relay(api, monkeypatch):
    user = register_and_confirm(api)
    deliver_notifications()
    sent_before = len(sent_emails(user["email"]))

    def sqs_down(*args, **kwargs):
        raise RuntimeError("SQS is unavailable")

    monkeypatch.setattr(outbox, "_queue_url", sqs_down)
    change_password(api, user)  # the change commits although SQS is down
    monkeypatch.undo()
    ours = pending_ids(user["user_id"])
    assert len(ours) == 1
    deliver_notifications()
    assert len(sent_emails(user["email"])) == sent_before
    # Within the grace period the relay leaves it alone (a fresh item may still be in flight) ...
    outbox.relay_pending()
    assert NotificationRepository().get_outbox(ours[0]).relays == 0
    # ... after it, the relay hands it to SQS again and the consumer delivers it.
    start = clock.now()
    clock.set_clock(lambda: start + timedelta(minutes=2))
    try:
        outbox.relay_pending()
    finally:
        clock.set_clock(None)
    assert NotificationRepository().get_outbox(ours[0]).relays == 1
    deliver_notifications()
    assert [m.subject for m in sent_emails(user["email"])[sent_before:]] == ["Пароль изменён"]
    assert pending_ids(user["user_id"]) == []


def test_one_bad_message_fails_alone_and_reaches_the_dead_letter_queue(api):
    user = register_and_confirm(api)
    deliver_notifications()
    change_password(api, user)
    sqs = boto3.client("sqs", region_name="eu-central-1")
    messages = sqs.receive_message(QueueUrl=queue_url(), MaxNumberOfMessages=10)["Messages"]
    good_body = messages[0]["Body"]
    result = handle_batch(sqs_event("not json", good_body))
    assert result == {"batchItemFailures": [{"itemIdentifier": "m0"}]}
    for m in messages:
        sqs.delete_message(QueueUrl=queue_url(), ReceiptHandle=m["ReceiptHandle"])

    # A poison message on the real queue: received, failed, and after maxReceiveCount moved to the DLQ.
    sqs.send_message(QueueUrl=queue_url(), MessageBody=json.dumps({"outbox_id": "does-not-parse", "x": []})[:-1])
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url(), AttributeNames=["RedrivePolicy"])["Attributes"]
    max_receives = json.loads(attributes["RedrivePolicy"])["maxReceiveCount"]
    for _ in range(max_receives + 1):
        got = sqs.receive_message(QueueUrl=queue_url(), MaxNumberOfMessages=10, VisibilityTimeout=0)
        for m in got.get("Messages", []):
            event = sqs_event(m["Body"])
            assert handle_batch(event)["batchItemFailures"]
    dlq = sqs.get_queue_url(QueueName=f"{QUEUE}-dlq")["QueueUrl"]
    dead = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10)["Messages"]
    assert any(m["Body"].startswith('{"outbox_id": "does-not-parse"') for m in dead)


@pytest.mark.parametrize("template", ["registration_confirm", "password_reset_code", "password_changed"])
def test_templates_render_in_russian_without_leftover_placeholders(template):
    from chalicelib.notifications.templates import render

    rendered = render(
        template,
        {
            "confirm_url": "https://x/#/confirm?token=t",
            "hours": "24",
            "code": "123456",
            "minutes": "15",
            "company": "АО «Сеть»",
            "site_url": "https://x",
            "login": "l",
        },
    )
    assert "$" not in rendered.email and rendered.subject
    assert any("а" <= ch <= "я" for ch in rendered.email)
