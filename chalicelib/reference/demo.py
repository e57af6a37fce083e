"""Demo streets of Voronezh for `make run` (infra/local/demo.py)."""

from __future__ import annotations

from .repository import Street, StreetRepository

DEMO_LOCALITY = "Воронеж"
DEMO_STREETS = (
    "ул. Плехановская",
    "пр-т Революции",
    "ул. Кольцовская",
    "ул. Карла Маркса",
    "ул. Фридриха Энгельса",
    "Московский пр-т",
    "ул. 20-летия Октября",
    "Ленинский пр-т",
    "ул. Лизюкова",
    "ул. Хользунова",
    "ул. Ворошилова",
    "ул. Никитинская",
    "ул. Пушкинская",
    "пер. Учительский",
)


def seed_demo_streets() -> dict[str, Street]:
    """Writes the demo streets; returns them by name for the other demo seeders."""
    streets = {name: Street.new(DEMO_LOCALITY, name) for name in DEMO_STREETS}
    StreetRepository().write_many(streets.values())
    return streets
