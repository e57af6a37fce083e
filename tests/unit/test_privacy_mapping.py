"""What of an account survives its closing (chalicelib/accounts/privacy.py): the tombstone mapping and
the retention date."""

from datetime import date

import pytest

from chalicelib.accounts.privacy import TOMBSTONE_ERASES, TOMBSTONE_KEEPS, retention_until, withdrawn_consent
from chalicelib.accounts.repository import UserItem


def test_every_attribute_of_the_user_item_is_either_kept_or_erased():
    # A new attribute (a new personal field, say) must be classified before accounts can be closed.
    assert set(TOMBSTONE_KEEPS) | set(TOMBSTONE_ERASES) == set(UserItem.get_attributes())
    assert not set(TOMBSTONE_KEEPS) & set(TOMBSTONE_ERASES)


@pytest.mark.parametrize(
    "personal",
    [
        "login",
        "email",
        "phone",
        "profile",
        "password_hash",
        "sessions",
        "pending_email",
        "login_key",
        "email_key",
        "phone_key",
    ],
)
def test_identifiers_profile_and_secrets_are_erased(personal):
    assert personal in TOMBSTONE_ERASES


def test_the_consent_record_keeps_version_and_times_but_not_the_address():
    consent = {"version": "2024-01", "accepted_at": "2026-01-10T08:00:00+00:00", "ip": "203.0.113.7"}
    assert withdrawn_consent(consent, "2026-11-27T07:00:00+00:00") == {
        "version": "2024-01",
        "accepted_at": "2026-01-10T08:00:00+00:00",
        "withdrawn_at": "2026-11-27T07:00:00+00:00",
    }


@pytest.mark.parametrize(
    "closed, years, until",
    [
        (date(2026, 11, 27), 5, date(2031, 11, 27)),
        (date(2028, 2, 29), 5, date(2033, 2, 28)),
        (date(2028, 2, 29), 4, date(2032, 2, 29)),
    ],
)
def test_retention_runs_whole_years_from_the_closing_day(closed, years, until):
    assert retention_until(closed, years) == until
