"""Routes of `auth/*` and `me*`: parse → service → HTTP."""

from __future__ import annotations

from chalicelib.core.config import get_settings
from chalicelib.core.errors import field_error
from chalicelib.core.web import ApiBlueprint, Request

from .consent import CONSENT_TEXT
from .models import (
    ChallengeResponse,
    ConfirmRequest,
    ConsentText,
    ForgotRequest,
    LoginRequest,
    LoginResponse,
    Message,
    PasswordChange,
    PhoneChangeRequest,
    PhoneChangeStarted,
    PhoneConfirmRequest,
    Profile,
    ProfileUpdate,
    RefreshRequest,
    RegisterRequest,
    ResendConfirmationRequest,
    ResetRequest,
    Tokens,
)

api = ApiBlueprint(__name__, tag="Учётная запись")


# Services and storage are imported inside the handlers: a cold start pays only for the routes.


def _limit_ip(req: Request, scope: str) -> None:
    """The ceiling per address of the anonymous auth routes. Those that send mail already take a
    proof of work on every request, so past it nothing cheaper than a refusal is left to ask."""
    from chalicelib.core import throttle

    settings = get_settings()
    throttle.hit_sliding(scope, req.source_ip, settings.auth_requests_per_ip, settings.auth_window_seconds)


@api.route(
    "/auth/challenge", summary="Задача проверки «не робот» (proof of work)", access="public", response=ChallengeResponse
)
def challenge(req: Request) -> ChallengeResponse:
    from . import pow

    issued = pow.issue()
    return ChallengeResponse(challenge=issued.challenge, difficulty=issued.difficulty, expires_in=issued.expires_in)


@api.route(
    "/auth/consent", summary="Текст согласия на обработку персональных данных", access="public", response=ConsentText
)
def consent(req: Request) -> ConsentText:
    from chalicelib.settings import company

    settings = get_settings()
    return ConsentText(version=settings.consent_version, text=CONSENT_TEXT.format(company=company().requisites.name))


@api.route(
    "/auth/register",
    "POST",
    summary="Регистрация (ФЛ, ИП, ЮЛ)",
    access="public",
    body=RegisterRequest,
    response=Message,
    status=202,
    errors=(400, 409, 422, 429),
    paced=True,
)
def register(req: Request) -> Message:
    from . import pow
    from .registration import RegistrationService

    _limit_ip(req, "register-ip")
    reg = req.body.registration
    pow.verify(reg.pow.challenge, reg.pow.nonce)
    settings = get_settings()
    if reg.consent.version != settings.consent_version:
        raise field_error("consent.version", "Текст согласия обновился. Ознакомьтесь с ним ещё раз")
    from chalicelib.pages.service import PageService

    if reg.consent.agreement_version != PageService().current_agreement_version():
        raise field_error(
            "consent.agreement_version", "Пользовательское соглашение обновилось. Ознакомьтесь с новой редакцией"
        )
    return Message(message=RegistrationService().register(reg, req.source_ip, reg.consent.version))


@api.route(
    "/auth/confirm",
    "POST",
    summary="Подтверждение адреса электронной почты по ссылке из письма",
    access="public",
    body=ConfirmRequest,
    response=Message,
    errors=(400, 429),
)
def confirm(req: Request) -> Message:
    from .registration import RegistrationService

    _limit_ip(req, "confirm-ip")
    return Message(message=RegistrationService().confirm(req.body.token))


@api.route(
    "/auth/confirmation/resend",
    "POST",
    summary="Повторное письмо для подтверждения регистрации (новая ссылка заменяет прежнюю)",
    access="public",
    body=ResendConfirmationRequest,
    response=Message,
    status=202,
    errors=(400, 422, 429),
    paced=True,
)
def resend_confirmation(req: Request) -> Message:
    from . import pow
    from .registration import RegistrationService

    _limit_ip(req, "resend-ip")
    pow.verify(req.body.pow.challenge, req.body.pow.nonce)
    return Message(message=RegistrationService().resend_confirmation(req.body.identifier))


@api.route(
    "/auth/login",
    "POST",
    summary="Вход по логину, e-mail или телефону",
    access="public",
    body=LoginRequest,
    response=LoginResponse,
    errors=(400, 401, 422, 429),
)
def login(req: Request) -> LoginResponse:
    from .sessions import SessionService

    body = req.body
    challenge = (body.pow.challenge, body.pow.nonce) if body.pow else None
    return SessionService().login(body.identifier, body.password, body.remember, req.source_ip, challenge)


