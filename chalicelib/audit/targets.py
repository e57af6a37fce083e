"""What an administrator types to name an audited object → the id its audit records carry.

Appeals, extra-service requests and grid-connection applications are known to people by their
registration numbers («2026-000123», «2026-03-12-702-5»), while their audit records name them by id;
everything else (outages, agents, streets, periods, exchange runs) is named by its id.
"""

from __future__ import annotations

import re

from chalicelib.core.errors import field_error

_CASE_ID = re.compile(r"^[0-9a-f]{32}$")
_NOT_FOUND = {
    "appeal": "Обращение с таким номером не найдено",
    "service_request": "Заявка на услугу с таким номером не найдена",
    "connection_application": "Заявка на присоединение с таким номером не найдена",
}


def resolve(target_kind: str, reference: str) -> str:
    """The id for `reference`: an id as it is, a registration number → the id of what has it."""
    if target_kind not in _NOT_FOUND or _CASE_ID.match(reference):
        return reference
    found = _case_id(target_kind, reference) if target_kind != "connection_application" else _application_id(reference)
    if found is None:
        raise field_error("target_id", _NOT_FOUND[target_kind])
    return found


def _case_id(kind: str, reference: str) -> str | None:
    from chalicelib.appeals.repository import CaseRepository
    from chalicelib.appeals.rules import parse_number_query

    number = parse_number_query(reference)
    if number is None or number.full is None:
        raise field_error("target_id", "Введите номер целиком, например 2026-000123")
    return next((c.case_id for c in CaseRepository().by_number(number.full) if c.kind == kind), None)


def _application_id(reference: str) -> str | None:
    from chalicelib.connection.repository import ConnectionRepository

    item = ConnectionRepository().by_number("".join(reference.split()))
    return item.application_id if item is not None else None
