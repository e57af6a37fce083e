"""Sign-in, token refresh with rotation, sign-out, password change.

Sign-in costs two DynamoDB calls: one Query on the identifier's index and one write (the new
session, or the failure count). Sessions live in the user item, see repository.UserItem.sessions.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Optional

from pynamodb.exceptions import TransactWriteError

from chalicelib.core import clock, throttle
from chalicelib.core.config import Settings, get_settings
from chalicelib.core.errors import ApiError, field_error, rate_limited, unauthorized
from chalicelib.core.dynamo import transaction
from chalicelib.notifications import outbox

from . import tokens
from .identifiers import classify_identifier
from .models import LoginResponse, Tokens
from .passwords import hash_password, policy_problems, verify_password
from .principal import Principal
from .profile import to_profile
from .repository import UserItem, UserRepository, user_key

logger = logging.getLogger("kabinet.auth")

WRONG_CREDENTIALS = "Неверный логин или пароль"


@dataclass(frozen=True)
class NewSession:
    session_id: str
    refresh: tokens.RefreshToken
    entry: dict[str, Any]
    lifetime: timedelta


class SessionService:
    def __init__(self, repository: Optional[UserRepository] = None, settings: Optional[Settings] = None) -> None:
        self.repo = repository or UserRepository()
        self.settings = settings or get_settings()

    # --- sign-in -------------------------------------------------------------------------------
    def login(self, identifier: str, password: str, remember: bool) -> LoginResponse:
        kind, key = classify_identifier(identifier)
        user = self.repo.find_by_identifier(kind, key)
        now = clock.epoch(clock.now())
        if user is None:
            verify_password(None, password)  # same cost as a real check: no timing oracle
            # Unknown identifiers are throttled like real ones, so lockout reveals nothing.
            throttle.hit("login-unknown", key, self.settings.login_failures_before_lock,
                         self.settings.login_lock_minutes * 60)
            raise unauthorized(WRONG_CREDENTIALS)
        if int(user.locked_until) > now:
            raise rate_limited(int(user.locked_until) - now)
        if not verify_password(user.password_hash, password):
            self._record_failure(user, now)
        if user.status != "active":
            # Only after the correct password: an unconfirmed account is not revealed to others.
            raise unauthorized("Регистрация не завершена: перейдите по ссылке из письма, отправленного "
                               "на Ваш адрес электронной почты. Если письма нет или ссылка устарела, "
                               "отправьте письмо ещё раз", code="not_confirmed")
        session = self._new_session(user.user_id, remember)
        actions = [UserItem.sessions[session.session_id].set(session.entry),
                   UserItem.failed_logins.set(0), *self._prune_actions(user, now)]
        # Guard: a password change between our read and this write must win.
        if not self.repo.update(user, actions, condition=UserItem.password_hash == user.password_hash):
            raise unauthorized(WRONG_CREDENTIALS)
        return LoginResponse(**self._tokens(user, session).model_dump(), user=to_profile(user))

    def _record_failure(self, user: UserItem, now: int) -> None:
        limit = self.settings.login_failures_before_lock
        lock_seconds = self.settings.login_lock_minutes * 60
        failures = int(user.failed_logins) + 1
        if failures < limit:
            self.repo.update(user, [UserItem.failed_logins.add(1)])
            raise unauthorized(WRONG_CREDENTIALS)
        note = outbox.Notification("account_locked", {"minutes": str(self.settings.login_lock_minutes)},
                                   user_id=user.user_id, email=user.email)
        with transaction() as tx:
            tx.update(user, actions=[UserItem.failed_logins.set(0), UserItem.locked_until.set(now + lock_seconds)])
            outbox.stage(tx, note)
        outbox.dispatch([note])
        logger.info("sign-in locked after %d failures for user %s", failures, user.user_id)
        raise rate_limited(lock_seconds)

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
            user, [session_path.set(entry)],
            condition=(session_path["digest"] == token.digest) & (session_path["expires"] > now)
            & (UserItem.status == "active"))
        if not ok:
            raise unauthorized("Сеанс завершён. Войдите снова")
        return self._tokens(user, fresh)

    def _remembered(self, token: tokens.RefreshToken) -> Optional[bool]:
        """Look at the stored session once: detects reuse of a spent token (then revokes it)."""
        user = self.repo.get(token.user_id)
        session = (user.sessions.as_dict() if user and user.sessions else {}).get(token.session_id)
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
        note = outbox.Notification("password_changed", {}, user_id=user.user_id, email=user.email,
                                   phone=user.phone)
        try:
            with transaction() as tx:
                tx.update(user, actions=[UserItem.password_hash.set(hash_password(new)),
                                         UserItem.token_version.add(1),
                                         UserItem.sessions.set({session.session_id: session.entry})],
                          condition=UserItem.password_hash == user.password_hash)
                outbox.stage(tx, note)
        except TransactWriteError:
            raise ApiError("Пароль был изменён в другом сеансе. Войдите снова", status=409,
                           code="conflict") from None
        outbox.dispatch([note])
        user.token_version = int(user.token_version) + 1
        return self._tokens(user, session)

    # --- helpers -------------------------------------------------------------------------------
    def _new_session(self, user_id: str, remember: bool, session_id: Optional[str] = None) -> NewSession:
        sid = session_id or tokens.new_session_id()
        lifetime = (timedelta(days=self.settings.remember_me_days) if remember
                    else timedelta(hours=self.settings.refresh_token_hours))
        refresh = tokens.new_refresh_token(user_id, sid)
        entry = {"digest": refresh.digest, "expires": clock.epoch(clock.now() + lifetime),
                 "remember": remember, "created": clock.iso(clock.now())}
        return NewSession(sid, refresh, entry, lifetime)

    def _prune_actions(self, user: UserItem, now: int) -> list[Any]:
        """Drop expired sessions and, past the cap, the oldest ones."""
        sessions = user.sessions.as_dict() if user.sessions else {}
        live = sorted(((s.get("created", ""), sid) for sid, s in sessions.items() if int(s["expires"]) > now))
        drop = {sid for sid, s in sessions.items() if int(s["expires"]) <= now}
        excess = len(live) + 1 - self.settings.max_sessions_per_user
        drop.update(sid for _, sid in live[:max(0, excess)])
        return [UserItem.sessions[sid].remove() for sid in sorted(drop)]

    def _tokens(self, user: UserItem, session: NewSession) -> Tokens:
        access_lifetime = timedelta(minutes=self.settings.access_token_minutes)
        access = tokens.issue_access_token(
            tokens.AccessClaims(user.user_id, session.session_id, user.role, int(user.token_version)),
            access_lifetime)
        return Tokens(access_token=access, refresh_token=session.refresh.encode(),
                      expires_in=int(access_lifetime.total_seconds()),
                      refresh_expires_in=int(session.lifetime.total_seconds()))
