"""The in-app feed: list, unread count, mark read."""

from __future__ import annotations

from pynamodb.exceptions import TransactWriteError

from chalicelib.core.dynamo import is_conditional_failure, transaction
from chalicelib.core.errors import not_found

from .models import FeedPage, NewInSections, NoteOut, SectionCounters
from .repository import COUNTER, FeedCounter, FeedItem, NotificationRepository, feed_key, note_key
from .sections import SECTIONS


class FeedService:
    def __init__(self, repository: NotificationRepository | None = None) -> None:
        self.repo = repository or NotificationRepository()

    def page(self, user_id: str, limit: int, cursor: str | None) -> FeedPage:
        items, next_cursor, unread = self.repo.feed_page(user_id, limit, cursor)
        return FeedPage(
            items=[
                NoteOut(id=i.note_id, created_at=i.created_at, title=i.title, body=i.body, read=i.read, link=i.link)
                for i in items
            ],
            next_cursor=next_cursor,
            unread=unread,
        )

    def unread(self, user_id: str) -> int:
        return self.repo.unread_count(user_id)

    def sections(self, user_id: str) -> SectionCounters:
        """The menu's counters: one GetItem."""
        counter = self.repo.counter(user_id) or FeedCounter()
        return SectionCounters(
            unread=max(0, int(counter.unread or 0)), sections=NewInSections(**{s: counter.new(s) for s in SECTIONS})
        )

    def section_seen(self, user_id: str, section: str) -> None:
        self.repo.reset_section(user_id, section)

    def mark_read(self, user_id: str, note_id: str) -> None:
        note = FeedItem(feed_key(user_id), note_key(note_id))
        try:
            with transaction() as tx:
                tx.update(
                    note,
                    actions=[FeedItem.read.set(True)],
                    condition=FeedItem.pk.exists() & (FeedItem.read == False),  # noqa: E712 - a PynamoDB condition, not a comparison
                )
                tx.update(FeedCounter(feed_key(user_id), COUNTER), actions=[FeedCounter.unread.add(-1)])
        except TransactWriteError as exc:
            if not is_conditional_failure(exc):
                raise
            if self._exists(user_id, note_id):
                return  # already read: marking again is a no-op
            raise not_found("Уведомление не найдено") from None

    def mark_all_read(self, user_id: str) -> None:
        for note in self.repo.unread_notes(user_id):
            try:
                self.mark_read(user_id, note.note_id)
            except Exception:  # noqa: BLE001 — a note removed meanwhile is not an error here
                continue

    def _exists(self, user_id: str, note_id: str) -> bool:
        try:
            FeedItem.get(feed_key(user_id), note_key(note_id))
            return True
        except FeedItem.DoesNotExist:
            return False
