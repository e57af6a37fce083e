"""Uploads through presigned POST, checked on confirmation; nothing unsafe stays in the bucket."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import boto3
import pytest
from helpers import PDF_BYTES, PNG_BYTES, login, post_to_s3, register_and_confirm, staff_user, upload


def ticket_for(api, token, data=PDF_BYTES, **overrides):
    body = {
        "file_name": "Скан.pdf",
        "content_type": "application/pdf",
        "size": len(data),
        "purpose": "appeal",
        **overrides,
    }
    return api.post("/attachments/uploads", body, token=token)


def stored(aws, key):
    s3 = boto3.client("s3", region_name="eu-central-1")
    listing = s3.list_objects_v2(Bucket=aws["AttachmentsBucketName"], Prefix=key)
    return [o["Key"] for o in listing.get("Contents", [])]


def test_presigned_post_uploads_bytes_and_confirm_checks_them(api, aws, user):
    status, ticket = ticket_for(api, user["token"])
    assert status == 201 and ticket["expires_in"] <= 300
    key = ticket["fields"]["key"]
    assert key == f"uploads/{user['user_id']}/{ticket['upload_id']}"
    policy = json.loads(base64.b64decode(ticket["fields"]["policy"]))
    conditions = policy["conditions"]
    assert ["content-length-range", len(PDF_BYTES), len(PDF_BYTES)] in conditions
    assert {"key": key} in conditions and {"Content-Type": "application/pdf"} in conditions
    assert {"bucket": aws["AttachmentsBucketName"]} in conditions

    # Nothing uploaded yet: the client is told to finish the upload, the record stays.
    status, answer = api.post(f"/attachments/uploads/{ticket['upload_id']}/confirm", token=user["token"])
    assert status == 409 and answer["error"]["code"] == "upload_incomplete"

    assert post_to_s3(ticket, PDF_BYTES) == 204
    status, file = api.post(f"/attachments/uploads/{ticket['upload_id']}/confirm", token=user["token"])
    assert status == 200
    assert file == {
        "id": ticket["upload_id"],
        "name": "Скан.pdf",
        "content_type": "application/pdf",
        "size": len(PDF_BYTES),
        "uploaded_at": file["uploaded_at"],
        "from_company": False,
    }
    # Confirming twice is harmless.
    assert api.post(f"/attachments/uploads/{ticket['upload_id']}/confirm", token=user["token"]) == (200, file)
    assert stored(aws, key) == [key]


@pytest.mark.parametrize(
    "name,content_type",
    [
        ("scan.png", "image/png"),
        ("photo.JPG", "image/jpeg"),
        ("фото.jpeg", "image/jpeg"),
        ("docs.zip", "application/zip"),
        ("docs.zip", "application/x-zip-compressed"),
        ("docs.rar", "application/vnd.rar"),
        ("docs.rar", "application/x-rar-compressed"),
    ],
)
def test_every_allowed_kind_is_accepted(api, user, name, content_type):
    data = {
        "image/png": PNG_BYTES,
        "image/jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
        "application/zip": b"PK\x03\x04\x14\x00\x00\x00",
        "application/x-zip-compressed": b"PK\x03\x04\x14\x00",
        "application/vnd.rar": b"Rar!\x1a\x07\x01\x00\x00",
        "application/x-rar-compressed": b"Rar!\x1a\x07\x00",
    }
    upload(api, user["token"], data=data[content_type] + b"\x00" * 100, file_name=name, content_type=content_type)


@pytest.mark.parametrize(
    "name,content_type",
    [
        ("program.exe", "application/octet-stream"),
        ("скан.pdf", "image/png"),
        ("image.png", "application/pdf"),
        ("page.html", "text/html"),
        ("archive.7z", "application/x-7z-compressed"),
        ("no-extension", "application/pdf"),
        ("scan.pdf", "application/octet-stream"),
    ],
)
def test_wrong_types_are_refused_before_any_upload(api, user, name, content_type):
    status, answer = ticket_for(api, user["token"], file_name=name, content_type=content_type)
    assert status == 422
    assert answer["error"]["fields"][0]["path"] == "file_name"
    assert name not in json.dumps(answer, ensure_ascii=False)


def test_path_like_names_are_reduced_to_their_last_part(api, aws, user):
    for raw, expected in (
        ("../../etc/Договор.pdf", "Договор.pdf"),
        ("C:\\Users\\Иван\\скан.pdf", "скан.pdf"),
        ("evil\u202egpj.pdf", "evilgpj.pdf"),
        ("a\x00b\nc.pdf", "abc.pdf"),
    ):
        status, ticket = ticket_for(api, user["token"], file_name=raw)
        assert status == 201, raw
        assert ticket["fields"]["key"].endswith(ticket["upload_id"])  # the name never reaches the key
        post_to_s3(ticket, PDF_BYTES)
        status, file = api.post(f"/attachments/uploads/{ticket['upload_id']}/confirm", token=user["token"])
        assert (status, file["name"]) == (200, expected)
    status, answer = ticket_for(api, user["token"], file_name="../../.pdf")
    assert status == 422 and answer["error"]["fields"][0]["path"] == "file_name"


def test_declared_oversize_is_refused(api, user):
    status, answer = ticket_for(api, user["token"], size=20 * 1024 * 1024 + 1)
    assert status == 422 and answer["error"]["message"] == "Файл больше 20 МБ"
    assert answer["error"]["fields"] == [{"path": "size", "message": "Файл больше 20 МБ"}]


def test_real_oversize_is_deleted_and_refused(api, aws, user, settings_override):
    settings_override(attachment_max_bytes=1024 * 1024)
    # moto does not enforce the POST policy; a forged form could not fool the API either.
    big = PDF_BYTES + b"0" * (1024 * 1024)
    status, ticket = ticket_for(api, user["token"], size=1000)
    assert status == 201
    post_to_s3(ticket, big)
    status, answer = api.post(f"/attachments/uploads/{ticket['upload_id']}/confirm", token=user["token"])
    assert status == 422 and answer["error"] == {"code": "upload_rejected", "message": "Файл больше 1 МБ", "fields": []}
    assert stored(aws, ticket["fields"]["key"]) == []
    assert api.post(f"/attachments/uploads/{ticket['upload_id']}/confirm", token=user["token"])[0] == 404


def test_size_other_than_declared_is_deleted_and_refused(api, aws, user):
    status, ticket = ticket_for(api, user["token"], size=len(PDF_BYTES) + 10)
    post_to_s3(ticket, PDF_BYTES)
    status, answer = api.post(f"/attachments/uploads/{ticket['upload_id']}/confirm", token=user["token"])
    assert status == 422 and "не совпадает с заявленным" in answer["error"]["message"]
    assert stored(aws, ticket["fields"]["key"]) == []


@pytest.mark.parametrize("data", [b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 40, b"<html><script>", b"%PDF"])
def test_content_not_matching_its_type_is_deleted_and_refused(api, aws, user, data):
    status, ticket = ticket_for(api, user["token"], data=data)
    post_to_s3(ticket, data)
    status, answer = api.post(f"/attachments/uploads/{ticket['upload_id']}/confirm", token=user["token"])
    assert status == 422
    assert answer["error"]["message"] == (
        "Содержимое файла не соответствует его типу. Допустимы файлы PDF, JPG, PNG, ZIP и RAR"
    )
    assert stored(aws, ticket["fields"]["key"]) == []


def test_type_other_than_declared_is_refused(api, aws, user):
    status, ticket = ticket_for(api, user["token"])
    ticket["fields"]["Content-Type"] = "text/html"  # a forged form: S3 would refuse it, moto does not
    post_to_s3(ticket, PDF_BYTES)
    status, answer = api.post(f"/attachments/uploads/{ticket['upload_id']}/confirm", token=user["token"])
    assert status == 422 and "Тип загруженного файла" in answer["error"]["message"]
    assert stored(aws, ticket["fields"]["key"]) == []


def test_uploads_belong_to_their_owner(api, user):
    status, ticket = ticket_for(api, user["token"])
    post_to_s3(ticket, PDF_BYTES)
    other = register_and_confirm(api)
    other_token = login(api, other["login"])["access_token"]
    status, answer = api.post(f"/attachments/uploads/{ticket['upload_id']}/confirm", token=other_token)
    assert status == 404 and answer["error"]["message"] == "Загрузка не найдена"
    assert api.post("/attachments/uploads/..%2F..%2Fx/confirm", token=user["token"])[0] == 404
    assert api.post(f"/attachments/uploads/{ticket['upload_id']}/confirm")[0] == 401


def test_company_documents_are_uploaded_by_staff_only(api, user):
    status, _ = ticket_for(api, user["token"], purpose="company_document")
    assert status == 403
    operator = staff_user(api, "operator")
    upload_id = upload(api, operator["token"], purpose="company_document")
    from chalicelib.attachments.repository import UploadRepository

    assert UploadRepository().get(upload_id).from_company is True


def test_uploads_per_hour_are_limited(api, user, settings_override):
    settings_override(uploads_per_hour=2)
    assert ticket_for(api, user["token"])[0] == 201
    assert ticket_for(api, user["token"])[0] == 201
    status, answer = ticket_for(api, user["token"])
    assert status == 429 and answer["error"]["code"] == "rate_limited"


def test_sweeper_removes_uploads_never_attached(api, aws, user):
    from chalicelib.attachments.repository import UploadRepository
    from chalicelib.attachments.service import AttachmentService
    from chalicelib.core import clock

    upload_id = upload(api, user["token"])
    key = UploadRepository().get(upload_id).key
    AttachmentService().sweep()
    assert UploadRepository().get(upload_id) is not None  # still young
    later = clock.now() + timedelta(hours=25)
    clock.set_clock(lambda: later)
    try:
        assert AttachmentService().sweep() >= 1
    finally:
        clock.set_clock(None)
    assert UploadRepository().get(upload_id) is None and stored(aws, key) == []
