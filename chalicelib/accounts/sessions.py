"""Sign-in, token refresh with rotation, sign-out, password change.

Sign-in costs three DynamoDB calls: the attempt counters (one BatchGet, login_guard.py), one Query
on the identifier's index and one write (the new session, or the failure counts). The console's
sign-in adds a second factor after the password step (staff_users/second_factor.py).
Sessions live in the user item, see repository.UserItem.sessions.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from chalicelib.core import clock
from chalicelib.core.config import Settings, get_settings
from chalicelib.core.dynamo import conflict_on_condition, transaction
from chalicelib.core.errors import field_error, unauthorized
from chalicelib.notifications import outbox

from . import tokens
from .identifiers import classify_identifier
from .login_guard import LoginGuard
from .models import LoginResponse, Tokens
from .passwords import hash_password, policy_problems, verify_password
from .principal import Principal
from .profile import to_profile
from .repository import UserItem, UserRepository, staff_identity_key, user_key

logger = logging.getLogger("kabinet.auth")

WRONG_CREDENTIALS = "Неверный логин или пароль"


@dataclass(frozen=True)
class NewSession:
    session_id: str
    refresh: tokens.RefreshToken
    entry: dict[str, Any]
    lifetime: timedelta


class SessionService:
    def __init__(self, repository: UserRepository | None = None, settings: Settings | None = None) -> None:
        self.repo = repository or UserRepository()
        self.settings = settings or get_settings()

    # --- sign-in -------------------------------------------------------------------------------
    def login(
        self, identifier: str, password: str, remember: bool, source_ip: str, challenge: tuple[str, str] | None = None
    ) -> LoginResponse:
        user = self.authenticate(identifier, password, source_ip, challenge)
        session, actions = self.session_actions(user, remember)
        # Guard: a password change between our read and this write must win.
        if not self.repo.update(user, actions, condition=UserItem.password_hash == user.password_hash):
            raise unauthorized(WRONG_CREDENTIALS)
        return self.signed_in(user, session)

    def authenticate(
        self,
        identifier: str,
        password: str,
        source_ip: str,
        challenge: tuple[str, str] | None = None,
        staff: bool = False,
    ) -> UserItem:
        """The password step of a sign-in: the active account, or the error to answer. `staff`: the
        console's sign-in, which looks only among employees (their own key namespace); the consumer
        sign-in never finds an employee, and the other way round."""
        kind, key = classify_identifier(identifier)
        if staff:
            key = staff_identity_key(key)
        guard = LoginGuard(self.settings)
        attempt = guard.admit(key, source_ip, challenge)
        user = self.repo.find_by_identifier(kind, key)
        # The same argon2 work, counters and answer for an unknown identifier as for a wrong password.
        if not verify_password(user.password_hash if user else None, password) or user is None:
            guard.failed(attempt)
            raise unauthorized(WRONG_CREDENTIALS)
        if user.status == "disabled":
            raise unauthorized("Учётная запись отключена. Обратитесь к администратору", code="account_disabled")
        if user.status != "active":
            # Only after the correct password: an unconfirmed account is not revealed to others.
            raise unauthorized(
                "Регистрация не завершена: перейдите по ссылке из письма, отправленного "
                "на Ваш адрес электронной почты. Если письма нет или ссылка устарела, "
                "отправьте письмо ещё раз",
                code="not_confirmed",
            )
        return user

    def session_actions(self, user: UserItem, remember: bool, staff: bool = False) -> tuple[NewSession, list[Any]]:
        """A new session and the update that stores it (the caller writes it, with its own condition)."""
        session = self._new_session(user.user_id, remember)
        actions = [
            UserItem.sessions[session.session_id].set(session.entry),
            *self._prune_actions(user, clock.epoch(clock.now())),
        ]
        if staff:
            actions.append(UserItem.last_login_at.set(clock.iso(clock.now())))
        return session, actions

    def signed_in(self, user: UserItem, session: NewSession) -> LoginResponse:
        return LoginResponse(**self._tokens(user, session).model_dump(), user=to_profile(user))

    # --- tokens --------------------------------------------------------------------------------
    def refresh(self, raw_token: str) -> Tokens:
        try:
            token = tokens.parse_refresh_token(raw_token)
        except tokens.InvalidToken:
            raise unauthorized("Сеанс завершён. Войдите снова") from None
        user = UserItem(user_key(token.user_id), "PROFILE")
        now = clock.epoch(clock.now())
        session_path = UserItem.sessions[token.session_id]
        remember = self._remembered(token)
        if remember is None:
            raise unauthorized("Сеанс завершён. Войдите снова")
        fresh = self._new_session(token.user_id, remember, session_id=token.session_id)
        entry = {**fresh.entry, "previous": token.digest}
        ok = self.repo.update(
            user,
            [session_path.set(entry)],
            condition=(session_path["digest"] == token.digest)
            & (session_path["expires"] > now)
            & (UserItem.status == "active"),
        )
        if not ok:
            raise unauthorized("Сеанс завершён. Войдите снова")
        return self._tokens(user, fresh)

    def _remembered(self, token: tokens.RefreshToken) -> bool | None:
        """Look at the stored session once: detects reuse of a spent token (then revokes it)."""
        user = self.repo.get(token.user_id)
        if user is None or not user.sessions:
            return None
        session = user.sessions.as_dict().get(token.session_id)
        if not session:
            return None
        if session.get("previous") == token.digest:
            logger.warning("spent refresh token presented; revoking session of user %s", token.user_id)
            self.repo.update(user, [UserItem.sessions[token.session_id].remove()])
            return None
        return bool(session.get("remember"))

    def logout(self, principal: Principal) -> None:
        self.repo.update(principal.user, [UserItem.sessions[principal.session_id].remove()])

    # --- password ------------------------------------------------------------------------------
    def change_password(self, principal: Principal, old: str, new: str) -> Tokens:
        user = principal.user
        if not verify_password(user.password_hash, old):
            raise field_error("old_password", "Текущий пароль указан неверно")
        problems = policy_problems(new, user.login)
        if problems:
            raise field_error("new_password", problems[0])
        if old == new:
            raise field_error("new_password", "Новый пароль совпадает с текущим")
        remember = bool((user.sessions.as_dict().get(principal.session_id) or {}).get("remember"))
        session = self._new_session(user.user_id, remember)
        note = outbox.Notification("password_changed", {}, user_id=user.user_id, email=user.email, phone=user.phone)
        with conflict_on_condition("Пароль был изменён в другом сеансе. Войдите снова"), transaction() as tx:
            tx.update(
                user,
                actions=[
                    UserItem.password_hash.set(hash_password(new)),
                    UserItem.token_version.add(1),
                    UserItem.sessions.set({session.session_id: session.entry}),
                ],
                condition=UserItem.password_hash == user.password_hash,
            )
            outbox.stage(tx, note)
        outbox.dispatch([note])
        user.token_version = int(user.token_version) + 1
        return self._tokens(user, session)

    # --- helpers -------------------------------------------------------------------------------
    def _new_session(self, user_id: str, remember: bool, session_id: str | None = None) -> NewSession:
        sid = session_id or tokens.new_session_id()
        lifetime = (
            timedelta(days=self.settings.remember_me_days)
            if remember
            else timedelta(hours=self.settings.refresh_token_hours)
        )
        refresh = tokens.new_refresh_token(user_id, sid)
        entry = {
            "digest": refresh.digest,
            "expires": clock.epoch(clock.now() + lifetime),
            "remember": remember,
            "created": clock.iso(clock.now()),
        }
        return NewSession(sid, refresh, entry, lifetime)

    def _prune_actions(self, user: UserItem, now: int) -> list[Any]:
        """Drop expired sessions and, past the cap, the oldest ones."""
        sessions = user.sessions.as_dict() if user.sessions else {}
        live = sorted(((s.get("created", ""), sid) for sid, s in sessions.items() if int(s["expires"]) > now))
        drop = {sid for sid, s in sessions.items() if int(s["expires"]) <= now}
        excess = len(live) + 1 - self.settings.max_sessions_per_user
        drop.update(sid for _, sid in live[: max(0, excess)])
        return [UserItem.sessions[sid].remove() for sid in sorted(drop)]

    def _tokens(self, user: UserItem, session: NewSession) -> Tokens:
        access_lifetime = timedelta(minutes=self.settings.access_token_minutes)
        access = tokens.issue_access_token(
            tokens.AccessClaims(user.user_id, session.session_id, user.role, int(user.token_version)), access_lifetime
        )
        return Tokens(
            access_token=access,
            refresh_token=session.refresh.encode(),
            expires_in=int(access_lifetime.total_seconds()),
            refresh_expires_in=int(session.lifetime.total_seconds()),
        )
