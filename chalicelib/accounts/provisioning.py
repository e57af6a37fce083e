"""Accounts created by the company rather than by self-registration: staff, and demo data."""
from __future__ import annotations

import uuid
from typing import Any

from chalicelib.core import clock
from chalicelib.core.dynamo import transaction

from .identifiers import email_key
from .passwords import hash_password
from .repository import ClaimItem, UserItem, claim_key, user_key


def create_active_user(*, login: str, password: str, email: str, phone: str, kind: str, role: str,
                       profile: dict[str, Any]) -> str:
    """An active account with its uniqueness claims, in one transaction. Fails if any is taken."""
    user_id = str(uuid.uuid4())
    keys = {"login": login.lower(), "email": email_key(email), "phone": phone}
    now = clock.now()
    with transaction() as tx:
        tx.save(UserItem(user_key(user_id), "PROFILE", user_id=user_id, kind=kind, role=role, status="active",
                         login=login, login_key=keys["login"], email=email, email_key=keys["email"], phone=phone,
                         phone_key=phone, profile=profile,
                         consent={"version": "company", "accepted_at": clock.iso(now), "ip": "-"},
                         password_hash=hash_password(password), created_at=clock.iso(now)),
                condition=UserItem.pk.does_not_exist())
        for kind_, key in keys.items():
            tx.save(ClaimItem(claim_key(kind_, key), "CLAIM", user_id=user_id, confirmed=True),
                    condition=ClaimItem.pk.does_not_exist())
    return user_id
