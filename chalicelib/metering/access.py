"""Who may do what with a contract: one home for granting and revoking access.

A contract is reached only through a link of the account to it, with a right:
- `holder`: the account proved it is the consumer billing names (or staff confirmed it);
- `submit`: a co-user who may view and submit readings;
- `view`: a co-user who may only view.
Links are granted by proof of ownership (`metering/ownership.py`), by the holder's invitation
(`metering/sharing.py`) or by staff approving a request (`metering/access_requests.py`); all of them
stage the same items here, in the caller's transaction, so a grant is whole or absent.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypedDict, overload

from chalicelib.accounts.repository import PROFILE, UserItem, user_key as identity_user_key

from .models import Right, stored_right
from .ownership import portal_name
from .repository import (
    ContractItem,
    ContractLinkItem,
    LinkItem,
    MeterItem,
    ObjectItem,
    contract_key,
    meter_key,
    user_key,
)
from .schedule import shard_of

RIGHT_LABELS: dict[str, str] = {
    "holder": "Владелец договора",
    "submit": "Просмотр и передача показаний",
    "view": "Только просмотр",
}
# TransactWriteItems takes 100 items: the user update, the contract link, and the meter links.
MAX_METERS_PER_GRANT = 98


@overload
def right_of(link: ContractLinkItem | LinkItem) -> Right: ...
@overload
def right_of(link: ContractLinkItem | LinkItem | None) -> Right | None: ...
def right_of(link: ContractLinkItem | LinkItem | None) -> Right | None:
    """A link from before rights existed counts as view-only until the migration has classified it."""
    if link is None:
        return None
    return stored_right(link.right or "view")


def user_id_of(link: ContractLinkItem | LinkItem) -> str:
    """Whose link it is: links live in the account's partition `USER#<id>`."""
    return link.pk.removeprefix("USER#")


def may_submit(right: str | None) -> bool:
    return right in ("holder", "submit")


class ScheduleKeys(TypedDict):
    sched_pk: str | None
    sched_sk: str | None


def schedule_keys(user_id: str, meter_id: str, status: str, right: str | None) -> ScheduleKeys:
    """A meter link's `by_schedule` keys: present while the meter takes manual readings (in service,
    not on АИИС) and the account may submit them, so reading-window notices find it by Query.
    The company's category rule is checked when a notice is sent: it changes in «Настройки»."""
    if status != "active" or not may_submit(right):
        return {"sched_pk": None, "sched_sk": None}
    return {"sched_pk": f"MANUAL#{shard_of(user_id)}", "sched_sk": f"{user_id}#{meter_id}"}


def meter_summary(meter: MeterItem, label: str | None = None) -> dict[str, Any]:
    return {
        "id": meter.meter_id,
        "serial": meter.serial,
        "label": label,
        "model": meter.model,
        "status": meter.status,
        "zones": list(meter.zones),
        "digits": int(meter.digits),
        "virtual": bool(meter.virtual),
        "verified": bool(meter.verified),
        "object_id": meter.object_id,
        "account": meter.account,
        "location": meter.location,
    }


def user_ref(user_id: str) -> UserItem:
    """The identity item of another account, for an update inside a transaction."""
    return UserItem(identity_user_key(user_id), PROFILE)


def stage_grant(
    tx: Any,
    user: UserItem,
    contract: ContractItem,
    objects: Iterable[ObjectItem],
    meters: list[MeterItem],
    right: Right,
    granted_by: str,
    now: str,
    replace: ContractLinkItem | None = None,
) -> None:
    """Link `user` to every meter of `contract` with `right`. `replace` is the link the user already
    has (a right changed); without it the contract link must not exist yet."""
    names = {o.object_id: o for o in objects}
    link = ContractLinkItem(
        user_key(user.user_id),
        contract_key(contract.number),
        link_meter=contract_key(contract.number),
        contract=contract.number,
        holder_name=contract.holder_name,
        right=right,
        granted_by=granted_by,
        linked_at=now,
        aiis_connected=bool(replace.aiis_connected) if replace else False,
        # A bare `user_ref` has no profile: the co-user list then reads the account.
        user_name=portal_name(user) if user.login else None,
        user_login=user.login,
        objects={o.object_id: {"name": o.name, "address": o.address, "account": o.account} for o in names.values()},
    )
    tx.save(link, condition=ContractLinkItem.pk.exists() if replace else ContractLinkItem.pk.does_not_exist())
    for meter in meters:
        summary = meter_summary(meter)
        obj = names.get(meter.object_id or "")
        summary["object_name"] = obj.name if obj else None
        tx.save(
            LinkItem(
                user_key(user.user_id),
                meter_key(meter.meter_id),
                link_meter=meter.meter_id,
                contract=contract.number,
                summary=summary,
                right=right,
                linked_at=now,
                **schedule_keys(user.user_id, meter.meter_id, meter.status, right),
            )
        )
    if meters:
        meter_ids = {m.meter_id for m in meters}
        actions = [UserItem.meter_ids.add(meter_ids)]
        if link.aiis_connected:  # a changed right keeps АИИС connected: for every meter of the contract
            actions.append(UserItem.aiis_meter_ids.add(meter_ids))
        tx.update(user, actions=actions, condition=UserItem.pk.exists())


def stage_revoke(
    tx: Any, user: UserItem, contract_link: ContractLinkItem, links: Iterable[LinkItem], condition: Any | None = None
) -> None:
    """Remove a user's access to a contract: the contract link, its meter links, the ownership and АИИС sets.
    `condition` guards the contract link's deletion (the migration: only a link still without a right)."""
    links = list(links)
    tx.delete(contract_link, condition=condition)
    for link in links:
        tx.delete(link)
    if links:
        meter_ids = {link.link_meter for link in links}
        tx.update(user, actions=[UserItem.meter_ids.delete(meter_ids), UserItem.aiis_meter_ids.delete(meter_ids)])
