"""Routes of `staff/users*` (administrators) and of the console's own sign-in (`staff/auth/*`)."""

from __future__ import annotations

from chalicelib.accounts.models import LoginRequest, Message
from chalicelib.core.config import get_settings
from chalicelib.core.web import ApiBlueprint, Request

from .models import (
    ColleagueList,
    ColleagueQuery,
    RecoveryCodes,
    RecoveryCodesIn,
    SecondFactorIn,
    StaffLoginChallenge,
    StaffPasswordSet,
    StaffSession,
    StaffUserIn,
    StaffUserList,
    StaffUserOut,
    StaffUserPatch,
    TotpStatus,
)

api = ApiBlueprint(__name__, tag="Консоль сотрудника: сотрудники")

ADMINS = ("admin",)


@api.route(
    "/staff/auth/login",
    "POST",
    summary="Вход сотрудника в консоль, шаг 1: логин (e-mail или телефон сотрудника) и пароль. Сеанс выдаёт "
    "шаг 2 — код из приложения (POST /staff/auth/login/totp)",
    access="public",
    body=LoginRequest,
    response=StaffLoginChallenge,
    errors=(400, 401, 422, 429),
)
def login(req: Request) -> StaffLoginChallenge:
    from .second_factor import SecondFactorService

    body = req.body
    challenge = (body.pow.challenge, body.pow.nonce) if body.pow else None
    return SecondFactorService().begin(body.identifier, body.password, body.remember, req.source_ip, challenge)


@api.route(
    "/staff/auth/login/totp",
    "POST",
    summary="Вход сотрудника в консоль, шаг 2: код из приложения (или резервный код) — выдаёт сеанс; при "
    "подключении приложения — ещё и резервные коды",
    access="public",
    body=SecondFactorIn,
    response=StaffSession,
    errors=(400, 401, 422, 429),
)
def login_totp(req: Request) -> StaffSession:
    from .second_factor import SecondFactorService

    return SecondFactorService().complete(req.body, req.source_ip)


@api.route(
    "/staff/auth/totp",
    summary="Двухфакторная защита сотрудника: когда подключена, сколько резервных кодов осталось",
    access="staff",
    response=TotpStatus,
    errors=(404,),
)
def totp_status(req: Request) -> TotpStatus:
    from .second_factor import SecondFactorService

    return SecondFactorService().status(req.principal)


@api.route(
    "/staff/auth/totp/recovery-codes",
    "POST",
    summary="Новые резервные коды по текущему коду из приложения (прежние перестают действовать)",
    access="staff",
    body=RecoveryCodesIn,
    response=RecoveryCodes,
    errors=(404, 429),
)
def regenerate_recovery_codes(req: Request) -> RecoveryCodes:
    from .second_factor import SecondFactorService

    return SecondFactorService().regenerate(req.principal, req.body.code, req.source_ip)


@api.route(
    "/staff/auth/password",
    "POST",
    summary="Задать пароль сотрудника по одноразовой ссылке из письма",
    access="public",
    body=StaffPasswordSet,
    response=Message,
    errors=(400, 422, 429),
)
def set_password(req: Request) -> Message:
    from chalicelib.core import throttle

    from .service import StaffUserService

    settings = get_settings()
    throttle.hit_sliding(
        "staff-password-ip", req.source_ip, settings.auth_requests_per_ip, settings.auth_window_seconds
    )
    return Message(message=StaffUserService().set_password(req.body))


@api.route("/staff/users", summary="Сотрудники", access="staff", roles=ADMINS, response=StaffUserList)
def list_users(req: Request) -> StaffUserList:
    from .service import StaffUserService

    return StaffUserService().list()


@api.route(
    "/staff/users",
    "POST",
    summary="Новый сотрудник: ссылка для пароля уходит ему на e-mail",
    access="staff",
    roles=ADMINS,
    body=StaffUserIn,
    response=StaffUserOut,
    status=201,
    errors=(409,),
)
def create_user(req: Request) -> StaffUserOut:
    from .service import StaffUserService

    return StaffUserService().create(req.principal, req.body)


@api.route(
    "/staff/users/{user_id}", summary="Сотрудник", access="staff", roles=ADMINS, response=StaffUserOut, errors=(404,)
)
def get_user(req: Request, user_id: str) -> StaffUserOut:
    from .service import StaffUserService

    return StaffUserService().get(user_id)


@api.route(
    "/staff/users/{user_id}",
    "PATCH",
    summary="Изменить данные и роли сотрудника",
    access="staff",
    roles=ADMINS,
    body=StaffUserPatch,
    response=StaffUserOut,
    errors=(404, 409),
)
def update_user(req: Request, user_id: str) -> StaffUserOut:
    from .service import StaffUserService

    return StaffUserService().update(req.principal, user_id, req.body)


@api.route(
    "/staff/users/{user_id}/disable",
    "POST",
    summary="Отключить сотрудника: все его сеансы завершаются",
    access="staff",
    roles=ADMINS,
    response=StaffUserOut,
    errors=(404,),
)
def disable_user(req: Request, user_id: str) -> StaffUserOut:
    from .service import StaffUserService

    return StaffUserService().set_enabled(req.principal, user_id, False)


@api.route(
    "/staff/users/{user_id}/enable",
    "POST",
    summary="Снова включить сотрудника",
    access="staff",
    roles=ADMINS,
    response=StaffUserOut,
    errors=(404,),
)
def enable_user(req: Request, user_id: str) -> StaffUserOut:
    from .service import StaffUserService

    return StaffUserService().set_enabled(req.principal, user_id, True)


@api.route(
    "/staff/users/{user_id}/password-reset",
    "POST",
    summary="Сбросить пароль сотрудника: новая одноразовая ссылка уходит ему на e-mail",
    access="staff",
    roles=ADMINS,
    response=StaffUserOut,
    errors=(404, 409),
)
def reset_password(req: Request, user_id: str) -> StaffUserOut:
    from .service import StaffUserService

    return StaffUserService().reset_password(req.principal, user_id)


@api.route(
    "/staff/users/{user_id}/totp-reset",
    "POST",
    summary="Сбросить двухфакторную защиту сотрудника: его сеансы завершаются, при следующем входе он "
    "подключит приложение заново",
    access="staff",
    roles=ADMINS,
    response=StaffUserOut,
    errors=(403, 404),
)
def reset_totp(req: Request, user_id: str) -> StaffUserOut:
    from .service import StaffUserService

    return StaffUserService().reset_totp(req.principal, user_id)


@api.route(
    "/staff/colleagues",
    summary="Коллеги, которым можно передать дело очереди (работающие с ней сотрудники)",
    access="staff",
    query=ColleagueQuery,
    response=ColleagueList,
)
def colleagues(req: Request) -> ColleagueList:
    from .service import colleagues as of_queue

    return of_queue(queue_roles(req.query.queue))


def queue_roles(queue: str) -> tuple[str, ...]:
    """Who works a queue: the roles its routes admit."""
    if queue == "connection":
        from chalicelib.connection.api import ENGINEERS

        return ENGINEERS
    from chalicelib.appeals.staff_api import HANDLERS

    return HANDLERS
