"""Helpers for API tests: a JSON client wrapper, test users, moto's sent mail and SMS."""

from __future__ import annotations

import itertools
import json
import uuid
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import botocore.client
from chalice.test import Client

_counter = itertools.count(1)


class Api:
    """Thin JSON wrapper: `api.post("/auth/login", {...}, token=...)` → (status, body)."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        token: str | None = None,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        hdrs = {"Content-Type": "application/json", **(headers or {})}
        if token:
            hdrs["Authorization"] = f"Bearer {token}"
        payload = raw if raw is not None else (json.dumps(body) if body is not None else None)
        response = getattr(self.client.http, method.lower())(f"/api/v1{path}", headers=hdrs, body=payload)
        text = response.body.decode() if response.body else ""
        return response.status_code, (json.loads(text) if text else None)

    def get(self, path: str, **kw: Any) -> tuple[int, Any]:
        return self.call("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> tuple[int, Any]:
        return self.call("POST", path, body, **kw)

    def patch(self, path: str, body: Any = None, **kw: Any) -> tuple[int, Any]:
        return self.call("PATCH", path, body, **kw)


def solve_pow(api: Api) -> dict[str, str]:
    from chalicelib.accounts.pow import solve

    status, challenge = api.get("/auth/challenge")
    assert status == 200
    return {"challenge": challenge["challenge"], "nonce": solve(challenge["challenge"], challenge["difficulty"])}


def unique_suffix() -> str:
    return f"{next(_counter)}{uuid.uuid4().hex[:6]}"


def person_payload(api: Api, **overrides: Any) -> dict[str, Any]:
    suffix = unique_suffix()
    phone_tail = f"{int(uuid.uuid4().int % 10**7):07d}"
    body = {
        "kind": "person",
        "login": f"user{suffix}",
        "password": "Secret123pass",
        "email": f"user{suffix}@example.ru",
        "phone": f"+7900{phone_tail}",
        "address": {"postcode": "394000", "locality": "Воронеж", "street": "ул. Ленина", "house": "1", "flat": "5"},
        "consent": {"accepted": True, "version": "2024-01", "agreement_version": 1},
        "last_name": "Иванов",
        "first_name": "Иван",
        "middle_name": "Иванович",
        "snils": "112-233-445 95",
    }
    body.update(overrides)
    if "pow" not in overrides:
        body["pow"] = solve_pow(api)
    return body


def sent_emails(to: str) -> list[Any]:
    """E-mails moto's SES recorded for an address, oldest first."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    backend = ses_backends[DEFAULT_ACCOUNT_ID]["eu-central-1"]
    return [m for m in backend.sent_messages if to in m.destinations.get("ToAddresses", [])]


def sent_sms(phone: str) -> list[str]:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sns.models import sns_backends

    backend = sns_backends[DEFAULT_ACCOUNT_ID]["eu-central-1"]
    return [message for number, message, *_ in backend.sms_messages.values() if number == phone]


def deliver_notifications() -> int:
    """Run the SQS consumer over what is queued, as Lambda would; returns messages processed."""
    import boto3

    from chalicelib.notifications.consumer import handle_batch
    from infra.local.run import sqs_event

    sqs = boto3.client("sqs", region_name="eu-central-1")
    url = sqs.get_queue_url(QueueName="kabinet-test-notifications")["QueueUrl"]
    processed = 0
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]).get("Messages", [])
        if not got:
            return processed
        event = sqs_event(got)
        failed = {f["itemIdentifier"] for f in handle_batch(event)["batchItemFailures"]}
        for m in got:
            if m["MessageId"] not in failed:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
                processed += 1
        if failed:
            return processed


def confirm_link_token(email: str) -> str:
    deliver_notifications()
    import re

    for message in reversed(sent_emails(email)):
        found = re.search(r"#/confirm\?token=([\w\-]+)", message.body)
        if found:
            return found.group(1)
    raise AssertionError(f"no confirmation e-mail for {email}")


def register_and_confirm(api: Api, **overrides: Any) -> dict[str, Any]:
    body = person_payload(api, **overrides)
    status, answer = api.post("/auth/register", body)
    assert status == 202, answer
    status, answer = api.post("/auth/confirm", {"token": confirm_link_token(body["email"])})
    assert status == 200, answer
    from chalicelib.accounts.repository import UserRepository

    body["user_id"] = UserRepository().find_by_identifier("login", body["login"].lower()).user_id
    return body


