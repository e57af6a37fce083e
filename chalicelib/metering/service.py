"""Linking contracts and meters to a user; the `accounts` tree; meter cards; declared meters."""

from __future__ import annotations

import uuid

from pynamodb.expressions.update import Action

from chalicelib.accounts.principal import Principal
from chalicelib.accounts.repository import UserItem
from chalicelib.core import clock, throttle
from chalicelib.core.dynamo import transaction
from chalicelib.core.errors import ApiError, FieldError, conflict, not_found, rate_limited, validation_error
from chalicelib.core.throttle import ThrottleItem

from .access import MAX_METERS_PER_GRANT, meter_summary, right_of, schedule_keys, stage_grant, stage_revoke
from .models import (
    AccountsOut,
    ContractOut,
    CurrentReading,
    LinkRequest,
    MeterCard,
    MeterSummary,
    ObjectOut,
    VirtualMeterRequest,
    stored_status,
)
from .ownership import proves_ownership
from .periods import current_period
from .replacements import history_out
from .repository import (
    ContractLinkItem,
    LinkItem,
    MeteringRepository,
    MeterItem,
    account_key,
    contract_key,
    meter_key,
    serial_key,
    user_key,
)

# Linking attempts per account per hour: guessing contract numbers must stay impractical.
LINK_ATTEMPTS_PER_HOUR = 10
# Failed attempts per contract number per day, from all accounts together: the last billed reading is
# a short number, and many accounts must not share out its guessing (docs/design-ownership.md).
CONTRACT_FAILURES_PER_DAY = 5
CONTRACT_FAILURE_WINDOW = 24 * 3600
OWNERSHIP_NOT_PROVEN = (
    "Не удалось подтвердить, что Вы — владелец этого договора. Проверьте номер договора и заводской номер "
    "счётчика. Организациям и индивидуальным предпринимателям, а также физическим лицам, в договоре которых "
    "не указан СНИЛС, нужно указать последнее показание этого счётчика из счёта или квитанции. "
    "Если договор оформлен на другого человека или организацию, попросите владельца "
    "пригласить Вас или запросите доступ у сетевой компании: «Запросить доступ»."
)
METER_NOT_FOUND = "Прибор учёта не найден"


_METER_NAMESPACE = uuid.UUID("0b5bb8f4-4d1e-4f0e-9d43-6c4a3c8f2a11")


def meter_id_for(account: str, serial: str) -> str:
    """Meter ids follow from (personal account, serial): a meter a user declares and the same meter
    arriving from billing later are one item, so its readings and links carry over."""
    return str(uuid.uuid5(_METER_NAMESPACE, f"{account}|{serial.upper()}"))


def owns(principal: Principal, meter_id: str) -> bool:
    return meter_id in (principal.user.meter_ids or set())


def not_proven() -> ApiError:
    """The one refusal of linking: it names no holder data and no field, and points to the access request."""
    return ApiError(OWNERSHIP_NOT_PROVEN, status=422, code="ownership_not_proven")


def _refuse_if_contract_exhausted(number: str) -> None:
    """429 while the contract number has used up its failed attempts: then even the right answer is refused,
    or the limit would not stop guessing. Unknown numbers count alike, so the 429 reveals nothing."""
    key, window_end = throttle.window_key("link-contract-failed", number, CONTRACT_FAILURE_WINDOW)
    try:
        hits = int(ThrottleItem.get(key, consistent_read=True).hits)
    except ThrottleItem.DoesNotExist:
        hits = 0
    if hits >= CONTRACT_FAILURES_PER_DAY:
        raise rate_limited(window_end - clock.epoch(clock.now()))


