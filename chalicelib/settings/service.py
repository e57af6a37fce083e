"""The company settings: a cached accessor for the code, and versioned saves for the console.

`company()` is what every reader calls. Each Lambda container keeps the document for CACHE_SECONDS,
so a save applies everywhere within that (the container that saved, at once). Until an
administrator first opens or saves the settings, no document is stored and the seed is used: the
defaults in defaults.json overlaid with the deployment's former KABINET_* values (`seed()`), so an
existing deployment keeps its name, zone, window and the rest; the first read of the console
page stores that seed as version 1.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pynamodb.exceptions import TransactWriteError

from chalicelib.categories import CATEGORIES
from chalicelib.core import audit, clock
from chalicelib.core.audit import Actor
from chalicelib.core.config import Settings, get_settings
from chalicelib.core.dynamo import is_conditional_failure, transaction
from chalicelib.core.errors import ApiError

from . import repository
from .model import CompanySettings
from .parsers import InvalidReadingSettings, parse_submitters

logger = logging.getLogger("kabinet.settings")

DEFAULTS_FILE = Path(__file__).resolve().parent / "defaults.json"
CACHE_SECONDS = 30.0
SEED_AUTHOR = "начальные значения"
# The KABINET_* fields (chalicelib/core/config.py) whose values seed version 1.
SEED_FIELDS = (
    "company_name",
    "company_inn",
    "company_timezone",
    "reading_window_start_day",
    "reading_lock_windows",
    "reading_submitters",
    "aiis_billing_period_end_day",
    "appeal_addressees",
    "company_code",
)


@dataclass(frozen=True)
class Stored:
    """A version of the document. `version` 0: nothing stored yet (the seed is in force)."""

    version: int
    settings: CompanySettings
    saved_at: str | None
    saved_by: str | None


_lock = threading.Lock()
_cached: tuple[float, Stored] | None = None


def defaults() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DEFAULTS_FILE.read_text(encoding="utf-8"))
    return data


def seed(env: Settings | None = None) -> CompanySettings:
    """Version 1: the defaults, with what the deployment set in KABINET_* variables before settings
    moved here. An env value the document would refuse is left out (logged), never a failure."""
    env = env or get_settings()
    data = defaults()
    given = env.model_fields_set
    overlay: list[tuple[tuple[str, ...], str, Any]] = [
        (("requisites", "name"), "company_name", env.company_name),
        (("requisites", "inn"), "company_inn", env.company_inn),
        (("time_zone",), "company_timezone", env.company_timezone),
        (("readings", "window_start_day"), "reading_window_start_day", env.reading_window_start_day),
        (
            ("readings", "lock_windows"),
            "reading_lock_windows",
            [
                {"start": w.split("-")[0].strip(), "end": w.split("-")[-1].strip()}
                for w in env.reading_lock_windows.split(",")
                if w.strip()
            ],
        ),
        (("readings", "submitters"), "reading_submitters", None),
        (("billing_period_end_day",), "aiis_billing_period_end_day", env.aiis_billing_period_end_day),
        (
            ("appeal_addressees",),
            "appeal_addressees",
            [n.strip() for n in env.appeal_addressees.split(";") if n.strip()],
        ),
        (("connection_rates",), "company_code", env.company_code),
    ]
    for path, field, value in overlay:
        if field not in given:
            continue
        if field == "reading_submitters":
            try:
                allowed = parse_submitters(env.reading_submitters)
            except InvalidReadingSettings:
                logger.warning("KABINET_READING_SUBMITTERS is not valid: the default is used")
                continue
            value = [c for c in CATEGORIES if c in allowed]
        candidate = json.loads(json.dumps(data))
        target = candidate
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        try:
            CompanySettings.model_validate(candidate)
        except ValidationError:
            logger.warning("KABINET_%s is not a valid setting: the default is used", field.upper())
            continue
        data = candidate
    return CompanySettings.model_validate(data)


def _from_item(item: repository.SettingsItem) -> Stored:
    return Stored(
        version=int(item.version),
        settings=CompanySettings.model_validate_json(item.document),
        saved_at=item.saved_at,
        saved_by=item.saved_by,
    )


def stored() -> Stored:
    """The version in force, from the container's cache when fresh."""
    with _lock:
        if _cached is not None and time.monotonic() - _cached[0] < CACHE_SECONDS:
            return _cached[1]
    item = repository.current_item()
    value = _from_item(item) if item is not None else Stored(0, seed(), None, None)
    _remember(value)
    return value


def company() -> CompanySettings:
    return stored().settings


def reset_cache() -> None:
    """Forget the cached document (tests switch stacks between modules)."""
    global _cached
    with _lock:
        _cached = None


def _remember(value: Stored) -> None:
    global _cached
    with _lock:
        _cached = (time.monotonic(), value)


def ensure_stored() -> Stored:
    """The stored version, storing the seed as version 1 when there is none (races are harmless:
    both writers store the same seed, one of them wins)."""
    item = repository.current_item()
    if item is not None:
        value = _from_item(item)
        _remember(value)
        return value
    now = clock.iso(clock.now())
    document = seed().model_dump_json()
    try:
        with transaction() as tx:
            for sk in (repository.CURRENT, repository.version_sk(1)):
                tx.save(
                    repository.SettingsItem(
                        repository.PK, sk, version=1, document=document, saved_at=now, saved_by=SEED_AUTHOR
                    ),
                    condition=repository.SettingsItem.pk.does_not_exist(),
                )
    except TransactWriteError as exc:
        if not is_conditional_failure(exc):
            raise
    return ensure_stored()


STALE_VERSION = (
    "Настройки уже изменены другим сотрудником (сохранена более новая версия). "
    "Обновите страницу и внесите изменения заново"
)


def _stale() -> ApiError:
    return ApiError(STALE_VERSION, [], status=409, code="stale_version")


def save(actor: Actor, version: int, settings: CompanySettings) -> Stored:
    """Store `settings` as version `version` + 1, if `version` is still the one in force (409 if not)."""
    before = ensure_stored()
    if before.version != version:
        raise _stale()
    new_version = version + 1
    now = clock.iso(clock.now())
    document = settings.model_dump_json()
    changed = _changed(before.settings.model_dump(mode="json"), settings.model_dump(mode="json"))
    Item = repository.SettingsItem
    try:
        with transaction() as tx:
            tx.save(
                Item(
                    repository.PK,
                    repository.CURRENT,
                    version=new_version,
                    document=document,
                    saved_at=now,
                    saved_by=actor.user.login,
                ),
                condition=Item.version == version,
            )
            tx.save(
                Item(
                    repository.PK,
                    repository.version_sk(new_version),
                    version=new_version,
                    document=document,
                    saved_at=now,
                    saved_by=actor.user.login,
                ),
                condition=Item.pk.does_not_exist(),
            )
            audit.record(
                tx, actor, "settings.update", "settings", "company", {"version": new_version, "changed": changed[:50]}
            )
    except TransactWriteError as exc:
        if not is_conditional_failure(exc):
            raise
        raise _stale() from None
    value = Stored(new_version, settings, now, actor.user.login)
    _remember(value)
    logger.info("company settings version %d saved", new_version)
    return value


def _changed(before: Any, after: Any, prefix: str = "") -> list[str]:
    """Dotted paths of the fields that differ (lists compared whole): what the audit names."""
    if isinstance(before, dict) and isinstance(after, dict):
        out: list[str] = []
        for key in after:
            out += _changed(before.get(key), after[key], f"{prefix}{key}.")
        return out
    return [prefix.rstrip(".")] if before != after else []
