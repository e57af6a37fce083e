"""Reading and editing the profile (`me`)."""
from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any, Optional

from pynamodb.exceptions import TransactWriteError

from chalicelib.core import clock
from chalicelib.core.config import Settings, get_settings
from chalicelib.core.errors import FieldError, conflict, validation_error
from chalicelib.core.dynamo import transaction
from chalicelib.notifications import outbox

from .identifiers import email_key
from .models import Profile, ProfileUpdate
from .principal import Principal
from .repository import ClaimItem, ConfirmItem, UserItem, UserRepository, claim_key, confirm_key
from .tokens import secret_digest

PERSON_FIELDS = ("last_name", "first_name", "middle_name", "passport")
ORG_FIELDS = ("short_name", "full_name", "head_name", "egr_record")
# Given at registration and never removable; the others (patronymic, passport, ЕГРЮЛ record) may be cleared.
REQUIRED_FIELDS = ("email", "phone", "address", "last_name", "first_name", "short_name", "full_name", "head_name")


def to_profile(user: UserItem) -> Profile:
    data = user.profile.as_dict() if user.profile else {}
    return Profile(id=user.user_id, kind=user.kind, role=user.role, login=user.login, email=user.email,
                   email_confirmed=user.status == "active", pending_email=user.pending_email,
                   phone=user.phone, created_at=user.created_at, **data)


class ProfileService:
    def __init__(self, repository: Optional[UserRepository] = None, settings: Optional[Settings] = None) -> None:
        self.repo = repository or UserRepository()
        self.settings = settings or get_settings()

    def update(self, principal: Principal, change: ProfileUpdate) -> Profile:
        user = principal.user
        allowed = PERSON_FIELDS if user.kind == "person" else ORG_FIELDS
        foreign = [f for f in PERSON_FIELDS + ORG_FIELDS if f not in allowed and f in change.model_fields_set]
        if foreign:
            raise validation_error([FieldError(f, "Поле не относится к Вашему виду учётной записи")
                                    for f in foreign])
        cleared = [f for f in REQUIRED_FIELDS if f in change.model_fields_set and getattr(change, f) is None]
        if cleared:
            raise validation_error([FieldError(f, "Обязательное поле") for f in cleared])
        profile_fields = {f: getattr(change, f) for f in (*allowed, "address") if f in change.model_fields_set}
        actions: list[Any] = [UserItem.profile[name].set(_plain(value)) for name, value in profile_fields.items()]
        notes: list[outbox.Notification] = []
        try:
            with transaction() as tx:
                if change.phone and change.phone != user.phone:
                    self._move_claim(tx, user, "phone", user.phone_key, change.phone)
                    actions += [UserItem.phone.set(change.phone), UserItem.phone_key.set(change.phone)]
                if change.email and email_key(change.email) != user.email_key:
                    note = self._request_email_change(tx, user, change.email)
                    actions.append(UserItem.pending_email.set(change.email))
                    notes.append(note)
                if actions:
                    tx.update(user, actions=actions, condition=UserItem.token_version == user.token_version)
        except TransactWriteError:
            raise conflict("Телефон уже используется другой учётной записью",
                           [FieldError("phone", "Этот номер уже используется")]) from None
        outbox.dispatch(notes)
        refreshed = self.repo.get(user.user_id)
        assert refreshed is not None
        return to_profile(refreshed)

    def _move_claim(self, tx: Any, user: UserItem, kind: str, old_key: str, new_key: str) -> None:
        now = clock.epoch(clock.now())
        tx.save(ClaimItem(claim_key(kind, new_key), "CLAIM", user_id=user.user_id, confirmed=True),
                condition=ClaimItem.pk.does_not_exist() | (ClaimItem.ttl < now))
        tx.delete(ClaimItem(claim_key(kind, old_key), "CLAIM"), condition=ClaimItem.user_id == user.user_id)

    def _request_email_change(self, tx: Any, user: UserItem, new_email: str) -> outbox.Notification:
        """The new address takes effect only once its owner follows the link sent to it."""
        token = secrets.token_urlsafe(32)
        expires = clock.now() + timedelta(hours=self.settings.confirmation_hours)
        tx.save(ConfirmItem(confirm_key(secret_digest(token)), "CONFIRM", ttl=clock.epoch(expires),
                            user_id=user.user_id, purpose="email_change", email=new_email))
        note = outbox.Notification(
            "email_change_confirm",
            {"confirm_url": f"{self.settings.site_url}/#/confirm?token={token}",
             "hours": str(self.settings.confirmation_hours)},
            user_id=user.user_id, email=new_email)
        outbox.stage(tx, note)
        return note


def _plain(value: Any) -> Any:
    return value.model_dump(mode="json") if hasattr(value, "model_dump") else value
