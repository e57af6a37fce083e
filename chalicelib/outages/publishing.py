"""Publishing a planned outage: it becomes visible, and every subscriber of a covered house gets an SMS
and a feed entry through the outbox — once, however often publishing is pressed or retried.

How "once" holds:
- the first publish flips `published` in a transaction conditioned on the version read;
- each subscriber's notification has an id derived from the outage, the user and the publication
  time, and the outbox refuses an id it already holds. A publish that stopped half-way (a timeout
  between batches) leaves `notified_at` unset; publishing again restages everything, and only the
  notifications that never made it are written;
- `notified_at` marks the end: after it, publishing again changes and sends nothing.
Later changes of the outage are announced by the edit itself (service.py, notices.py).
"""

from __future__ import annotations

import logging

from pynamodb.exceptions import TransactWriteError

from chalicelib.core import audit, clock
from chalicelib.core.audit import Actor
from chalicelib.core.config import Settings, get_settings
from chalicelib.core.dynamo import is_conditional_failure, transaction
from chalicelib.core.errors import conflict

from .models import OutageDetail
from .notices import NOTES_PER_TRANSACTION, Notices, notification_id, parse_instant, period_text, stage_in_batches
from .repository import OutageItem, OutageRepository
from .service import STALE, copy_item, load, to_detail

__all__ = ["NOTES_PER_TRANSACTION", "Publisher", "notification_id", "period_text"]

logger = logging.getLogger("kabinet.outages")


class Publisher:
    def __init__(self, repository: OutageRepository | None = None, settings: Settings | None = None) -> None:
        self.repo = repository or OutageRepository()
        self.settings = settings or get_settings()
        self.notices = Notices(self.repo, self.settings.tz)

    def publish(self, actor: Actor, outage_id: str) -> OutageDetail:
        outage = self.notices.finish_pending(load(self.repo, outage_id))
        if outage.status == "cancelled":
            raise conflict("Отменённое отключение нельзя опубликовать")
        if not outage.published:
            outage = self._make_visible(actor, outage)
        # Emergencies are visible from the start and announced as they are entered (service.create).
        if outage.kind == "planned" and outage.notified_at is None:
            count = self._notify(outage)
            self.repo.mark_notified(outage, count)
            outage.notified = count
        return to_detail(outage, self.settings.tz)

    def _make_visible(self, actor: Actor, before: OutageItem) -> OutageItem:
        after = copy_item(before)
        now = clock.iso(clock.now())
        after.published, after.published_at, after.updated_at = True, now, now
        after.version = before.version + 1
        try:
            with transaction() as tx:
                self.repo.write(tx, after, before)
                audit.record(tx, actor, "outage.publish", "outage", after.outage_id, {"streets": len(after.streets)})
            return after
        except TransactWriteError as exc:
            if not is_conditional_failure(exc):
                raise
        # Changed meanwhile: if it was a concurrent publish, carry on from its state.
        current = self.repo.get(before.outage_id)
        if current is None or not current.published or current.status == "cancelled":
            raise conflict(STALE)
        return current

    def _notify(self, outage: OutageItem) -> int:
        end = parse_instant(outage.end_at)
        assert end is not None and outage.published_at  # a published planned outage
        if end <= clock.now():
            return 0  # already over: nothing to warn about
        notes = self.notices.announcement(outage)
        stage_in_batches(notes)
        logger.info("outage %s: %d subscribers notified", outage.outage_id, len(notes))
        return len(notes)