def login(api: Api, identifier: str, password: str = "Secret123pass", remember: bool = False) -> dict[str, Any]:
    status, answer = api.post("/auth/login", {"identifier": identifier, "password": password, "remember": remember})
    assert status == 200, answer
    return answer


@contextmanager
def count_calls(service: str) -> Iterator[list[str]]:
    """Every botocore API call to `service` inside the block (PynamoDB and boto3 alike)."""
    calls: list[str] = []
    original = botocore.client.BaseClient._make_api_call

    def counting(self: Any, operation: str, params: Any) -> Any:
        if self.meta.service_model.service_name == service:
            calls.append(operation)
        return original(self, operation, params)

    botocore.client.BaseClient._make_api_call = counting  # type: ignore[method-assign]
    try:
        yield calls
    finally:
        botocore.client.BaseClient._make_api_call = original  # type: ignore[method-assign]


def billing_meter(contract: str, serial: str, **overrides: Any) -> dict[str, Any]:
    """One row of a billing drop (chalicelib/exchange/billing_format.BillingMeterRow)."""
    # The holder is the test users' identity (person_payload: Иванов, СНИЛС 112-233-445 95).
    row = {
        "contract": contract,
        "holder_name": "Иванов Иван Иванович",
        "holder_kind": "person",
        "holder_snils": "112-233-445 95",
        "category": "flat_no_common_meter",
        "account": f"{zlib.crc32(contract.encode()) % 10**8:08d}",
        "object_id": "1",
        "object_name": "Квартира",
        "object_address": "г. Воронеж, ул. Плехановская, д. 10, кв. 15",
        "serial": serial,
        "model": "Меркурий 201.5",
        "digits": 5,
        "zones": ["T1"],
        "coefficient": "1",
        "status": "active",
        "install_date": "2019-04-01",
        "verified_on": "2019-03-15",
        "next_verification": "2035-03-15",
        "seal": "А-123456",
        "point_code": f"PT-{serial}",
    }
    row.update(overrides)
    return row


def load_billing(*rows: dict[str, Any]) -> Any:
    """Apply rows as the billing exchange would."""
    from chalicelib.exchange.billing_format import BillingMeterRow
    from chalicelib.exchange.billing_import import apply_rows

    return apply_rows([BillingMeterRow.model_validate(r) for r in rows])


def unique_contract() -> str:
    return f"ДЭ-{unique_suffix()}"


PDF_BYTES = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24


def staff_user(api: Api, role: str) -> dict[str, Any]:
    """An employee (role: admin, operator, engineer, metering, billing) signed in, with the authenticator
    app enrolled at that first sign-in: {"login", "token", "user_id", "totp_secret", ...}."""
    from chalicelib.accounts.provisioning import create_active_user

    suffix = unique_suffix()
    account = {
        "login": f"{role}{suffix}",
        "email": f"{role}{suffix}@kabinet.local",
        "phone": f"+7473{uuid.uuid4().int % 10**7:07d}",
    }
    account["user_id"] = create_active_user(
        login=account["login"],
        password="Staff12345pass",
        email=account["email"],
        phone=account["phone"],
        kind="person",
        role=role,
        profile={"last_name": "Сотрудникова", "first_name": "Анна"},
    )
    account["token"] = staff_login(api, account["login"], password="Staff12345pass")["access_token"]
    account["totp_secret"] = ENROLLED[account["user_id"]]["secret"]
    return account


# What each employee's enrolment answered, by user id: the secret, the unused recovery codes and the
# last time step a helper's code used (the server refuses a step that is not after it).
ENROLLED: dict[str, dict[str, Any]] = {}


