"""SQS consumer: renders an outbox item and sends it on each of its channels, exactly once.

A redelivered message (SQS is at-least-once) finds each channel's send already recorded by the
powertools idempotency layer and sends nothing again. Failures are reported per record, so one bad
message is retried alone and reaches the dead-letter queue after the queue's maxReceiveCount.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig, idempotent_function

from chalicelib.core import clock
from chalicelib.core.config import get_settings
from chalicelib.core.observability import correlated, count

from . import channels
from .repository import NotificationRepository
from .templates import render

logger = logging.getLogger("kabinet.notifications")

_persistence = DynamoDBPersistenceLayer(table_name=get_settings().resource("idempotency"))
_config = IdempotencyConfig(event_key_jmespath="key", expires_after_seconds=7 * 24 * 3600)


# powertools declares idempotent_function as returning Any; the wrapper keeps the signature (functools.wraps).
@idempotent_function(  # type: ignore[untyped-decorator]
    data_keyword_argument="delivery", persistence_store=_persistence, config=_config
)
def deliver(delivery: dict[str, str]) -> dict[str, str]:
    """One channel of one notification. `key` = outbox id + channel is the idempotency key."""
    if delivery["channel"] == "email":
        message_id = channels.send_email(delivery["to"], delivery["subject"], delivery["text"])
    else:
        message_id = channels.send_sms(delivery["to"], delivery["text"])
    return {"message_id": message_id}


def handle_record(record: SQSRecord, repository: NotificationRepository | None = None) -> None:
    repo = repository or NotificationRepository()
    outbox_id = json.loads(record.body)["outbox_id"]
    item = repo.get_outbox(outbox_id)
    if item is None or item.delivered_at is not None:
        logger.info("outbox %s: delivered already or expired", outbox_id)
        return
    with correlated(item.correlation_id):
        rendered = render(item.template, item.params.as_dict())
        for channel in item.channels:
            to = item.email if channel == "email" else item.phone
            text = rendered.email if channel == "email" else (rendered.sms or "")
            try:
                deliver(
                    delivery={
                        "key": f"{outbox_id}:{channel}",
                        "channel": channel,
                        "to": to or "",
                        "subject": rendered.subject,
                        "text": text,
                    }
                )
            except Exception:
                logger.warning("outbox %s: %s by %s failed; SQS will retry", outbox_id, item.template, channel)
                count("NotificationsFailed", channel=channel)
                raise
            count("NotificationsSent", channel=channel)
        repo.mark_delivered(item, clock.iso(clock.now()))
        logger.info("outbox %s: %s delivered by %s", outbox_id, item.template, ", ".join(item.channels) or "feed")


def handle_batch(event: dict[str, Any], context: Any = None) -> PartialItemFailureResponse:
    if context is not None:
        _config.register_lambda_context(context)  # in-progress records expire with the invocation
    # Report failures per record even when all fail, so SQS retries exactly those.
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    return process_partial_response(event=event, record_handler=handle_record, processor=processor, context=context)
