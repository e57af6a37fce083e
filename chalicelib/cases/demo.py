"""What the demo seeds of every kind of case share (`make run`, infra/local/demo.py)."""

from __future__ import annotations

from chalicelib.accounts.principal import Principal
from chalicelib.accounts.repository import UserRepository


def demo_principal(user_id: str) -> Principal:
    """A demo account as the services see a signed-in user or employee."""
    user = UserRepository().get(user_id)
    assert user is not None, "the demo accounts are created before their cases"
    return Principal(user=user, session_id="demo-seed")
