"""Information pages: reading (public) and saving by staff (audited; the agreement keeps every edition)."""

from __future__ import annotations

from typing import Any

from chalicelib.accounts.principal import Principal
from chalicelib.core import audit, clock
from chalicelib.core.dynamo import conflict_on_condition, transaction
from chalicelib.core.errors import conflict, forbidden, not_found
from chalicelib.settings import company

from .catalogue import AGREEMENT, EDITORS, HELP_EDITORS, PAGES, PageDef
from .models import PageIn, PageList, PageOut, PageSource, PageSummary
from .render import to_html
from .repository import Page, PageRepository

NO_PAGE = "Такой страницы нет"
EDITED_MEANWHILE = "Страницу уже изменил другой сотрудник. Откройте её заново, чтобы не потерять правки"


def default_page(definition: PageDef) -> Page:
    markdown = definition.markdown
    if "{company}" in markdown:  # the name from the company settings (cached): only these pages need it
        markdown = markdown.replace("{company}", company().requisites.name)
    return Page(definition.slug, definition.title, markdown, to_html(markdown), 1, None)


def _summary(definition: PageDef, page: Page) -> dict[str, Any]:
    return {
        "slug": page.slug,
        "kind": definition.kind,
        "title": page.title,
        "version": page.version,
        "updated_at": page.updated_at,
    }


class PageService:
    def __init__(self, repository: PageRepository | None = None) -> None:
        self.repo = repository or PageRepository()

    def _definition(self, slug: str) -> PageDef:
        definition = PAGES.get(slug)
        if definition is None:
            raise not_found(NO_PAGE)
        return definition

    def _current(self, slug: str) -> tuple[PageDef, Page]:
        definition = self._definition(slug)
        return definition, self.repo.get(slug) or default_page(definition)

    def list(self) -> PageList:
        saved = self.repo.saved()
        return PageList(
            items=[PageSummary(**_summary(d, saved.get(slug) or default_page(d))) for slug, d in PAGES.items()]
        )

    def page(self, slug: str) -> PageOut:
        definition, page = self._current(slug)
        return PageOut(**_summary(definition, page), html=page.html)

    def source(self, slug: str) -> PageSource:
        definition, page = self._current(slug)
        return PageSource(**_summary(definition, page), html=page.html, markdown=page.markdown)

    def agreement_version(self, version: int) -> PageOut:
        page = self.repo.agreement_version(version)
        if page is None and version == 1 and self.repo.get(AGREEMENT) is None:
            page = default_page(PAGES[AGREEMENT])
        if page is None:
            raise not_found("Такой редакции соглашения нет")
        return PageOut(**_summary(PAGES[AGREEMENT], page), html=page.html)

    def current_agreement_version(self) -> int:
        page = self.repo.get(AGREEMENT)
        return page.version if page else 1

    def save(self, actor: Principal, slug: str, page_in: PageIn) -> PageSource:
        definition = self._definition(slug)
        if not actor.has_any(HELP_EDITORS if definition.kind == "help" else EDITORS):
            raise forbidden("Соглашение и контакты изменяет администратор")
        stored = self.repo.get(slug)
        current = stored or default_page(definition)
        if page_in.version != current.version:
            raise conflict("Страницу уже изменил другой сотрудник. Откройте её заново, чтобы не потерять правки")
        page = Page(
            slug,
            page_in.title,
            page_in.markdown,
            to_html(page_in.markdown),
            current.version + 1,
            clock.iso(clock.now()),
            actor.user.login,
        )
        with conflict_on_condition(EDITED_MEANWHILE), transaction() as tx:
            self.repo.save(tx, page, stored.version if stored else None)
            if definition.kind == "agreement":
                if stored is None:  # the default edition was shown to people: keep it readable too
                    self.repo.keep_agreement(tx, current)
                self.repo.keep_agreement(tx, page)
            audit.record(tx, actor, "pages.save", "page", slug, {"version": page.version, "title": page.title})
        return PageSource(**_summary(definition, page), html=page.html, markdown=page.markdown)