@api.route(
    "/auth/refresh",
    "POST",
    summary="Обновление токенов (одноразовый refresh-токен)",
    access="public",
    body=RefreshRequest,
    response=Tokens,
    errors=(401,),
)
def refresh(req: Request) -> Tokens:
    from .sessions import SessionService

    return SessionService().refresh(req.body.refresh_token)


@api.route("/auth/logout", "POST", summary="Выход: завершение текущего сеанса", access="any", status=204)
def logout(req: Request) -> None:
    from .sessions import SessionService

    SessionService().logout(req.principal)


@api.route(
    "/auth/password/forgot",
    "POST",
    summary="Запрос кода для восстановления пароля",
    access="public",
    body=ForgotRequest,
    response=Message,
    status=202,
    errors=(400, 429),
    paced=True,
)
def forgot_password(req: Request) -> Message:
    from . import pow
    from .recovery import RecoveryService

    _limit_ip(req, "recovery-ip")
    pow.verify(req.body.pow.challenge, req.body.pow.nonce)
    return Message(message=RecoveryService().forgot_password(req.body.email))


@api.route(
    "/auth/password/reset",
    "POST",
    summary="Новый пароль по коду из письма",
    access="public",
    body=ResetRequest,
    response=Message,
    errors=(400, 422, 429),
    paced=True,
)
def reset_password(req: Request) -> Message:
    from .recovery import RecoveryService

    _limit_ip(req, "reset-ip")
    body = req.body
    return Message(message=RecoveryService().reset_password(body.email, body.code, body.password))


@api.route(
    "/auth/login/recover",
    "POST",
    summary="Напоминание логина на e-mail",
    access="public",
    body=ForgotRequest,
    response=Message,
    status=202,
    errors=(400, 429),
    paced=True,
)
def recover_login(req: Request) -> Message:
    from . import pow
    from .recovery import RecoveryService

    _limit_ip(req, "recovery-ip")
    pow.verify(req.body.pow.challenge, req.body.pow.nonce)
    return Message(message=RecoveryService().recover_login(req.body.email))


@api.route("/me", summary="Профиль", response=Profile)
def me(req: Request) -> Profile:
    from .profile import to_profile

    return to_profile(req.principal.user)


@api.route(
    "/me",
    "PATCH",
    summary="Изменение профиля (телефон — через me/phone, с кодом из СМС)",
    body=ProfileUpdate,
    response=Profile,
    errors=(409, 422),
)
def update_me(req: Request) -> Profile:
    from .profile import ProfileService

    return ProfileService().update(req.principal, req.body)


@api.route(
    "/me/phone",
    "POST",
    summary="Смена телефона, шаг 1: код в СМС на новый номер (новый запрос заменяет прежний код)",
    body=PhoneChangeRequest,
    response=PhoneChangeStarted,
    status=202,
    errors=(409, 422, 429),
)
def request_phone_change(req: Request) -> PhoneChangeStarted:
    from .profile import PHONE_CODE_SENT, ProfileService

    lifetime = ProfileService().request_phone_change(req.principal, req.body.phone)
    return PhoneChangeStarted(message=PHONE_CODE_SENT, expires_in=lifetime)


@api.route(
    "/me/phone/confirm",
    "POST",
    summary="Смена телефона, шаг 2: код из СМС; новый номер вступает в силу",
    body=PhoneConfirmRequest,
    response=Profile,
    errors=(400, 409, 422),
)
def confirm_phone_change(req: Request) -> Profile:
    from .profile import ProfileService

    return ProfileService().confirm_phone_change(req.principal, req.body.code)


@api.route(
    "/me/password",
    "POST",
    summary="Смена пароля (нужен текущий пароль)",
    body=PasswordChange,
    response=Tokens,
    errors=(409, 422),
)
def change_password(req: Request) -> Tokens:
    from .sessions import SessionService

    return SessionService().change_password(req.principal, req.body.old_password, req.body.new_password)


@api.route("/staff/me", summary="Профиль сотрудника", access="staff", response=Profile, errors=(403,))
def staff_me(req: Request) -> Profile:
    from .profile import to_profile

    return to_profile(req.principal.user)
