"""An applicant withdraws a submitted grid-connection application in a real browser: «Отозвать заявку»,
the reason typed in the dialog, the status «Отозвана заявителем» with the reason in the history; and
deletes a draft, which disappears from «Мои заявки». The public «Проверить заявку» then finds the
application by the applicant's full name and shows «В связи с» and «Тип заявки» (seed 002, рис. 16).

The applications are prepared in the stack's process (tests/browser/conftest.py runs it here), as the
wizard would leave them: the wizard itself is covered by test_connection_flow.py.
"""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import Page, expect
from stack_accounts import new_consumer

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PASSWORD = "Secret123pass"


@pytest.fixture
def applicant(site_url):
    """A fresh ФЛ with a submitted household application and a draft: login, number, draft id."""
    import boto3

    from chalicelib.accounts.principal import Principal
    from chalicelib.accounts.repository import UserRepository
    from chalicelib.attachments.models import UploadRequest
    from chalicelib.attachments.service import AttachmentService
    from chalicelib.connection.demo import seed_demo_application
    from chalicelib.connection.models import ConnectionDocumentsIn
    from chalicelib.connection.service import ConnectionService

    account = new_consumer(
        "wd",
        PASSWORD,
        last_name="Ёлкина",
        first_name="Ольга",
        middle_name="Петровна",
        snils="112-233-445 95",
        address={"postcode": "394036", "locality": "Воронеж", "street": "ул. Кольцовская", "house": "5"},
    )
    login, user_id = account["login"], account["user_id"]
    principal = Principal(user=UserRepository().get(user_id), session_id="browser-test")
    uploads, s3 = AttachmentService(), boto3.client("s3", region_name=os.environ["AWS_REGION"])
    service = ConnectionService()
    application_id = seed_demo_application(user_id)
    for kind in ("location_plan", "ownership"):
        ticket = uploads.start_upload(
            principal,
            UploadRequest(
                file_name=f"{kind}.pdf", content_type="application/pdf", size=len(PDF), purpose="connection_application"
            ),
        )
        s3.put_object(
            Bucket=os.environ["KABINET_ATTACHMENTS_BUCKET"],
            Key=f"uploads/{user_id}/{ticket.upload_id}",
            Body=PDF,
            ContentType="application/pdf",
        )
        uploads.confirm(principal, ticket.upload_id)
        service.add_documents(
            principal, application_id, ConnectionDocumentsIn(kind=kind, upload_ids=[ticket.upload_id])
        )
    number = service.submit(principal, application_id).number
    draft = seed_demo_application(user_id)
    return {"login": login, "number": number, "draft": draft}


def sign_in(page: Page, site_url: str, login: str) -> None:
    page.goto(f"{site_url}/#/login")
    page.locator('[name="identifier"]').fill(login)
    page.locator('[name="password"]').fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    # Password hashing at production cost on a busy machine: sign-in may take a while.
    expect(page.get_by_role("heading", name=re.compile("^Здравствуйте"))).to_be_visible(timeout=30_000)


def test_withdraw_with_a_reason_delete_a_draft_and_check_by_full_name(page: Page, site_url, applicant):
    sign_in(page, site_url, applicant["login"])
    page.goto(f"{site_url}/#/connection")
    page.get_by_role("link", name=f"№ {applicant['number']}").click()
    expect(page.get_by_role("heading", name=f"Заявка № {applicant['number']}", level=1)).to_be_visible()

    # A dialog without a reason withdraws nothing.
    page.get_by_role("button", name="Отозвать заявку").click()
    dialog = page.get_by_role("dialog", name="Отозвать заявку?")
    dialog.get_by_role("button", name="Отозвать заявку").click()
    expect(page.get_by_text("Заявка не отозвана: укажите причину отзыва.")).to_be_visible()

    page.get_by_role("button", name="Отозвать заявку").click()
    dialog = page.get_by_role("dialog", name="Отозвать заявку?")
    dialog.get_by_label("Причина отзыва").fill("Участок продан")
    dialog.get_by_role("button", name="Отозвать заявку").click()
    expect(page.get_by_text("Заявка отозвана. Сетевая организация получила уведомление.")).to_be_visible()
    expect(page.locator(".meter__pills").get_by_text("Отозвана заявителем")).to_be_visible()
    expect(page.get_by_text("Участок продан")).to_be_visible()
    expect(page.get_by_role("button", name="Отозвать заявку")).to_have_count(0)

    # The draft: deleted from its card, gone from the list.
    page.goto(f"{site_url}/#/connection/application?id={applicant['draft']}")
    expect(page.get_by_role("heading", name="Черновик заявки", level=1)).to_be_visible()
    page.get_by_role("button", name="Удалить черновик").click()
    page.get_by_role("dialog", name="Удалить черновик?").get_by_role("button", name="Удалить").click()
    expect(page.get_by_text("Черновик удалён.")).to_be_visible()
    expect(page.get_by_role("heading", name="Технологическое присоединение", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Черновик")).to_have_count(0)
    expect(page.get_by_role("link", name=f"№ {applicant['number']}")).to_be_visible()

    # The public check by the full name, «ё» typed as «е» and in other case.
    page.goto(f"{site_url}/#/connection/check")
    page.locator('[name="number"]').fill(applicant["number"])
    page.locator('[name="name"]').fill("  елкина ОЛЬГА петровна ")
    page.get_by_role("button", name="Проверить").click()
    result = page.get_by_role("region", name=f"Заявка № {applicant['number']}")
    expect(result).to_contain_text("Отозвана заявителем")
    expect(result).to_contain_text("В связи с")
    expect(result).to_contain_text("Присоединение впервые")
    expect(result).to_contain_text("Тип заявки")
    expect(result).to_contain_text("Физические лица до 15 кВт для бытовых нужд")
