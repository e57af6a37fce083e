"""Markdown → safe HTML, once, when staff save a page (pure).

markdown-it-py renders with raw HTML off (tags typed in the text come out as text) and refuses
`javascript:`-style links itself; nh3 then allows only the tags and link schemes a help page needs,
so a page can carry no script whatever the renderer lets through.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

_TAGS = {
    "p",
    "br",
    "hr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "em",
    "s",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"style"}, "td": {"style"}}
# Relative links (`#/info/help/readings`) pass; absolute ones only with these schemes.
_SCHEMES = {"http", "https", "mailto", "tel"}


@lru_cache(maxsize=1)
def _renderer() -> Any:
    # Imported on the first render, not by every cold start that imports the pages service.
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


def to_html(markdown: str) -> str:
    import nh3

    return nh3.clean(
        _renderer().render(markdown),
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=_SCHEMES,
        link_rel="noopener noreferrer",
        filter_style_properties={"text-align"},
    )
