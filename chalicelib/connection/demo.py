"""Demo applications for `make run` (infra/local/demo.py).

- A draft: the demo ФЛ's household connection, every section filled as the wizard would fill it. Only
  the two required documents are missing — uploading them and pressing «Отправить» is the demo (the
  number and the SMS then show up at /dev/outbox).
- For the PP 861 deadline watcher: the same application filed 40 days ago, through the real services
  with the clock moved back, and missing documents requested by the demo administrator the same day.
  Their term has passed, so the watcher (a local worker, from 09:00 company time) annuls it, and the
  notice citing п. 15 of the Правила shows up at /dev/outbox.
"""

from __future__ import annotations

import io
from datetime import timedelta

from chalicelib.attachments import storage
from chalicelib.attachments.models import UploadRequest
from chalicelib.attachments.service import AttachmentService
from chalicelib.cases.demo import demo_principal
from chalicelib.core import clock

from .models import (
    ApplicantSection,
    ConnectionApplicationCreate,
    ConnectionApplicationUpdate,
    ConnectionDocumentsIn,
    ObjectSection,
    StaffStatusChange,
    TechnicalSection,
)
from .service import ConnectionService
from .staff import StaffConnectionService

# A minimal file the upload check accepts (the %PDF- signature).
DEMO_PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
OVERDUE_DAYS = 40


def seed_demo_application(person_id: str) -> str:
    principal = demo_principal(person_id)
    service = ConnectionService()
    draft = service.create(principal, ConnectionApplicationCreate(category="household_15"))
    applicant = draft.applicant.model_dump(exclude_none=True, exclude={"snils", "inn", "ogrn"})
    service.update(
        principal,
        draft.id,
        ConnectionApplicationUpdate(
            applicant=ApplicantSection.model_validate(
                {
                    **applicant,
                    "passport": {
                        "series": "2005",
                        "number": "123456",
                        "issued_by": "Отделом УФМС России по Воронежской области",
                        "issued_on": "2015-06-01",
                    },
                }
            ),
            object=ObjectSection(
                name="Индивидуальный жилой дом",
                address="Воронеж, СНТ «Дружба», участок 15",
                cadastral_number="36:34:0605001:215",
                ownership="owner",
                settlement="urban",
                grid_distance_m=120,
            ),
            technical=TechnicalSection.model_validate(
                {
                    "requested_kw": "15",
                    "voltage": "0.4",
                    "contract_type": "supply",
                    "retail_company": "ПАО «ТНС энерго Воронеж»",
                }
            ),
        ),
    )
    return draft.id


def seed_demo_overdue_application(person_id: str, staff_id: str) -> str:
    """The application whose missing documents are overdue (see the module's docstring)."""
    person, staff = demo_principal(person_id), demo_principal(staff_id)
    then = clock.now() - timedelta(days=OVERDUE_DAYS)
    clock.set_clock(lambda: then)
    try:
        application_id = seed_demo_application(person_id)
        uploads, service = AttachmentService(), ConnectionService()
        for kind in ("location_plan", "ownership"):
            ticket = uploads.start_upload(
                person,
                UploadRequest(
                    file_name=f"{kind}.pdf",
                    content_type="application/pdf",
                    size=len(DEMO_PDF),
                    purpose="connection_application",
                ),
            )
            storage.put_file(f"uploads/{person_id}/{ticket.upload_id}", io.BytesIO(DEMO_PDF), "application/pdf")
            uploads.confirm(person, ticket.upload_id)
            service.add_documents(
                person, application_id, ConnectionDocumentsIn(kind=kind, upload_ids=[ticket.upload_id])
            )
        card = service.submit(person, application_id)
        StaffConnectionService().change_status(
            staff,
            application_id,
            StaffStatusChange(
                status="awaiting_documents",
                version=card.version,
                comment="Приложите план расположения энергопринимающих устройств с привязкой к улицам",
            ),
        )
    finally:
        clock.set_clock(None)
    return application_id
