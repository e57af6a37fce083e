"""Grid-connection rules (pure, no AWS, no clock): categories and what each requires, reasons,
documents, the status workflow, registration numbers, public-check names and PP 861 deadlines.

«Правила» below = Правила технологического присоединения энергопринимающих устройств…, утв.
Постановлением Правительства РФ от 27.12.2004 № 861. Applicant groups of the Правила: п. 14 — ФЛ up
to 15 kW for household needs; п. 12(1) — ЮЛ/ИП up to 150 kW by one source; п. 13 and others — the
rest; раздел VII — temporary connection. Seeds: 000 (drafts, «Черновик»), 001 (form fields, missing
documents, «Сообщить о готовности»), 002 (categories, wizard sections, number `2020-01-10-702-5`,
public check), 003 (number and estimated term on submit).

Every function takes the data it judges; the service maps `Problem`s and `TransitionError`s to HTTP.
Messages are Russian and never contain what the user typed.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from chalicelib.cases.rules import Party as Party  # the applicant's or the company's step

from . import calendar

if TYPE_CHECKING:  # the section models only carry data; importing them at run time would be circular
    from .models import ApplicantSection, ObjectSection, TechnicalSection

ApplicantKind = Literal["person", "entrepreneur", "company"]
Category = Literal["household_15", "upto_150", "from_150_to_670", "over_670", "temporary"]
Reason = Literal["first", "capacity_increase", "reliability_change", "point_change", "activity_change"]
Voltage = Literal["0.23", "0.4", "6", "10", "20", "35", "110"]
Reliability = Literal["I", "II", "III"]
ContractType = Literal["supply", "sale"]
Ownership = Literal["owner", "lease", "other"]
Settlement = Literal["urban", "rural"]
DocumentKind = Literal[
    "location_plan", "ownership", "single_line_diagram", "devices_list", "power_of_attorney", "other"
]
CompanyDocumentKind = Literal["technical_conditions", "contract", "answer", "act", "other"]
Status = Literal[
    "draft",
    "checking",
    "awaiting_documents",
    "registered",
    "contract_sent",
    "contract_concluded",
    "works",
    "readiness_reported",
    "inspection",
    "connected",
    "closed",
    "annulled",
    "withdrawn",
]
# The four terms of ПП 861 a card shows (`deadlines`), and what a staff step must carry: "comment" (why,
# what is missing), "tu" (ТУ number and date), "account_number" (the personal account opened at connection).
DeadlineCode = Literal["check", "documents", "contract", "connection"]
Need = Literal["comment", "tu", "account_number"]

ORGANISATIONS = frozenset({"entrepreneur", "company"})
ALL_KINDS = frozenset({"person", "entrepreneur", "company"})

REASON_TITLES: dict[str, str] = {
    "first": "Присоединение впервые",
    "capacity_increase": "Увеличение максимальной мощности",
    "reliability_change": "Изменение категории надёжности электроснабжения",
    "point_change": "Изменение точки присоединения",
    "activity_change": "Изменение вида производственной деятельности",
}
# Reasons that change no power (Правила п. 2: reliability category, connection point, activity
# «не влекущих пересмотра величины максимальной мощности»): an existing connection, nothing requested.
NO_POWER_REASONS = frozenset({"reliability_change", "point_change", "activity_change"})

VOLTAGE_KV: dict[str, Decimal] = {v: Decimal(v) for v in ("0.23", "0.4", "6", "10", "20", "35", "110")}
VOLTAGE_TITLES: dict[str, str] = {v: f"{v.replace('.', ',')} кВ" for v in VOLTAGE_KV}
RELIABILITY_TITLES = {"I": "I категория", "II": "II категория", "III": "III категория"}
CONTRACT_TITLES = {
    "supply": "Договор энергоснабжения",
    "sale": "Договор купли-продажи (поставки) электрической энергии (мощности)",
}
OWNERSHIP_TITLES = {"owner": "Право собственности", "lease": "Аренда", "other": "Иное законное основание"}

DOCUMENT_TITLES: dict[str, str] = {
    "location_plan": "План расположения энергопринимающих устройств",
    "ownership": "Документ, подтверждающий право собственности или иное законное основание на объект",
    "single_line_diagram": "Однолинейная схема электрических сетей заявителя",
    "devices_list": "Перечень и мощность энергопринимающих устройств, присоединяемых к устройствам "
    "противоаварийной автоматики",
    "power_of_attorney": "Доверенность представителя заявителя",
    "other": "Прочие документы",
}
COMPANY_DOCUMENT_TITLES: dict[str, str] = {
    "technical_conditions": "Технические условия",
    "contract": "Договор об осуществлении технологического присоединения",
    "answer": "Ответ сетевой организации",
    "act": "Акт об осуществлении технологического присоединения",
    "other": "Документ сетевой организации",
}
# Правила п. 10: the plan and the ownership document are required of every applicant.
ALWAYS_REQUIRED: tuple[str, ...] = ("location_plan", "ownership")

OKVED = re.compile(r"^\d{2}(\.\d{1,2}){0,2}$")
CADASTRAL = re.compile(r"^\d{2}:\d{2}:\d{6,7}:\d{1,10}$")
MAX_TEMPORARY_MONTHS = 12
MAX_STAGES = 10


@dataclass(frozen=True)
class PowerRange:
    """Bounds on the total maximum power, kW (each optional)."""

    at_least: Decimal | None = None
    above: Decimal | None = None
    at_most: Decimal | None = None
    below: Decimal | None = None

    def __contains__(self, total: Decimal) -> bool:
        return (
            (self.at_least is None or total >= self.at_least)
            and (self.above is None or total > self.above)
            and (self.at_most is None or total <= self.at_most)
            and (self.below is None or total < self.below)
        )

    @property
    def message(self) -> str:
        parts = []
        if self.at_least is not None:
            parts.append(f"не менее {self.at_least}")
        if self.above is not None:
            parts.append(f"свыше {self.above}")
        if self.at_most is not None:
            parts.append(f"не более {self.at_most}")
        if self.below is not None:
            parts.append(f"менее {self.below}")
        return f"Для этой категории общая максимальная мощность — {' и '.join(parts)} кВт"


@dataclass(frozen=True)
class CategoryRule:
    code: str  # last part of the registration number
    title: str
    kinds: frozenset[str]
    power: PowerRange
    max_voltage: str
    reliabilities: tuple[str, ...]
    reasons: tuple[str, ...]
    stages: Literal["required", "optional", "forbidden"]
    documents: tuple[str, ...]  # required on top of ALWAYS_REQUIRED
    review_working_days: int  # contract and ТУ after a complete application (Правила п. 15)


_ALL_REASONS = tuple(REASON_TITLES)
_SCHEMES = ("single_line_diagram", "devices_list")

CATEGORIES: dict[str, CategoryRule] = {
    # Правила п. 14: ФЛ, household needs, up to 15 kW with what is already connected, one source (III).
    "household_15": CategoryRule(
        "1",
        "Физические лица до 15 кВт для бытовых нужд",
        frozenset({"person"}),
        PowerRange(at_most=Decimal(15)),
        "0.4",
        ("III",),
        ("first", "capacity_increase", "reliability_change", "point_change"),
        "forbidden",
        (),
        10,
    ),
    # Правила п. 12(1): up to 150 kW by one source (III); online filing up to 10 kV (ПП РФ № 1131).
    # Seed 002 offers this category to ФЛ too (non-household use).
    "upto_150": CategoryRule(
        "2",
        "До 150 кВт включительно",
        ALL_KINDS,
        PowerRange(at_most=Decimal(150)),
        "10",
        ("III",),
        _ALL_REASONS,
        "optional",
        (),
        10,
    ),
    "from_150_to_670": CategoryRule(
        "3",
        "Свыше 150 кВт и менее 670 кВт",
        ALL_KINDS,
        PowerRange(above=Decimal(150), below=Decimal(670)),
        "110",
        ("I", "II", "III"),
        _ALL_REASONS,
        "optional",
        _SCHEMES,
        20,
    ),
    "over_670": CategoryRule(
        "4",
        "670 кВт и более",
        ALL_KINDS,
        PowerRange(at_least=Decimal(670)),
        "110",
        ("I", "II", "III"),
        _ALL_REASONS,
        "required",
        _SCHEMES,
        20,
    ),
    # Раздел VII Правил; seed 001: «Временное технологическое присоединение до 150 кВт включительно».
    "temporary": CategoryRule(
        "5",
        "Временное присоединение до 150 кВт",
        ALL_KINDS,
        PowerRange(at_most=Decimal(150)),
        "10",
        ("III",),
        ("first",),
        "forbidden",
        (),
        10,
    ),
}
CATEGORY_BY_CODE = {rule.code: name for name, rule in CATEGORIES.items()}


@dataclass(frozen=True)
class Problem:
    path: str
    message: str


def kind_allowed(category: str, kind: str) -> bool:
    return kind in CATEGORIES[category].kinds


def total_kw(technical: TechnicalSection) -> Decimal | None:
    """Total maximum power = requested + previously connected (form field «Общая максимальная мощность»)."""
    return None if technical.requested_kw is None else technical.requested_kw + technical.previous_kw


# --- Completeness per category -----------------------------------------------------------------

REQUIRED = "Обязательное поле"

PERSON_FIELDS = (
    "last_name",
    "first_name",
    "middle_name",
    "passport",
    "registration_address",
    "actual_address",
    "representative",
    "representative_name",
)
ORGANISATION_FIELDS = (
    "short_name",
    "full_name",
    "head_name",
    "egr_record",
    "legal_address",
    "postal_address",
    "representative",
    "representative_name",
)


def foreign_applicant_fields(kind: str, fields_set: Collection[str]) -> list[Problem]:
    """Fields of the other applicant kind: refused rather than stored and ignored."""
    own = PERSON_FIELDS if kind == "person" else ORGANISATION_FIELDS
    foreign = (set(PERSON_FIELDS) | set(ORGANISATION_FIELDS)) - set(own)
    return [
        Problem(f"applicant.{name}", "Поле не относится к Вашему виду заявителя")
        for name in sorted(foreign & set(fields_set))
    ]


def applicant_problems(kind: str, applicant: ApplicantSection) -> list[Problem]:
    if kind == "person":
        # Seed 002: surname, name, passport and addresses; the passport comes from the profile if filled.
        required = ["last_name", "first_name", "passport", "registration_address"]
    else:
        # Seed 001: organisation names, ЕГРЮЛ record and date (ИНН and ОГРН come fixed from the profile).
        required = ["short_name", "full_name", "egr_record", "legal_address"] + (
            ["head_name"] if kind == "company" else []
        )
    required += ["phone", "email"]
    found = [Problem(f"applicant.{name}", REQUIRED) for name in required if getattr(applicant, name) is None]
    if applicant.representative and not applicant.representative_name:
        found.append(Problem("applicant.representative_name", "Укажите представителя заявителя"))
    return found


def object_problems(category: str, facility: ObjectSection) -> list[Problem]:
    required = ["name", "address", "settlement", "ownership"]
    # Mobile installations on temporary supply may stand on land without a cadastral record.
    if category != "temporary":
        required.append("cadastral_number")
    return [Problem(f"object.{name}", REQUIRED) for name in required if getattr(facility, name) is None]


def technical_problems(kind: str, category: str, reason: str, technical: TechnicalSection) -> list[Problem]:
    rule = CATEGORIES[category]
    found: list[Problem] = []

    def need(name: str, message: str = REQUIRED) -> None:
        found.append(Problem(f"technical.{name}", message))

    for name in ("requested_kw", "voltage", "contract_type", "retail_company"):
        if getattr(technical, name) is None:
            need(name)
    requested, previous = technical.requested_kw, technical.previous_kw
    if requested is not None:
        if reason in NO_POWER_REASONS and requested != 0:
            need(
                "requested_kw",
                "При этом основании мощность не увеличивается: укажите 0, а ранее присоединённую — "
                "в соответствующем поле",
            )
        elif reason not in NO_POWER_REASONS and requested <= 0:
            need("requested_kw", "Укажите запрашиваемую мощность больше 0")
        total = requested + previous
        if total not in rule.power:
            need("requested_kw", rule.power.message)
    if reason == "first" and previous != 0:
        need("previous_kw", "При первом присоединении ранее присоединённой мощности нет")
    if reason != "first" and previous <= 0:
        need("previous_kw", "Укажите ранее присоединённую мощность")

    if technical.voltage is not None and VOLTAGE_KV[technical.voltage] > VOLTAGE_KV[rule.max_voltage]:
        need("voltage", f"Для этой категории класс напряжения — не выше {VOLTAGE_TITLES[rule.max_voltage]}")
    reliability = technical.reliability
    if reliability not in rule.reliabilities:
        need("reliability", "Для этой категории — только III категория надёжности (один источник питания)")
    # Two sources (I, II) and anything from 670 kW must be justified to the company (brief, seed 001).
    if (reliability != "III" or category == "over_670") and not technical.reliability_justification:
        need("reliability_justification", "Обоснуйте категорию надёжности")

    if kind in ORGANISATIONS and technical.okved is None:
        need("okved", "Укажите вид нагрузки (код ОКВЭД)")
    if category == "temporary" and technical.temporary_months is None:
        need("temporary_months", "Укажите срок электроснабжения по временной схеме")
    if category != "temporary" and technical.temporary_months is not None:
        need("temporary_months", "Срок временного электроснабжения указывается только для временного присоединения")

    found += _stage_problems(rule, technical, requested)
    if technical.instalments and not _instalments_allowed(kind, category, requested, previous):
        need(
            "instalments",
            "Рассрочка платежа предоставляется только юридическим лицам и индивидуальным "
            "предпринимателям при мощности свыше 15 до 150 кВт",
        )
    return found


def _instalments_allowed(kind: str, category: str, requested: Decimal | None, previous: Decimal) -> bool:
    if kind not in ORGANISATIONS or category != "upto_150" or requested is None:
        return False
    return Decimal(15) < requested + previous <= Decimal(150)


def _stage_problems(rule: CategoryRule, technical: TechnicalSection, requested: Decimal | None) -> list[Problem]:
    stages = technical.stages or []
    if rule.stages == "forbidden":
        return [Problem("technical.stages", "Поэтапный ввод для этой категории не предусмотрен")] if stages else []
    if not stages:
        needed = rule.stages == "required" and requested is not None and requested > 0
        return (
            [
                Problem(
                    "technical.stages", "Укажите этапы проектирования и ввода в эксплуатацию с мощностью каждого этапа"
                )
            ]
            if needed
            else []
        )
    found = []
    for index, stage in enumerate(stages):
        if stage.commissioning < stage.design_until:
            found.append(
                Problem(
                    f"technical.stages.{index}.commissioning",
                    "Ввод в эксплуатацию не может быть раньше окончания проектирования",
                )
            )
        if index and stage.commissioning < stages[index - 1].commissioning:
            found.append(
                Problem(f"technical.stages.{index}.commissioning", "Этапы перечисляются в порядке ввода в эксплуатацию")
            )
    if requested is not None and sum((s.power_kw for s in stages), Decimal(0)) != requested:
        found.append(Problem("technical.stages", "Сумма мощностей этапов должна равняться запрашиваемой мощности"))
    return found


def required_documents(category: str, applicant: ApplicantSection) -> list[str]:
    extra = ["power_of_attorney"] if applicant.representative else []
    return [*ALWAYS_REQUIRED, *CATEGORIES[category].documents, *extra]


def document_problems(category: str, applicant: ApplicantSection, present: Collection[str]) -> list[Problem]:
    return [
        Problem(f"documents.{kind}", f"Приложите документ: {DOCUMENT_TITLES[kind].lower()}")
        for kind in required_documents(category, applicant)
        if kind not in present
    ]


def choice_problems(kind: str, category: str, reason: str) -> list[Problem]:
    """The wizard's first choice: a category open to the applicant's kind, a reason open to the category."""
    found = []
    if not kind_allowed(category, kind):
        found.append(Problem("category", "Эта категория недоступна для Вашего вида заявителя"))
    if reason not in CATEGORIES[category].reasons:
        found.append(Problem("reason", "Это основание недоступно для выбранной категории"))
    return found


def submission_problems(
    kind: str,
    category: str,
    reason: str,
    applicant: ApplicantSection,
    facility: ObjectSection,
    technical: TechnicalSection,
    present_documents: Collection[str],
) -> list[Problem]:
    """Everything that stops an application from being submitted, in wizard order."""
    return (
        choice_problems(kind, category, reason)
        + applicant_problems(kind, applicant)
        + object_problems(category, facility)
        + technical_problems(kind, category, reason, technical)
        + document_problems(category, applicant, present_documents)
    )


# --- Status workflow -----------------------------------------------------------------------------

STATUS_TITLES: dict[str, str] = {
    "draft": "Черновик",
    "checking": "Проверка заявки",
    "awaiting_documents": "Ожидание недостающих документов",
    "registered": "Заявка зарегистрирована",
    "contract_sent": "Направлены договор и технические условия",
    "contract_concluded": "Договор заключён",
    "works": "Выполнение мероприятий по присоединению",
    "readiness_reported": "Заявитель сообщил о готовности",
    "inspection": "Проверка выполнения технических условий",
    "connected": "Присоединение выполнено",
    "closed": "Заявка закрыта",
    "annulled": "Заявка аннулирована",
    "withdrawn": "Отозвана заявителем",
}
TERMINAL = frozenset({"closed", "annulled", "withdrawn"})
# Before the contract is concluded the applicant may withdraw the application; after it, the contract
# is terminated with the company instead (ГК РФ ст. 450.1), which is not a status of the application.
WITHDRAWABLE = ("checking", "awaiting_documents", "registered", "contract_sent")


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    party: Party
    needs: frozenset[Need] = field(default_factory=frozenset)


def _t(source: str, target: str, party: Party, *needs: Need) -> Transition:
    return Transition(source, target, party, frozenset(needs))


TRANSITIONS: tuple[Transition, ...] = (
    _t("draft", "checking", "applicant"),  # «Отправить» (seed 000)
    _t("checking", "awaiting_documents", "company", "comment"),  # what is missing (Правила п. 15)
    _t("checking", "registered", "company"),
    _t("awaiting_documents", "checking", "applicant"),  # «Завершить загрузку» (seed 001)
    _t("registered", "contract_sent", "company", "tu"),
    _t("contract_sent", "contract_concluded", "company"),
    _t("contract_concluded", "works", "company"),
    # «Сообщить о готовности» (seed 001): the applicant's part of the ТУ may be done before or while the
    # company works.
    _t("contract_concluded", "readiness_reported", "applicant"),
    _t("works", "readiness_reported", "applicant"),
    _t("readiness_reported", "inspection", "company"),
    _t("inspection", "works", "company", "comment"),  # remarks: fix and report again
    _t("inspection", "connected", "company", "account_number"),
    _t("connected", "closed", "company"),
    # Annulment: documents not provided in time (Правила п. 15), contract not signed or paid, withdrawal.
    *(
        _t(source, "annulled", "company", "comment")
        for source in ("checking", "awaiting_documents", "registered", "contract_sent")
    ),
    # «Отозвать заявку»: the applicant's reason is the comment.
    *(_t(source, "withdrawn", "applicant", "comment") for source in WITHDRAWABLE),
)
_BY_PAIR: dict[tuple[str, str], Transition] = {(t.source, t.target): t for t in TRANSITIONS}


class TransitionError(ValueError):
    """A refused status change; the message is Russian and names only our own status titles."""


def transition(source: str, target: str, party: Party) -> Transition:
    step = _BY_PAIR.get((source, target))
    if step is None:
        raise TransitionError(
            f"Заявку в статусе «{STATUS_TITLES[source]}» нельзя перевести в статус «{STATUS_TITLES[target]}»"
        )
    if step.party != party:
        raise TransitionError(
            "Этот шаг выполняет заявитель" if step.party == "applicant" else "Этот шаг выполняет сетевая организация"
        )
    return step


def is_open(status: str) -> bool:
    return status != "draft" and status not in TERMINAL


def documents_editable(status: str) -> bool:
    """The applicant adds files to a draft, and to an application waiting for missing documents."""
    return status in ("draft", "awaiting_documents")


def applicant_actions(status: str) -> list[str]:
    """What the card offers the applicant now (the front end shows these buttons only)."""
    actions = []
    if status == "draft":
        actions += ["edit", "submit", "delete"]
    if documents_editable(status):
        actions.append("upload")
    if status == "awaiting_documents":
        actions.append("complete_documents")
    if (status, "readiness_reported") in _BY_PAIR:
        actions.append("report_readiness")
    if (status, "withdrawn") in _BY_PAIR:
        actions.append("withdraw")
    if status != "draft":
        actions.append("ask")
    return actions


# --- Registration numbers and the public check ---------------------------------------------------

NUMBER = re.compile(r"^\d{4}-\d{2}-\d{2}-\d{1,7}-[1-5]$")


def application_number(day: date, seq: int, category: str) -> str:
    """`YYYY-MM-DD-<seq of the day>-<category code>` (seed 002: `2020-01-10-702-5`)."""
    return f"{day:%Y-%m-%d}-{seq}-{CATEGORIES[category].code}"


def is_application_number(text: str) -> bool:
    return bool(NUMBER.match(text))


_QUOTED = re.compile(r"[«\"“„']([^»\"”“']+)[»\"”“']")
_NOISE = re.compile(r"[«»\"“”„'`]")


def name_key(text: str) -> str:
    """Case-, ё/е-, quote- and spacing-insensitive form of a surname or an organisation name."""
    return " ".join(_NOISE.sub(" ", text).casefold().replace("ё", "е").split())


def public_names(kind: str, applicant: ApplicantSection) -> list[str]:
    """Name keys the public check accepts (seed 002 §4.6.4: «ФИО» or «Название организации»): the
    surname, the surname with the name, and the full ФИО (ФЛ); the short and full organisation names
    and the name in quotes alone («Ромашка» for ООО «Ромашка») for ЮЛ/ИП."""
    if kind == "person":
        parts = [applicant.last_name or "", applicant.first_name or "", applicant.middle_name or ""]
        names = [" ".join(parts[:count]) for count in (1, 2, 3)]
    else:
        names = [applicant.short_name or "", applicant.full_name or ""]
        names += [m.group(1) for n in list(names) for m in _QUOTED.finditer(n)]
    return sorted({name_key(n) for n in names if name_key(n)})


# --- Deadlines (Правила, working days per the production calendar) ------------------------------

CHECK_WORKING_DAYS = 3  # п. 15: the company tells what is missing within 3 working days of receipt
DOCUMENTS_WORKING_DAYS = 20  # п. 15: missing documents within 20 working days of the notice, else annulled
RULES_CITATION = "Правил технологического присоединения, утв. постановлением Правительства РФ от 27.12.2004 № 861"
DOCUMENTS_CLAUSE = f"п. 15 {RULES_CITATION}"
TEMPORARY_WORKING_DAYS = 15  # п. 16 «б»: temporary connection of mobile installations up to 150 kW
NEAR_DISTANCE_M = {"urban": 300, "rural": 500}  # п. 16 «б», п. 17: towns / countryside


@dataclass(frozen=True)
class Term:
    working_days: int = 0
    months: int = 0
    basis: str = ""

    def due(self, start: date) -> date:
        return (
            calendar.add_working_days(start, self.working_days)
            if self.working_days
            else calendar.add_months(start, self.months)
        )

    @property
    def title(self) -> str:
        return f"{self.working_days} раб. дн." if self.working_days else f"{self.months} мес."


def review_term(category: str) -> Term:
    """Contract and ТУ after the complete application: 10 working days for п. 12(1), 14 and temporary
    applicants (placed in the personal account), 20 working days for the rest (Правила п. 15)."""
    return Term(working_days=CATEGORIES[category].review_working_days, basis="п. 15 Правил")


def connection_term(category: str, voltage: str | None, settlement: str | None, grid_distance_m: int | None) -> Term:
    """How long the company has for the connection after the contract (Правила п. 16 «б»)."""
    if category == "temporary":
        return Term(working_days=TEMPORARY_WORKING_DAYS, basis="п. 16 «б» Правил")
    near = (
        voltage is not None
        and VOLTAGE_KV[voltage] <= 20
        and settlement is not None
        and grid_distance_m is not None
        and grid_distance_m <= NEAR_DISTANCE_M[settlement]
    )
    if category in ("household_15", "upto_150"):
        # Up to 20 kV: 4 months within 300 m (towns) / 500 m (countryside) of the grid, otherwise 6.
        return Term(months=4 if near else 6, basis="п. 16 «б» Правил")
    if category == "from_150_to_670" and near:
        return Term(months=4, basis="п. 16 «б» Правил")
    return Term(months=12, basis="п. 16 «б» Правил")


@dataclass(frozen=True)
class Deadline:
    code: DeadlineCode
    title: str
    party: Party
    basis: str
    start: date
    due: date
    done_on: date | None

    def overdue(self, today: date) -> bool:
        """Still running and past due."""
        return self.done_on is None and today > self.due

    @property
    def late(self) -> bool:
        """Done, but after the due date."""
        return self.done_on is not None and self.done_on > self.due


def _first_on_or_after(milestones: Mapping[str, date], statuses: Sequence[str], start: date) -> date | None:
    found = [milestones[s] for s in statuses if s in milestones and milestones[s] >= start]
    return min(found) if found else None


def deadlines(
    category: str,
    status: str,
    milestones: Mapping[str, date],
    voltage: str | None = None,
    settlement: str | None = None,
    grid_distance_m: int | None = None,
) -> list[Deadline]:
    """The deadlines that have started, from `milestones` (status → company-local day it was last
    entered). A later step ends a deadline even when the application was annulled meanwhile; annulment
    and withdrawal end the deadlines running then."""
    result: list[Deadline] = []
    received = milestones.get("checking")  # submission, or the day missing documents came in
    if received is not None:
        done = (
            None
            if status == "checking"
            else _first_on_or_after(milestones, ("awaiting_documents", "registered", "annulled", "withdrawn"), received)
        )
        result.append(
            Deadline(
                "check",
                "Проверка заявки и уведомление о недостающих документах",
                "company",
                "п. 15 Правил",
                received,
                calendar.add_working_days(received, CHECK_WORKING_DAYS),
                done,
            )
        )
    requested = milestones.get("awaiting_documents")
    if requested is not None:
        done = (
            None
            if status == "awaiting_documents"
            else _first_on_or_after(milestones, ("checking", "annulled", "withdrawn"), requested)
        )
        result.append(
            Deadline(
                "documents",
                "Представление недостающих документов заявителем",
                "applicant",
                "п. 15 Правил",
                requested,
                calendar.add_working_days(requested, DOCUMENTS_WORKING_DAYS),
                done,
            )
        )
    if received is not None:
        # Counted from the complete application (п. 15): paused while documents are awaited, and
        # restarted from the day they come in (the last entry into «checking»).
        done = _first_on_or_after(milestones, ("contract_sent",), received)
        if done is not None or (status != "awaiting_documents" and status not in TERMINAL):
            term = review_term(category)
            result.append(
                Deadline(
                    "contract",
                    "Направление договора и технических условий",
                    "company",
                    term.basis,
                    received,
                    term.due(received),
                    done,
                )
            )
    concluded = milestones.get("contract_concluded")
    if concluded is not None:
        term = connection_term(category, voltage, settlement, grid_distance_m)
        result.append(
            Deadline(
                "connection",
                f"Выполнение мероприятий по присоединению ({term.title})",
                "company",
                term.basis,
                concluded,
                term.due(concluded),
                _first_on_or_after(milestones, ("connected",), concluded),
            )
        )
    return result


def estimated_review_due(category: str, received: date) -> date:
    """The «ориентировочный срок рассмотрения» told on submission (seed 003)."""
    return review_term(category).due(received)


# --- The deadline watcher (run daily, chalicelib/connection/watcher.py) ---------------------------


@dataclass(frozen=True)
class Watch:
    """What the watcher does for one application on `today`, and the next day it has to look again."""

    reminders: tuple[Deadline, ...]  # running deadlines whose reminder is due now
    overdue: frozenset[str]  # codes of running deadlines already past due
    annul: bool  # the missing documents did not come in time (Правила п. 15)
    next_on: date | None  # None: nothing ahead (finished, or every step done)


def reminder_key(deadline: Deadline) -> str:
    """One reminder per deadline occurrence: a deadline restarted (a new «checking») is a new one."""
    return f"{deadline.code}:{deadline.start.isoformat()}"


def watch(
    status: str, running_and_done: Sequence[Deadline], today: date, remind_working_days: int, reminded: Collection[str]
) -> Watch:
    """Reminders go `remind_working_days` working days before a running deadline ends (late ones, for
    a day the watcher missed, while it has not ended); a running deadline past due is overdue; an
    application still waiting for documents after their term is annulled."""
    if status in TERMINAL:  # closed for good: nothing runs any more
        return Watch((), frozenset(), False, None)
    running = [d for d in running_and_done if d.done_on is None]
    overdue = frozenset(d.code for d in running if d.overdue(today))
    annul = status == "awaiting_documents" and "documents" in overdue
    ahead: list[date] = []
    reminders = []
    for deadline in running:
        if deadline.overdue(today):
            continue
        ahead.append(deadline.due + timedelta(days=1))  # the day it becomes overdue
        if reminder_key(deadline) in reminded:
            continue
        remind_on = calendar.working_days_before(deadline.due, remind_working_days)
        if remind_on <= today:
            reminders.append(deadline)
        else:
            ahead.append(remind_on)
    if annul:
        return Watch((), overdue, True, None)
    return Watch(tuple(reminders), overdue, False, min(ahead, default=None))
