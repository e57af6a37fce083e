"""Data migration of issue 9: links made before ownership was checked (docs/design-ownership.md, «Migration»).

A contract link without `right` was made by the old linking, which asked only for a contract number and
a meter serial. It is kept only where the account's identity matches the holder billing names
(`ownership.identity_matches`): it becomes `holder` (the contract link gets `link_meter`, `granted_by`
"migration"; its meter links `holder`) and, where billing had АИИС on for the contract, the account's
АИИС connection (`aiis_connected`, the meters in `aiis_meter_ids`). Every other old link is revoked
(`access.stage_revoke`) and becomes a pending access request in the same transaction, with a feed note
and an e-mail to its account. Meter links of declared meters (no contract) become `holder`: the account
declared them itself.

One-off and idempotent: it finds its work by a Scan for items without `right` (a post-deploy step, not a
request path; the Lambda roles are not allowed to Scan, so it runs with the operator's credentials) and
every change removes the item from that set, conditionally, so a second run finds nothing to do.

    python -m chalicelib.metering.migrations
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import TransactWriteError, UpdateError

from chalicelib.accounts.repository import UserItem, UserRepository
from chalicelib.core import clock
from chalicelib.core.dynamo import is_conditional_failure, transaction
from chalicelib.notifications import outbox, targets

from .access import stage_revoke, user_id_of
from .access_requests import AccessRequestItem, migration_request_id, new_request, stamp
from .ownership import identity_matches, portal_name
from .repository import ContractItem, ContractLinkItem, LinkItem, MeteringRepository, contract_key

logger = logging.getLogger("kabinet.migrations")

MIGRATION_COMMENT = (
    "Договор был привязан к личному кабинету до того, как стали проверять владельца; данные "
    "учётной записи не совпали с данными владельца в биллинге. Запрос создан автоматически."
)
# Items per TransactWriteItems (DynamoDB's limit is 100); a final revocation adds the contract link, the
# user update, the request and the notification's three items to the meter links it carries.
_TX_ITEMS = 100
_FINAL_EXTRA = 6


@dataclass
class MigrationReport:
    kept: int = 0  # old links whose account is the holder: now `holder`
    revoked: int = 0  # old links turned into pending access requests
    orphaned: int = 0  # old links of accounts that no longer exist: removed
    declared: int = 0  # meter links of declared meters: now `holder`
    skipped: int = 0  # changed by someone else meanwhile: left for the next run

    def __str__(self) -> str:
        return (
            f"kept as holder: {self.kept}, turned into access requests: {self.revoked}, "
            f"removed (account gone): {self.orphaned}, declared meters: {self.declared}, "
            f"skipped: {self.skipped}"
        )


def _old_contract_links() -> Iterator[ContractLinkItem]:
    condition = (
        ContractLinkItem.pk.startswith("USER#")
        & ContractLinkItem.sk.startswith("CONTRACT#")
        & ContractLinkItem.right.does_not_exist()
    )
    return ContractLinkItem.scan(condition, page_size=200)


def _old_declared_links() -> Iterator[LinkItem]:
    condition = (
        LinkItem.pk.startswith("USER#")
        & LinkItem.sk.startswith("METER#")
        & LinkItem.right.does_not_exist()
        & LinkItem.contract.does_not_exist()
    )
    return LinkItem.scan(condition, page_size=200)


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class LinkMigration:
    def __init__(self, repository: MeteringRepository | None = None, users: UserRepository | None = None) -> None:
        self.repo = repository or MeteringRepository()
        self.users = users or UserRepository()

    def run(self) -> MigrationReport:
        report = MigrationReport()
        for link in _old_contract_links():
            try:
                self._migrate(link, report)
            except TransactWriteError as exc:
                if not is_conditional_failure(exc):
                    raise
                report.skipped += 1  # the account re-linked or unlinked meanwhile
        for meter_link in _old_declared_links():
            try:
                meter_link.update(actions=[LinkItem.right.set("holder")], condition=LinkItem.right.does_not_exist())
                report.declared += 1
            except UpdateError as exc:
                if not is_conditional_failure(exc):
                    raise
                report.skipped += 1
        logger.info("link migration: %s", report)
        return report

    def _migrate(self, link: ContractLinkItem, report: MigrationReport) -> None:
        user_id = user_id_of(link)
        meter_links = sorted(
            (i for i in self.repo.user_items(user_id) if isinstance(i, LinkItem) and i.contract == link.contract),
            key=lambda i: str(i.summary.as_dict().get("serial", "")),
        )
        user = self.users.get(user_id)
        if user is None:
            self._remove(link, meter_links)
            report.orphaned += 1
            return
        contract, _objects = self.repo.contract_with_objects(link.contract)
        if contract is not None and identity_matches(user, contract):
            self._keep(user, contract, link, meter_links)
            report.kept += 1
        else:
            self._revoke(user, link, meter_links)
            report.revoked += 1

    @staticmethod
    def _keep(user: UserItem, contract: ContractItem, link: ContractLinkItem, meter_links: list[LinkItem]) -> None:
        """Meter links first, the contract link last: until it has its right, a re-run redoes the rest."""
        aiis = bool(contract.aiis_enabled)
        for chunk in _chunks(meter_links, _TX_ITEMS):
            with transaction() as tx:
                for meter_link in chunk:
                    tx.update(meter_link, actions=[LinkItem.right.set("holder")], condition=LinkItem.pk.exists())
        with transaction() as tx:
            tx.update(
                link,
                actions=[
                    ContractLinkItem.right.set("holder"),
                    ContractLinkItem.link_meter.set(contract_key(contract.number)),
                    ContractLinkItem.granted_by.set("migration"),
                    ContractLinkItem.aiis_connected.set(aiis),
                    ContractLinkItem.user_name.set(portal_name(user)),
                    ContractLinkItem.user_login.set(user.login),
                ],
                condition=ContractLinkItem.right.does_not_exist(),
            )
            if aiis and meter_links:
                tx.update(
                    user,
                    actions=[UserItem.aiis_meter_ids.add({m.link_meter for m in meter_links})],
                    condition=UserItem.pk.exists(),
                )

    @staticmethod
    def _shed(user: UserItem | None, meter_links: list[LinkItem], keep: int) -> list[LinkItem]:
        """Revoke meter links beyond what the final transaction can carry, in transactions of their own."""
        surplus, rest = meter_links[keep:], meter_links[:keep]
        for chunk in _chunks(surplus, _TX_ITEMS - 1):
            with transaction() as tx:
                for meter_link in chunk:
                    tx.delete(meter_link)
                if user is not None:
                    ids = {m.link_meter for m in chunk}
                    tx.update(user, actions=[UserItem.meter_ids.delete(ids), UserItem.aiis_meter_ids.delete(ids)])
        return rest

    def _remove(self, link: ContractLinkItem, meter_links: list[LinkItem]) -> None:
        rest = self._shed(None, meter_links, _TX_ITEMS - 1)
        with transaction() as tx:
            tx.delete(link, condition=ContractLinkItem.right.does_not_exist())
            for meter_link in rest:
                tx.delete(meter_link)

    def _revoke(self, user: UserItem, link: ContractLinkItem, meter_links: list[LinkItem]) -> None:
        """The access goes, a pending request takes its place, the account is told: one transaction."""
        rest = self._shed(user, meter_links, _TX_ITEMS - _FINAL_EXTRA)
        serial = str(meter_links[0].summary.as_dict().get("serial", "")) if meter_links else ""
        request = new_request(
            user,
            link.contract,
            serial,
            "holder",
            "holder",
            MIGRATION_COMMENT,
            [],
            stamp(),
            origin="migration",
            request_id=migration_request_id(user.user_id, link.contract),
        )
        note = outbox.Notification(
            "access_request_migrated",
            {"contract": link.contract},
            user_id=user.user_id,
            email=user.email if user.status == "active" else None,
            link=targets.access_requests(),
        )
        with transaction() as tx:
            # The link goes only if it is still the old one (a proof meanwhile made it `holder`).
            stage_revoke(tx, user, link, rest, condition=ContractLinkItem.right.does_not_exist())
            tx.save(request, condition=AccessRequestItem.pk.does_not_exist())
            outbox.stage(tx, note)
        outbox.dispatch([note])


def migrate_links() -> MigrationReport:
    return LinkMigration().run()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    started = clock.now()
    report = migrate_links()
    print(f"Link migration finished in {(clock.now() - started).total_seconds():.1f} s: {report}")


if __name__ == "__main__":
    main()
