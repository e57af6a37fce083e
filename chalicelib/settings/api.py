"""Routes of `settings/public` (what the site needs) and `staff/settings` (the administrator's page)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.core.web import ApiBlueprint, Request

from .views import PublicSettings, SettingsUpdate, StaffSettings

if TYPE_CHECKING:
    from .service import Stored

api = ApiBlueprint(__name__, tag="Настройки")

ADMINS = ("admin",)


@api.route(
    "/settings/public",
    summary="Сведения о компании для сайта: название, часовой пояс, контакты, "
    "часы работы, оформление, окно приёма показаний",
    access="public",
    response=PublicSettings,
)
def public_settings(req: Request) -> PublicSettings:
    from .service import company
    from .views import PublicBranding, PublicLockWindow, PublicReadingWindow

    settings = company()
    return PublicSettings(
        name=settings.requisites.name,
        time_zone=settings.time_zone,
        contacts=settings.contacts,
        branding=PublicBranding(**settings.branding.model_dump()),
        reading_window=PublicReadingWindow(
            start_day=settings.readings.window_start_day,
            lock_windows=[PublicLockWindow(**w.model_dump()) for w in settings.readings.lock_windows],
        ),
    )


@api.route(
    "/staff/settings",
    summary="Настройки компании: версия в силе и история версий",
    access="staff",
    roles=ADMINS,
    response=StaffSettings,
)
def get_settings(req: Request) -> StaffSettings:
    from .service import ensure_stored

    return _staff_view(ensure_stored())


@api.route(
    "/staff/settings",
    "PUT",
    summary="Сохранить настройки новой версией (409, если версия устарела)",
    access="staff",
    roles=ADMINS,
    body=SettingsUpdate,
    response=StaffSettings,
    errors=(409,),
)
def put_settings(req: Request) -> StaffSettings:
    from .service import save

    return _staff_view(save(req.principal, req.body.version, req.body.settings))


def _staff_view(stored: Stored) -> StaffSettings:
    from chalicelib.categories import CATEGORY_NAMES

    from . import repository
    from .views import SettingsVersion

    history = [
        SettingsVersion(version=int(i.version), saved_at=i.saved_at, saved_by=i.saved_by)
        for i in repository.history(limit=20)
    ]
    return StaffSettings(
        version=stored.version,
        saved_at=stored.saved_at,
        saved_by=stored.saved_by,
        settings=stored.settings,
        history=history,
        categories=CATEGORY_NAMES,
    )
