"""Two-factor sign-in of employees: TOTP (RFC 6238) after the password, with ten recovery codes.

Mandatory for every employee — the console shows thousands of people's personal data — so there is
no setting to turn it off (docs/staff-sign-in.md):
- `POST /staff/auth/login` checks the password (accounts/sessions.py, the same guard, answers and
  work as the consumers' sign-in) and issues no session: it answers a challenge, a random single-use
  token that lives CHALLENGE_SECONDS (ENROL_SECONDS while the employee is setting the app up). An
  employee without a confirmed secret gets the enrolment: the secret, its otpauth:// link and its QR
  code. The same pending secret is shown at each sign-in until a first code confirms it.
- `POST /staff/auth/login/totp` takes the challenge and a code and issues the session, in one
  transaction that consumes the challenge, records the code's time step (or spends the recovery code)
  and stores the session — conditional on each, so a code or a challenge works once even when two
  requests race. A code of the current step or of the one before or after is accepted; a step not
  after the last one used is refused (a code seen over a shoulder cannot be replayed). Enrolment
  answers the ten recovery codes, shown once and stored as argon2 hashes like passwords.
- Wrong codes count in the login guard (accounts/login_guard.py) under the employee, whatever
  identifier was typed, so the delays, proof of work and per-address limit of the password step slow
  code guessing too; a challenge dies after MAX_ATTEMPTS wrong codes (the password is asked again).
- The secret is stored encrypted (AES-GCM, a key derived from the data key — not the signing key, so
  rotating that leaves enrolments readable — bound to the employee) and never answered after
  enrolment; an administrator's reset deletes it with the recovery codes and ends the employee's
  sessions; the employee enrols again at the next sign-in.

Storage in the identity table: `USER#<id>` / `TOTP` (the secret, the last step used, the recovery
hashes) and `STAFF2FA#<sha256(challenge)>` / `CHALLENGE` (expiring by TTL).
"""

from __future__ import annotations

import base64
import hmac
import os
import secrets
from typing import NoReturn

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute, UnicodeSetAttribute
from pynamodb.exceptions import PutError, TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.accounts.login_guard import Attempt, LoginGuard
from chalicelib.accounts.passwords import hash_password, verify_password
from chalicelib.accounts.principal import Principal, staff_roles_of
from chalicelib.accounts.repository import UserItem, UserRepository, user_key
from chalicelib.accounts.sessions import SessionService
from chalicelib.accounts.tokens import secret_digest
from chalicelib.core import audit, clock
from chalicelib.core.config import get_settings
from chalicelib.core.dynamo import is_conditional_failure, table_meta, transaction
from chalicelib.core.errors import ApiError, FieldError, field_error, unauthorized
from chalicelib.core.secrets import data_key

from .models import (
    RECOVERY_ALPHABET,
    RecoveryCodes,
    SecondFactorIn,
    StaffLoginChallenge,
    StaffSession,
    TotpEnrolment,
    TotpStatus,
)

CHALLENGE_SECONDS = 300
ENROL_SECONDS = 900
MAX_ATTEMPTS = 5
RECOVERY_CODES = 10
STEP_SECONDS = 30  # what every authenticator app uses (RFC 6238's default)
TARGET = "staff_user"

CHALLENGE_GONE = "Время на ввод кода истекло или код введён неверно слишком много раз. Войдите снова"
WRONG_CODE = "Неверный код. Проверьте, что время на телефоне точное, и введите новый код из приложения"
USED_CODE = "Этот код уже использован. Дождитесь следующего кода в приложении"
NOT_ENROLLED = "Двухфакторная защита не подключена"


class TotpItem(Model):
    Meta = table_meta("identity")
    pk = UnicodeAttribute(hash_key=True)  # USER#<id>
    sk = UnicodeAttribute(range_key=True, default="TOTP")
    secret = UnicodeAttribute()  # encrypted, see _seal
    enrolled_at = UnicodeAttribute(null=True)  # none while the secret awaits its first code
    last_step = NumberAttribute(default=0)
    recovery = UnicodeSetAttribute(null=True)  # argon2 hashes of the unused recovery codes


class ChallengeItem(Model):
    Meta = table_meta("identity")
    pk = UnicodeAttribute(hash_key=True)  # STAFF2FA#<sha256(token)>
    sk = UnicodeAttribute(range_key=True, default="CHALLENGE")
    ttl = NumberAttribute()  # the challenge's end; DynamoDB removes it some time after
    user_id = UnicodeAttribute()
    enrol = BooleanAttribute(default=False)
    remember = BooleanAttribute(default=False)
    token_version = NumberAttribute()  # a password reset or disabling in between voids the challenge
    attempts = NumberAttribute(default=0)


def totp_key(user_id: str) -> tuple[str, str]:
    return user_key(user_id), "TOTP"


# --- the secret ---------------------------------------------------------------------------------
def _seal(user_id: str, secret: str) -> str:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(12)
    sealed = AESGCM(data_key("totp-secret")).encrypt(nonce, secret.encode(), user_id.encode())
    return base64.b64encode(nonce + sealed).decode()


