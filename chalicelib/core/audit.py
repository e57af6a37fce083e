"""Audit trail of staff actions: written in the same transaction as the action it records.

Access patterns: by target (`by_target`: everything done to one appeal, outage, …) and by actor
(`by_actor`: what one employee did), both newest first; by day (pk) for exports.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC
from typing import Any, Protocol

from pynamodb.attributes import MapAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from . import clock
from .dynamo import table_meta


class _ByTarget(GlobalSecondaryIndex["AuditItem"]):
    class Meta:
        index_name = "by_target"
        projection = AllProjection()

    target_pk = UnicodeAttribute(hash_key=True)
    at = UnicodeAttribute(range_key=True)


class _ByActor(GlobalSecondaryIndex["AuditItem"]):
    class Meta:
        index_name = "by_actor"
        projection = AllProjection()

    actor_pk = UnicodeAttribute(hash_key=True)
    at = UnicodeAttribute(range_key=True)


class AuditItem(Model):
    Meta = table_meta("audit")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    at = UnicodeAttribute()
    actor_pk = UnicodeAttribute()
    actor_login = UnicodeAttribute()
    role = UnicodeAttribute()
    action = UnicodeAttribute()
    target_pk = UnicodeAttribute()
    details: MapAttribute[str, Any] = MapAttribute(default=dict)

    by_target = _ByTarget()
    by_actor = _ByActor()


class Actor(Protocol):
    """What the audit needs of a principal (chalicelib.accounts.principal.Principal fits)."""

    @property
    def user_id(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def user(self) -> Any: ...


@dataclass(frozen=True)
class AuditEntry:
    at: str
    actor_login: str
    role: str
    action: str
    target: str
    details: dict[str, Any]


def record(
    tx: Any, actor: Actor, action: str, target_kind: str, target_id: str, details: dict[str, Any] | None = None
) -> None:
    """Add the audit item to the caller's TransactWrite: no action without its record."""
    # Microseconds: the indexes sort by `at`, and one employee often acts twice within a second.
    now = clock.now().astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    tx.save(
        AuditItem(
            f"AUDIT#{now[:10]}",
            f"{now}#{secrets.token_hex(6)}",
            at=now,
            actor_pk=f"ACTOR#{actor.user_id}",
            actor_login=actor.user.login,
            role=actor.role,
            action=action,
            target_pk=f"TARGET#{target_kind}#{target_id}",
            details=details or {},
        )
    )


def for_target(target_kind: str, target_id: str, limit: int = 100) -> list[AuditEntry]:
    return [
        _entry(i)
        for i in AuditItem.by_target.query(f"TARGET#{target_kind}#{target_id}", scan_index_forward=False, limit=limit)
    ]


def by_actor(user_id: str, limit: int = 100) -> list[AuditEntry]:
    return [_entry(i) for i in AuditItem.by_actor.query(f"ACTOR#{user_id}", scan_index_forward=False, limit=limit)]


def _entry(item: AuditItem) -> AuditEntry:
    return AuditEntry(
        at=item.at,
        actor_login=item.actor_login,
        role=item.role,
        action=item.action,
        target=item.target_pk.removeprefix("TARGET#"),
        details=item.details.as_dict(),
    )
