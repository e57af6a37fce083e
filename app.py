"""Kabinet API: Chalice app wiring. Each capability lives in its own blueprint under chalicelib/."""
from __future__ import annotations

from chalice import Chalice, Rate, Response
from pydantic import BaseModel

from chalicelib.accounts.api import api as accounts_api
from chalicelib.dashboard.api import api as dashboard_api
from chalicelib.metering.api import api as metering_api
from chalicelib.core.config import get_settings
from chalicelib.core.logging import configure_logging
from chalicelib.core.openapi import openapi_document
from chalicelib.core.web import ApiBlueprint, Request
from chalicelib.notifications.api import api as notifications_api
from chalicelib.readings.api import api as readings_api

API_PREFIX = "/api/v1"

settings = get_settings()
configure_logging()
app = Chalice(app_name="kabinet")
app.api.binary_types = []  # JSON only; uploads go straight to S3

system_api = ApiBlueprint(__name__, tag="Служебное")


class Health(BaseModel):
    status: str
    stage: str


@system_api.route("/health", summary="Проверка работоспособности", access="public", response=Health)
def health(req: Request) -> Health:
    return Health(status="ok", stage=settings.stage)


for blueprint in (system_api, accounts_api, notifications_api, dashboard_api, metering_api, readings_api):
    app.register_blueprint(blueprint.blueprint, url_prefix=API_PREFIX)


@app.route(f"{API_PREFIX}/openapi.json", methods=["GET"])
def openapi() -> Response:
    return Response(body=openapi_document(API_PREFIX), status_code=200,
                    headers={"Content-Type": "application/json; charset=utf-8",
                             "Cache-Control": "public, max-age=300"})


@app.on_sqs_message(queue=settings.resource("notifications"), batch_size=10, name="notifications_consumer")
def notifications_consumer(event):  # type: ignore[no-untyped-def]
    from chalicelib.notifications.consumer import handle_batch

    return handle_batch(event.to_dict(), app.lambda_context)


@app.schedule(Rate(1, unit=Rate.MINUTES), name="outbox_relay")
def outbox_relay(event):  # type: ignore[no-untyped-def]
    from chalicelib.notifications.outbox import relay_pending

    relay_pending()
