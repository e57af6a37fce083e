"""Who is calling: the authenticated user of a request."""

from __future__ import annotations

from dataclasses import dataclass

from .repository import UserItem

# The console's queues, one role each; an employee may hold several (UserItem.staff_roles).
# The stored values of before (operator, engineer, admin) are kept with their meaning narrowed to
# one queue, so no stored user needed its role rewritten.
ADMIN = "admin"
OPERATOR = "operator"  # appeals, service requests, access to contracts, outages
ENGINEER = "engineer"  # grid connection
METERING = "metering"  # АИИС КУЭ: agents, meters, 80020
BILLING = "billing"  # exchange with billing
STAFF_ROLES = frozenset({ADMIN, OPERATOR, ENGINEER, METERING, BILLING})


@dataclass(frozen=True)
class Principal:
    user: UserItem
    session_id: str

    @property
    def user_id(self) -> str:
        return self.user.user_id

    @property
    def role(self) -> str:
        """The primary role (recorded in the audit); `roles` is the full set."""
        return self.user.role

    @property
    def roles(self) -> frozenset[str]:
        return staff_roles_of(self.user)

    @property
    def is_staff(self) -> bool:
        return self.user.role in STAFF_ROLES

    def has_any(self, roles: tuple[str, ...] | frozenset[str]) -> bool:
        return bool(self.roles & set(roles))


def staff_roles_of(user: UserItem) -> frozenset[str]:
    if user.role not in STAFF_ROLES:
        return frozenset()
    return frozenset(user.staff_roles or ()) | {user.role}


def primary_role(roles: set[str] | frozenset[str]) -> str:
    """The role stored in `UserItem.role`: administrator first, then a fixed order."""
    for role in (ADMIN, OPERATOR, ENGINEER, METERING, BILLING):
        if role in roles:
            return role
    raise ValueError("no staff role")
