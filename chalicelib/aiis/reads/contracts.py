"""Connecting the АИИС КУЭ service to a contract in one personal account (seed 000: «Если сервис не
подключен к данному кабинету, будет открыта форма подачи заявки на подключение … ввести номер договора
энергоснабжения и нажать «Подключить»»).

The connection is the account's, not the contract's: the caller's link to the contract carries
`aiis_connected`, and the contract's meters the account has linked go into the account's
`aiis_meter_ids` in the same transaction, so the data endpoints decide from the signed-in user alone
(no extra read). Connecting or disconnecting never touches another account's link. Any right on the
contract is enough: a view-only co-user may view the data.
"""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import TransactWriteError

from chalicelib.accounts.principal import Principal
from chalicelib.accounts.repository import UserItem
from chalicelib.core.dynamo import transaction
from chalicelib.core.errors import not_found
from chalicelib.metering.repository import ContractLinkItem, LinkItem, MeteringRepository

from .models import AiisContractOut, AiisMeter

NOT_LINKED = "Договор не привязан к Вашему личному кабинету"


class AiisContracts:
    def __init__(self, repository: MeteringRepository | None = None) -> None:
        self.repo = repository or MeteringRepository()

    def _linked(self, principal: Principal, contract: str) -> tuple[ContractLinkItem, list[LinkItem]]:
        """The caller's link to the contract and its meter links (one Query of the caller's partition)."""
        items = self.repo.user_items(principal.user_id)
        link = next((i for i in items if isinstance(i, ContractLinkItem) and i.contract == contract), None)
        if link is None:
            raise not_found(NOT_LINKED)
        meters = sorted(
            (i for i in items if isinstance(i, LinkItem) and i.contract == contract),
            key=lambda m: m.summary.as_dict().get("serial", ""),
        )
        return link, meters

    def status(self, principal: Principal, contract: str) -> AiisContractOut:
        link, meters = self._linked(principal, contract)
        return _out(contract, bool(link.aiis_connected), meters)

    def set_connected(self, principal: Principal, contract: str, connected: bool) -> AiisContractOut:
        link, meters = self._linked(principal, contract)
        meter_ids = {m.link_meter for m in meters}
        user_actions: list[Any] = []
        if meter_ids:
            user_actions.append(
                UserItem.aiis_meter_ids.add(meter_ids) if connected else UserItem.aiis_meter_ids.delete(meter_ids)
            )
        try:
            with transaction() as tx:
                # Conditional: a link revoked meanwhile must not come back as a bare АИИС flag.
                tx.update(
                    link,
                    actions=[ContractLinkItem.aiis_connected.set(connected)],
                    condition=ContractLinkItem.pk.exists(),
                )
                if user_actions:
                    tx.update(principal.user, actions=user_actions, condition=UserItem.pk.exists())
        except TransactWriteError:
            raise not_found(NOT_LINKED) from None
        return _out(contract, connected, meters)


def _out(contract: str, connected: bool, meters: list[LinkItem]) -> AiisContractOut:
    return AiisContractOut(
        contract=contract,
        connected=connected,
        meters=[
            AiisMeter(
                id=m.link_meter,
                serial=m.summary.as_dict()["serial"],
                label=m.label,
                status=m.summary.as_dict()["status"],
            )
            for m in meters
        ],
    )
