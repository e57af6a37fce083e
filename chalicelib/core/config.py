"""Settings of one deployment, read once from the environment (12-factor).

Company settings (name, requisites, time zone, reading window, lock windows, who may submit, billing
period end day, appeal addressees, rates table) live in the versioned settings document
(chalicelib/settings): the KABINET_* variables of those fields below only seed its version 1 when no
document is stored yet, so an existing deployment keeps its values. Read them through
`chalicelib.settings.company()`; `tz` and `addressees` here already do.
"""

import os
from collections.abc import Mapping
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ConfigDict, Field

from .model import BaseModel
from .names import DEFAULT_STAGE, ENV_PREFIX, resource_name


class Settings(BaseModel):
    """Every field can be set as KABINET_<FIELD> (AWS_REGION for the region)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    stage: str = DEFAULT_STAGE
    aws_region: str = "eu-central-1"
    site_url: str = "http://127.0.0.1:8000"
    # Seed of the settings document only (see the module docstring).
    company_name: str = "АО «Горэлектросеть»"
    company_timezone: str = "Europe/Moscow"
    mail_from: str = "noreply@kabinet.local"
    # Behind CloudFront the API sees the edge's address; the viewer's comes in this header.
    client_ip_header: str = ""

    access_token_minutes: int = 15
    refresh_token_hours: int = 24
    remember_me_days: int = 30
    confirmation_hours: int = 24
    reset_code_minutes: int = 15
    reset_code_attempts: int = 5
    # Sign-in (accounts/login_guard.py), per sliding auth_window_seconds: failures of one identifier
    # from one address before each further try waits (doubling up to the cap); failures of one
    # identifier from anywhere, or from one address, before every try needs a proof-of-work; failures
    # from one address before it is refused outright (100 per 15 minutes: about 400 an hour).
    login_failures_before_delay: int = 3
    login_max_delay_seconds: int = 300
    login_failures_before_challenge: int = 5
    login_failures_per_ip: int = 20
    login_failures_per_ip_ceiling: int = 100
    # Registration and recovery answer no sooner than this, whether or not the account exists: the
    # known-account path does more work (argon2, a transaction, a letter), and time must not tell.
    auth_response_floor_ms: int = 800
    # Per client IP, per window: auth endpoints that send mail or create accounts.
    auth_requests_per_ip: int = 20
    auth_window_seconds: int = 900
    pow_difficulty: int = 16
    pow_ttl_seconds: int = 300
    max_sessions_per_user: int = 10
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 64 * 1024
    consent_version: str = "2024-01"
    # How long a container keeps the signing secret before reading it again (chalicelib/core/secrets.py):
    # a rotated key is in use everywhere within this time.
    secret_max_age_seconds: int = Field(default=300, ge=1, le=3600)
    # Seeds of the settings document (see the module docstring). Reading entry (seed 000): window from
    # this day 00:00 to the month's last day 23:59, local time;
    # closed while the billing exchange runs; the consumer categories of contracts whose readings are
    # accepted (seed 002 §4.7 restricts; chalicelib/categories.py). The old values person,
    # entrepreneur, company still work: person = the three ФЛ categories, company = company + cooperative.
    reading_window_start_day: int = 25
    reading_lock_windows: str = "00:55-01:25,12:55-13:25"
    reading_submitters: str = "flat_common_meter,flat_no_common_meter,private_house,entrepreneur,company,cooperative"
    # A crashed exchange run must not keep entry locked beyond this.
    exchange_lock_minutes: int = 40
    # The billing-exchange bucket (drops in `inbox/`, exports in `outbox/`); its name contains the
    # account id, so the template passes it in (infra/resources.yaml, Globals).
    exchange_bucket: str = ""
    # Attachments: the bucket carries the account id, so it comes from the stack (template Globals).
    attachments_bucket: str = ""
    attachment_max_bytes: int = 20 * 1024 * 1024
    upload_url_seconds: int = 300
    download_url_seconds: int = 60
    uploads_per_hour: int = 60
    # Appeals and extra-service requests: the regulatory answer term (59-ФЗ: 30 days), the estimated
    # term of a service request shown on submission (seed 003), whom an appeal may be addressed to
    # («Кому», seed 000; separated by «;» — a seed of the settings document), and submissions per user per hour.
    appeal_answer_days: int = 30
    service_request_days: int = 30
    appeal_addressees: str = "Генеральный директор;Главный инженер;Начальник отдела по работе с потребителями"
    cases_per_hour: int = 20
    # АИИС КУЭ: the day of the month billing periods close on (seed 004; 0 = the month's last day,
    # i.e. calendar months; a seed of the settings document, as is company_inn); an agent silent longer
    # than this is shown as overdue; meter clocks off
    # by more than this are flagged; the company INN in АТС 80020 exports (omitted while empty).
    aiis_billing_period_end_day: int = Field(default=0, ge=0, le=31)
    aiis_agent_overdue_minutes: int = 15
    aiis_clock_drift_alarm_s: int = 30
    company_inn: str = ""
    # Grid connection: the public status check per client IP per window (numbers must not be
    # probeable), and the company whose rate table the calculator uses
    # (chalicelib/calculator/rates/<company_code>-<year>.json; a seed of the settings document).
    connection_status_checks_per_ip: int = 20
    connection_status_window_seconds: int = 3600
    company_code: str = "gorelektroset"
    # 152-ФЗ: after an account is closed, the appeals, service requests and grid-connection applications
    # the company must keep are kept (detached from the login) for this many years, then deleted.
    personal_data_retention_years: int = Field(default=5, ge=1, le=75)

    def resource(self, name: str) -> str:
        """Physical name of a resource declared in infra/resources.yaml."""
        return resource_name(name, self.stage)

    @property
    def addressees(self) -> list[str]:
        """Whom an appeal may be addressed to: from the settings document (cached per container)."""
        from chalicelib.settings import company

        return list(company().appeal_addressees)

    @property
    def tz(self) -> ZoneInfo:
        """The company's time zone: from the settings document (cached per container)."""
        from chalicelib.settings import company

        return company().tz

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> "Settings":
        values: dict[str, Any] = {
            name: environ[ENV_PREFIX + name.upper()]
            for name in cls.model_fields
            if ENV_PREFIX + name.upper() in environ
        }
        if "AWS_REGION" in environ:
            values["aws_region"] = environ["AWS_REGION"]
        return cls.model_validate(values)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    # (pydantic-settings would do this too, at twice the import cost on every cold start)
    return Settings.from_env(os.environ)
