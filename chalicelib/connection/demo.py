"""A demo draft for `make run` (infra/local/demo.py): the demo ФЛ's household connection, every section
filled as the wizard would fill it. Only the two required documents are missing — uploading them and
pressing «Отправить» is the demo (the number and the SMS then show up at /dev/outbox)."""
from __future__ import annotations

from chalicelib.accounts.principal import Principal
from chalicelib.accounts.repository import UserRepository

from .models import (ApplicantSection, ConnectionApplicationCreate, ConnectionApplicationUpdate, ObjectSection,
                     TechnicalSection)
from .service import ConnectionService


def seed_demo_application(person_id: str) -> str:
    user = UserRepository().get(person_id)
    assert user is not None, "the demo consumer is created first"
    principal = Principal(user=user, session_id="demo-seed")
    service = ConnectionService()
    draft = service.create(principal, ConnectionApplicationCreate(category="household_15"))
    applicant = draft.applicant.model_dump(exclude_none=True, exclude={"snils", "inn", "ogrn"})
    service.update(principal, draft.id, ConnectionApplicationUpdate(
        applicant=ApplicantSection.model_validate({
            **applicant, "passport": {"series": "2005", "number": "123456",
                                      "issued_by": "Отделом УФМС России по Воронежской области",
                                      "issued_on": "2015-06-01"}}),
        object=ObjectSection(name="Индивидуальный жилой дом", address="Воронеж, СНТ «Дружба», участок 15",
                             cadastral_number="36:34:0605001:215", ownership="owner", settlement="urban",
                             grid_distance_m=120),
        technical=TechnicalSection.model_validate({
            "requested_kw": "15", "voltage": "0.4", "contract_type": "supply",
            "retail_company": "ПАО «ТНС энерго Воронеж»"})))
    return draft.id