class MeteringService:
    def __init__(self, repository: MeteringRepository | None = None) -> None:
        self.repo = repository or MeteringRepository()

    def link(self, principal: Principal, request: LinkRequest) -> AccountsOut:
        """Link a contract whose holder the account proves to be. Every refusal is the one answer of
        `not_proven`, after the same reads (the contract, its meters), so neither its text nor its
        timing tells whether the contract exists, the serial was right or whose the contract is."""
        throttle.hit("link-contract", principal.user_id, LINK_ATTEMPTS_PER_HOUR, 3600)
        number = request.contract_number
        _refuse_if_contract_exhausted(number)
        contract, objects = self.repo.contract_with_objects(number)
        meters = self.repo.meters_of(contract_key(number))
        serial = request.meter_serial.upper()
        named = next((m for m in meters if m.serial.upper() == serial and m.status != "decommissioned"), None)
        if (
            contract is None
            or named is None
            or not proves_ownership(principal.user, contract, named, request.billed_reading)
        ):
            throttle.hit("link-contract-failed", number, CONTRACT_FAILURES_PER_DAY, CONTRACT_FAILURE_WINDOW)
            raise not_proven()
        replace = None
        if any(owns(principal, m.meter_id) for m in meters):
            replace = self.repo.contract_link(principal.user_id, number)
            if replace is not None and right_of(replace) == "holder":
                raise conflict("Этот договор уже привязан к Вашему личному кабинету")
        if len(meters) > MAX_METERS_PER_GRANT:
            raise ApiError(
                "В договоре слишком много приборов учёта для подключения через личный кабинет. "
                "Обратитесь в сетевую компанию",
                status=422,
                code="too_many_meters",
            )
        with transaction() as tx:
            # A co-user who proves ownership becomes the holder: their link changes right in place.
            stage_grant(
                tx,
                principal.user,
                contract,
                objects,
                meters,
                "holder",
                "proof",
                clock.iso(clock.now()),
                replace=replace,
            )
        return self.accounts(principal.user_id)

    def unlink(self, principal: Principal, contract_number: str) -> None:
        items = self.repo.user_items(principal.user_id)
        contract_link = next(
            (i for i in items if isinstance(i, ContractLinkItem) and i.contract == contract_number), None
        )
        if contract_link is None:
            raise not_found("Договор не привязан к Вашему личному кабинету")
        links = [i for i in items if isinstance(i, LinkItem) and i.contract == contract_number]
        with transaction() as tx:
            stage_revoke(tx, principal.user, contract_link, links)

    def accounts(self, user_id: str) -> AccountsOut:
        items = self.repo.user_items(user_id)
        links = [i for i in items if isinstance(i, LinkItem)]
        contracts = []
        linked_contracts = {i.contract for i in items if isinstance(i, ContractLinkItem)}
        for contract in sorted((i for i in items if isinstance(i, ContractLinkItem)), key=lambda c: c.contract):
            objects = []
            for object_id, obj in sorted(contract.objects.as_dict().items(), key=lambda kv: kv[1]["name"]):
                meters = [
                    _summary(link)
                    for link in links
                    if link.contract == contract.contract and link.summary["object_id"] == object_id
                ]
                objects.append(
                    ObjectOut(
                        id=object_id, name=obj["name"], address=obj["address"], account=obj["account"], meters=meters
                    )
                )
            contracts.append(
                ContractOut(
                    number=contract.contract,
                    holder_name=contract.holder_name,
                    right=right_of(contract) or "view",
                    objects=objects,
                )
            )
        # Meters the user declared: unverified, or confirmed by billing under a contract not linked here.
        declared = [_summary(link) for link in links if link.contract not in linked_contracts]
        return AccountsOut(contracts=contracts, declared_meters=declared)

    def card(self, principal: Principal, meter_id: str) -> MeterCard:
        """The card with the reading of the period in progress on the company's clock."""
        if not owns(principal, meter_id):
            raise not_found(METER_NOT_FOUND)
        found = self.repo.card(principal.user_id, meter_id, current_period())
        meter, link, reading = found.meter, found.link, found.reading
        if meter is None or link is None:
            raise not_found(METER_NOT_FOUND)
        current = None
        if reading is not None:
            current = CurrentReading(
                period=reading.period,
                values=reading.values.as_dict(),
                consumption=reading.consumption.as_dict(),
                submitted_at=reading.submitted_at,
            )
        return MeterCard(
            id=meter.meter_id,
            serial=meter.serial,
            label=link.label,
            model=meter.model,
            status=stored_status(meter.status),
            contract=meter.contract,
            account=meter.account,
            object_name=link.summary.as_dict().get("object_name"),
            location=meter.location,
            digits=int(meter.digits),
            zones=list(meter.zones),
            coefficient=meter.coefficient,
            install_date=meter.install_date,
            install_place=meter.install_place,
            verified_on=meter.verified_on,
            next_verification=meter.next_verification,
            seal=meter.seal,
            point_code=meter.point_code,
            virtual=bool(meter.virtual),
            verified=bool(meter.verified),
            last_billing_values=meter.last_billing_values.as_dict(),
            last_billing_period=meter.last_billing_period,
            current_reading=current,
            right=right_of(link) or "view",
            replacements=history_out(meter),
        )

    def rename(self, principal: Principal, meter_id: str, label: str | None) -> None:
        if not owns(principal, meter_id):
            raise not_found(METER_NOT_FOUND)
        link = LinkItem(user_key(principal.user_id), meter_key(meter_id))
        actions: list[Action] = [LinkItem.label.set(label)] if label else [LinkItem.label.remove()]
        link.update(actions=actions, condition=LinkItem.pk.exists())

    def declare(self, principal: Principal, request: VirtualMeterRequest) -> MeterCard:
        holder = account_key(request.account_number)
        meter_id = meter_id_for(request.account_number, request.serial)
        if self.repo.meters([meter_id]):
            raise validation_error(
                [FieldError("serial", "Этот счётчик уже известен: если он есть в Вашем договоре, привяжите договор")]
            )
        now = clock.iso(clock.now())
        zones = [f"T{i}" for i in range(1, request.zones + 1)]
        meter = MeterItem(
            meter_key(meter_id),
            "METER",
            meter_id=meter_id,
            contract_pk=holder,
            meter_sk=serial_key(request.serial.upper()),
            account=request.account_number,
            location=request.location,
            serial=request.serial.upper(),
            model=request.model,
            digits=request.digits,
            zones=zones,
            coefficient="1",
            status="active",
            virtual=True,
            verified=False,
            declared_by=principal.user_id,
            updated_at=now,
        )
        with transaction() as tx:
            tx.save(meter, condition=MeterItem.pk.does_not_exist())  # a concurrent declaration loses
            tx.save(
                LinkItem(
                    user_key(principal.user_id),
                    meter_key(meter_id),
                    link_meter=meter_id,
                    contract=None,
                    summary=meter_summary(meter),
                    right="holder",
                    linked_at=now,
                    **schedule_keys(principal.user_id, meter_id, "active", "holder"),
                )
            )
            tx.update(principal.user, actions=[UserItem.meter_ids.add({meter_id})])
        principal.user.meter_ids = (principal.user.meter_ids or set()) | {meter_id}
        return self.card(principal, meter_id)


def _summary(link: LinkItem) -> MeterSummary:
    data = link.summary.as_dict()
    return MeterSummary(
        id=link.link_meter,
        serial=data["serial"],
        label=link.label,
        model=data.get("model"),
        status=data["status"],
        zones=data["zones"],
        digits=int(data["digits"]),
        virtual=bool(data.get("virtual")),
        verified=bool(data.get("verified", True)),
        account=data.get("account"),
        location=data.get("location"),
    )
