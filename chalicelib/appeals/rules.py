"""Rules of appeals and extra-service requests: types, the status workflow, registration numbers,
answer deadlines. Pure functions, no AWS."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal, Optional

Kind = Literal["appeal", "service_request"]
KINDS: tuple[Kind, ...] = ("appeal", "service_request")
KEY_PREFIX: dict[str, str] = {"appeal": "APPEAL", "service_request": "SREQ"}

# Seed 001 (форма «Обращение»).
APPEAL_TYPES: dict[str, str] = {
    "information": "Запрос справочной информации",
    "complaint": "Жалоба",
    "unmetered_consumption": "Сообщение о бездоговорном / безучётном потреблении электроэнергии",
    "grid_theft": "Сообщение о хищении объектов электросетевого хозяйства",
    "consultation": "Запрос консультации",
}
# Seeds 001 and 003 (заявка на дополнительную услугу).
SERVICE_TYPES: dict[str, str] = {
    "reading_removal": "Снятие показаний прибора учёта",
    "meter_commissioning": "Ввод прибора учёта в эксплуатацию",
    "supply_point_equipping": "Оснащение точки поставки прибором учёта",
    "meter_installation": "Установка / замена прибора учёта",
}
TYPE_TITLES: dict[str, dict[str, str]] = {"appeal": APPEAL_TYPES, "service_request": SERVICE_TYPES}

Status = Literal["submitted", "in_progress", "answered", "closed", "rejected"]
# Titles read right for «обращение» and «заявка» alike (no gendered participles).
STATUS_TITLES: dict[str, str] = {
    "submitted": "Ожидает рассмотрения",
    "in_progress": "В работе",
    "answered": "Дан ответ",
    "closed": "Рассмотрение завершено",
    "rejected": "Отказано",
}
OPEN_STATUSES = frozenset({"submitted", "in_progress"})
ARCHIVED_STATUSES = frozenset({"closed", "rejected"})

# submitted → in_progress → answered → closed; rejected from either open status.
TRANSITIONS: dict[str, frozenset[str]] = {
    "submitted": frozenset({"in_progress", "rejected"}),
    "in_progress": frozenset({"answered", "rejected"}),
    "answered": frozenset({"closed"}),
    "closed": frozenset(),
    "rejected": frozenset(),
}


class IllegalTransition(ValueError):
    """The message is Russian and names only statuses."""


def check_transition(current: str, target: str) -> None:
    if target not in TRANSITIONS[current]:
        raise IllegalTransition(f"Нельзя перевести из статуса «{STATUS_TITLES[current]}» "
                                f"в статус «{STATUS_TITLES[target]}»")


# --- registration numbers -------------------------------------------------------------------
# «2026-000123»: the year keeps numbers unique although each year's counter starts again at 1, and
# the zero padding makes them sort as text the way they sort as numbers (up to 999 999 a year).

_NUMBER_QUERY = re.compile(r"^\s*(?:№\s*)?(?:(\d{4})\s*[-/]\s*)?0*(\d{1,9})\s*$")


def format_number(year: int, seq: int) -> str:
    return f"{year}-{seq:06d}"


@dataclass(frozen=True)
class NumberQuery:
    """What a user typed into «Номер»: a full number or only its sequence part."""
    year: Optional[int]
    seq: int

    def matches(self, year: int, seq: int) -> bool:
        return seq == self.seq and (self.year is None or year == self.year)

    @property
    def full(self) -> Optional[str]:
        return format_number(self.year, self.seq) if self.year is not None else None


def parse_number_query(text: str) -> Optional[NumberQuery]:
    found = _NUMBER_QUERY.match(text)
    if not found or int(found.group(2)) == 0:
        return None
    return NumberQuery(year=int(found.group(1)) if found.group(1) else None, seq=int(found.group(2)))


# --- deadlines ------------------------------------------------------------------------------

def due_date(submitted_on: date, days: int) -> date:
    """Calendar days from registration (59-ФЗ counts the answer term that way)."""
    return submitted_on + timedelta(days=days)


def is_overdue(status: str, due_on: str, today: date) -> bool:
    return status in OPEN_STATUSES and today > date.fromisoformat(due_on)
