"""The street directory: autocomplete, localities, and staff upkeep (additions single and bulk, renames)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError

from chalicelib.core import audit
from chalicelib.core.audit import Actor
from chalicelib.core.dynamo import conflict_on_condition, transaction
from chalicelib.core.errors import FieldError, not_found
from chalicelib.core.validation import to_api_error

from .models import (
    MAX_SEARCH_RESULTS,
    STREET_ID_PATTERN,
    LocalityList,
    StreetImportError,
    StreetImportReport,
    StreetIn,
    StreetList,
    StreetOut,
    StreetRename,
)
from .names import search_prefix
from .repository import Street, StreetRepository

NAME_TAKEN = (FieldError("name", "Улица с таким названием уже есть в этом населённом пункте"),)
RENAMED_FROM = "Так называлась улица, которую переименовали в справочнике: это название занято ею"


def to_out(street: Street) -> StreetOut:
    return StreetOut(id=street.id, name=street.name, locality=street.locality)


class ReferenceService:
    def __init__(self, repository: StreetRepository | None = None) -> None:
        self.repo = repository or StreetRepository()

    def search(self, locality: str, query: str) -> StreetList:
        streets = self.repo.search(locality, search_prefix(query), MAX_SEARCH_RESULTS)
        return StreetList(items=[to_out(s) for s in streets])

    def localities(self) -> LocalityList:
        return LocalityList(items=sorted(self.repo.localities()))

    def add(self, actor: Actor, street_in: StreetIn) -> StreetOut:
        street = Street.new(street_in.locality, street_in.name)
        with conflict_on_condition("Такая улица уже есть в справочнике", NAME_TAKEN), transaction() as tx:
            self.repo.add(tx, street)
            audit.record(
                tx,
                actor,
                "reference.street.add",
                "street",
                street.id,
                {"locality": street.locality, "name": street.name},
            )
        return to_out(street)

    def rename(self, actor: Actor, street_id: str, rename: StreetRename) -> StreetOut:
        street = self.repo.by_ids([street_id]).get(street_id) if re.fullmatch(STREET_ID_PATTERN, street_id) else None
        if street is None:
            raise not_found("Улица не найдена")
        if rename.name == street.name:
            return to_out(street)
        with (
            conflict_on_condition(
                "Улица с таким названием уже есть в справочнике или улицу только что изменили", NAME_TAKEN
            ),
            transaction() as tx,
        ):
            renamed = self.repo.rename(tx, street, rename.name)
            audit.record(
                tx,
                actor,
                "reference.street.rename",
                "street",
                street.id,
                {"locality": street.locality, "name": renamed.name, "previous_name": street.name},
            )
        return to_out(renamed)

    def import_streets(self, actor: Actor, rows: list[Any]) -> StreetImportReport:
        """Every row is checked; the good ones are written, repeats (in the list or in the directory)
        are skipped, so running the same import twice changes nothing."""
        errors: list[StreetImportError] = []
        wanted: dict[tuple[str, str], Street] = {}
        first_row: dict[str, int] = {}
        for index, row in enumerate(rows):
            try:
                street_in = StreetIn.model_validate(row)
            except ValidationError as exc:
                errors.extend(
                    StreetImportError(index=index, path=f.path, message=f.message) for f in to_api_error(exc).fields
                )
                continue
            street = Street.new(street_in.locality, street_in.name)
            if street.name_key not in wanted:
                wanted[street.name_key] = street
                first_row[street.id] = index
        present = self.repo.by_name_keys(wanted)
        new = [street for key, street in wanted.items() if key not in present]
        # A name a street was renamed from is not listed, but its id is that street's: not reusable.
        renamed_from = self.repo.by_ids(s.id for s in new)
        errors.extend(StreetImportError(index=first_row[i], path="name", message=RENAMED_FROM) for i in renamed_from)
        new = [street for street in new if street.id not in renamed_from]
        self.repo.write_many(new)
        # Batch writes cannot join a transaction; the audit record follows the write it describes.
        with transaction() as tx:
            audit.record(
                tx,
                actor,
                "reference.street.import",
                "reference",
                "streets",
                {
                    "created": len(new),
                    "existing": len(wanted) - len(new),
                    "rejected_rows": len({e.index for e in errors}),
                },
            )
        return StreetImportReport(created=len(new), existing=len(wanted) - len(new), errors=errors)

    def by_ids(self, ids: Iterable[str]) -> dict[str, Street]:
        return self.repo.by_ids(ids)

    def by_names(self, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Street]:
        """(locality, name) as typed → the listed street, keyed by `Street.new(...).name_key`."""
        return self.repo.by_name_keys(Street.new(locality, name).name_key for locality, name in pairs)
