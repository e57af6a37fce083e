"""Rules of appeals and extra-service requests: types, the status workflow, registration numbers,
answer deadlines. Pure functions, no AWS."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal, get_args

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
# Seeds 001 and 003 (заявка на дополнительную услугу), in seed 001's words. Requests store the code;
# the title is looked up when shown, so stored requests show these titles too.
SERVICE_TYPES: dict[str, str] = {
    "reading_removal": "Снятие показаний существующего прибора учёта (ПУ)",
    "meter_commissioning": "Осуществление допуска в эксплуатацию ПУ",
    "supply_point_equipping": "Оборудование точки поставки приборами учёта",
    "meter_installation": "Установка, замена и (или) эксплуатация приборов учёта (ПУ)",
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
_STATUSES: dict[str, Status] = {status: status for status in get_args(Status)}
OPEN_STATUSES = frozenset({"submitted", "in_progress"})
ARCHIVED_STATUSES = frozenset({"closed", "rejected"})


def stored_status(value: str) -> Status:
    """A status as read from an item (only ever written from `Status`)."""
    return _STATUSES[value]


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
        raise IllegalTransition(
            f"Нельзя перевести из статуса «{STATUS_TITLES[current]}» в статус «{STATUS_TITLES[target]}»"
        )


# --- what an employee may do with a case now ---------------------------------------------------
# The staff card lists these steps and the console shows exactly them; the staff service makes a
# request only if it is one of them (`staff_step`), so the list and the checks cannot disagree.

StaffAction = Literal["take", "status", "answer"]  # POST …/take, …/status, …/answer
Need = Literal["comment", "text"]  # the reason (a refusal), the answer's text


@dataclass(frozen=True)
class StaffStep:
    action: StaffAction
    status: Status  # the case's status after the step (a take-over leaves it in work)
    title: str  # what the console's button says
    needs: tuple[Need, ...] = ()


# Each next status of TRANSITIONS is reached by one request: into work by taking the case (which
# assigns it), «Дан ответ» by answering, the others by a status change. Listed in the workflow's
# order: work, answer, refusal, closing.
_STEPS: dict[str, StaffStep] = {
    "in_progress": StaffStep("take", "in_progress", "Взять в работу"),
    "answered": StaffStep("answer", "answered", "Ответить", ("text",)),
    "rejected": StaffStep("status", "rejected", "Отказать", ("comment",)),
    "closed": StaffStep("status", "closed", "Завершить рассмотрение"),
}
TAKE_OVER = StaffStep("take", "in_progress", "Взять на себя")


def staff_steps(status: str, assignee_id: str | None, employee_id: str) -> list[StaffStep]:
    """The steps `employee_id` may take with a case in `status` assigned to `assignee_id`: the
    workflow's next statuses, and taking over a case a colleague has in work (allowed to every
    operator and administrator, and audited). No step for a closed or refused case."""
    steps = [step for target, step in _STEPS.items() if target in TRANSITIONS[status]]
    if status in OPEN_STATUSES and "in_progress" not in TRANSITIONS[status] and assignee_id != employee_id:
        steps.insert(0, TAKE_OVER if assignee_id else _STEPS["in_progress"])
    return steps


def staff_step(status: str, assignee_id: str | None, employee_id: str, action: StaffAction, target: str) -> StaffStep:
    """The listed step a request makes, or IllegalTransition. `POST …/status` into work is the take
    step of a new case with a comment for the applicant (what the API has always accepted)."""
    for step in staff_steps(status, assignee_id, employee_id):
        same_request = step.action == action or (action == "status" and step.action == "take" and target != status)
        if step.status == target and same_request:
            return step
    check_transition(status, target)  # the workflow's own wording when the table refuses it
    raise IllegalTransition(f"В статусе «{STATUS_TITLES[status]}» это действие недоступно")


# --- registration numbers -------------------------------------------------------------------
# «2026-000123»: the year keeps numbers unique although each year's counter starts again at 1, and
# the zero padding makes them sort as text the way they sort as numbers (up to 999 999 a year).

_NUMBER_QUERY = re.compile(r"^\s*(?:№\s*)?(?:(\d{4})\s*[-/]\s*)?0*(\d{1,9})\s*$")


def format_number(year: int, seq: int) -> str:
    return f"{year}-{seq:06d}"


@dataclass(frozen=True)
class NumberQuery:
    """What a user typed into «Номер»: a full number or only its sequence part."""

    year: int | None
    seq: int

    def matches(self, year: int, seq: int) -> bool:
        return seq == self.seq and (self.year is None or year == self.year)

    @property
    def full(self) -> str | None:
        return format_number(self.year, self.seq) if self.year is not None else None


def parse_number_query(text: str) -> NumberQuery | None:
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
