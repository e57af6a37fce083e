"""The reference table: the street directory.

Access patterns (keys in docs/design-metering.md):
- autocomplete ........ Query pk=STREETS#<locality key>, sk begins_with STREET#<name prefix>
- street by id ........ GetItem/BatchGet pk=STREET#<street_id>, sk=STREET (outages, service requests)
- street by name ...... BatchGet pk=STREETS#<locality key>, sk=STREET#<name key> (imports by name)
- localities .......... Query pk=LOCALITIES: one item per locality, written with its streets, so the
  list never needs a Scan.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pynamodb.attributes import UnicodeAttribute
from pynamodb.models import Model

from chalicelib.core.dynamo import table_meta

from .names import locality_key, parse_street, street_id

BY_ID_SK = "STREET"
LOCALITIES = "LOCALITIES"


def listing_pk(locality: str) -> str:
    return f"STREETS#{locality_key(locality)}"


def listing_sk(name: str) -> str:
    return f"STREET#{parse_street(name).key}"


def by_id_pk(street_id_: str) -> str:
    return f"STREET#{street_id_}"


class StreetItem(Model):
    """Both copies of a street (the listing under its locality and the one by id) share this shape."""

    Meta = table_meta("reference")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    street_id = UnicodeAttribute()
    name = UnicodeAttribute()
    locality = UnicodeAttribute()


class LocalityItem(Model):
    Meta = table_meta("reference")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute()


@dataclass(frozen=True)
class Street:
    id: str
    name: str
    locality: str

    @classmethod
    def new(cls, locality: str, name: str) -> Street:
        return cls(street_id(locality, name), name, locality)

    @property
    def name_key(self) -> tuple[str, str]:
        """Identity by normalised locality and name: what imports deduplicate on."""
        return listing_pk(self.locality), listing_sk(self.name)


def _street(item: StreetItem) -> Street:
    return Street(item.street_id, item.name, item.locality)


def _items(street: Street) -> tuple[StreetItem, StreetItem, LocalityItem]:
    listing = StreetItem(*street.name_key, street_id=street.id, name=street.name, locality=street.locality)
    by_id = StreetItem(by_id_pk(street.id), BY_ID_SK, street_id=street.id, name=street.name, locality=street.locality)
    return listing, by_id, LocalityItem(LOCALITIES, f"LOCALITY#{locality_key(street.locality)}", name=street.locality)


class StreetRepository:
    def search(self, locality: str, prefix: str, limit: int) -> list[Street]:
        items = StreetItem.query(listing_pk(locality), StreetItem.sk.startswith(f"STREET#{prefix}"), limit=limit)
        return [_street(i) for i in items]

    def localities(self) -> list[str]:
        return [i.name for i in LocalityItem.query(LOCALITIES)]

    def by_ids(self, ids: Iterable[str]) -> dict[str, Street]:
        keys = [(by_id_pk(i), BY_ID_SK) for i in set(ids)]
        return {i.street_id: _street(i) for i in StreetItem.batch_get(keys)} if keys else {}

    def by_name_keys(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Street]:
        unique = list(set(keys))
        return {(i.pk, i.sk): _street(i) for i in StreetItem.batch_get(unique)} if unique else {}

    def add(self, tx: Any, street: Street) -> None:
        """Add to the caller's transaction; fails there if the name is already listed, or if its id is
        taken by a street that was renamed from it (ids derive from the first name and never change)."""
        listing, by_id, locality = _items(street)
        tx.save(listing, condition=StreetItem.pk.does_not_exist())
        tx.save(by_id, condition=StreetItem.pk.does_not_exist())
        tx.save(locality)

    def rename(self, tx: Any, street: Street, name: str) -> Street:
        """Add to the caller's transaction: the street keeps its id (outages and subscriptions refer to
        it) and is listed under the new name; fails there if that name is taken or the street changed."""
        renamed = Street(street.id, name, street.locality)
        listing, by_id, _ = _items(renamed)
        if renamed.name_key == street.name_key:  # only the spelling changed: «ул Мира» → «ул. Мира»
            tx.save(listing, condition=StreetItem.street_id == street.id)
        else:
            tx.delete(StreetItem(*street.name_key), condition=StreetItem.street_id == street.id)
            tx.save(listing, condition=StreetItem.pk.does_not_exist())
        tx.save(by_id, condition=StreetItem.name == street.name)
        return renamed

    def write_many(self, streets: Iterable[Street]) -> None:
        """Batch writes, for imports: unconditional, so callers pass only streets not yet listed.
        A concurrent import of the same street writes the same id and data (ids derive from names)."""
        localities: dict[str, LocalityItem] = {}
        with StreetItem.batch_write() as batch:
            for street in streets:
                listing, by_id, locality = _items(street)
                batch.save(listing)
                batch.save(by_id)
                localities[locality.sk] = locality
        with LocalityItem.batch_write() as batch:
            for locality in localities.values():
                batch.save(locality)
