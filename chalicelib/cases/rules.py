"""Terms every kind of case shares (pure: no storage)."""

from typing import Literal

# Who made a change, asked or answered: the applicant (the portal's user) or the company (an employee,
# or the company's own schedules such as the connection deadline watcher).
Party = Literal["applicant", "company"]


def as_party(stored: str) -> Party:
    """A party as read from an item."""
    return "company" if stored == "company" else "applicant"
