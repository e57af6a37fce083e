"""Grid-connection rules: completeness per category, documents, every status transition, numbers,
public-check names and PP 861 deadlines."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from chalicelib.connection import rules
from chalicelib.connection.models import ApplicantSection, ObjectSection, TechnicalSection

PERSON = ApplicantSection.model_validate(
    {
        "last_name": "Иванов",
        "first_name": "Иван",
        "registration_address": "394000, Воронеж, ул. Ленина, 1",
        "passport": {"series": "2010", "number": "123456", "issued_by": "ГУ МВД", "issued_on": "2015-05-05"},
        "phone": "+79001234567",
        "email": "ivanov@example.ru",
    }
)
COMPANY = ApplicantSection.model_validate(
    {
        "short_name": "ООО «Ромашка»",
        "full_name": "Общество с ограниченной ответственностью «Ромашка»",
        "head_name": "Петров Пётр Петрович",
        "egr_record": {"number": "1027700132195", "date": "2010-02-03"},
        "legal_address": "394036, Воронеж, ул. Плехановская, 1",
        "phone": "+74732000000",
        "email": "office@example.ru",
    }
)
OBJECT = ObjectSection(
    name="Жилой дом",
    address="Воронеж, ул. Лесная, 5",
    cadastral_number="36:34:0101001:15",
    ownership="owner",
    settlement="urban",
)
STAGES = [
    {"design_until": "2027-03-01", "commissioning": "2027-06-01", "power_kw": 500},
    {"design_until": "2027-06-01", "commissioning": "2027-12-01", "power_kw": 300},
]
# A complete technical section per category; tests change one thing at a time.
BASE: dict[str, dict[str, Any]] = {
    "household_15": {"requested_kw": 15, "voltage": "0.4"},
    "upto_150": {"requested_kw": 100, "voltage": "0.4", "okved": "47.11"},
    "from_150_to_670": {"requested_kw": 400, "voltage": "10", "okved": "10.71"},
    "over_670": {
        "requested_kw": 800,
        "voltage": "10",
        "okved": "25.11",
        "stages": STAGES,
        "reliability_justification": "Непрерывный производственный цикл",
    },
    "temporary": {"requested_kw": 50, "voltage": "0.4", "okved": "41.20", "temporary_months": 6},
}
KIND = {"household_15": "person"}
DOCUMENTS = {
    "household_15": {"location_plan", "ownership"},
    "upto_150": {"location_plan", "ownership"},
    "temporary": {"location_plan", "ownership"},
    "from_150_to_670": {"location_plan", "ownership", "single_line_diagram", "devices_list"},
    "over_670": {"location_plan", "ownership", "single_line_diagram", "devices_list"},
}


def technical(category: str, **changes: Any) -> TechnicalSection:
    data = {**BASE[category], "contract_type": "supply", "retail_company": "ПАО «ТНС энерго»", **changes}
    return TechnicalSection.model_validate({k: v for k, v in data.items() if v is not None})


def problems(
    category: str,
    reason: str = "first",
    kind: str | None = None,
    applicant: ApplicantSection | None = None,
    facility: ObjectSection = OBJECT,
    documents: set[str] | None = None,
    **changes: Any,
) -> list[str]:
    kind = kind or KIND.get(category, "company")
    applicant = applicant or (PERSON if kind == "person" else COMPANY)
    found = rules.submission_problems(
        kind,
        category,
        reason,
        applicant,
        facility,
        technical(category, **changes),
        DOCUMENTS[category] if documents is None else documents,
    )
    return [p.path for p in found]


# --- completeness per category -------------------------------------------------------------------


@pytest.mark.parametrize("category", list(rules.CATEGORIES))
def test_a_complete_application_of_each_category_has_no_problems(category):
    assert problems(category) == []


def test_household_up_to_15_kw_is_for_individuals_only():
    assert problems("household_15", kind="company", okved="47.11") == ["category"]
    assert problems("upto_150", kind="person", okved=None) == []  # seed 002 offers ≤ 150 kW to ФЛ too


@pytest.mark.parametrize(
    "category,changes,path",
    [
        ("household_15", {"requested_kw": 16}, "technical.requested_kw"),
        ("household_15", {"requested_kw": 10, "previous_kw": 6}, "technical.requested_kw"),  # the total counts
        ("household_15", {"voltage": "6"}, "technical.voltage"),
        ("household_15", {"reliability": "II", "reliability_justification": "Котёл"}, "technical.reliability"),
        ("household_15", {"stages": STAGES[:1]}, "technical.stages"),
        ("household_15", {"temporary_months": 3}, "technical.temporary_months"),
        ("household_15", {"instalments": True}, "technical.instalments"),
        ("upto_150", {"requested_kw": Decimal("150.001")}, "technical.requested_kw"),
        ("upto_150", {"voltage": "20"}, "technical.voltage"),
        ("upto_150", {"reliability": "I", "reliability_justification": "Связь"}, "technical.reliability"),
        ("upto_150", {"okved": None}, "technical.okved"),
        ("from_150_to_670", {"requested_kw": 150}, "technical.requested_kw"),
        ("from_150_to_670", {"requested_kw": 670}, "technical.requested_kw"),
        ("from_150_to_670", {"reliability": "II"}, "technical.reliability_justification"),
        ("over_670", {"requested_kw": 669, "stages": None}, "technical.requested_kw"),
        ("over_670", {"stages": None}, "technical.stages"),
        ("over_670", {"reliability_justification": None}, "technical.reliability_justification"),
        ("temporary", {"temporary_months": None}, "technical.temporary_months"),
        ("temporary", {"requested_kw": 151}, "technical.requested_kw"),
        ("temporary", {"stages": STAGES[:1]}, "technical.stages"),
        ("temporary", {"voltage": "20"}, "technical.voltage"),
    ],
)
def test_category_limits(category, changes, path):
    assert path in problems(category, **changes)


def test_reliability_one_or_two_is_allowed_from_150_kw_with_a_justification():
    assert problems("from_150_to_670", reliability="II", reliability_justification="Два ввода: холодильники") == []
    assert problems("over_670", reliability="I") == []


def test_stages_must_add_up_and_follow_each_other():
    assert problems("over_670", stages=[{**STAGES[0], "power_kw": 400}, STAGES[1]]) == ["technical.stages"]
    assert problems("over_670", stages=[STAGES[1], STAGES[0]]) == ["technical.stages.1.commissioning"]
    wrong = [{"design_until": "2027-06-01", "commissioning": "2027-03-01", "power_kw": 800}]
    assert problems("over_670", stages=wrong) == ["technical.stages.0.commissioning"]
    assert problems("from_150_to_670", stages=[{**STAGES[0], "power_kw": 400}]) == []  # optional below 670 kW


def test_instalments_only_for_organisations_above_15_up_to_150_kw():
    assert problems("upto_150", instalments=True) == []
    assert problems("upto_150", kind="entrepreneur", instalments=True) == []
    assert problems("upto_150", requested_kw=15, instalments=True) == ["technical.instalments"]
    assert problems("upto_150", kind="person", okved=None, instalments=True) == ["technical.instalments"]
    assert problems("from_150_to_670", instalments=True) == ["technical.instalments"]


@pytest.mark.parametrize(
    "reason,changes,paths",
    [
        ("first", {"previous_kw": 5, "requested_kw": 10}, ["technical.previous_kw"]),
        ("capacity_increase", {}, ["technical.previous_kw"]),
        ("capacity_increase", {"requested_kw": 5, "previous_kw": 10}, []),
        ("point_change", {"requested_kw": 0, "previous_kw": 15}, []),
        ("point_change", {"requested_kw": 5, "previous_kw": 10}, ["technical.requested_kw"]),
        ("reliability_change", {"requested_kw": 0}, ["technical.previous_kw"]),
        ("activity_change", {"requested_kw": 0, "previous_kw": 15}, ["reason"]),  # no production activity at home
    ],
)
def test_reasons(reason, changes, paths):
    assert problems("household_15", reason=reason, **changes) == paths


def test_temporary_connection_is_a_first_connection_without_a_cadastral_record():
    mobile = OBJECT.model_copy(update={"cadastral_number": None})
    assert problems("temporary", facility=mobile) == []
    assert problems("household_15", facility=mobile) == ["object.cadastral_number"]
    assert problems("temporary", reason="capacity_increase", previous_kw=10) == ["reason"]


def test_applicant_requirements_per_kind():
    no_passport = PERSON.model_copy(update={"passport": None})
    assert problems("household_15", applicant=no_passport) == ["applicant.passport"]
    no_head = COMPANY.model_copy(update={"head_name": None})
    assert problems("upto_150", applicant=no_head) == ["applicant.head_name"]
    assert problems("upto_150", kind="entrepreneur", applicant=no_head) == []
    no_egr = COMPANY.model_copy(update={"egr_record": None, "email": None})
    assert problems("upto_150", applicant=no_egr) == ["applicant.egr_record", "applicant.email"]


def test_other_kinds_fields_are_refused():
    assert [p.path for p in rules.foreign_applicant_fields("person", {"short_name", "last_name", "phone"})] == [
        "applicant.short_name"
    ]
    assert [p.path for p in rules.foreign_applicant_fields("company", {"passport", "head_name"})] == [
        "applicant.passport"
    ]


def test_documents_required_per_category_and_for_a_representative():
    assert problems("household_15", documents={"location_plan"}) == ["documents.ownership"]
    assert problems("from_150_to_670", documents={"location_plan", "ownership"}) == [
        "documents.single_line_diagram",
        "documents.devices_list",
    ]
    represented = PERSON.model_copy(update={"representative": True, "representative_name": "Петров П. П."})
    assert problems("household_15", applicant=represented) == ["documents.power_of_attorney"]
    unnamed = PERSON.model_copy(update={"representative": True})
    assert "applicant.representative_name" in problems("household_15", applicant=unnamed)
    for category in rules.CATEGORIES:  # the plan and the ownership document always (п. 10)
        assert {"location_plan", "ownership"} <= set(rules.required_documents(category, PERSON))


def test_messages_are_russian_and_total_power_is_computed():
    found = rules.technical_problems("person", "household_15", "first", technical("household_15", requested_kw=20))
    assert found == [
        rules.Problem("technical.requested_kw", "Для этой категории общая максимальная мощность — не более 15 кВт")
    ]
    assert rules.total_kw(technical("household_15", requested_kw=5, previous_kw=Decimal("2.5"))) == Decimal("7.5")
    assert rules.total_kw(TechnicalSection()) is None


# --- the status workflow ---------------------------------------------------------------------------

EXPECTED = {
    ("draft", "checking"): "applicant",
    ("checking", "awaiting_documents"): "company",
    ("checking", "registered"): "company",
    ("awaiting_documents", "checking"): "applicant",
    ("registered", "contract_sent"): "company",
    ("contract_sent", "contract_concluded"): "company",
    ("contract_concluded", "works"): "company",
    ("contract_concluded", "readiness_reported"): "applicant",
    ("works", "readiness_reported"): "applicant",
    ("readiness_reported", "inspection"): "company",
    ("inspection", "works"): "company",
    ("inspection", "connected"): "company",
    ("connected", "closed"): "company",
    ("checking", "annulled"): "company",
    ("awaiting_documents", "annulled"): "company",
    ("registered", "annulled"): "company",
    ("contract_sent", "annulled"): "company",
    # Withdrawal by the applicant, up to the contract (seed: «Отозвана заявителем»).
    ("checking", "withdrawn"): "applicant",
    ("awaiting_documents", "withdrawn"): "applicant",
    ("registered", "withdrawn"): "applicant",
    ("contract_sent", "withdrawn"): "applicant",
}


def test_the_transition_table_is_exactly_the_documented_workflow():
    assert {(t.source, t.target): t.party for t in rules.TRANSITIONS} == EXPECTED
    needs = {(t.source, t.target): t.needs for t in rules.TRANSITIONS if t.needs}
    assert needs == {
        ("checking", "awaiting_documents"): {"comment"},
        ("registered", "contract_sent"): {"tu"},
        ("inspection", "works"): {"comment"},
        ("inspection", "connected"): {"account_number"},
        **{
            (s, target): {"comment"}
            for s in ("checking", "awaiting_documents", "registered", "contract_sent")
            for target in ("annulled", "withdrawn")
        },
    }


@pytest.mark.parametrize("source,target", list(itertools.product(rules.STATUS_TITLES, repeat=2)))
def test_every_status_pair(source, target):
    party = EXPECTED.get((source, target))
    if party is None:
        for who in ("applicant", "company"):
            with pytest.raises(rules.TransitionError) as refused:
                rules.transition(source, target, who)
            assert str(refused.value) == (
                f"Заявку в статусе «{rules.STATUS_TITLES[source]}» нельзя перевести в "
                f"статус «{rules.STATUS_TITLES[target]}»"
            )
        return
    assert rules.transition(source, target, party).target == target
    other = "company" if party == "applicant" else "applicant"
    with pytest.raises(rules.TransitionError) as refused:
        rules.transition(source, target, other)
    assert str(refused.value) == (
        "Этот шаг выполняет заявитель" if party == "applicant" else "Этот шаг выполняет сетевая организация"
    )


def test_terminal_statuses_lead_nowhere():
    assert not [t for t in rules.TRANSITIONS if t.source in rules.TERMINAL]
    assert not rules.is_open("draft") and not rules.is_open("closed") and rules.is_open("works")


@pytest.mark.parametrize(
    "status,actions",
    [
        ("draft", ["edit", "submit", "delete", "upload"]),
        ("checking", ["withdraw", "ask"]),
        ("awaiting_documents", ["upload", "complete_documents", "withdraw", "ask"]),
        ("contract_sent", ["withdraw", "ask"]),
        ("withdrawn", ["ask"]),
        ("contract_concluded", ["report_readiness", "ask"]),
        ("works", ["report_readiness", "ask"]),
        ("inspection", ["ask"]),
        ("annulled", ["ask"]),
    ],
)
def test_applicant_actions_follow_the_table(status, actions):
    assert rules.applicant_actions(status) == actions


# --- numbers and the public check ------------------------------------------------------------------


def test_number_format_like_seed_002():
    assert rules.application_number(date(2020, 1, 10), 702, "temporary") == "2020-01-10-702-5"
    assert rules.application_number(date(2026, 11, 23), 1, "household_15") == "2026-11-23-1-1"
    assert sorted(r.code for r in rules.CATEGORIES.values()) == ["1", "2", "3", "4", "5"]
    assert {rules.CATEGORY_BY_CODE[r.code] for r in rules.CATEGORIES.values()} == set(rules.CATEGORIES)


@pytest.mark.parametrize(
    "text,valid",
    [
        ("2020-01-10-702-5", True),
        ("2026-11-23-1-1", True),
        ("2020-01-10-702-9", False),
        ("2020-01-10-702", False),
        ("7874", False),
        ("2020-01-10-702-5 OR 1=1", False),
    ],
)
def test_number_recognition(text, valid):
    assert rules.is_application_number(text) is valid


def test_public_names_ignore_case_yo_quotes_and_legal_form():
    assert rules.public_names("person", PERSON.model_copy(update={"last_name": "Ёлкин"})) == ["елкин", "елкин иван"]
    full = rules.public_names("person", PERSON.model_copy(update={"middle_name": "Иванович"}))
    assert rules.name_key("  ИВАНОВ иван   ИВАНОВИЧ ") in full and rules.name_key("Иван") not in full
    names = rules.public_names("company", COMPANY)
    assert rules.name_key(' ооо  "РОМАШКА" ') in names
    assert rules.name_key("Ромашка") in names
    assert rules.name_key("общество с ограниченной ответственностью «ромашка»") in names
    assert rules.name_key("Лютик") not in names


# --- deadlines ---------------------------------------------------------------------------------------


def by_code(found: list[rules.Deadline]) -> dict[str, rules.Deadline]:
    return {d.code: d for d in found}


def test_a_fresh_application_has_the_check_and_the_contract_deadlines():
    found = by_code(rules.deadlines("household_15", "checking", {"checking": date(2026, 12, 29)}))
    assert set(found) == {"check", "contract"}
    assert found["check"].due == date(2027, 1, 12)  # 3 working days across the New Year holidays
    assert found["contract"].due == date(2027, 1, 21)  # 10 working days (п. 15)
    assert found["check"].basis == "п. 15 Правил" and found["check"].party == "company"
    assert rules.estimated_review_due("household_15", date(2026, 12, 29)) == date(2027, 1, 21)
    assert rules.estimated_review_due("over_670", date(2026, 11, 23)) == date(2026, 12, 21)  # 20 working days


def test_missing_documents_pause_the_contract_deadline_and_restart_it():
    waiting = by_code(
        rules.deadlines(
            "upto_150", "awaiting_documents", {"checking": date(2026, 11, 2), "awaiting_documents": date(2026, 11, 3)}
        )
    )
    assert set(waiting) == {"check", "documents"}
    assert waiting["check"].done_on == date(2026, 11, 3) and not waiting["check"].late
    # 20 working days; 4 November is a holiday.
    assert waiting["documents"].party == "applicant" and waiting["documents"].due == date(2026, 12, 2)
    assert waiting["documents"].overdue(date(2026, 12, 3)) and not waiting["documents"].overdue(date(2026, 12, 2))
    back = by_code(
        rules.deadlines(
            "upto_150", "checking", {"checking": date(2026, 11, 20), "awaiting_documents": date(2026, 11, 3)}
        )
    )
    assert back["documents"].done_on == date(2026, 11, 20)
    assert back["contract"].start == date(2026, 11, 20) and back["contract"].due == date(2026, 12, 4)
    assert back["check"].done_on is None and back["check"].start == date(2026, 11, 20)


def test_done_late_and_annulled():
    late = by_code(
        rules.deadlines(
            "household_15",
            "contract_sent",
            {"checking": date(2026, 11, 2), "registered": date(2026, 11, 10), "contract_sent": date(2026, 11, 20)},
        )
    )
    assert late["check"].late and late["contract"].late and late["contract"].done_on == date(2026, 11, 20)
    assert not late["contract"].overdue(date(2027, 1, 1))
    annulled = by_code(
        rules.deadlines("household_15", "annulled", {"checking": date(2026, 11, 2), "annulled": date(2026, 11, 3)})
    )
    assert set(annulled) == {"check"} and annulled["check"].done_on == date(2026, 11, 3)


@pytest.mark.parametrize(
    "category,voltage,settlement,distance,due",
    [
        ("household_15", "0.4", "urban", 250, date(2027, 5, 17)),  # 4 months (16 May is a Sunday)
        ("household_15", "0.4", "urban", 350, date(2027, 7, 15)),  # 6 months
        ("household_15", "0.4", "rural", 450, date(2027, 5, 17)),
        ("household_15", "0.4", None, None, date(2027, 7, 15)),  # distance unknown: the longer term
        ("upto_150", "10", "urban", 100, date(2027, 5, 17)),
        ("from_150_to_670", "10", "urban", 100, date(2027, 5, 17)),
        ("from_150_to_670", "35", "urban", 100, date(2028, 1, 17)),  # 1 year (15 Jan 2028 is a Saturday)
        ("over_670", "10", "urban", 100, date(2028, 1, 17)),
        ("temporary", "0.4", "urban", 100, date(2027, 2, 5)),  # 15 working days
    ],
)
def test_connection_terms_from_the_contract(category, voltage, settlement, distance, due):
    found = by_code(
        rules.deadlines(
            category,
            "works",
            {
                "checking": date(2026, 12, 1),
                "contract_sent": date(2026, 12, 10),
                "contract_concluded": date(2027, 1, 15),
            },
            voltage,
            settlement,
            distance,
        )
    )
    assert found["connection"].due == due and found["connection"].basis == "п. 16 «б» Правил"
    assert found["connection"].done_on is None


def test_connection_deadline_ends_at_connection():
    found = by_code(
        rules.deadlines(
            "household_15",
            "closed",
            {
                "checking": date(2026, 12, 1),
                "contract_sent": date(2026, 12, 10),
                "contract_concluded": date(2027, 1, 15),
                "connected": date(2027, 3, 1),
                "closed": date(2027, 3, 2),
            },
            "0.4",
            "urban",
            100,
        )
    )
    assert found["connection"].done_on == date(2027, 3, 1) and not found["connection"].late
