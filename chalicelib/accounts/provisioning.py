"""Accounts created by the company rather than by self-registration: staff, and demo data."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from contextlib import nullcontext
from typing import Any

from chalicelib.core import clock
from chalicelib.core.dynamo import transaction

from .identifiers import email_key
from .passwords import hash_password
from .principal import STAFF_ROLES, primary_role
from .repository import (
    STAFF_DIRECTORY,
    ClaimItem,
    StaffDirectoryItem,
    UserItem,
    claim_key,
    staff_identity_key,
    user_key,
)


def identity_keys(login: str, email: str, phone: str, staff: bool) -> dict[str, str]:
    """Look-up and uniqueness keys of an account; an employee's are in the staff namespace."""
    keys = {"login": login.lower(), "email": email_key(email), "phone": phone}
    return {kind: staff_identity_key(key) for kind, key in keys.items()} if staff else keys


def create_active_user(
    *,
    login: str,
    password: str,
    email: str,
    phone: str,
    kind: str,
    role: str,
    profile: dict[str, Any],
    roles: Iterable[str] | None = None,
    tx: Any = None,
    status: str = "active",
    user_id: str | None = None,
    confirm_digest: str | None = None,
) -> str:
    """An account with its uniqueness claims, in one transaction (the caller's, if given). Fails if
    any is taken. A staff role makes an employee: staff keys, all `roles`, an entry in the staff list.
    `confirm_digest`: the one password link that may activate an invited employee."""
    user_id = user_id or str(uuid.uuid4())
    staff = role in STAFF_ROLES
    all_roles = set(roles or ()) | {role} if staff else set()
    keys = identity_keys(login, email, phone, staff)
    now = clock.now()
    with transaction() if tx is None else nullcontext(tx) as tx_:
        tx_.save(
            UserItem(
                user_key(user_id),
                "PROFILE",
                user_id=user_id,
                kind=kind,
                role=primary_role(all_roles) if staff else role,
                status=status,
                staff_roles=all_roles or None,
                confirm_digest=confirm_digest,
                login=login,
                login_key=keys["login"],
                email=email,
                email_key=keys["email"],
                phone=phone,
                phone_key=keys["phone"],
                profile=profile,
                consent={"version": "company", "accepted_at": clock.iso(now), "ip": "-"},
                password_hash=hash_password(password),
                created_at=clock.iso(now),
            ),
            condition=UserItem.pk.does_not_exist(),
        )
        for kind_, key in keys.items():
            tx_.save(
                ClaimItem(claim_key(kind_, key), "CLAIM", user_id=user_id, confirmed=True),
                condition=ClaimItem.pk.does_not_exist(),
            )
        if staff:
            tx_.save(StaffDirectoryItem(STAFF_DIRECTORY, user_key(user_id), user_id=user_id))
    return user_id
