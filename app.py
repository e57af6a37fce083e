"""Kabinet API: Chalice app wiring. Each capability declares its routes in its own module under chalicelib/.

Cold start: importing this module imports no capability module and no pydantic model. The routes are
served from chalicelib/route_manifest.py, generated from ROUTE_MODULES below; a route's first call
in a container imports the module declaring it (chalicelib/core/web.py). After adding, removing or
moving a route or a module, regenerate the manifest:

    make routes        (.venv/bin/python -m infra.routes)

tests/unit/test_route_manifest.py fails while the manifest is stale.
"""

from __future__ import annotations

from collections.abc import Mapping

from chalice import Chalice, Rate, Response
from chalice.app import CloudWatchEvent, SQSEvent

from chalicelib.core.logging import configure_logging
from chalicelib.core.names import resource_name
from chalicelib.core.web import declare_all, observed, router_errors_in_contract, serve_manifest
from chalicelib.route_manifest import ROUTES

API_PREFIX = "/api/v1"
# The modules whose `ApiBlueprint` routes the API serves: the one list, read by `make routes` only.
ROUTE_MODULES = (
    "chalicelib.core.system_api",
    "chalicelib.accounts.api",
    "chalicelib.accounts.privacy_api",
    "chalicelib.notifications.api",
    "chalicelib.dashboard.api",
    "chalicelib.metering.api",
    "chalicelib.readings.api",
    "chalicelib.outages.api",
    "chalicelib.reference.api",
    "chalicelib.attachments.api",
    "chalicelib.exchange.api",
    "chalicelib.appeals.api",
    "chalicelib.appeals.staff_api",
    "chalicelib.connection.api",
    "chalicelib.calculator.api",
    "chalicelib.aiis.reads.api",
    "chalicelib.aiis.admin.staff_api",
    "chalicelib.aiis.ingestion.api",
    "chalicelib.audit.api",
    "chalicelib.metering.requests_api",
    "chalicelib.metering.staff_api",
    "chalicelib.pages.api",
    "chalicelib.staff_users.api",
    "chalicelib.settings.api",
)

configure_logging()
app = Chalice(app_name="kabinet")
# JSON otherwise (uploads go straight to S3); the АТС 80020 export is windows-1251 XML, which only a
# binary response carries unchanged (several days: a zip of such files). Agents' gzip bodies stay
# application/json: API Gateway, with compression on (minimum_compression_size in .chalice/config.json),
# decompresses them on the way in (chalicelib/aiis/ingestion/signing.py).
app.api.binary_types = ["application/xml", "application/zip"]
app.register_middleware(observed, "all")
app.register_middleware(router_errors_in_contract, "http")
serve_manifest(app, API_PREFIX, ROUTES)


@app.route(f"{API_PREFIX}/openapi.json", methods=["GET"])
def openapi() -> Response:
    from chalicelib.core.openapi import openapi_document  # the JSON Schema generator: this route only

    declare_all(ROUTES)  # the document covers every route, whether called in this container yet or not
    return Response(
        body=openapi_document(API_PREFIX),
        status_code=200,
        headers={"Content-Type": "application/json; charset=utf-8", "Cache-Control": "public, max-age=300"},
    )


@app.on_sqs_message(queue=resource_name("notifications"), batch_size=10, name="notifications_consumer")
def notifications_consumer(event: SQSEvent) -> Mapping[str, object]:
    from chalicelib.notifications.consumer import handle_batch

    return handle_batch(event.to_dict(), app.lambda_context)


@app.schedule(Rate(1, unit=Rate.MINUTES), name="outbox_relay")
def outbox_relay(event: CloudWatchEvent) -> None:
    from chalicelib.notifications.outbox import relay_pending

    relay_pending()


@app.schedule(Rate(1, unit=Rate.HOURS), name="attachments_sweep")
def attachments_sweep(event: CloudWatchEvent) -> None:
    from chalicelib.attachments.service import AttachmentService

    AttachmentService().sweep()
    from chalicelib.accounts.privacy import PrivacyService

    # Files and cases kept for closed accounts, once their retention date has come (docs/api-accounts.md).
    PrivacyService().sweep_retention()


# The exchange and the period close are ticks: each minute they read the company settings in force
# and decide whether a run or a close is due, once per lock window or period (chalicelib/exchange/
# schedule.py) — a change in «Настройки» needs no redeployment, and nothing is derived at import.
@app.schedule(Rate(1, unit=Rate.MINUTES), name="exchange_run")
def exchange_run(event: CloudWatchEvent) -> None:
    from chalicelib.exchange.schedule import exchange_tick

    exchange_tick(app.lambda_context)


# ПП 861 deadlines: hourly, acting once a local day has reached the watcher's hour (the company's time
# zone is read at run time); a repeated or retried run sends and annuls nothing twice.
@app.schedule(Rate(1, unit=Rate.HOURS), name="connection_deadlines")
def connection_deadlines(event: CloudWatchEvent) -> None:
    from chalicelib.connection.watcher import watch_deadlines

    watch_deadlines()


@app.schedule(Rate(1, unit=Rate.MINUTES), name="period_close")
def period_close(event: CloudWatchEvent) -> None:
    from chalicelib.exchange.schedule import period_close_tick

    period_close_tick()


# Reading-window and meter-verification notices (chalicelib/reminders): the tick reads the settings
# in force and fans out what is due through the reminders queue; the consumer writes the notices.
@app.schedule(Rate(5, unit=Rate.MINUTES), name="reminders_tick")
def reminders_tick(event: CloudWatchEvent) -> None:
    from chalicelib.reminders.service import reminders_tick as tick

    tick()


@app.on_sqs_message(queue=resource_name("reminders"), batch_size=10, name="reminders_consumer")
def reminders_consumer(event: SQSEvent) -> Mapping[str, object]:
    from chalicelib.reminders.service import handle_batch

    return handle_batch(event.to_dict(), app.lambda_context)
