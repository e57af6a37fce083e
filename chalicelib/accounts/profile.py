"""Reading and editing the profile (`me`), and changing the phone with an SMS code.

The phone signs in and receives SMS, so a new number is taken only once its owner types the code sent
to it (`request_phone_change` → `confirm_phone_change`); until then the old number and its claim stay.
A new e-mail works the same way with a link; the old address is told of the request at once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Any, cast

from pynamodb.exceptions import TransactWriteError

from chalicelib.core import clock, throttle
from chalicelib.core.config import Settings, get_settings
from chalicelib.core.dynamo import conflict_on_condition, transaction
from chalicelib.core.errors import ApiError, FieldError, conflict, field_error, validation_error
from chalicelib.core.secrets import derived_key
from chalicelib.notifications import outbox

from .identifiers import email_key
from .models import ConsentRecord, Kind, NotificationChoices, Profile, ProfileUpdate, Role
from .principal import Principal, staff_roles_of
from .repository import (
    ClaimItem,
    ConfirmItem,
    PhoneChangeItem,
    UserItem,
    UserRepository,
    claim_key,
    confirm_key,
    user_key,
)
from .tokens import secret_digest

PERSON_FIELDS: tuple[str, ...] = ("last_name", "first_name", "middle_name", "passport")
ORG_FIELDS: tuple[str, ...] = ("short_name", "full_name", "head_name", "egr_record")
COMPANY_FIELDS: tuple[str, ...] = ("kpp",)  # ЮЛ only, not ИП
# Given at registration and never removable; the others (patronymic, passport, ЕГРЮЛ record) may be cleared.
REQUIRED_FIELDS = (
    "email",
    "phone",
    "address",
    "last_name",
    "first_name",
    "short_name",
    "full_name",
    "head_name",
    "kpp",
)

PHONE_CODE_MINUTES = 10
PHONE_CODE_ATTEMPTS = 5
# Codes per account, and per receiving number, per auth window: an account cannot SMS-bomb a number.
PHONE_CODES_PER_WINDOW = 3
PHONE_BY_CODE = (
    "Телефон меняется с подтверждением: код отправляется в СМС на новый номер "
    "(в профиле — блок «Телефон», кнопка «Получить код»)"
)
PHONE_TAKEN = "Этот номер уже используется другой учётной записью"
PHONE_CODE_SENT = "На новый номер отправлен СМС-код. Введите его, чтобы подтвердить смену телефона"
BAD_PHONE_CODE = "Код неверен или устарел. Запросите новый код"


def to_profile(user: UserItem) -> Profile:
    data = user.profile.as_dict() if user.profile else {}
    consent = user.consent.as_dict() if user.consent else {}
    return Profile(
        id=user.user_id,
        # Stored only from validated input (models.Kind, Role).
        kind=cast(Kind, user.kind),
        role=cast(Role, user.role),
        login=user.login,
        email=user.email,
        email_confirmed=user.status == "active",
        pending_email=user.pending_email,
        phone=user.phone,
        created_at=user.created_at,
        consent=(
            ConsentRecord(version=consent["version"], accepted_at=consent.get("accepted_at"))
            if consent.get("version")
            else None
        ),
        roles=cast(list[Role], sorted(staff_roles_of(user))) or None,
        notifications=choices_of(user),
        **data,
    )


def choices_of(user: UserItem) -> NotificationChoices:
    """The account's notice channels; the defaults until it has chosen."""
    return NotificationChoices(**(user.notify.as_dict() if user.notify else {}))


