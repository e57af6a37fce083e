"""House numbers of an outage: parsing «1, 3, 5–11, 12к2» and deciding which houses it covers (pure).

Coverage rules (an outage notice errs on the side of telling too many rather than too few):
- a range «5–11» covers every house whose number is 5…11, with any letter or building: «7а», «9к1»;
- a bare number «12» covers «12» and all its variants: «12а», «12к2», «12/1»;
- a number with a suffix «12к2» covers exactly that house;
- no houses at all means the whole street.
Messages never repeat what was typed: they point at the element by its position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_ELEMENTS = 200
EXAMPLE = "Пример: 1, 3, 5–11, 12к2"

_DASHES = re.compile(r"[-‐‑‒–—―]")
_HOUSE = re.compile(
    r"(?P<number>\d{1,4})(?P<letter>[а-я])?(?:/(?P<fraction>\d{1,4}[а-я]?))?"
    r"(?:к(?P<building>\d{1,3}))?(?:с(?P<structure>\d{1,3}))?"
)
_RANGE = re.compile(r"(\d{1,4})-(\d{1,4})")


class HousesError(ValueError):
    """A Russian message for the person who typed the houses."""


@dataclass(frozen=True)
class House:
    number: int
    suffix: str = ""  # canonical «а», «к2», «/1», «ак2с1» …

    def __str__(self) -> str:
        return f"{self.number}{self.suffix}"


@dataclass(frozen=True)
class HouseRange:
    first: int
    last: int

    def __str__(self) -> str:
        return f"{self.first}–{self.last}"


HouseSpec = House | HouseRange


def _squeeze(text: str) -> str:
    """Lower case, «ё» → «е», no spaces or dots, long words for building and structure shortened."""
    text = re.sub(r"[\s.]", "", text.lower().replace("ё", "е"))
    text = re.sub(r"^(?:дом|д)(?=\d)", "", text)
    text = re.sub(r"корпус|корп", "к", text)
    text = re.sub(r"строение|стр", "с", text)
    return re.sub(r"литера|лит", "", text)


def _house(squeezed: str) -> House | None:
    found = _HOUSE.fullmatch(squeezed)
    if not found:
        return None
    suffix = (found["letter"] or "") + (f"/{found['fraction']}" if found["fraction"] else "")
    suffix += f"к{found['building']}" if found["building"] else ""
    suffix += f"с{found['structure']}" if found["structure"] else ""
    return House(int(found["number"]), suffix)


def parse_house(text: str) -> House:
    """One house, as a consumer gives their address: «10», «12 корп. 2», «д. 5а»."""
    house = _house(_squeeze(text))
    if house is None:
        raise HousesError("Неверный номер дома. Пример: 10, 12а, 12к2, 14/1")
    return house


def _spec(squeezed: str, position: int) -> HouseSpec:
    bounds = _RANGE.fullmatch(_DASHES.sub("-", squeezed))
    if bounds:
        first, last = int(bounds[1]), int(bounds[2])
        if first >= last:
            raise HousesError(f"Номера домов, элемент {position}: начало диапазона должно быть меньше конца")
        return HouseRange(first, last)
    house = _house(squeezed)
    if house is None:
        raise HousesError(f"Номера домов, элемент {position}: неверный формат. {EXAMPLE}")
    return house


def parse_houses(text: str | None) -> tuple[HouseSpec, ...]:
    """Comma-separated houses and ranges; empty means the whole street. Empty elements (a trailing
    comma) are ignored, repeats dropped; positions in messages count elements as typed."""
    elements = [(position, _squeeze(part)) for position, part in enumerate((text or "").split(","), start=1)]
    elements = [(position, e) for position, e in elements if e]
    if len(elements) > MAX_ELEMENTS:
        raise HousesError(f"Не более {MAX_ELEMENTS} номеров и диапазонов домов")
    specs: list[HouseSpec] = []
    for position, element in elements:
        spec = _spec(element, position)
        if spec not in specs:
            specs.append(spec)
    return tuple(specs)


def format_houses(specs: tuple[HouseSpec, ...]) -> str:
    return ", ".join(str(s) for s in specs)


def covers(specs: tuple[HouseSpec, ...], house: House) -> bool:
    if not specs:
        return True
    for spec in specs:
        if isinstance(spec, HouseRange):
            if spec.first <= house.number <= spec.last:
                return True
        elif spec == house or (not spec.suffix and spec.number == house.number):
            return True
    return False
