"""What subscribers of an address are told about a planned outage, and how it reaches the outbox exactly once.

Who is told what (a person hears about an outage once per event, however many of their addresses it covers):
- publishing a planned outage → `outage_planned` to every subscriber of a covered house (publishing.py);
- a change of an announced outage (a planned one, published and not cancelled — before or after the change):
  - covered before and after, times changed → `outage_changed` with the new and the previous times;
  - covered only after (houses added, the outage brought back) → `outage_planned`, as at publishing;
  - covered only before (houses removed, the outage cancelled) → `outage_cancelled`;
  - nothing for a change of the reason alone, a save that changes nothing, or an outage that was over
    before the change and still is after it.
- an emergency, to subscribers who chose «все» (`SubscriberItem.emergency`; the others, and every
  subscription made before the choice existed, hear of planned outages only):
  - entering it (console or import) → `outage_emergency` to every such subscriber of a covered house;
  - a change that covers them only after (houses added, the emergency brought back) → `outage_emergency`;
  - nothing for new times or a cancellation: an emergency's end is re-estimated as the repair goes on,
    and a message each time would be noise.
Every feed entry opens the outages page searching the (first) subscribed address it concerns.

Exactly once: a notification's outbox id is derived from the outage, the version the change created and
the user, and the outbox refuses an id it already holds. Notifications are staged in the change's own
transaction (conditioned on the version read), so a change that did not commit notifies nobody and one
that did cannot be committed again. When they do not fit in that transaction (many subscribers), the
change also stores `pending_notice` — what was covered before — and the rest are staged in batches
afterwards; if that stops half-way, the next edit, publish or import of the outage finishes the job
(`finish_pending`) before anything else happens to it, and only the missing notifications are written.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, tzinfo

from pynamodb.exceptions import TransactWriteError

from chalicelib.accounts.repository import UserItem, user_key
from chalicelib.core.dynamo import transaction
from chalicelib.notifications import outbox, targets
from chalicelib.notifications.repository import OutboxItem, outbox_key

from .houses import covers, parse_house, parse_houses
from .repository import OutageItem, OutageRepository, OutageStreetMap, PendingNotice, SubscriberItem

logger = logging.getLogger("kabinet.outages")

TRANSACTION_ITEMS = 100
# stage() writes three items per notification (outbox, feed entry, unread counter).
ITEMS_PER_NOTE = 3
NOTES_PER_TRANSACTION = TRANSACTION_ITEMS // ITEMS_PER_NOTE


def parse_instant(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def notification_id(at: str, salt: str, user_id: str, order: int = 0) -> str:
    """The outbox id format (12 hex digits of epoch milliseconds, then 10 more) — time-ordered, so the
    feed sorts by it — but deterministic for one event (`at` and `salt`) and user. Stored times have whole
    seconds: `order` (the version a change made) is added as milliseconds, so that within one second a
    change still sorts after the publication and after the change before it."""
    millis = int(datetime.fromisoformat(at).timestamp() * 1000) + min(order, 999)
    return f"{millis:012x}{hashlib.sha256(f'{salt}:{user_id}'.encode()).hexdigest()[:10]}"


def period_text(start: datetime, end: datetime | None, tz: tzinfo) -> str:
    if end is None:  # an emergency whose end is not known yet
        return f"с {start.astimezone(tz):%d.%m.%Y %H:%M}, время восстановления уточняется"
    start, end = start.astimezone(tz), end.astimezone(tz)
    if start.date() == end.date():
        return f"{start:%d.%m.%Y} с {start:%H:%M} до {end:%H:%M}"
    return f"с {start:%d.%m.%Y %H:%M} до {end:%d.%m.%Y %H:%M}"


@dataclass(frozen=True)
class Address:
    """A subscribed address an outage covers."""

    street_id: str
    street: str
    house: str

    @property
    def link(self) -> str:
        return targets.outage_address(self.street_id, self.house)


def _text(addresses: list[Address]) -> str:
    return "; ".join(f"{a.street}, д. {a.house}" for a in addresses)


@dataclass(frozen=True)
class Scope:
    """The part of an outage that subscribers are told about."""

    kind: str
    status: str
    published: bool
    start_at: str
    end_at: str | None
    streets: tuple[tuple[str, str, tuple[str, ...]], ...]  # (street id, name, canonical houses)

    @classmethod
    def of(cls, item: OutageItem | PendingNotice) -> Scope:
        return cls(
            kind=item.kind,
            status=item.status,
            published=bool(item.published),
            start_at=item.start_at,
            end_at=item.end_at,
            streets=tuple((s.street_id, s.name, tuple(s.houses)) for s in item.streets),
        )

    @property
    def announced(self) -> bool:
        """Subscribers have been (or are being) told about it (emergencies: those who chose «все»)."""
        return self.published and self.status == "active"

    @property
    def times(self) -> tuple[str, str | None]:
        return self.start_at, self.end_at

    def period(self, tz: tzinfo) -> str:
        start = parse_instant(self.start_at)
        assert start is not None
        return period_text(start, parse_instant(self.end_at), tz)


def snapshot(item: OutageItem) -> PendingNotice:
    return PendingNotice(
        version=int(item.version),
        kind=item.kind,
        status=item.status,
        published=bool(item.published),
        start_at=item.start_at,
        end_at=item.end_at,
        streets=[
            OutageStreetMap(street_id=s.street_id, name=s.name, locality=s.locality, houses=list(s.houses))
            for s in item.streets
        ],
    )


def unseen(item: OutageItem) -> PendingNotice:
    """What subscribers had been told before an outage was entered: nothing — it covered no house."""
    blank = snapshot(item)
    blank.streets = []
    return blank


def notifies(before: Scope, after: Scope, at: datetime) -> bool:
    """Whether a change from `before` to `after`, made at `at`, is news for subscribers at all (cheap:
    no reads) — a change of times or addresses of an announced outage that is not over (of an emergency:
    of addresses, or its return)."""
    if not (before.announced or after.announced):
        return False
    times_matter = after.kind == "planned" and before.times != after.times
    if not times_matter and before.streets == after.streets and before.announced == after.announced:
        return False
    ends = [parse_instant(before.end_at), parse_instant(after.end_at)]
    return not all(end is not None and end <= at for end in ends)


class Notices:
    def __init__(self, repository: OutageRepository, tz: tzinfo) -> None:
        self.repo = repository
        self.tz = tz

    # --- who -------------------------------------------------------------------------------------

    def covered(self, scopes: Iterable[Scope]) -> list[dict[str, list[Address]]]:
        """Per scope: user id → the subscribed addresses it covers (of an emergency: only subscriptions
        to all outages). Each street is queried once."""
        scopes = list(scopes)
        subscribers: dict[str, list[SubscriberItem]] = {}
        for scope in scopes:
            for street_id, _, _ in scope.streets:
                if street_id not in subscribers:
                    subscribers[street_id] = list(self.repo.subscribers(street_id))
        result = []
        for scope in scopes:
            addresses: dict[str, list[Address]] = {}
            for street_id, name, houses in scope.streets:
                specs = parse_houses(", ".join(houses))  # stored canonical, so it parses
                for sub in subscribers[street_id]:
                    if scope.kind == "emergency" and not sub.emergency:
                        continue
                    if covers(specs, parse_house(sub.house)):
                        addresses.setdefault(sub.user_id, []).append(Address(street_id, name, sub.house))
            result.append(addresses)
        return result

    @staticmethod
    def phones(user_ids: Iterable[str]) -> dict[str, str]:
        """Current phones of active users: a number changed since subscribing must not get the SMS."""
        keys = [(user_key(u), "PROFILE") for u in dict.fromkeys(user_ids)]
        if not keys:
            return {}
        users = UserItem.batch_get(keys, attributes_to_get=["pk", "sk", "user_id", "phone", "status"])
        return {u.user_id: u.phone for u in users if u.status == "active" and u.phone}

    # --- what ------------------------------------------------------------------------------------

    def announcement(self, outage: OutageItem) -> list[outbox.Notification]:
        """Publishing: `outage_planned` to every covered subscriber."""
        assert outage.published_at
        scope = Scope.of(outage)
        addresses = self.covered([scope])[0]
        params = {"period": scope.period(self.tz), "reason": outage.reason}
        return [
            outbox.Notification(
                "outage_planned",
                {"address": _text(addresses[user_id]), **params},
                user_id=user_id,
                phone=phone,
                link=addresses[user_id][0].link,
                outbox_id=notification_id(outage.published_at, outage.outage_id, user_id),
            )
            for user_id, phone in sorted(self.phones(addresses).items())
        ]

    def change(self, before: Scope, after: OutageItem) -> list[outbox.Notification]:
        """The notifications of the change that made `after` (its version, its `updated_at`) out of `before`."""
        new = Scope.of(after)
        if not notifies(before, new, datetime.fromisoformat(after.updated_at)):
            return []
        old_covered, new_covered = self.covered(
            [before if before.announced else _nothing(before), new if new.announced else _nothing(new)]
        )
        times_changed = before.times != new.times
        salt = f"{after.outage_id}:v{int(after.version)}"
        notes = []
        for user_id, phone in sorted(self.phones([*old_covered, *new_covered]).items()):
            was, now = old_covered.get(user_id), new_covered.get(user_id)
            covering = now or was
            assert covering  # phones are looked up for those covered before or after
            if new.kind == "emergency":
                if was or not now:
                    continue  # only the news of it (notices of new times or a cancellation would be noise)
                template, params = (
                    "outage_emergency",
                    {"address": _text(now), "period": new.period(self.tz), "reason": after.reason},
                )
            elif was and now:
                if not times_changed:
                    continue
                template, params = (
                    "outage_changed",
                    {
                        "address": _text(now),
                        "period": new.period(self.tz),
                        "previous": before.period(self.tz),
                        "reason": after.reason,
                    },
                )
            elif now:
                template, params = (
                    "outage_planned",
                    {"address": _text(now), "period": new.period(self.tz), "reason": after.reason},
                )
            else:
                assert was
                template, params = "outage_cancelled", {"address": _text(was), "period": before.period(self.tz)}
            notes.append(
                outbox.Notification(
                    template,
                    params,
                    user_id=user_id,
                    phone=phone,
                    link=covering[0].link,
                    outbox_id=notification_id(after.updated_at, salt, user_id, int(after.version)),
                )
            )
        return notes

    # --- staging ---------------------------------------------------------------------------------

    def finish_pending(self, outage: OutageItem) -> OutageItem:
        """If a change of this outage stopped before every subscriber's notification was staged, stage the
        rest now; returns the outage as it is afterwards."""
        pending = outage.pending_notice
        if pending is None:
            return outage
        notes = self.change(Scope.of(pending), outage)
        staged = stage_in_batches(notes)
        self.repo.clear_pending(outage)
        logger.info("outage %s v%s: finished notifying, %d more staged", outage.outage_id, outage.version, staged)
        fresh = self.repo.get(outage.outage_id)
        assert fresh is not None
        return fresh


def _nothing(scope: Scope) -> Scope:
    return Scope(
        kind=scope.kind,
        status=scope.status,
        published=scope.published,
        start_at=scope.start_at,
        end_at=scope.end_at,
        streets=(),
    )


def stage_in_batches(notes: list[outbox.Notification]) -> int:
    """Stage notifications that may have been staged before (an interrupted run); only the missing ones
    are written and handed to the queue. Returns how many were new."""
    count = 0
    for start in range(0, len(notes), NOTES_PER_TRANSACTION):
        count += _stage(notes[start : start + NOTES_PER_TRANSACTION])
    return count


def _stage(notes: list[outbox.Notification]) -> int:
    try:
        with transaction() as tx:
            for note in notes:
                outbox.stage(tx, note)
        staged = notes
    except TransactWriteError as exc:
        if not already_staged(exc):
            raise
        # Some were staged by an earlier, interrupted run: write the rest (one by one if that races too).
        staged = _not_staged(notes)
        try:
            with transaction() as tx:
                for note in staged:
                    outbox.stage(tx, note)
        except TransactWriteError as again:
            if not already_staged(again):
                raise
            staged = [note for note in staged if _stage_one(note)]
    outbox.dispatch(staged)
    return len(staged)


def _not_staged(notes: list[outbox.Notification]) -> list[outbox.Notification]:
    """Those of `notes` the outbox does not hold yet: one BatchGetItem (consistent)."""
    keys = [(outbox_key(note.outbox_id), "OUTBOX") for note in notes]
    present = {
        item.outbox_id
        for item in OutboxItem.batch_get(keys, consistent_read=True, attributes_to_get=["pk", "sk", "outbox_id"])
    }
    return [note for note in notes if note.outbox_id not in present]


def _stage_one(note: outbox.Notification) -> bool:
    try:
        with transaction() as tx:
            outbox.stage(tx, note)
        return True
    except TransactWriteError as exc:
        if already_staged(exc):
            return False
        raise


def already_staged(exc: TransactWriteError) -> bool:
    """Only outbox items carry a condition in these transactions (their id must be new)."""
    return any(
        reason is not None and reason.code == "ConditionalCheckFailed" for reason in (exc.cancellation_reasons or [])
    )
