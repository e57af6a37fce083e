"""Who is calling: the authenticated user of a request."""
from __future__ import annotations

from dataclasses import dataclass

from .repository import UserItem

STAFF_ROLES = frozenset({"operator", "engineer", "admin"})


@dataclass(frozen=True)
class Principal:
    user: UserItem
    session_id: str

    @property
    def user_id(self) -> str:
        return self.user.user_id

    @property
    def role(self) -> str:
        return self.user.role

    @property
    def is_staff(self) -> bool:
        return self.user.role in STAFF_ROLES
