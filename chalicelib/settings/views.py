"""Request and response shapes of the settings routes."""

from pydantic import ConfigDict, Field

from chalicelib.core.model import BaseModel

from .model import CompanySettings, Contacts


class SettingsVersion(BaseModel):
    version: int
    saved_at: str
    saved_by: str


class StaffSettings(BaseModel):
    version: int = Field(description="Версия в силе: её передают в PUT, чтобы не затереть чужие изменения")
    saved_at: str | None
    saved_by: str | None
    settings: CompanySettings
    history: list[SettingsVersion]
    categories: dict[str, str] = Field(description="Категории потребителей: код → название")


class SettingsUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=0, description="Версия, которую редактировали (из GET)")
    settings: CompanySettings


class PublicLockWindow(BaseModel):
    start: str
    end: str


class PublicReadingWindow(BaseModel):
    start_day: int
    lock_windows: list[PublicLockWindow]


class PublicBranding(BaseModel):
    site_name: str
    logo_url: str
    primary_color: str
    accent_color: str


class PublicSettings(BaseModel):
    """What the site shows: no requisites beyond the name, nothing internal."""

    name: str
    time_zone: str
    contacts: Contacts
    branding: PublicBranding
    reading_window: PublicReadingWindow
