"""Information pages in the reference table (its own key prefixes, next to the street directory).

Access patterns:
- all pages ........... Query pk=PAGES (a handful of items: the current text of each saved page)
- one page ............ GetItem pk=PAGES, sk=PAGE#<slug>
- agreement version ... GetItem pk=AGREEMENT, sk=V#<000001>: every saved edition of the agreement is kept
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist
from pynamodb.models import Model

from chalicelib.core.dynamo import table_meta

PAGES_PK = "PAGES"
AGREEMENT_PK = "AGREEMENT"


def page_sk(slug: str) -> str:
    return f"PAGE#{slug}"


def version_sk(version: int) -> str:
    return f"V#{version:06d}"


class PageItem(Model):
    """A page's current text (pk=PAGES) and an edition of the agreement (pk=AGREEMENT) share this shape."""

    Meta = table_meta("reference")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    slug = UnicodeAttribute()
    title = UnicodeAttribute()
    markdown = UnicodeAttribute()
    html = UnicodeAttribute()
    version = NumberAttribute()
    updated_at = UnicodeAttribute()
    updated_by = UnicodeAttribute()


@dataclass(frozen=True)
class Page:
    slug: str
    title: str
    markdown: str
    html: str
    version: int
    updated_at: str | None  # None: the default text, never saved
    updated_by: str = ""


def _page(item: PageItem) -> Page:
    return Page(
        item.slug, item.title, item.markdown, item.html, int(item.version), item.updated_at or None, item.updated_by
    )


def _item(pk: str, sk: str, page: Page) -> PageItem:
    return PageItem(
        pk,
        sk,
        slug=page.slug,
        title=page.title,
        markdown=page.markdown,
        html=page.html,
        version=page.version,
        updated_at=page.updated_at or "",
        updated_by=page.updated_by,
    )


class PageRepository:
    def saved(self) -> dict[str, Page]:
        return {i.slug: _page(i) for i in PageItem.query(PAGES_PK)}

    def get(self, slug: str) -> Page | None:
        try:
            return _page(PageItem.get(PAGES_PK, page_sk(slug)))
        except DoesNotExist:
            return None

    def agreement_version(self, version: int) -> Page | None:
        try:
            return _page(PageItem.get(AGREEMENT_PK, version_sk(version)))
        except DoesNotExist:
            return None

    def save(self, tx: Any, page: Page, replaces: int | None) -> None:
        """Add to the caller's transaction; fails there if the current version is not `replaces`
        (None: the page must not be saved yet)."""
        condition = PageItem.pk.does_not_exist() if replaces is None else PageItem.version == replaces
        tx.save(_item(PAGES_PK, page_sk(page.slug), page), condition=condition)

    def keep_agreement(self, tx: Any, page: Page) -> None:
        tx.save(_item(AGREEMENT_PK, version_sk(page.version), page), condition=PageItem.pk.does_not_exist())
