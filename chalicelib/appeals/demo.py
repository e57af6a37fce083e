"""Demo cases for `make run` (infra/local/demo.py), made through the services as a user and an
employee would make them: an answered complaint and a new service request of the demo consumer."""

from __future__ import annotations

from chalicelib.cases.demo import demo_principal
from chalicelib.reference.demo import DEMO_LOCALITY
from chalicelib.reference.repository import Street

from .models import AnswerIn, AppealIn, ServiceRequestIn
from .service import CaseService
from .staff import StaffCaseService


def seed_demo_cases(person_id: str, staff_id: str) -> None:
    person, staff = demo_principal(person_id), demo_principal(staff_id)
    cases, console = CaseService(), StaffCaseService()
    complaint = cases.submit_appeal(
        person,
        AppealIn.model_validate(
            {
                "type": "complaint",
                "addressee": "Главный инженер",
                "topic": "Перепады напряжения",
                "text": "По вечерам напряжение в квартире падает до 180 В, мигает свет.",
                "contact_phone": person.user.phone,
            }
        ),
    )
    console.take(staff, "appeal", complaint.id)
    console.answer(
        staff,
        "appeal",
        complaint.id,
        AnswerIn(
            text="Проведён замер напряжения на вводе в дом; отпайка трансформатора переключена, напряжение "
            "в норме. Если перепады повторятся, сообщите нам."
        ),
    )
    cases.submit_service_request(
        person,
        ServiceRequestIn.model_validate(
            {
                "service": "meter_installation",
                "address": {"street_id": Street.new(DEMO_LOCALITY, "ул. Плехановская").id, "house": "10", "flat": "15"},
                "text": "Прошу заменить счётчик: истёк межповерочный интервал.",
                "contact_phone": person.user.phone,
            }
        ),
    )
