"""Routes of reading entry (`meters/{id}/readings`) and the period summary (`readings/summary`)."""

from __future__ import annotations

from chalicelib.core.web import ApiBlueprint, Request

from .models import EntryForm, HistoryOut, HistoryQuery, ReadingOut, SubmitRequest, SummaryOut

api = ApiBlueprint(__name__, tag="Показания")


@api.route(
    "/meters/{meter_id}/readings/current",
    summary="Форма ввода: окно приёма, зоны, прежние и текущие показания",
    response=EntryForm,
    errors=(404,),
)
def entry_form(req: Request, meter_id: str) -> EntryForm:
    from .service import ReadingService

    return ReadingService().entry_form(req.principal, meter_id)


@api.route(
    "/meters/{meter_id}/readings",
    "POST",
    summary="Передать или исправить показания текущего периода (по зонам)",
    body=SubmitRequest,
    response=ReadingOut,
    status=201,
    errors=(403, 404, 409, 422, 423),
)
def submit(req: Request, meter_id: str) -> ReadingOut:
    from .service import ReadingService

    return ReadingService().submit(req.principal, meter_id, req.body)


@api.route(
    "/meters/{meter_id}/readings",
    summary="История показаний по периодам (без текущего)",
    query=HistoryQuery,
    response=HistoryOut,
    errors=(404,),
)
def history(req: Request, meter_id: str) -> HistoryOut:
    from .service import ReadingService

    return ReadingService().history(req.principal, meter_id, req.query.limit)


@api.route("/readings/summary", summary="Сводка показаний, сохранённых в текущем периоде", response=SummaryOut)
def summary(req: Request) -> SummaryOut:
    from .service import ReadingService

    return ReadingService().summary(req.principal)
