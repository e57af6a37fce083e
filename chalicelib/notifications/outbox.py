"""Transactional outbox: a notification is written in the same DynamoDB transaction as the change
that causes it, then handed to SQS. If that hand-off fails, the relay schedule finds the item on the
sparse `pending` index and sends it again, so a committed change never loses its notification.
"""

from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from chalicelib.core import clock
from chalicelib.core.aws import client
from chalicelib.core.config import get_settings
from chalicelib.core.observability import correlation_id
from chalicelib.settings import company

from .repository import (
    COUNTER,
    PENDING,
    FeedCounter,
    FeedItem,
    NotificationRepository,
    OutboxItem,
    feed_key,
    new_in,
    note_key,
    outbox_key,
)
from .sections import section_of
from .templates import TEMPLATES, render

logger = logging.getLogger("kabinet.outbox")

OUTBOX_RETENTION = timedelta(days=30)
FEED_RETENTION = timedelta(days=365 * 3)
RELAY_GRACE = timedelta(seconds=60)


@dataclass(frozen=True)
class Notification:
    template: str
    params: dict[str, str]
    user_id: str | None = None
    email: str | None = None
    phone: str | None = None
    outbox_id: str = field(default_factory=lambda: _time_ordered_id())
    # The page of the exact thing the notice is about ("#/appeals/appeal?id=…"), opened from the feed;
    # without it the feed entry opens the template's section page.
    link: str | None = None

    @property
    def channels(self) -> list[str]:
        template = TEMPLATES[self.template]
        channels = []
        if self.email:
            channels.append("email")
        if self.phone and template.sms:
            channels.append("sms")
        return channels


def _time_ordered_id() -> str:
    return f"{int(clock.now().timestamp() * 1000):012x}{secrets.token_hex(5)}"


def _common_params() -> dict[str, str]:
    settings = get_settings()
    return {"company": company().requisites.name, "site_url": settings.site_url}


def stage(tx: TransactWrite, note: Notification) -> None:
    """Add the outbox item (and the feed entry, if the template has one) to the caller's transaction."""
    now = clock.now()
    created = clock.iso(now)
    params = {**_common_params(), **note.params}
    rendered = render(note.template, params)  # fail before commit if a parameter is missing
    if note.link is not None and not note.link.startswith("#/"):
        raise ValueError(f"a feed link is a page of this site: {note.link!r}")
    tx.save(
        OutboxItem(
            outbox_key(note.outbox_id),
            "OUTBOX",
            outbox_id=note.outbox_id,
            user_id=note.user_id,
            template=note.template,
            params=params,
            email=note.email,
            phone=note.phone,
            channels=note.channels,
            created_at=created,
            pending_pk=PENDING,
            pending_at=created,
            ttl=clock.epoch(now + OUTBOX_RETENTION),
            correlation_id=correlation_id() or None,
        ),
        condition=OutboxItem.pk.does_not_exist(),
    )
    if note.user_id and rendered.feed_title:
        tx.save(
            FeedItem(
                feed_key(note.user_id),
                note_key(note.outbox_id),
                note_id=note.outbox_id,
                title=rendered.feed_title,
                body=rendered.feed_body or "",
                link=note.link or rendered.link,
                read=False,
                created_at=created,
                ttl=clock.epoch(now + FEED_RETENTION),
            )
        )
        counts: list[Action] = [FeedCounter.unread.add(1)]
        section = section_of(rendered.link)
        if section:
            counts.append(new_in(section).add(1))
        tx.update(FeedCounter(feed_key(note.user_id), COUNTER), actions=counts)


def _queue_url() -> str:
    url: str = client("sqs").get_queue_url(QueueName=get_settings().resource("notifications"))["QueueUrl"]
    return url


def _send(outbox_ids: list[str]) -> None:
    """Queue outbox ids for the consumer, in SQS's batches of at most 10."""
    url = _queue_url()
    for start in range(0, len(outbox_ids), 10):
        client("sqs").send_message_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(i), "MessageBody": json.dumps({"outbox_id": outbox_id})}
                for i, outbox_id in enumerate(outbox_ids[start : start + 10])
            ],
        )


def dispatch(notes: list[Notification]) -> None:
    """Hand committed notifications to the queue. Best effort: the relay covers failures."""
    if not notes:
        return
    try:
        _send([n.outbox_id for n in notes])
    except Exception:  # noqa: BLE001 — a committed change must not fail because SQS did
        logger.warning("outbox hand-off to SQS failed; the relay will retry", exc_info=True)


def relay_pending(repository: NotificationRepository | None = None) -> int:
    """Scheduled: re-send outbox items still undelivered after a grace period. Returns the count."""
    repo = repository or NotificationRepository()
    cutoff = clock.iso(clock.now() - RELAY_GRACE)
    items = repo.undelivered_before(cutoff)
    now_iso = clock.iso(clock.now())
    _send([item.outbox_id for item in items])
    for item in items:
        repo.mark_relayed(item, now_iso)
    if items:
        logger.info("outbox relay re-sent %d notifications", len(items))
    return len(items)
