"""Consumer categories billing assigns to a contract (seed 002 §4.7: «Показания принимаются только от
юридических лиц, погребных и гаражных кооперативов, частных лиц, в домах которых НЕ УСТАНОВЛЕНЫ
общедомовые приборы учёта»). Who may submit readings is a company rule keyed by these.

A vocabulary below every capability: the settings document validates against it, the billing drop
parses it, the reading rules word it. It imports nothing from chalicelib, so none of them has to
import another to share it.
"""

from __future__ import annotations

from typing import Literal

Category = Literal[
    "flat_common_meter", "flat_no_common_meter", "private_house", "entrepreneur", "company", "cooperative"
]

# Plural names, as the entry form lists who may submit («Показания принимаются только от …»).
CATEGORY_NAMES: dict[str, str] = {
    "flat_common_meter": "физических лиц в многоквартирных домах с общедомовым прибором учёта",
    "flat_no_common_meter": "физических лиц в многоквартирных домах без общедомового прибора учёта",
    "private_house": "физических лиц в частных домах",
    "entrepreneur": "индивидуальных предпринимателей",
    "company": "юридических лиц",
    "cooperative": "садоводческих, гаражных и погребных кооперативов, ТСЖ",
}
CATEGORIES: tuple[str, ...] = tuple(CATEGORY_NAMES)
PERSON_CATEGORIES: tuple[str, ...] = ("flat_common_meter", "flat_no_common_meter", "private_house")
# Holder kinds each category may have: a drop that pairs them otherwise is refused row by row.
KIND_OF_CATEGORY: dict[str, str] = {
    "flat_common_meter": "person",
    "flat_no_common_meter": "person",
    "private_house": "person",
    "entrepreneur": "entrepreneur",
    "company": "company",
    "cooperative": "company",
}


def categories_of(holder_kind: str, category: str | None) -> tuple[str, ...]:
    """The categories a contract may be in: its own, or — for an old drop without one — every
    category of its holder's kind (a rule then admits it only if it admits all of them)."""
    if category:
        return (category,)
    return tuple(c for c, kind in KIND_OF_CATEGORY.items() if kind == holder_kind)
