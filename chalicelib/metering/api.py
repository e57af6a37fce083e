"""Routes of `accounts` and `meters/{id}`."""

from __future__ import annotations

from chalicelib.core.web import ApiBlueprint, Request

from .models import (
    AcceptInvitationRequest,
    AccountsOut,
    CoUsersOut,
    InvitationOut,
    InvitationRequest,
    LinkRequest,
    MeterCard,
    RenameRequest,
    VirtualMeterRequest,
)

api = ApiBlueprint(__name__, tag="Лицевые счета и приборы учёта")


@api.route("/accounts", summary="Договоры, объекты и приборы учёта пользователя", response=AccountsOut)
def accounts(req: Request) -> AccountsOut:
    from .service import MeteringService

    return MeteringService().accounts(req.principal.user_id)


@api.route(
    "/accounts",
    "POST",
    summary="Привязать договор, доказав, что он Ваш (docs/design-ownership.md)",
    body=LinkRequest,
    response=AccountsOut,
    status=201,
    errors=(409, 422, 429),
    # Same reads on every path, but parsing a real contract's items still costs a few milliseconds.
    paced=True,
)
def link(req: Request) -> AccountsOut:
    from .service import MeteringService

    return MeteringService().link(req.principal, req.body)


@api.route("/accounts/{contract_number}", "DELETE", summary="Отвязать договор", status=204, errors=(404,))
def unlink(req: Request, contract_number: str) -> None:
    from .service import MeteringService

    MeteringService().unlink(req.principal, contract_number)


@api.route(
    "/accounts/{contract_number}/invitations",
    "POST",
    summary="Пригласить пользователя к договору по e-mail (только владелец)",
    body=InvitationRequest,
    response=InvitationOut,
    status=201,
    errors=(404, 422, 429),
)
def invite(req: Request, contract_number: str) -> InvitationOut:
    from .sharing import SharingService

    return SharingService().invite(req.principal, contract_number, req.body)


@api.route(
    "/accounts/{contract_number}/co-users",
    summary="Пользователи договора и приглашения (только владелец)",
    response=CoUsersOut,
    errors=(404,),
)
def co_users(req: Request, contract_number: str) -> CoUsersOut:
    from .sharing import SharingService

    return SharingService().co_users(req.principal, contract_number)


@api.route(
    "/accounts/{contract_number}/invitations/{invitation_id}",
    "DELETE",
    summary="Отменить приглашение",
    status=204,
    errors=(404,),
)
def cancel_invitation(req: Request, contract_number: str, invitation_id: str) -> None:
    from .sharing import SharingService

    SharingService().cancel(req.principal, contract_number, invitation_id)


@api.route(
    "/accounts/{contract_number}/co-users/{user_id}",
    "DELETE",
    summary="Отменить доступ пользователя к договору",
    status=204,
    errors=(404,),
)
def revoke_co_user(req: Request, contract_number: str, user_id: str) -> None:
    from .sharing import SharingService

    SharingService().revoke(req.principal, contract_number, user_id)


@api.route(
    "/invitations/accept",
    "POST",
    summary="Принять приглашение к договору",
    body=AcceptInvitationRequest,
    response=AccountsOut,
    errors=(403, 404, 409, 422, 429),
)
def accept_invitation(req: Request) -> AccountsOut:
    from .sharing import SharingService

    return SharingService().accept(req.principal, req.body)


@api.route(
    "/meters/virtual",
    "POST",
    summary="Заявить прибор учёта (проверяется при обмене с биллингом)",
    body=VirtualMeterRequest,
    response=MeterCard,
    status=201,
    errors=(422,),
)
def declare(req: Request) -> MeterCard:
    from .service import MeteringService

    return MeteringService().declare(req.principal, req.body)


@api.route("/meters/{meter_id}", summary="Карточка прибора учёта", response=MeterCard, errors=(404,))
def card(req: Request, meter_id: str) -> MeterCard:
    from .service import MeteringService

    return MeteringService().card(req.principal, meter_id)


@api.route(
    "/meters/{meter_id}",
    "PATCH",
    summary="Переименовать прибор учёта (своё название)",
    body=RenameRequest,
    status=204,
    errors=(404, 422),
)
def rename(req: Request, meter_id: str) -> None:
    from .service import MeteringService

    MeteringService().rename(req.principal, meter_id, req.body.label)
