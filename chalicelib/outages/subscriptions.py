"""Address subscriptions: a user asks to be told by SMS about outages at a house — planned ones only, or
emergencies too (the subscription's `kinds`)."""

from __future__ import annotations

import re
from datetime import datetime

from pynamodb.exceptions import TransactWriteError

from chalicelib.core import clock
from chalicelib.core.config import Settings, get_settings
from chalicelib.core.dynamo import transaction
from chalicelib.core.errors import conflict, field_error, not_found
from chalicelib.reference.models import STREET_ID_PATTERN
from chalicelib.reference.service import ReferenceService

from .houses import HousesError, parse_house
from .models import MAX_SUBSCRIPTIONS, SubscriptionChoice, SubscriptionIn, SubscriptionList, SubscriptionOut
from .repository import OutageRepository, UserSubscriptionItem, user_pk, user_sub_sk

_NOT_FOUND = "Подписка не найдена"


def _out(item: UserSubscriptionItem, settings: Settings) -> SubscriptionOut:
    return SubscriptionOut(
        street_id=item.street_id,
        street=item.street_name,
        locality=item.locality,
        house=item.house,
        kinds="all" if item.emergency else "planned",
        created_at=datetime.fromisoformat(item.created_at).astimezone(settings.tz),
    )


class SubscriptionService:
    def __init__(
        self,
        repository: OutageRepository | None = None,
        reference: ReferenceService | None = None,
        settings: Settings | None = None,
    ) -> None:
        self.repo = repository or OutageRepository()
        self.reference = reference or ReferenceService()
        self.settings = settings or get_settings()

    def list(self, user_id: str) -> SubscriptionList:
        return SubscriptionList(items=[_out(i, self.settings) for i in self.repo.subscriptions(user_id)])

    def add(self, user_id: str, body: SubscriptionIn) -> SubscriptionOut:
        street = self.reference.by_ids([body.street_id]).get(body.street_id)
        if street is None:
            raise field_error("street_id", "Улица не найдена в справочнике")
        item = UserSubscriptionItem(
            user_pk(user_id),
            user_sub_sk(street.id, body.house),
            street_id=street.id,
            street_name=street.name,
            locality=street.locality,
            house=body.house,
            created_at=clock.iso(clock.now()),
            emergency=body.kinds == "all",
        )
        try:
            with transaction() as tx:
                self.repo.subscribe(tx, item, user_id, MAX_SUBSCRIPTIONS)
        except TransactWriteError as exc:
            failed = _failed_conditions(exc)
            if failed and failed[0]:
                raise conflict("Вы уже подписаны на этот адрес") from None
            if len(failed) > 2 and failed[2]:
                raise conflict(f"Можно подписаться не более чем на {MAX_SUBSCRIPTIONS} адресов") from None
            raise
        return _out(item, self.settings)

    def choose(self, user_id: str, street_id: str, house: str, body: SubscriptionChoice) -> SubscriptionOut:
        """Planned outages only, or emergencies too."""
        canonical = _address(street_id, house)
        try:
            with transaction() as tx:
                self.repo.choose(tx, user_id, street_id, canonical, body.kinds == "all")
        except TransactWriteError as exc:
            if any(_failed_conditions(exc)):
                raise not_found(_NOT_FOUND) from None
            raise
        item = self.repo.subscription(user_id, street_id, canonical)
        if item is None:  # unsubscribed in the meantime
            raise not_found(_NOT_FOUND)
        return _out(item, self.settings)

    def remove(self, user_id: str, street_id: str, house: str) -> None:
        canonical = _address(street_id, house)
        try:
            with transaction() as tx:
                self.repo.unsubscribe(tx, user_id, street_id, canonical)
        except TransactWriteError as exc:
            if any(_failed_conditions(exc)):
                raise not_found(_NOT_FOUND) from None
            raise


def _address(street_id: str, house: str) -> str:
    """The canonical house of an address taken from a URL; 404 for anything that cannot be subscribed."""
    if not re.fullmatch(STREET_ID_PATTERN, street_id):
        raise not_found(_NOT_FOUND)
    try:
        return str(parse_house(house))
    except HousesError:
        raise not_found(_NOT_FOUND) from None


def _failed_conditions(exc: TransactWriteError) -> list[bool]:
    """Per transaction item: did its condition fail (as opposed to, say, a concurrent write)?"""
    return [r is not None and r.code == "ConditionalCheckFailed" for r in exc.cancellation_reasons]
