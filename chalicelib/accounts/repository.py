"""The identity table: users, uniqueness claims, confirmation links and reset codes.

Access patterns (keys in infra/resources.yaml):
- user by id ............ GetItem  pk=USER#<id>, sk=PROFILE
- user by login/e-mail/phone: Query on GSI by_login/by_email/by_phone (one call, sign-in)
- uniqueness of login, e-mail, phone: claim items pk=CLAIM#<kind>#<key>, written in the same
  transaction as the user with attribute_not_exists (a GSI cannot enforce uniqueness)
- confirmation link ..... pk=CONFIRM#<sha256(token)>; a pending user keeps the digest of its one
  live registration link (`confirm_digest`), so a resent link can delete and outlive the previous one
- password-reset code ... pk=USER#<id>, sk=RESET
- new-phone SMS code .... pk=USER#<id>, sk=PHONE (the number awaiting confirmation and the code's digest)
- employees ............. Query pk=STAFF (one StaffDirectoryItem each, sk=USER#<id>); their identity keys
  and claims are in the staff namespace (STAFF_KEY_PREFIX), apart from consumers'
Unconfirmed registrations carry `ttl` so abandoned ones free their login, e-mail and phone.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pynamodb.attributes import BooleanAttribute, MapAttribute, NumberAttribute, UnicodeAttribute, UnicodeSetAttribute
from pynamodb.exceptions import UpdateError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.core.dynamo import is_conditional_failure, table_meta

PROFILE = "PROFILE"


class _ByLogin(GlobalSecondaryIndex["UserItem"]):
    class Meta:
        index_name = "by_login"
        projection = AllProjection()

    login_key = UnicodeAttribute(hash_key=True)


class _ByEmail(GlobalSecondaryIndex["UserItem"]):
    class Meta:
        index_name = "by_email"
        projection = AllProjection()

    email_key = UnicodeAttribute(hash_key=True)


class _ByPhone(GlobalSecondaryIndex["UserItem"]):
    class Meta:
        index_name = "by_phone"
        projection = AllProjection()

    phone_key = UnicodeAttribute(hash_key=True)


class UserItem(Model):
    Meta = table_meta("identity")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default=PROFILE)
    ttl = NumberAttribute(null=True)

    user_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    role = UnicodeAttribute(default="consumer")
    status = UnicodeAttribute()  # "pending" until the e-mail is confirmed, then "active"
    login = UnicodeAttribute()
    login_key = UnicodeAttribute()
    email = UnicodeAttribute()
    email_key = UnicodeAttribute()
    pending_email = UnicodeAttribute(null=True)
    # Pending accounts: digest of the only registration link that may complete them (see resend).
    confirm_digest = UnicodeAttribute(null=True)
    phone = UnicodeAttribute()
    phone_key = UnicodeAttribute()
    profile: MapAttribute[str, Any] = MapAttribute(
        default=dict
    )  # kind-specific fields, address, passport, ЕГРЮЛ record
    consent: MapAttribute[str, Any] = MapAttribute(default=dict)  # {"version", "accepted_at", "ip"}
    password_hash = UnicodeAttribute()
    token_version = NumberAttribute(default=0)
    failed_logins = NumberAttribute(default=0)
    locked_until = NumberAttribute(default=0)
    # Active refresh sessions, in the user item so `me` and sign-in stay one item:
    # {sid: {"digest", "expires", "remember"}}
    sessions: MapAttribute[str, Any] = MapAttribute(default=dict)
    # Meters the user has linked (written with the link items): the guard's GetItem already
    # answers "may this user see meter X", so meter routes need no extra read for ownership.
    meter_ids = UnicodeSetAttribute(null=True)
    # Meters whose АИИС КУЭ data this account has connected (per account, seed 000), for the same reason.
    aiis_meter_ids = UnicodeSetAttribute(null=True)
    created_at = UnicodeAttribute()
    # Channels of scheduled notices (reading window, verification): {"email", "sms", "reading_reminders"};
    # absent = the defaults of accounts/models.NotificationChoices, so stored accounts need no migration.
    notify: MapAttribute[str, Any] = MapAttribute(null=True)
    # Set when the account is closed (accounts/privacy.py): the item is then a tombstone without personal data.
    closed_at = UnicodeAttribute(null=True)
    # Employees only (chalicelib/staff_users): all their roles (`role` holds the primary one) and the
    # last sign-in. Their login/e-mail/phone keys carry STAFF_KEY_PREFIX.
    staff_roles = UnicodeSetAttribute(null=True)
    last_login_at = UnicodeAttribute(null=True)

    by_login = _ByLogin()
    by_email = _ByEmail()
    by_phone = _ByPhone()


class ClaimItem(Model):
    Meta = table_meta("identity")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default="CLAIM")
    ttl = NumberAttribute(null=True)
    user_id = UnicodeAttribute()
    confirmed = BooleanAttribute(default=False)


class ConfirmItem(Model):
    Meta = table_meta("identity")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default="CONFIRM")
    ttl = NumberAttribute()
    user_id = UnicodeAttribute()
    purpose = UnicodeAttribute()  # "registration" | "email_change"
    email = UnicodeAttribute()


class ResetItem(Model):
    Meta = table_meta("identity")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default="RESET")
    ttl = NumberAttribute()
    code_digest = UnicodeAttribute()
    attempts = NumberAttribute(default=0)


class PhoneChangeItem(Model):
    Meta = table_meta("identity")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default="PHONE")
    ttl = NumberAttribute()
    phone = UnicodeAttribute()
    code_digest = UnicodeAttribute()
    attempts = NumberAttribute(default=0)


# Staff identities live in their own key namespace (GSI keys and uniqueness claims), so an
# employee's e-mail, phone or login may also belong to a consumer account. Consumer keys cannot
# contain ":" (see identifiers.py), so the two never meet.
STAFF_KEY_PREFIX = "staff:"


def staff_identity_key(key: str) -> str:
    return f"{STAFF_KEY_PREFIX}{key}"


class StaffDirectoryItem(Model):
    """One per employee in the partition STAFF: the employee list is one Query, never a Scan."""

    Meta = table_meta("identity")
    pk = UnicodeAttribute(hash_key=True, default="STAFF")
    sk = UnicodeAttribute(range_key=True)  # USER#<id>
    user_id = UnicodeAttribute()


STAFF_DIRECTORY = "STAFF"


def user_key(user_id: str) -> str:
    return f"USER#{user_id}"


def claim_key(kind: str, key: str) -> str:
    return f"CLAIM#{kind}#{key}"


def confirm_key(digest: str) -> str:
    return f"CONFIRM#{digest}"


class UserRepository:
    """All reads and writes of identity items. Writes that must not race are conditional."""

    def get(self, user_id: str) -> UserItem | None:
        try:
            return UserItem.get(user_key(user_id), PROFILE, consistent_read=True)
        except UserItem.DoesNotExist:
            return None

    def find_by_identifier(self, kind: str, key: str) -> UserItem | None:
        index = {"login": UserItem.by_login, "email": UserItem.by_email, "phone": UserItem.by_phone}[kind]
        candidates = list(index.query(key, limit=2))
        # A confirmed account wins over an abandoned registration that has not expired yet.
        candidates.sort(key=lambda u: u.status != "active")
        return candidates[0] if candidates else None

    def claims(self, keys: Iterable[str]) -> dict[str, ClaimItem]:
        return {c.pk: c for c in ClaimItem.batch_get([(k, "CLAIM") for k in keys])}

    def get_claim(self, key: str) -> ClaimItem | None:
        try:
            return ClaimItem.get(key, "CLAIM", consistent_read=True)
        except ClaimItem.DoesNotExist:
            return None

    def get_confirm(self, digest: str) -> ConfirmItem | None:
        try:
            return ConfirmItem.get(confirm_key(digest), "CONFIRM", consistent_read=True)
        except ConfirmItem.DoesNotExist:
            return None

    def get_reset(self, user_id: str) -> ResetItem | None:
        try:
            return ResetItem.get(user_key(user_id), "RESET", consistent_read=True)
        except ResetItem.DoesNotExist:
            return None

    def get_phone_change(self, user_id: str) -> PhoneChangeItem | None:
        try:
            return PhoneChangeItem.get(user_key(user_id), "PHONE", consistent_read=True)
        except PhoneChangeItem.DoesNotExist:
            return None

    def update(self, user: UserItem, actions: list[Any], condition: Any = None) -> bool:
        """Conditional update; False when the condition no longer holds (a concurrent change)."""
        try:
            user.update(actions=actions, condition=condition)
            return True
        except UpdateError as exc:
            if is_conditional_failure(exc):
                return False
            raise
