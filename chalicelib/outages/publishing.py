"""Publishing a planned outage: it becomes visible, and every subscriber of a covered house gets an SMS
and a feed entry through the outbox — once, however often publishing is pressed or retried.

How "once" holds:
- the first publish flips `published` in a transaction conditioned on the version read;
- each subscriber's notification has an id derived from the outage, the user and the publication
  time, and the outbox refuses an id it already holds. A publish that stopped half-way (a timeout
  between batches) leaves `notified_at` unset; publishing again restages everything, and only the
  notifications that never made it are written;
- `notified_at` marks the end: after it, publishing again changes and sends nothing.
"""
from __future__ import annotations

import hashlib
import logging
from datetime import datetime, tzinfo
from typing import Iterable, Optional

from pynamodb.exceptions import TransactWriteError

from chalicelib.accounts.repository import UserItem, user_key
from chalicelib.core import audit, clock
from chalicelib.core.audit import Actor
from chalicelib.core.config import Settings, get_settings
from chalicelib.core.dynamo import is_conditional_failure, transaction
from chalicelib.core.errors import conflict
from chalicelib.notifications import outbox

from .houses import covers, parse_house
from .models import OutageDetail
from .repository import OutageItem, OutageRepository
from .service import STALE, copy_item, load, parse_instant, stored_houses, to_detail

logger = logging.getLogger("kabinet.outages")

# stage() writes three items per notification (outbox, feed entry, unread counter); a transaction
# holds at most 100.
NOTES_PER_TRANSACTION = 33


def notification_id(published_at: str, outage_id: str, user_id: str) -> str:
    """The outbox id format (12 hex digits of epoch milliseconds, then 10 more) — time-ordered, so the
    feed sorts by it — but deterministic for one outage, user and publication."""
    millis = int(datetime.fromisoformat(published_at).timestamp() * 1000)
    return f"{millis:012x}{hashlib.sha256(f'{outage_id}:{user_id}'.encode()).hexdigest()[:10]}"


def period_text(start: datetime, end: datetime, tz: tzinfo) -> str:
    start, end = start.astimezone(tz), end.astimezone(tz)
    if start.date() == end.date():
        return f"{start:%d.%m.%Y} с {start:%H:%M} до {end:%H:%M}"
    return f"с {start:%d.%m.%Y %H:%M} до {end:%d.%m.%Y %H:%M}"


class Publisher:
    def __init__(self, repository: Optional[OutageRepository] = None, settings: Optional[Settings] = None) -> None:
        self.repo = repository or OutageRepository()
        self.settings = settings or get_settings()

    def publish(self, actor: Actor, outage_id: str) -> OutageDetail:
        outage = load(self.repo, outage_id)
        if outage.status == "cancelled":
            raise conflict("Отменённое отключение нельзя опубликовать")
        if not outage.published:
            outage = self._make_visible(actor, outage)
        # Emergencies are visible from the start and announce nothing: by the time the SMS arrived the
        # subscriber would know.
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
        start, end = parse_instant(outage.start_at), parse_instant(outage.end_at)
        assert start is not None and end is not None and outage.published_at  # a published planned outage
        if end <= clock.now():
            return 0  # already over: nothing to warn about
        addresses = self._covered_subscribers(outage)
        phones = self._phones(addresses)
        period = period_text(start, end, self.settings.tz)
        notes = [outbox.Notification("outage_planned",
                                     {"address": "; ".join(addresses[user_id]), "period": period,
                                      "reason": outage.reason},
                                     user_id=user_id, phone=phone,
                                     outbox_id=notification_id(outage.published_at, outage.outage_id, user_id))
                 for user_id, phone in phones.items()]
        for start_index in range(0, len(notes), NOTES_PER_TRANSACTION):
            self._stage(notes[start_index:start_index + NOTES_PER_TRANSACTION])
        logger.info("outage %s: %d subscribers notified", outage.outage_id, len(notes))
        return len(notes)

    def _covered_subscribers(self, outage: OutageItem) -> dict[str, list[str]]:
        """user id → the subscribed addresses this outage covers (one message per person)."""
        addresses: dict[str, list[str]] = {}
        for street in outage.streets:
            specs = stored_houses(street.houses)
            for sub in self.repo.subscribers(street.street_id):
                if covers(specs, parse_house(sub.house)):  # stored canonical, so it parses
                    addresses.setdefault(sub.user_id, []).append(f"{street.name}, д. {sub.house}")
        return addresses

    @staticmethod
    def _phones(user_ids: Iterable[str]) -> dict[str, str]:
        """Current phones of active users: a number changed since subscribing must not get the SMS."""
        keys = [(user_key(u), "PROFILE") for u in user_ids]
        if not keys:
            return {}
        users = UserItem.batch_get(keys,
                                   attributes_to_get=["pk", "sk", "user_id", "phone", "status"])
        return {u.user_id: u.phone for u in users if u.status == "active" and u.phone}

    def _stage(self, notes: list[outbox.Notification]) -> None:
        try:
            with transaction() as tx:
                for note in notes:
                    outbox.stage(tx, note)
            staged = notes
        except TransactWriteError as exc:
            if not _already_staged(exc):
                raise
            # Some were staged by an earlier, interrupted publish: write the rest one by one.
            staged = [note for note in notes if self._stage_one(note)]
        outbox.dispatch(staged)

    @staticmethod
    def _stage_one(note: outbox.Notification) -> bool:
        try:
            with transaction() as tx:
                outbox.stage(tx, note)
            return True
        except TransactWriteError as exc:
            if _already_staged(exc):
                return False
            raise


def _already_staged(exc: TransactWriteError) -> bool:
    """Only outbox items carry a condition here (their id must be new)."""
    return any(reason is not None and reason.code == "ConditionalCheckFailed" for reason in exc.cancellation_reasons)