class ProfileService:
    def __init__(self, repository: UserRepository | None = None, settings: Settings | None = None) -> None:
        self.repo = repository or UserRepository()
        self.settings = settings or get_settings()

    def update(self, principal: Principal, change: ProfileUpdate) -> Profile:
        user = principal.user
        allowed = PERSON_FIELDS if user.kind == "person" else ORG_FIELDS
        if user.kind == "company":
            allowed += COMPANY_FIELDS
        foreign = [
            f for f in PERSON_FIELDS + ORG_FIELDS + COMPANY_FIELDS if f not in allowed and f in change.model_fields_set
        ]
        if foreign:
            raise validation_error([FieldError(f, "Поле не относится к Вашему виду учётной записи") for f in foreign])
        cleared = [f for f in REQUIRED_FIELDS if f in change.model_fields_set and getattr(change, f) is None]
        if cleared:
            raise validation_error([FieldError(f, "Обязательное поле") for f in cleared])
        if change.phone and change.phone != user.phone:
            raise field_error("phone", PHONE_BY_CODE)
        profile_fields = {f: getattr(change, f) for f in (*allowed, "address") if f in change.model_fields_set}
        actions: list[Any] = [UserItem.profile[name].set(_plain(value)) for name, value in profile_fields.items()]
        if change.notifications is not None:
            actions.append(UserItem.notify.set(change.notifications.model_dump()))
        notes: list[outbox.Notification] = []
        with (
            conflict_on_condition("Профиль изменён в другом сеансе. Обновите страницу и повторите"),
            transaction() as tx,
        ):
            if change.email and email_key(change.email) != user.email_key:
                notes += self._request_email_change(tx, user, change.email)
                actions.append(UserItem.pending_email.set(change.email))
            if actions:
                tx.update(user, actions=actions, condition=UserItem.token_version == user.token_version)
        outbox.dispatch(notes)
        refreshed = self.repo.get(user.user_id)
        assert refreshed is not None
        return to_profile(refreshed)

    def _request_email_change(self, tx: Any, user: UserItem, new_email: str) -> list[outbox.Notification]:
        """The new address takes effect only once its owner follows the link sent to it; the current
        address is told at once, so a hijacked session cannot move the account's mail unnoticed."""
        token = secrets.token_urlsafe(32)
        expires = clock.now() + timedelta(hours=self.settings.confirmation_hours)
        tx.save(
            ConfirmItem(
                confirm_key(secret_digest(token)),
                "CONFIRM",
                ttl=clock.epoch(expires),
                user_id=user.user_id,
                purpose="email_change",
                email=new_email,
            )
        )
        notes = [
            outbox.Notification(
                "email_change_confirm",
                {
                    "confirm_url": f"{self.settings.site_url}/#/confirm?token={token}",
                    "hours": str(self.settings.confirmation_hours),
                },
                user_id=user.user_id,
                email=new_email,
            ),
            outbox.Notification(
                "email_change_requested", {"new_email": mask_email(new_email)}, user_id=user.user_id, email=user.email
            ),
        ]
        for note in notes:
            outbox.stage(tx, note)
        return notes

    # --- the phone, confirmed by an SMS code -----------------------------------------------------
    def request_phone_change(self, principal: Principal, phone: str) -> int:
        """Send a code to `phone`; a new request replaces the previous code. Returns its lifetime (s)."""
        user = principal.user
        if phone == user.phone:
            raise field_error("phone", "Это Ваш текущий номер")
        window = self.settings.auth_window_seconds
        throttle.hit("phone-code", user.user_id, PHONE_CODES_PER_WINDOW, window)
        throttle.hit("phone-code-to", phone, PHONE_CODES_PER_WINDOW, window)
        if self._taken(user, phone):
            raise conflict(PHONE_TAKEN, [FieldError("phone", PHONE_TAKEN)])
        code = f"{secrets.randbelow(10**6):06d}"
        lifetime = PHONE_CODE_MINUTES * 60
        # SMS only, to the new number: whoever holds it proves it by typing the code.
        note = outbox.Notification(
            "phone_change_code", {"code": code, "minutes": str(PHONE_CODE_MINUTES)}, user_id=user.user_id, phone=phone
        )
        with transaction() as tx:
            tx.save(
                PhoneChangeItem(
                    user_key(user.user_id),
                    "PHONE",
                    ttl=clock.epoch(clock.now()) + lifetime,
                    phone=phone,
                    code_digest=_phone_code_digest(user.user_id, phone, code),
                    attempts=0,
                )
            )
            outbox.stage(tx, note)
        outbox.dispatch([note])
        return lifetime

    def confirm_phone_change(self, principal: Principal, code: str) -> Profile:
        user = principal.user
        pending = self.repo.get_phone_change(user.user_id)
        if pending is None or int(pending.ttl) <= clock.epoch(clock.now()):
            raise _bad_code()
        digest = _phone_code_digest(user.user_id, pending.phone, code)
        if not hmac.compare_digest(digest, pending.code_digest):
            if int(pending.attempts) + 1 >= PHONE_CODE_ATTEMPTS:
                pending.delete()  # spent: too many guesses
            else:
                pending.update(actions=[PhoneChangeItem.attempts.add(1)])
            raise _bad_code()
        if self._taken(user, pending.phone):  # taken by someone else since the code was sent
            pending.delete()
            raise conflict(PHONE_TAKEN, [FieldError("phone", PHONE_TAKEN)])
        note = outbox.Notification(
            "phone_changed",
            {"phone": mask_phone(pending.phone)},
            user_id=user.user_id,
            email=user.email,
            phone=user.phone,
        )  # the SMS goes to the old number
        now = clock.epoch(clock.now())
        try:
            with transaction() as tx:
                tx.delete(pending, condition=PhoneChangeItem.code_digest == digest)  # single use, even under races
                tx.save(
                    ClaimItem(claim_key("phone", pending.phone), "CLAIM", user_id=user.user_id, confirmed=True),
                    condition=ClaimItem.pk.does_not_exist() | (ClaimItem.ttl < now),
                )
                tx.delete(
                    ClaimItem(claim_key("phone", user.phone_key), "CLAIM"), condition=ClaimItem.user_id == user.user_id
                )
                tx.update(
                    user,
                    actions=[UserItem.phone.set(pending.phone), UserItem.phone_key.set(pending.phone)],
                    condition=UserItem.phone_key == user.phone_key,
                )
                outbox.stage(tx, note)
        except TransactWriteError:
            raise _bad_code() from None
        outbox.dispatch([note])
        refreshed = self.repo.get(user.user_id)
        assert refreshed is not None
        return to_profile(refreshed)

    def _taken(self, user: UserItem, phone: str) -> bool:
        claim = self.repo.get_claim(claim_key("phone", phone))
        if claim is None or claim.user_id == user.user_id:
            return False
        # An abandoned registration's claim lapses with its ttl; a confirmed account's never does.
        return bool(claim.confirmed) or claim.ttl is None or int(claim.ttl) > clock.epoch(clock.now())


def _bad_code() -> ApiError:
    return ApiError(BAD_PHONE_CODE, [FieldError("code", BAD_PHONE_CODE)], code="code_invalid")


def _phone_code_digest(user_id: str, phone: str, code: str) -> str:
    """Keyed, and bound to the number: six digits are trivial to brute-force from a plain hash."""
    return hmac.new(derived_key("phone-code"), f"{user_id}:{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def mask_email(email: str) -> str:
    """`ivanov@mail.ru` → `i***@m***.ru`: enough for the owner to recognise, little for anyone else."""
    local, _, domain = email.rpartition("@")
    name, dot, zone = domain.rpartition(".")
    return f"{local[:1]}***@{name[:1]}***{dot}{zone}"


def mask_phone(phone: str) -> str:
    """`+79001234567` → `+7 *** ***-45-67`."""
    return f"{phone[:2]} *** ***-{phone[-4:-2]}-{phone[-2:]}"


def _plain(value: Any) -> Any:
    return value.model_dump(mode="json") if hasattr(value, "model_dump") else value
