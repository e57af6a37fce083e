"""Registration with e-mail confirmation, without revealing which e-mails/phones are registered.

A taken e-mail or phone gets the same answer as success; the owner of that address is warned by
e-mail instead. Logins are public handles, so a taken login is reported on the field.

A lost or expired link is replaced through `resend_confirmation`: one answer for unknown, pending
and confirmed accounts alike; a pending account gets a new link that supersedes the previous one
(the user item names the digest of its only live link), a confirmed one a "sign in instead" letter.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pynamodb.exceptions import TransactWriteError

from chalicelib.core import clock, throttle
from chalicelib.core.config import Settings, get_settings
from chalicelib.core.dynamo import transaction
from chalicelib.core.errors import ApiError, FieldError, conflict
from chalicelib.notifications import outbox

from .identifiers import classify_identifier, email_key
from .models import CompanyRegistration, EntrepreneurRegistration, PersonRegistration
from .passwords import hash_password
from .repository import ClaimItem, ConfirmItem, UserItem, UserRepository, claim_key, confirm_key, user_key
from .tokens import secret_digest

logger = logging.getLogger("kabinet.registration")

AnyRegistration = PersonRegistration | EntrepreneurRegistration | CompanyRegistration
ACCEPTED = (
    "Мы отправили письмо со ссылкой для подтверждения на указанный адрес электронной почты. "
    "Перейдите по ссылке, чтобы завершить регистрацию."
)
LINK_INVALID = "Ссылка недействительна или устарела. Зарегистрируйтесь заново или запросите новую ссылку"
RESENT = (
    "Если регистрация с этими данными есть, на указанный в ней адрес электронной почты отправлено "
    "новое письмо. Ссылки из прежних писем больше не действуют."
)
# Letters per account (and per identifier typed) per auth window through the resend form: stops
# mail-bombing one mailbox. The same figure as recovery.MAILS_PER_ADDRESS.
RESENDS_PER_ACCOUNT = 3
# Resending extends an unconfirmed registration (and its hold on the login, e-mail and phone), but
# never past this age: otherwise whoever registered someone else's e-mail could keep it from its
# owner for good by resending once a day.
MAX_PENDING = timedelta(days=7)

_KIND_FIELDS = {
    "person": ("last_name", "first_name", "middle_name", "snils"),
    "entrepreneur": ("short_name", "full_name", "inn", "ogrn", "head_name"),
    "company": ("short_name", "full_name", "inn", "kpp", "ogrn", "head_name"),
}


class RegistrationService:
    def __init__(self, repository: UserRepository | None = None, settings: Settings | None = None) -> None:
        self.repo = repository or UserRepository()
        self.settings = settings or get_settings()

    def register(self, reg: AnyRegistration, ip: str, consent_version: str) -> str:
        keys = {"login": reg.login.lower(), "email": email_key(reg.email), "phone": reg.phone}
        for attempt in range(2):  # a lost race re-reads the claims once and answers from them
            try:
                return self._register(reg, keys, ip, consent_version)
            except TransactWriteError as exc:
                if attempt:
                    raise conflict("Регистрация с этими данными уже выполняется. Повторите попытку позже") from exc
        raise AssertionError("unreachable")

    def _register(self, reg: AnyRegistration, keys: dict[str, str], ip: str, consent_version: str) -> str:
        now = clock.now()
        claims = self.repo.claims([claim_key(k, v) for k, v in keys.items()])
        live = {
            kind: claims[claim_key(kind, key)]
            for kind, key in keys.items()
            if claim_key(kind, key) in claims and _is_live(claims[claim_key(kind, key)], now)
        }
        if "login" in live:
            raise conflict("Логин уже занят", [FieldError("login", "Этот логин уже занят, выберите другой")])
        if live:
            hash_password(reg.password)  # the argon2 work of a new registration: time must not tell
            self._warn_owners({c.user_id for c in live.values()})
            return ACCEPTED

        user_id = str(uuid.uuid4())
        link = self._new_link(user_id, reg.email, now)
        expires = link.expires
        data = reg.model_dump(mode="json")
        profile = {f: data[f] for f in _KIND_FIELDS[reg.kind] if data.get(f) is not None}
        profile["address"] = data["address"]
        user = UserItem(
            user_key(user_id),
            "PROFILE",
            user_id=user_id,
            kind=reg.kind,
            role="consumer",
            status="pending",
            login=reg.login,
            login_key=keys["login"],
            email=reg.email,
            email_key=keys["email"],
            phone=reg.phone,
            phone_key=keys["phone"],
            profile=profile,
            consent={
                "version": consent_version,
                "agreement_version": reg.consent.agreement_version,
                "accepted_at": clock.iso(now),
                "ip": ip,
            },
            password_hash=hash_password(reg.password),
            created_at=clock.iso(now),
            ttl=expires,
            confirm_digest=link.digest,
        )
        note = link.note
        stale_users = {c.user_id for c in claims.values()}
        with transaction() as tx:
            tx.save(user, condition=UserItem.pk.does_not_exist())
            for kind, key in keys.items():
                previous = claims.get(claim_key(kind, key))
                condition = (
                    ClaimItem.pk.does_not_exist()
                    if previous is None
                    else (ClaimItem.user_id == previous.user_id) & (ClaimItem.confirmed == False)  # noqa: E712 - a PynamoDB condition, not a comparison
                )
                tx.save(
                    ClaimItem(claim_key(kind, key), "CLAIM", user_id=user_id, confirmed=False, ttl=expires),
                    condition=condition,
                )
            for stale in stale_users:  # abandoned registrations whose claims we take over
                tx.delete(UserItem(user_key(stale), "PROFILE"), condition=UserItem.status == "pending")
            tx.save(link.item)
            outbox.stage(tx, note)
        outbox.dispatch([note])
        logger.info("registered user %s (%s), awaiting confirmation", user_id, reg.kind)
        return ACCEPTED

    def _new_link(self, user_id: str, email: str, now: datetime, not_after: datetime | None = None) -> _Link:
        """A fresh single-use registration link: its stored item (by digest) and the letter."""
        token = secrets.token_urlsafe(32)
        digest = secret_digest(token)
        ends = now + timedelta(hours=self.settings.confirmation_hours)
        if not_after is not None and not_after < ends:
            ends = not_after
        expires = clock.epoch(ends)
        hours = max(1, -(-(expires - clock.epoch(now)) // 3600))  # as the letter states it: whole hours, rounded up
        item = ConfirmItem(
            confirm_key(digest), "CONFIRM", ttl=expires, user_id=user_id, purpose="registration", email=email
        )
        note = outbox.Notification(
            "registration_confirm",
            {"confirm_url": f"{self.settings.site_url}/#/confirm?token={token}", "hours": str(hours)},
            user_id=user_id,
            email=email,
        )
        return _Link(item, digest, expires, note)

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

    # --- a new link for a lost or expired one ----------------------------------------------------
    def resend_confirmation(self, identifier: str) -> str:
        """Same answer whatever the account's state; mail only to the address stored on the account."""
        kind, key = classify_identifier(identifier)
        window = self.settings.auth_window_seconds
        # Keyed on what was typed, so it trips alike for unknown and real accounts: a visible 429
        # tells nothing about existence.
        throttle.hit("resend-id", f"{kind}:{key}", RESENDS_PER_ACCOUNT, window)
        user = self.repo.find_by_identifier(kind, key)
        # Per account, silently: its login, e-mail and phone share one allowance. Unknown
        # identifiers pay the same write.
        allowed = _mail_allowed("resend-mail", user.user_id if user else f"{kind}:{key}", window)
        if user is None or not allowed:
            return RESENT
        if user.status == "pending":
            self._replace_link(user)
        elif user.status == "active":
            # As for a taken e-mail at registration: tell the owner how to get in instead.
            self._send_one(outbox.Notification("confirmation_not_needed", {}, user_id=user.user_id, email=user.email))
        return RESENT

    def _replace_link(self, user: UserItem) -> None:
        """New link, previous one deleted, registration (user and claims) extended to the new expiry.

        Conditional on the account still being pending with the link we read: of two racing
        resends only one commits, so exactly one link is ever live. A claim lost meanwhile (an
        expired registration taken over) fails the transaction: nothing is sent.
        """
        now = clock.now()
        deadline = datetime.fromisoformat(user.created_at) + MAX_PENDING
        if now >= deadline:
            logger.info("confirmation resend for user %s refused: registration too old", user.user_id)
            return
        link = self._new_link(user.user_id, user.email, now, not_after=deadline)
        previous = user.confirm_digest
        current = (UserItem.confirm_digest == previous) if previous else UserItem.confirm_digest.does_not_exist()
        try:
            with transaction() as tx:
                if previous:
                    tx.delete(ConfirmItem(confirm_key(previous), "CONFIRM"))
                tx.save(link.item, condition=ConfirmItem.pk.does_not_exist())
                tx.update(
                    user,
                    actions=[UserItem.confirm_digest.set(link.digest), UserItem.ttl.set(link.expires)],
                    condition=(UserItem.status == "pending") & current,
                )
                for kind, key in (("login", user.login_key), ("email", user.email_key), ("phone", user.phone_key)):
                    tx.update(
                        ClaimItem(claim_key(kind, key), "CLAIM"),
                        actions=[ClaimItem.ttl.set(link.expires)],
                        condition=(ClaimItem.user_id == user.user_id) & (ClaimItem.confirmed == False),  # noqa: E712 - a PynamoDB condition, not a comparison
                    )
                outbox.stage(tx, link.note)
        except TransactWriteError:
            logger.info("confirmation resend for user %s lost a race or its claims; nothing sent", user.user_id)
            return
        outbox.dispatch([link.note])
        logger.info("confirmation link replaced for user %s", user.user_id)

    def _send_one(self, note: outbox.Notification) -> None:
        with transaction() as tx:
            outbox.stage(tx, note)
        outbox.dispatch([note])

    # --- following a link ------------------------------------------------------------------------
    def confirm(self, token: str) -> str:
        digest = secret_digest(token)
        item = self.repo.get_confirm(digest)
        now = clock.now()
        if item is None or int(item.ttl) <= clock.epoch(now):
            raise ApiError(LINK_INVALID, code="link_invalid")
        user = self.repo.get(item.user_id)
        if user is None:
            raise ApiError(LINK_INVALID, code="link_invalid")
        try:
            if item.purpose == "registration":
                return self._complete_registration(item, user, digest)
            return self._complete_email_change(item, user, now)
        except TransactWriteError:
            raise ApiError(LINK_INVALID, code="link_invalid") from None

    def _complete_registration(self, item: ConfirmItem, user: UserItem, digest: str) -> str:
        note = outbox.Notification("welcome", {"login": user.login}, user_id=user.user_id, email=user.email)
        # Only the account's latest link completes it (accounts from before resend carry no digest).
        latest = UserItem.confirm_digest.does_not_exist() | (UserItem.confirm_digest == digest)
        with transaction() as tx:
            tx.delete(item, condition=ConfirmItem.pk.exists())
            tx.update(
                user,
                actions=[UserItem.status.set("active"), UserItem.ttl.remove(), UserItem.confirm_digest.remove()],
                condition=(UserItem.status == "pending") & latest,
            )
            for kind, key in (("login", user.login_key), ("email", user.email_key), ("phone", user.phone_key)):
                tx.update(
                    ClaimItem(claim_key(kind, key), "CLAIM"),
                    actions=[ClaimItem.confirmed.set(True), ClaimItem.ttl.remove()],
                    condition=ClaimItem.user_id == user.user_id,
                )
            outbox.stage(tx, note)
        outbox.dispatch([note])
        return "Регистрация завершена. Теперь Вы можете войти в личный кабинет."

    def _complete_email_change(self, item: ConfirmItem, user: UserItem, now: Any) -> str:
        new_key = email_key(item.email)
        claim = self.repo.get_claim(claim_key("email", new_key))
        if claim is not None and claim.user_id != user.user_id and _is_live(claim, now):
            raise ApiError(
                "Этот адрес электронной почты уже используется другой учётной записью", status=409, code="conflict"
            )
        note = outbox.Notification("email_changed", {}, user_id=user.user_id, email=item.email)
        with transaction() as tx:
            tx.delete(item, condition=ConfirmItem.pk.exists())
            tx.save(
                ClaimItem(claim_key("email", new_key), "CLAIM", user_id=user.user_id, confirmed=True),
                condition=ClaimItem.pk.does_not_exist() | (ClaimItem.confirmed == False),  # noqa: E712 - a PynamoDB condition, not a comparison
            )
            tx.delete(
                ClaimItem(claim_key("email", user.email_key), "CLAIM"), condition=ClaimItem.user_id == user.user_id
            )
            tx.update(
                user,
                actions=[
                    UserItem.email.set(item.email),
                    UserItem.email_key.set(new_key),
                    UserItem.pending_email.remove(),
                ],
            )
            outbox.stage(tx, note)
        outbox.dispatch([note])
        return "Новый адрес электронной почты подтверждён."


@dataclass(frozen=True)
class _Link:
    item: ConfirmItem
    digest: str
    expires: int
    note: outbox.Notification


def _mail_allowed(scope: str, subject: str, window_seconds: int) -> bool:
    try:
        throttle.hit(scope, subject, RESENDS_PER_ACCOUNT, window_seconds)
        return True
    except ApiError:
        return False  # silently: the answer must not differ from the normal one


def _is_live(claim: ClaimItem, now: Any) -> bool:
    """A claim of a confirmed account, or of a registration still within its confirmation period."""
    return bool(claim.confirmed) or claim.ttl is None or int(claim.ttl) > clock.epoch(now)
