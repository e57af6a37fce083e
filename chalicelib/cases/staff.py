"""Staff taking and handing over a case, whatever its kind: who the case goes to and the writes that
put it there. The kind decides which cases are open and what else the same transaction carries."""

from __future__ import annotations

from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from chalicelib.accounts.repository import UserItem
from chalicelib.core.errors import conflict

from .items import CaseModel


def assign(employee: UserItem) -> list[Action]:
    """The updates that make the employee the case's assignee."""
    return [CaseModel.assignee_id.set(employee.user_id), CaseModel.assignee_login.set(employee.login)]


def assignee_unchanged(case: CaseModel) -> Condition:
    """The condition that nobody took or handed the case over since it was read."""
    if not case.assignee_id:
        return CaseModel.assignee_id.does_not_exist()
    return CaseModel.assignee_id == case.assignee_id


def hand_over_target(
    case: CaseModel, is_open: bool, colleague_id: str, roles: tuple[str, ...], closed: str
) -> UserItem | None:
    """«Передать коллеге»: the employee of the case's queue (`roles`) it goes to, or None when it is theirs
    already (a repeated click changes nothing). A case no longer open is refused with `closed` (409)."""
    from chalicelib.staff_users.service import colleague_for  # only on a hand-over: not paid at cold start

    if not is_open:
        raise conflict(closed)
    colleague = colleague_for(colleague_id, roles)
    return None if colleague.user_id == case.assignee_id else colleague


def hand_over_details(case: CaseModel, colleague: UserItem) -> dict[str, str]:
    """What the audit record of a hand-over says."""
    return {"to": colleague.login, "previous": case.assignee_login or ""}