def second_factor(user_id: str) -> str:
    """A code the server takes now: the TOTP code of the first step (of the three accepted) after the
    last one used; when all three are used (quick repeated sign-ins, a clock moved back), a recovery code."""
    import pyotp

    from chalicelib.core import clock
    from chalicelib.staff_users.second_factor import STEP_SECONDS

    enrolled = ENROLLED[user_id]
    now = int(clock.now().timestamp() // STEP_SECONDS)
    step = max(enrolled["last_step"] + 1, now - 1)
    if step > now + 1:
        return str(enrolled["recovery_codes"].pop())
    enrolled["last_step"] = step
    return str(pyotp.TOTP(enrolled["secret"], interval=STEP_SECONDS).generate_otp(step))


def staff_login(api: Api, identifier: str, password: str = "Staff12345pass", remember: bool = False) -> dict[str, Any]:
    """The console's sign-in (employees only) as the console makes it: the password, then a code from the
    authenticator app — enrolling the app at the employee's first sign-in. The tokens and the profile."""
    status, step1 = api.post(
        "/staff/auth/login", {"identifier": identifier, "password": password, "remember": remember}
    )
    assert status == 200, step1
    if step1["second_factor"] == "totp_enrolment":
        import pyotp

        from chalicelib.core import clock
        from chalicelib.staff_users.second_factor import STEP_SECONDS

        secret, step = step1["enrolment"]["secret"], int(clock.now().timestamp() // STEP_SECONDS)
        status, session = api.post(
            "/staff/auth/login/totp", {"challenge": step1["challenge"], "code": pyotp.TOTP(secret).generate_otp(step)}
        )
        assert status == 200, session
        ENROLLED[session["user"]["id"]] = {
            "secret": secret,
            "recovery_codes": session["recovery_codes"],
            "last_step": step,
        }
        return dict(session)
    user_id = _staff_user_id(identifier)
    status, session = api.post(
        "/staff/auth/login/totp", {"challenge": step1["challenge"], "code": second_factor(user_id)}
    )
    assert status == 200, session
    return dict(session)


def _staff_user_id(identifier: str) -> str:
    from chalicelib.accounts.identifiers import classify_identifier
    from chalicelib.accounts.repository import UserRepository, staff_identity_key

    kind, key = classify_identifier(identifier)
    user = UserRepository().find_by_identifier(kind, staff_identity_key(key))
    assert user is not None, identifier
    return str(user.user_id)


def post_to_s3(ticket: dict[str, Any], data: bytes, file_name: str = "file") -> int:
    """What the browser does with an upload ticket: multipart POST of the fields, then the file."""
    import requests

    response = requests.post(ticket["url"], data=ticket["fields"], files={"file": (file_name, data)}, timeout=30)
    return response.status_code


def upload(
    api: Api,
    token: str,
    data: bytes = PDF_BYTES,
    file_name: str = "Заявление.pdf",
    content_type: str = "application/pdf",
    purpose: str = "appeal",
) -> str:
    """Ticket → POST to S3 → confirm; returns the upload id, ready to attach."""
    status, ticket = api.post(
        "/attachments/uploads",
        {"file_name": file_name, "content_type": content_type, "size": len(data), "purpose": purpose},
        token=token,
    )
    assert status == 201, ticket
    assert post_to_s3(ticket, data, file_name) in (200, 201, 204)
    status, confirmed = api.post(f"/attachments/uploads/{ticket['upload_id']}/confirm", token=token)
    assert status == 200, confirmed
    return str(ticket["upload_id"])


def consumer(api: Api, kind: str = "person", **profile: Any) -> dict[str, Any]:
    """A signed-in consumer of any kind with the given profile (identifiers as registration stores them):
    {"login", "email", "user_id", "token"}. Created as the company creates accounts, so a test of linking
    rules does not depend on the registration form of each kind."""
    from chalicelib.accounts.provisioning import create_active_user

    suffix = unique_suffix()
    account = {
        "login": f"{kind[:6]}{suffix}",
        "email": f"{kind[:6]}{suffix}@example.ru",
        "phone": f"+7901{uuid.uuid4().int % 10**7:07d}",
    }
    account["user_id"] = create_active_user(
        login=account["login"],
        password="Secret123pass",
        email=account["email"],
        phone=account["phone"],
        kind=kind,
        role="consumer",
        profile=profile,
    )
    account["token"] = login(api, account["login"])["access_token"]
    return account


def grant_contract(user_id: str, contract: str, right: str) -> None:
    """Give an account `right` (holder, submit, view) on a contract the way every grant is staged
    (chalicelib.metering.access.stage_grant) — where an accepted invitation or a staff approval ends."""
    from chalicelib.accounts.repository import UserRepository
    from chalicelib.core import clock
    from chalicelib.core.dynamo import transaction
    from chalicelib.metering.access import stage_grant
    from chalicelib.metering.repository import MeteringRepository, contract_key

    repo = MeteringRepository()
    item, objects = repo.contract_with_objects(contract)
    user = UserRepository().get(user_id)
    assert item is not None and user is not None
    with transaction() as tx:
        stage_grant(
            tx,
            user,
            item,
            objects,
            repo.meters_of(contract_key(contract)),
            right,  # type: ignore[arg-type]
            "test",
            clock.iso(clock.now()),
        )