def _open(user_id: str, sealed: str) -> str:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    raw = base64.b64decode(sealed)
    return AESGCM(data_key("totp-secret")).decrypt(raw[:12], raw[12:], user_id.encode()).decode()


def _enrolment(user: UserItem, secret: str) -> TotpEnrolment:
    import pyotp
    import segno

    from chalicelib.settings import company

    # The app lists the entry under the company's name and the employee's login.
    uri = pyotp.TOTP(secret, interval=STEP_SECONDS, issuer=company().requisites.name).provisioning_uri(name=user.login)
    return TotpEnrolment(secret=secret, otpauth_uri=uri, qr_svg=segno.make(uri, error="m").svg_data_uri(scale=4))


def _matching_step(secret: str, code: str) -> int | None:
    """The time step (now, or one either side) whose code this is; compared in constant time."""
    import pyotp

    totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
    now = int(clock.now().timestamp() // STEP_SECONDS)
    found = None
    for step in (now - 1, now, now + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            found = step
    return found


def new_recovery_codes() -> list[str]:
    codes = ["".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10)) for _ in range(RECOVERY_CODES)]
    return [f"{c[:5]}-{c[5:]}" for c in codes]


class SecondFactorService:
    def __init__(self) -> None:
        self.settings = get_settings()
        self.sessions = SessionService(settings=self.settings)
        self.users = UserRepository()

    # --- step 1: the password ------------------------------------------------------------------
    def begin(
        self, identifier: str, password: str, remember: bool, source_ip: str, pow_answer: tuple[str, str] | None
    ) -> StaffLoginChallenge:
        user = self.sessions.authenticate(identifier, password, source_ip, pow_answer, staff=True)
        item = self._totp(user.user_id) or self._pending(user.user_id)
        enrol = item.enrolled_at is None
        token = secrets.token_urlsafe(32)
        lifetime = ENROL_SECONDS if enrol else CHALLENGE_SECONDS
        ChallengeItem(
            f"STAFF2FA#{secret_digest(token)}",
            "CHALLENGE",
            user_id=user.user_id,
            enrol=enrol,
            remember=remember,
            token_version=int(user.token_version),
            ttl=clock.epoch(clock.now()) + lifetime,
        ).save()
        return StaffLoginChallenge(
            second_factor="totp_enrolment" if enrol else "totp",
            challenge=token,
            expires_in=lifetime,
            enrolment=_enrolment(user, _open(user.user_id, item.secret)) if enrol else None,
        )

    def _pending(self, user_id: str) -> TotpItem:
        """A new secret awaiting its first code; a concurrent sign-in's, if it stored one first."""
        import pyotp

        item = TotpItem(*totp_key(user_id), secret=_seal(user_id, pyotp.random_base32()))
        try:
            item.save(condition=TotpItem.pk.does_not_exist())
        except PutError as exc:
            if not is_conditional_failure(exc):
                raise
            return self._totp(user_id) or item
        return item

    # --- step 2: the code ----------------------------------------------------------------------
    def complete(self, body: SecondFactorIn, source_ip: str) -> StaffSession:
        challenge = self._challenge(body.challenge)
        user_id = challenge.user_id
        guard = LoginGuard(self.settings)
        pow_answer = (body.pow.challenge, body.pow.nonce) if body.pow else None
        attempt = guard.admit(f"staff-2fa:{user_id}", source_ip, pow_answer)
        user = self.users.get(user_id)
        item = self._totp(user_id)
        if (
            user is None
            or user.status != "active"
            or not staff_roles_of(user)
            or item is None
            or int(user.token_version) != int(challenge.token_version)
            or challenge.enrol != (item.enrolled_at is None)
        ):
            # Disabled, password reset, 2FA reset or enrolled elsewhere since the password step.
            challenge.delete()
            raise unauthorized(CHALLENGE_GONE, code="challenge_invalid")
        secret = _open(user_id, item.secret)
        recovery_codes: list[str] | None = None
        if challenge.enrol:
            if not body.code.isdigit():
                raise field_error("code", "Введите шесть цифр из приложения: резервные коды появятся после подключения")
            step = _matching_step(secret, body.code)
            if step is None:
                self._wrong(guard, attempt, challenge, WRONG_CODE, "wrong_code")
            recovery_codes = new_recovery_codes()
            totp_update: tuple[list[Action], Condition] = (
                [
                    TotpItem.enrolled_at.set(clock.iso(clock.now())),
                    TotpItem.last_step.set(step),
                    TotpItem.recovery.set({hash_password(c) for c in recovery_codes}),
                ],
                TotpItem.enrolled_at.does_not_exist() & (TotpItem.secret == item.secret),
            )
        elif body.code.isdigit():
            step = _matching_step(secret, body.code)
            if step is None:
                self._wrong(guard, attempt, challenge, WRONG_CODE, "wrong_code")
            if step <= int(item.last_step):
                self._wrong(guard, attempt, challenge, USED_CODE, "code_used")
            totp_update = ([TotpItem.last_step.set(step)], TotpItem.last_step < step)
        else:
            spent = next((h for h in sorted(item.recovery or ()) if verify_password(h, body.code)), None)
            if spent is None:
                self._wrong(guard, attempt, challenge, "Неверный или уже использованный резервный код", "wrong_code")
            totp_update = ([TotpItem.recovery.delete({spent})], TotpItem.recovery.contains(spent))
        session, actions = self.sessions.session_actions(user, bool(challenge.remember), staff=True)
        try:
            with transaction() as tx:
                tx.delete(challenge, condition=ChallengeItem.pk.exists())
                tx.update(item, actions=totp_update[0], condition=totp_update[1])
                tx.update(
                    user,
                    actions=actions,
                    condition=(UserItem.token_version == user.token_version) & (UserItem.status == "active"),
                )
        except TransactWriteError:
            # Another request used this challenge or this code a moment ago.
            raise unauthorized(USED_CODE, code="code_used") from None
        signed_in = self.sessions.signed_in(user, session)
        return StaffSession(**signed_in.model_dump(), recovery_codes=recovery_codes)

    def _challenge(self, token: str) -> ChallengeItem:
        try:
            challenge = ChallengeItem.get(f"STAFF2FA#{secret_digest(token)}", "CHALLENGE", consistent_read=True)
        except ChallengeItem.DoesNotExist:
            raise unauthorized(CHALLENGE_GONE, code="challenge_invalid") from None
        if int(challenge.ttl) <= clock.epoch(clock.now()):
            raise unauthorized(CHALLENGE_GONE, code="challenge_invalid")
        return challenge

    def _wrong(
        self, guard: LoginGuard, attempt: Attempt, challenge: ChallengeItem, message: str, code: str
    ) -> NoReturn:
        """Count a wrong code (guard and challenge) and answer it; the challenge dies at MAX_ATTEMPTS."""
        guard.failed(attempt)
        if int(challenge.attempts) + 1 >= MAX_ATTEMPTS:
            challenge.delete()
            raise unauthorized(CHALLENGE_GONE, code="challenge_invalid")
        try:
            # Conditional: an update would otherwise bring back a challenge that a racing request spent.
            challenge.update(actions=[ChallengeItem.attempts.add(1)], condition=ChallengeItem.pk.exists())
        except UpdateError as exc:
            if not is_conditional_failure(exc):
                raise
        raise ApiError(message, [FieldError("code", message)], status=401, code=code)

    @staticmethod
    def _totp(user_id: str) -> TotpItem | None:
        try:
            return TotpItem.get(*totp_key(user_id), consistent_read=True)
        except TotpItem.DoesNotExist:
            return None

    # --- the employee's own 2FA ----------------------------------------------------------------
    def status(self, principal: Principal) -> TotpStatus:
        item = self._totp(principal.user_id)
        if item is None or item.enrolled_at is None:
            raise ApiError(NOT_ENROLLED, status=404, code="not_found")
        return TotpStatus(enrolled_at=item.enrolled_at, recovery_codes_left=len(item.recovery or ()))

    def regenerate(self, principal: Principal, code: str, source_ip: str) -> RecoveryCodes:
        """Ten new recovery codes for a current code from the app; the old ones stop working."""
        item = self._totp(principal.user_id)
        if item is None or item.enrolled_at is None:
            raise ApiError(NOT_ENROLLED, status=404, code="not_found")
        guard = LoginGuard(self.settings)
        attempt = guard.admit(f"staff-2fa:{principal.user_id}", source_ip, None, solvable=False)
        step = _matching_step(_open(principal.user_id, item.secret), code)
        if step is None or step <= int(item.last_step):
            guard.failed(attempt)
            message = WRONG_CODE if step is None else USED_CODE
            raise ApiError(message, [FieldError("code", message)], status=422, code="validation_error")
        codes = new_recovery_codes()
        try:
            with transaction() as tx:
                tx.update(
                    item,
                    actions=[TotpItem.last_step.set(step), TotpItem.recovery.set({hash_password(c) for c in codes})],
                    condition=TotpItem.last_step < step,
                )
                audit.record(tx, principal, "staff_user.recovery_codes", TARGET, principal.user_id)
        except TransactWriteError:
            raise ApiError(USED_CODE, [FieldError("code", USED_CODE)], status=422, code="validation_error") from None
        return RecoveryCodes(recovery_codes=codes)


def stage_reset(tx: TransactWrite, user_id: str) -> None:
    """An administrator's reset, in the caller's transaction: the secret and recovery codes go."""
    tx.delete(TotpItem(*totp_key(user_id)))


def is_enrolled(user_id: str) -> bool:
    item = SecondFactorService._totp(user_id)
    return item is not None and item.enrolled_at is not None


def enrol_with_secret(user_id: str, secret: str) -> None:
    """An employee enrolled outside the console with a known secret: `make run`'s demo employees (the
    start-up banner prints it) and test fixtures."""
    TotpItem(*totp_key(user_id), secret=_seal(user_id, secret), enrolled_at=clock.iso(clock.now())).save()
