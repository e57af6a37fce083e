"""Password recovery by a single-use, expiring e-mail code, and login reminder.

Both answer the same whether or not the address is registered.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from pynamodb.exceptions import TransactWriteError

from chalicelib.core import clock, throttle
from chalicelib.core.config import Settings, get_settings
from chalicelib.core.dynamo import transaction
from chalicelib.core.errors import ApiError
from chalicelib.core.secrets import derived_key
from chalicelib.notifications import outbox

from .identifiers import email_key
from .passwords import hash_password
from .repository import ResetItem, UserItem, UserRepository, user_key

CODE_SENT = "Если этот адрес указан в личном кабинете, на него отправлено письмо с кодом для восстановления пароля."
LOGIN_SENT = "Если этот адрес указан в личном кабинете, на него отправлено письмо с Вашим логином."
BAD_CODE = "Код неверен или устарел. Запросите новый код"
# Per address: stops mail-bombing one mailbox through the public forms.
MAILS_PER_ADDRESS = 3


class RecoveryService:
    def __init__(self, repository: UserRepository | None = None, settings: Settings | None = None) -> None:
        self.repo = repository or UserRepository()
        self.settings = settings or get_settings()

    def _active_user(self, email: str) -> UserItem | None:
        user = self.repo.find_by_identifier("email", email_key(email))
        return user if user is not None and user.status == "active" else None

    def _mail_allowed(self, scope: str, email: str) -> bool:
        try:
            throttle.hit(scope, email_key(email), MAILS_PER_ADDRESS, self.settings.auth_window_seconds)
            return True
        except ApiError:
            return False  # silently: the answer must not differ from the normal one

    def forgot_password(self, email: str) -> str:
        user = self._active_user(email)
        if user is None or not self._mail_allowed("reset-mail", email):
            return CODE_SENT
        code = f"{secrets.randbelow(10**6):06d}"
        expires = clock.now() + timedelta(minutes=self.settings.reset_code_minutes)
        note = outbox.Notification(
            "password_reset_code",
            {"code": code, "minutes": str(self.settings.reset_code_minutes)},
            user_id=user.user_id,
            email=user.email,
        )
        with transaction() as tx:
            # A new code replaces the previous one: only the latest code works.
            tx.save(
                ResetItem(
                    user_key(user.user_id),
                    "RESET",
                    ttl=clock.epoch(expires),
                    code_digest=_code_digest(user.user_id, code),
                    attempts=0,
                )
            )
            outbox.stage(tx, note)
        outbox.dispatch([note])
        return CODE_SENT

    def reset_password(self, email: str, code: str, new_password: str) -> str:
        user = self._active_user(email)
        reset = self.repo.get_reset(user.user_id) if user else None
        if user is None or reset is None or int(reset.ttl) <= clock.epoch(clock.now()):
            raise ApiError(BAD_CODE, code="code_invalid")
        digest = _code_digest(user.user_id, code)
        if not hmac.compare_digest(digest, reset.code_digest):
            if int(reset.attempts) + 1 >= self.settings.reset_code_attempts:
                reset.delete()  # spent: too many guesses
            else:
                reset.update(actions=[ResetItem.attempts.add(1)])
            raise ApiError(BAD_CODE, code="code_invalid")
        note = outbox.Notification("password_changed", {}, user_id=user.user_id, email=user.email, phone=user.phone)
        try:
            with transaction() as tx:
                tx.delete(reset, condition=ResetItem.code_digest == digest)  # single use, even under races
                tx.update(
                    user,
                    actions=[
                        UserItem.password_hash.set(hash_password(new_password)),
                        UserItem.token_version.add(1),
                        UserItem.sessions.set({}),
                        UserItem.failed_logins.set(0),
                        UserItem.locked_until.set(0),
                    ],
                )
                outbox.stage(tx, note)
        except TransactWriteError:
            raise ApiError(BAD_CODE, code="code_invalid") from None
        outbox.dispatch([note])
        return "Пароль изменён. Войдите с новым паролем."

    def recover_login(self, email: str) -> str:
        user = self._active_user(email)
        if user is None or not self._mail_allowed("login-mail", email):
            return LOGIN_SENT
        note = outbox.Notification("login_reminder", {"login": user.login}, user_id=user.user_id, email=user.email)
        with transaction() as tx:
            outbox.stage(tx, note)
        outbox.dispatch([note])
        return LOGIN_SENT


def _code_digest(user_id: str, code: str) -> str:
    """Keyed: six digits are trivial to brute-force from a plain hash if the table leaks."""
    return hmac.new(derived_key("reset-code"), f"{user_id}:{code}".encode(), hashlib.sha256).hexdigest()
