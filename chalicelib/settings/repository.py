"""Where the settings document lives: the reference table, partition `SETTINGS#company`.

`CURRENT` holds the version in force; `V#<000001>` one item per saved version (the history). A save
writes both in one transaction, conditioned on the version it was edited from.
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.core.dynamo import table_meta

PK = "SETTINGS#company"
CURRENT = "CURRENT"


def version_sk(version: int) -> str:
    return f"V#{version:06d}"


class SettingsItem(Model):
    Meta = table_meta("reference")
    pk = UnicodeAttribute(hash_key=True, default=PK)
    sk = UnicodeAttribute(range_key=True)
    version = NumberAttribute()
    document = UnicodeAttribute()  # the CompanySettings JSON
    saved_at = UnicodeAttribute()
    saved_by = UnicodeAttribute()  # an employee's login, or «начальные значения» for the seed


def current_item() -> SettingsItem | None:
    try:
        return SettingsItem.get(PK, CURRENT, consistent_read=True)
    except SettingsItem.DoesNotExist:
        return None


def history(limit: int = 20) -> list[SettingsItem]:
    return list(SettingsItem.query(PK, SettingsItem.sk.startswith("V#"), scan_index_forward=False, limit=limit))
