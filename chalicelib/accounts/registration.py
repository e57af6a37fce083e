"""Registration with e-mail confirmation, without revealing which e-mails/phones are registered.

A taken e-mail or phone gets the same answer as success; the owner of that address is warned by
e-mail instead. Logins are public handles, so a taken login is reported on the field.
"""
from __future__ import annotations

import logging
import secrets
import uuid
from datetime import timedelta
from typing import Any, Optional, Union

from pynamodb.exceptions import TransactWriteError

from chalicelib.core import clock
from chalicelib.core.config import Settings, get_settings
from chalicelib.core.errors import ApiError, FieldError, conflict
from chalicelib.core.dynamo import transaction
from chalicelib.notifications import outbox

from .identifiers import email_key
from .models import CompanyRegistration, EntrepreneurRegistration, PersonRegistration
from .passwords import hash_password
from .repository import ClaimItem, ConfirmItem, UserItem, UserRepository, claim_key, confirm_key, user_key
from .tokens import secret_digest

logger = logging.getLogger("kabinet.registration")

AnyRegistration = Union[PersonRegistration, EntrepreneurRegistration, CompanyRegistration]
ACCEPTED = ("Мы отправили письмо со ссылкой для подтверждения на указанный адрес электронной почты. "
            "Перейдите по ссылке, чтобы завершить регистрацию.")
LINK_INVALID = "Ссылка недействительна или устарела. Зарегистрируйтесь заново или запросите новую ссылку"

_KIND_FIELDS = {
    "person": ("last_name", "first_name", "middle_name", "snils"),
    "entrepreneur": ("short_name", "full_name", "inn", "ogrn", "head_name"),
    "company": ("short_name", "full_name", "inn", "ogrn", "head_name"),
}


