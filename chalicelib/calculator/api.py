"""Route of `connection-calculator` (public)."""

from __future__ import annotations

from chalicelib.core.web import ApiBlueprint, Request

from .models import CalculatorRequest, CalculatorResult

api = ApiBlueprint(__name__, tag="Технологическое присоединение")


@api.route(
    "/connection-calculator",
    "POST",
    summary="Ориентировочная стоимость присоединения по стандартизированным ставкам и по ставке за 1 кВт",
    access="public",
    body=CalculatorRequest,
    response=CalculatorResult,
    errors=(503,),
)
def calculate(req: Request) -> CalculatorResult:
    from .service import calculate as run

    return run(req.body)
