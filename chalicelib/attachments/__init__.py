"""Attachments: files go from the browser straight to a private S3 bucket and back; the API holds only
metadata and never a file body.

HTTP flow (front-end)
---------------------
1. ``POST /api/v1/attachments/uploads`` ``{file_name, content_type, size, purpose}`` →
   201 ``{upload_id, url, fields, expires_in}``. Types: PDF, JPG/JPEG, PNG, ZIP, RAR — the extension
   and the declared type must agree; ≤ 20 MB. ``purpose``: ``appeal``, ``service_request``,
   ``connection_application``, ``access_request``, ``company_document`` (staff only).
2. The browser POSTs ``multipart/form-data`` to ``url`` with every entry of ``fields`` and the file as
   the last field, ``file``, within ``expires_in`` seconds (≤ 300). S3 accepts only that key, that
   Content-Type and exactly ``size`` bytes.
3. ``POST /api/v1/attachments/uploads/{upload_id}/confirm`` → 200 ``FileOut {id, name, content_type,
   size, uploaded_at, from_company}``. The API checks the stored object (HEAD: size equal to the
   declared one and within the limit, type; the first bytes: PDF/JPEG/PNG/ZIP/RAR signature). A
   failing file is deleted and the answer is 422 ``upload_rejected`` with a Russian message; 409
   ``upload_incomplete`` if nothing was uploaded yet. Repeating a successful confirm is harmless.
4. The case form then sends the ``upload_id`` list (e.g. ``"attachments": ["<id>", ...]``).
   A confirmed upload not attached to a case within 24 hours is deleted by the sweeper.

Python API (other capabilities)
-------------------------------
::

    from chalicelib.attachments import AttachmentService, FileRef

    files = AttachmentService().require_confirmed(principal, body.attachments, purpose="connection_application")
    # → list[FileRef]; 422 on field "attachments.<i>" unless each id is the caller's own confirmed,
    #   unattached upload made for that purpose. One BatchGetItem.
    with transaction() as tx:
        tx.save(YourCaseItem(..., files=[f.to_map() for f in files]))    # store the refs on your case
        AttachmentService().attach(tx, "TP#<id>", files)                  # same transaction: marks
        # the uploads attached; the transaction fails if one was attached elsewhere meanwhile.

    ref = FileRef.from_map(stored_map)                                   # back from your item
    ref.out()                                                            # → FileOut for responses
    AttachmentService().download_url(principal, case_owner_id, ref, inline=False)
    # → DownloadLink {url, name, expires_in ≤ 60}: presigned GET with Content-Disposition carrying the
    #   original name (RFC 5987); only the case owner or staff, anyone else gets 404.

Staff files (answers, ТУ, contracts): the staff member uploads with ``purpose="company_document"``;
``FileRef.from_company`` is then true. Upload records live in the cases table as ``UPLOAD#<id>``.
"""

from __future__ import annotations

from typing import Any

from .models import DownloadLink, FileOut, FileRef, UploadId

__all__ = ["AttachmentService", "DownloadLink", "FileOut", "FileRef", "UploadId"]


def __getattr__(name: str) -> Any:
    # The service pulls in PynamoDB and boto3; routes import this package at cold start and must not.
    if name == "AttachmentService":
        from .service import AttachmentService

        return AttachmentService
    raise AttributeError(name)
