"""New-event counters on the menu sections (seed 004 §4.1: «на пунктах главного меню появляются индикаторы
с указанием количества новых событий»).

A feed entry belongs to the section of its template's link («#/appeals» → appeals), whatever exact page
its own link opens. Its counter is one attribute of the user's feed counter item, added to in the
transaction that writes the entry, and set to zero when the user opens the section: the menu's counts
are one GetItem. Sections that no template links to have no counter (the home page, «Уведомления»,
which shows the unread count, and «Профиль», whose entries are the user's own changes).
"""

from __future__ import annotations

from typing import Literal, get_args

Section = Literal["accounts", "readings", "appeals", "connection", "outages"]
SECTIONS: tuple[Section, ...] = get_args(Section)


def section_of(link: str | None) -> str | None:
    """The counted section a site link belongs to: "#/accounts/request?x=1" → "accounts"."""
    if not link or not link.startswith("#/"):
        return None
    first = link[2:].split("?", 1)[0].split("/", 1)[0]
    return first if first in SECTIONS else None
