"""Targets of feed entries: the site page of the exact case, application, meter, contract or address.

Producers pass one of these as `Notification(link=...)`; the routes are the consumer site's
(static-site/assets/js/app.js). `?focus=` names the element a list page scrolls to and highlights
(static-site/assets/js/sections.js).
"""

from __future__ import annotations

import re
from urllib.parse import quote


def _q(value: str) -> str:
    return quote(value, safe="")


def case(kind: str, case_id: str) -> str:
    """An appeal or an extra-service request (kind "appeal" | "service_request")."""
    return f"#/appeals/{kind.replace('_', '-')}?id={_q(case_id)}"


def application(application_id: str) -> str:
    return f"#/connection/application?id={_q(application_id)}"


def meter(meter_id: str) -> str:
    return f"#/meter?id={_q(meter_id)}"


def meter_history(meter_id: str) -> str:
    return f"#/meter/history?id={_q(meter_id)}"


def contract(number: str) -> str:
    """The contract's card on «Лицевые счета и приборы учёта» (its heading id, as accounts.js makes it)."""
    return f"#/accounts?focus={_q('contract-' + re.sub(r'[^0-9A-Za-z_а-яёА-ЯЁ-]+', '-', number))}"


def access_requests() -> str:
    """«Мои запросы» on the access-request page."""
    return "#/accounts/request?focus=my-requests-title"


def outage_address(street_id: str, house: str) -> str:
    """The outages page searching the subscribed address."""
    return f"#/outages?street_id={_q(street_id)}&house={_q(house)}"
