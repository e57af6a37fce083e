"""Paging a staff queue: the cases table's `by_queue` index (queue_pk, updated_at), whatever kind of case.

The cursor a client gets is the last row's change time and case id, «2026-11-05T09:30:00Z_<id>». The next
page's start key is built here from a cursor that matched that form, so a client never hands DynamoDB a
key it wrote (a forged key would be a 500 there, or a page of another queue).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from chalicelib.core.errors import field_error

_CURSOR_BODY = r"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?Z)_([0-9a-f]{32})"
_CURSOR = re.compile(f"^{_CURSOR_BODY}$")
# What a query's `cursor` field documents: a cursor, or empty for the first page (the check itself is
# `queue_start_key`'s, with its Russian message).
CURSOR_SCHEMA: dict[str, Any] = {"pattern": f"^(?:{_CURSOR_BODY})?$"}


def queue_cursor(last_key: dict[str, Any]) -> str:
    """The cursor of the page after the one whose last evaluated key (DynamoDB's raw form) this is."""
    case_id = last_key["pk"]["S"].split("#", 1)[1]
    return f"{last_key['updated_at']['S']}_{case_id}"


def queue_start_key(
    cursor: str | None, *, queue_pk: str, case_pk: Callable[[str], str], sk: str
) -> dict[str, Any] | None:
    """The start key of the page a cursor names, or None for the first page; 422 on `cursor` for anything
    that is not a cursor this module made."""
    if not cursor:
        return None
    found = _CURSOR.match(cursor)
    if not found:
        raise field_error("cursor", "Недействительная ссылка на страницу")
    updated_at, case_id = found.groups()
    return {
        "pk": {"S": case_pk(case_id)},
        "sk": {"S": sk},
        "queue_pk": {"S": queue_pk},
        "updated_at": {"S": updated_at},
    }
