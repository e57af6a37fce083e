"""Routes of `accounts` and `meters/{id}`."""
from __future__ import annotations

from chalicelib.core.web import ApiBlueprint, Request

from .models import AccountsOut, LinkRequest, MeterCard, RenameRequest, VirtualMeterRequest

api = ApiBlueprint(__name__, tag="Лицевые счета и приборы учёта")


@api.route("/accounts", summary="Договоры, объекты и приборы учёта пользователя", response=AccountsOut)
def accounts(req: Request) -> AccountsOut:
    from .service import MeteringService

    return MeteringService().accounts(req.principal.user_id)


@api.route("/accounts", "POST", summary="Привязать договор по номеру договора и номеру одного счётчика",
           body=LinkRequest, response=AccountsOut, status=201, errors=(409, 422, 429))
def link(req: Request) -> AccountsOut:
    from .service import MeteringService

    return MeteringService().link(req.principal, req.body)


@api.route("/accounts/{contract_number}", "DELETE", summary="Отвязать договор", status=204, errors=(404,))
def unlink(req: Request, contract_number: str) -> None:
    from .service import MeteringService

    MeteringService().unlink(req.principal, contract_number)


@api.route("/meters/virtual", "POST", summary="Заявить прибор учёта (проверяется при обмене с биллингом)",
           body=VirtualMeterRequest, response=MeterCard, status=201, errors=(422,))
def declare(req: Request) -> MeterCard:
    from .service import MeteringService

    return MeteringService().declare(req.principal, req.body)


@api.route("/meters/{meter_id}", summary="Карточка прибора учёта", response=MeterCard, errors=(404,))
def card(req: Request, meter_id: str) -> MeterCard:
    from chalicelib.readings.window import current_period

    from .service import MeteringService

    return MeteringService().card(req.principal, meter_id, current_period().key)


@api.route("/meters/{meter_id}", "PATCH", summary="Переименовать прибор учёта (своё название)",
           body=RenameRequest, status=204, errors=(404, 422))
def rename(req: Request, meter_id: str) -> None:
    from .service import MeteringService

    MeteringService().rename(req.principal, meter_id, req.body.label)
