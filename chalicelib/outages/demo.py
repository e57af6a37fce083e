"""Demo outages for `make run` (infra/local/demo.py), entered the way staff would enter them.

The demo consumer is subscribed to his own house, so publishing next week's outage sends him an SMS
that shows up at /dev/outbox.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from chalicelib.accounts.principal import Principal
from chalicelib.accounts.repository import UserRepository
from chalicelib.core import clock
from chalicelib.core.config import get_settings
from chalicelib.reference.demo import DEMO_LOCALITY
from chalicelib.reference.repository import Street

from .models import OutageIn, SubscriptionIn
from .publishing import Publisher
from .service import OutageService
from .subscriptions import SubscriptionService


def _at(days: int, hour: int) -> datetime:
    today = clock.now().astimezone(get_settings().tz)
    return (today + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)


def seed_demo_outages(staff_id: str, subscriber_id: str) -> None:
    staff = UserRepository().get(staff_id)
    assert staff is not None, "the demo staff member is created first"
    actor = Principal(user=staff, session_id="demo-seed")
    plekhanovskaya = Street.new(DEMO_LOCALITY, "ул. Плехановская").id
    koltsovskaya = Street.new(DEMO_LOCALITY, "ул. Кольцовская").id

    SubscriptionService().add(subscriber_id, SubscriptionIn(street_id=plekhanovskaya, house="10"))
    outages, publisher = OutageService(), Publisher()
    for days, houses in ((-6, "2–16"), (7, "2–16, 18к1")):  # last week's (history) and next week's
        entered = outages.create(
            actor,
            OutageIn.model_validate(
                {
                    "kind": "planned",
                    "streets": [{"street_id": plekhanovskaya, "houses": houses}],
                    "start": _at(days, 9),
                    "end": _at(days, 17),
                    "reason": "Плановый ремонт оборудования ТП-1234",
                }
            ),
        )
        publisher.publish(actor, entered.id)
    outages.create(
        actor,
        OutageIn.model_validate(
            {
                "kind": "emergency",
                "streets": [{"street_id": koltsovskaya, "houses": "24–40"}],
                "start": (clock.now() - timedelta(hours=1)).replace(second=0, microsecond=0),
                "end": None,
                "reason": "Повреждение кабельной линии 6 кВ, ведутся аварийно-восстановительные работы",
            }
        ),
    )
