"""Connecting the АИИС КУЭ service to a contract (seed 000: «Если сервис не подключен …, будет открыта
форма подачи заявки на подключение … ввести номер договора энергоснабжения и нажать «Подключить»»).

The flag is the contract's (`ContractItem.aiis_enabled`, DESIGN §2 "connected per contract"); only a
user who has linked the contract may see or change it.
"""
from __future__ import annotations

from typing import Optional

from pynamodb.exceptions import UpdateError

from chalicelib.accounts.principal import Principal
from chalicelib.core import clock
from chalicelib.core.dynamo import is_conditional_failure
from chalicelib.core.errors import not_found
from chalicelib.metering.repository import ContractItem, ContractLinkItem, LinkItem, MeteringRepository, contract_key

from .models import AiisContractOut, AiisMeter

NOT_LINKED = "Договор не привязан к Вашему личному кабинету"


class AiisContracts:
    def __init__(self, repository: Optional[MeteringRepository] = None) -> None:
        self.repo = repository or MeteringRepository()

    def _meters(self, principal: Principal, contract: str) -> list[AiisMeter]:
        items = self.repo.user_items(principal.user_id)
        if not any(isinstance(i, ContractLinkItem) and i.contract == contract for i in items):
            raise not_found(NOT_LINKED)
        links = sorted((i for i in items if isinstance(i, LinkItem) and i.contract == contract),
                       key=lambda link: link.summary.as_dict().get("serial", ""))
        return [AiisMeter(id=link.link_meter, serial=link.summary.as_dict()["serial"], label=link.label,
                          status=link.summary.as_dict()["status"]) for link in links]

    def status(self, principal: Principal, contract: str) -> AiisContractOut:
        meters = self._meters(principal, contract)
        item, _ = self.repo.contract_with_objects(contract)
        return AiisContractOut(contract=contract, connected=bool(item and item.aiis_enabled), meters=meters)

    def set_connected(self, principal: Principal, contract: str, connected: bool) -> AiisContractOut:
        meters = self._meters(principal, contract)
        try:
            ContractItem(contract_key(contract), "CONTRACT").update(
                actions=[ContractItem.aiis_enabled.set(connected), ContractItem.updated_at.set(clock.iso(clock.now()))],
                condition=ContractItem.pk.exists())
        except UpdateError as exc:
            if is_conditional_failure(exc):  # linked once, since gone from billing
                raise not_found(NOT_LINKED) from None
            raise
        return AiisContractOut(contract=contract, connected=connected, meters=meters)
