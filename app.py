"""Kabinet API: Chalice app wiring. Each capability lives in its own blueprint under chalicelib/."""

from __future__ import annotations

from chalice import Chalice, Rate, Response

from chalicelib.accounts.api import api as accounts_api
from chalicelib.accounts.privacy_api import api as privacy_api
from chalicelib.aiis.api import api as aiis_api
from chalicelib.aiis.ingest_api import api as agents_api
from chalicelib.appeals.api import api as appeals_api
from chalicelib.appeals.staff_api import api as appeals_staff_api
from chalicelib.attachments.api import api as attachments_api
from chalicelib.audit.api import api as audit_api
from chalicelib.calculator.api import api as calculator_api
from chalicelib.connection.api import api as connection_api
from chalicelib.core.config import get_settings, resource_name
from chalicelib.core.logging import configure_logging
from chalicelib.core.model import BaseModel
from chalicelib.core.web import ApiBlueprint, Request, observed, router_errors_in_contract
from chalicelib.dashboard.api import api as dashboard_api
from chalicelib.exchange.api import api as exchange_api
from chalicelib.metering.api import api as metering_api
from chalicelib.metering.requests_api import api as access_requests_api
from chalicelib.metering.staff_api import api as access_staff_api
from chalicelib.notifications.api import api as notifications_api
from chalicelib.outages.api import api as outages_api
from chalicelib.pages.api import api as pages_api
from chalicelib.readings.api import api as readings_api
from chalicelib.reference.api import api as reference_api
from chalicelib.settings.api import api as settings_api
from chalicelib.staff_users.api import api as staff_users_api

API_PREFIX = "/api/v1"

configure_logging()
app = Chalice(app_name="kabinet")
# JSON otherwise (uploads go straight to S3); the АТС 80020 export is windows-1251 XML, which only a
# binary response carries unchanged (several days: a zip of such files). Agents' gzip bodies stay
# application/json: API Gateway, with compression on (minimum_compression_size in .chalice/config.json),
# decompresses them on the way in (chalicelib/aiis/signing.py).
app.api.binary_types = ["application/xml", "application/zip"]
app.register_middleware(observed, "all")
app.register_middleware(router_errors_in_contract, "http")

system_api = ApiBlueprint(__name__, tag="Служебное")


class Health(BaseModel):
    status: str
    stage: str


@system_api.route("/health", summary="Проверка работоспособности", access="public", response=Health)
def health(req: Request) -> Health:
    return Health(status="ok", stage=get_settings().stage)


for blueprint in (
    system_api,
    accounts_api,
    privacy_api,
    notifications_api,
    dashboard_api,
    metering_api,
    readings_api,
    outages_api,
    reference_api,
    attachments_api,
    exchange_api,
    appeals_api,
    appeals_staff_api,
    connection_api,
    calculator_api,
    aiis_api,
    agents_api,
    audit_api,
    access_requests_api,
    access_staff_api,
    pages_api,
    staff_users_api,
    settings_api,
):
    app.register_blueprint(blueprint.blueprint, url_prefix=API_PREFIX)


@app.route(f"{API_PREFIX}/openapi.json", methods=["GET"])
def openapi() -> Response:
    from chalicelib.core.openapi import openapi_document  # the JSON Schema generator: this route only

    return Response(
        body=openapi_document(API_PREFIX),
        status_code=200,
        headers={"Content-Type": "application/json; charset=utf-8", "Cache-Control": "public, max-age=300"},
    )


@app.on_sqs_message(queue=resource_name("notifications"), batch_size=10, name="notifications_consumer")
def notifications_consumer(event):  # type: ignore[no-untyped-def]
    from chalicelib.notifications.consumer import handle_batch

    return handle_batch(event.to_dict(), app.lambda_context)


@app.schedule(Rate(1, unit=Rate.MINUTES), name="outbox_relay")
def outbox_relay(event):  # type: ignore[no-untyped-def]
    from chalicelib.notifications.outbox import relay_pending

    relay_pending()


@app.schedule(Rate(1, unit=Rate.HOURS), name="attachments_sweep")
def attachments_sweep(event):  # type: ignore[no-untyped-def]
    from chalicelib.attachments.service import AttachmentService

    AttachmentService().sweep()
    from chalicelib.accounts.privacy import PrivacyService

    # Files and cases kept for closed accounts, once their retention date has come (docs/api-accounts.md).
    PrivacyService().sweep_retention()


# The exchange and the period close are ticks: each minute they read the company settings in force
# and decide whether a run or a close is due, once per lock window or period (chalicelib/exchange/
# schedule.py) — a change in «Настройки» needs no redeployment, and nothing is derived at import.
@app.schedule(Rate(1, unit=Rate.MINUTES), name="exchange_run")
def exchange_run(event):  # type: ignore[no-untyped-def]
    from chalicelib.exchange.schedule import exchange_tick

    exchange_tick(app.lambda_context)


# ПП 861 deadlines: hourly, acting once a local day has reached the watcher's hour (the company's time
# zone is read at run time); a repeated or retried run sends and annuls nothing twice.
@app.schedule(Rate(1, unit=Rate.HOURS), name="connection_deadlines")
def connection_deadlines(event):  # type: ignore[no-untyped-def]
    from chalicelib.connection.watcher import watch_deadlines

    watch_deadlines()


@app.schedule(Rate(1, unit=Rate.MINUTES), name="period_close")
def period_close(event):  # type: ignore[no-untyped-def]
    from chalicelib.exchange.schedule import period_close_tick

    period_close_tick()


# Reading-window and meter-verification notices (chalicelib/reminders): the tick reads the settings
# in force and fans out what is due through the reminders queue; the consumer writes the notices.
@app.schedule(Rate(5, unit=Rate.MINUTES), name="reminders_tick")
def reminders_tick(event):  # type: ignore[no-untyped-def]
    from chalicelib.reminders.service import reminders_tick as tick

    tick()


@app.on_sqs_message(queue=resource_name("reminders"), batch_size=10, name="reminders_consumer")
def reminders_consumer(event):  # type: ignore[no-untyped-def]
    from chalicelib.reminders.service import handle_batch

    return handle_batch(event.to_dict(), app.lambda_context)
