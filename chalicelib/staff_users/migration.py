"""Data migration of issue 11: employees stored before staff became a realm of their own.

Such an employee has login/e-mail/phone keys and claims in the consumers' namespace and no entry in
the staff list. Each one, in one transaction: the keys move to the staff namespace
(accounts/repository.py STAFF_KEY_PREFIX), the old claims are released and staff claims written, the
role is kept (operator, engineer and admin are still roles, see accounts/principal.py) and becomes
`staff_roles`, and the employee joins the staff list. Sessions are kept: tokens name the user id.

One-off and idempotent: a Scan (a post-deploy step with the operator's credentials, not a request
path) finds employees whose login key lacks the prefix; the update is conditional on that, so a
second run finds nothing to do.

    python -m chalicelib.staff_users.migration
"""

from __future__ import annotations

import logging

from pynamodb.exceptions import TransactWriteError

from chalicelib.accounts.principal import STAFF_ROLES
from chalicelib.accounts.provisioning import identity_keys
from chalicelib.accounts.repository import (
    STAFF_DIRECTORY,
    STAFF_KEY_PREFIX,
    ClaimItem,
    StaffDirectoryItem,
    UserItem,
    claim_key,
    user_key,
)
from chalicelib.core.dynamo import transaction

logger = logging.getLogger("kabinet.migrations")


def migrate_staff_realm() -> int:
    """Move every employee of before into the staff realm; returns how many were moved."""
    condition = (
        (UserItem.sk == "PROFILE")
        & UserItem.role.is_in(*sorted(STAFF_ROLES))
        & ~UserItem.login_key.startswith(STAFF_KEY_PREFIX)
    )
    moved = 0
    for user in UserItem.scan(condition, page_size=200):
        keys = identity_keys(user.login, user.email, user.phone, staff=True)
        try:
            with transaction() as tx:
                tx.update(
                    user,
                    actions=[
                        UserItem.login_key.set(keys["login"]),
                        UserItem.email_key.set(keys["email"]),
                        UserItem.phone_key.set(keys["phone"]),
                        UserItem.staff_roles.set({user.role}),
                    ],
                    condition=UserItem.login_key == user.login_key,
                )
                for kind in ("login", "email", "phone"):
                    tx.delete(
                        ClaimItem(claim_key(kind, getattr(user, f"{kind}_key")), "CLAIM"),
                        condition=ClaimItem.user_id == user.user_id,
                    )
                    tx.save(
                        ClaimItem(claim_key(kind, keys[kind]), "CLAIM", user_id=user.user_id, confirmed=True),
                        condition=ClaimItem.pk.does_not_exist(),
                    )
                tx.save(StaffDirectoryItem(STAFF_DIRECTORY, user_key(user.user_id), user_id=user.user_id))
        except TransactWriteError:
            # Changed meanwhile, or a staff claim is already held: left for a look by hand, and said so.
            logger.warning("employee %s not moved to the staff realm; check its claims", user.user_id)
            continue
        moved += 1
    logger.info("moved %d employees to the staff realm", moved)
    return moved


def main() -> None:
    logging.basicConfig(level=logging.INFO)
    migrate_staff_realm()


if __name__ == "__main__":
    main()