class RegistrationService:
    def __init__(self, repository: Optional[UserRepository] = None, settings: Optional[Settings] = None) -> None:
        self.repo = repository or UserRepository()
        self.settings = settings or get_settings()

    def register(self, reg: AnyRegistration, ip: str, consent_version: str) -> str:
        keys = {"login": reg.login.lower(), "email": email_key(reg.email), "phone": reg.phone}
        for attempt in range(2):  # a lost race re-reads the claims once and answers from them
            try:
                return self._register(reg, keys, ip, consent_version)
            except TransactWriteError:
                if attempt:
                    raise conflict("Регистрация с этими данными уже выполняется. Повторите попытку позже")
        raise AssertionError("unreachable")

    def _register(self, reg: AnyRegistration, keys: dict[str, str], ip: str, consent_version: str) -> str:
        now = clock.now()
        claims = self.repo.claims([claim_key(k, v) for k, v in keys.items()])
        live = {kind: claims[claim_key(kind, key)] for kind, key in keys.items()
                if claim_key(kind, key) in claims and _is_live(claims[claim_key(kind, key)], now)}
        if "login" in live:
            raise conflict("Логин уже занят", [FieldError("login", "Этот логин уже занят, выберите другой")])
        if live:
            self._warn_owners({c.user_id for c in live.values()})
            return ACCEPTED

        user_id = str(uuid.uuid4())
        token = secrets.token_urlsafe(32)
        expires = clock.epoch(now + timedelta(hours=self.settings.confirmation_hours))
        data = reg.model_dump(mode="json")
        profile = {f: data[f] for f in _KIND_FIELDS[reg.kind] if data.get(f) is not None}
        profile["address"] = data["address"]
        user = UserItem(user_key(user_id), "PROFILE", user_id=user_id, kind=reg.kind, role="consumer",
                        status="pending", login=reg.login, login_key=keys["login"], email=reg.email,
                        email_key=keys["email"], phone=reg.phone, phone_key=keys["phone"], profile=profile,
                        consent={"version": consent_version, "accepted_at": clock.iso(now), "ip": ip},
                        password_hash=hash_password(reg.password), created_at=clock.iso(now), ttl=expires)
        note = outbox.Notification(
            "registration_confirm",
            {"confirm_url": f"{self.settings.site_url}/#/confirm?token={token}",
             "hours": str(self.settings.confirmation_hours)},
            user_id=user_id, email=reg.email)
        stale_users = {c.user_id for c in claims.values()}
        with transaction() as tx:
            tx.save(user, condition=UserItem.pk.does_not_exist())
            for kind, key in keys.items():
                previous = claims.get(claim_key(kind, key))
                condition = (ClaimItem.pk.does_not_exist() if previous is None
                             else (ClaimItem.user_id == previous.user_id) & (ClaimItem.confirmed == False))  # noqa: E712
                tx.save(ClaimItem(claim_key(kind, key), "CLAIM", user_id=user_id, confirmed=False, ttl=expires),
                        condition=condition)
            for stale in stale_users:  # abandoned registrations whose claims we take over
                tx.delete(UserItem(user_key(stale), "PROFILE"), condition=UserItem.status == "pending")
            tx.save(ConfirmItem(confirm_key(secret_digest(token)), "CONFIRM", ttl=expires, user_id=user_id,
                                purpose="registration", email=reg.email))
            outbox.stage(tx, note)
        outbox.dispatch([note])
        logger.info("registered user %s (%s), awaiting confirmation", user_id, reg.kind)
        return ACCEPTED

    def _warn_owners(self, user_ids: set[str]) -> None:
        notes = []
        for owner_id in sorted(user_ids):
            owner = self.repo.get(owner_id)
            if owner is None:
                continue
            note = outbox.Notification("registration_duplicate", {}, user_id=owner_id, email=owner.email)
            with transaction() as tx:
                outbox.stage(tx, note)
            notes.append(note)
        outbox.dispatch(notes)

    def confirm(self, token: str) -> str:
        item = self.repo.get_confirm(secret_digest(token))
        now = clock.now()
        if item is None or int(item.ttl) <= clock.epoch(now):
            raise ApiError(LINK_INVALID, code="link_invalid")
        user = self.repo.get(item.user_id)
        if user is None:
            raise ApiError(LINK_INVALID, code="link_invalid")
        try:
            if item.purpose == "registration":
                return self._complete_registration(item, user)
            return self._complete_email_change(item, user, now)
        except TransactWriteError:
            raise ApiError(LINK_INVALID, code="link_invalid") from None

    def _complete_registration(self, item: ConfirmItem, user: UserItem) -> str:
        note = outbox.Notification("welcome", {"login": user.login}, user_id=user.user_id, email=user.email)
        with transaction() as tx:
            tx.delete(item, condition=ConfirmItem.pk.exists())
            tx.update(user, actions=[UserItem.status.set("active"), UserItem.ttl.remove()],
                      condition=UserItem.status == "pending")
            for kind, key in (("login", user.login_key), ("email", user.email_key), ("phone", user.phone_key)):
                tx.update(ClaimItem(claim_key(kind, key), "CLAIM"),
                          actions=[ClaimItem.confirmed.set(True), ClaimItem.ttl.remove()],
                          condition=ClaimItem.user_id == user.user_id)
            outbox.stage(tx, note)
        outbox.dispatch([note])
        return "Регистрация завершена. Теперь Вы можете войти в личный кабинет."

    def _complete_email_change(self, item: ConfirmItem, user: UserItem, now: Any) -> str:
        new_key = email_key(item.email)
        claim = self.repo.get_claim(claim_key("email", new_key))
        if claim is not None and claim.user_id != user.user_id and _is_live(claim, now):
            raise ApiError("Этот адрес электронной почты уже используется другой учётной записью",
                           status=409, code="conflict")
        note = outbox.Notification("email_changed", {}, user_id=user.user_id, email=item.email)
        with transaction() as tx:
            tx.delete(item, condition=ConfirmItem.pk.exists())
            tx.save(ClaimItem(claim_key("email", new_key), "CLAIM", user_id=user.user_id, confirmed=True),
                    condition=ClaimItem.pk.does_not_exist() | (ClaimItem.confirmed == False))  # noqa: E712
            tx.delete(ClaimItem(claim_key("email", user.email_key), "CLAIM"),
                      condition=ClaimItem.user_id == user.user_id)
            tx.update(user, actions=[UserItem.email.set(item.email), UserItem.email_key.set(new_key),
                                     UserItem.pending_email.remove()])
            outbox.stage(tx, note)
        outbox.dispatch([note])
        return "Новый адрес электронной почты подтверждён."


def _is_live(claim: ClaimItem, now: Any) -> bool:
    """A claim of a confirmed account, or of a registration still within its confirmation period."""
    return bool(claim.confirmed) or claim.ttl is None or int(claim.ttl) > clock.epoch(now)
