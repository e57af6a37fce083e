"""The attachments bucket: presigned POST/GET, and the few reads the API itself makes (HEAD and the
first bytes). File bodies never pass through the API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.core.aws import client
from chalicelib.core.config import get_settings


@dataclass(frozen=True)
class StoredObject:
    size: int
    content_type: str


def _bucket() -> str:
    name = get_settings().attachments_bucket
    if not name:
        raise RuntimeError("KABINET_ATTACHMENTS_BUCKET is not set")
    return name


def presigned_post(key: str, content_type: str, size: int, expires_in: int) -> tuple[str, dict[str, str]]:
    """A form that S3 accepts only for this key, this type and exactly this many bytes."""
    post: dict[str, Any] = client("s3").generate_presigned_post(
        Bucket=_bucket(),
        Key=key,
        Fields={"Content-Type": content_type},
        Conditions=[{"Content-Type": content_type}, ["content-length-range", size, size]],
        ExpiresIn=expires_in,
    )
    return post["url"], {name: str(value) for name, value in post["fields"].items()}


def head(key: str) -> StoredObject | None:
    s3 = client("s3")
    try:
        found = s3.head_object(Bucket=_bucket(), Key=key)
    except s3.exceptions.ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return None
        raise
    return StoredObject(size=int(found["ContentLength"]), content_type=found.get("ContentType", ""))


def first_bytes(key: str, count: int) -> bytes:
    body = client("s3").get_object(Bucket=_bucket(), Key=key, Range=f"bytes=0-{count - 1}")["Body"]
    try:
        return bytes(body.read(count))
    finally:
        body.close()


def delete(key: str) -> None:
    client("s3").delete_object(Bucket=_bucket(), Key=key)


def presigned_get(key: str, content_type: str, disposition: str, expires_in: int) -> str:
    return str(
        client("s3").generate_presigned_url(
            "get_object",
            ExpiresIn=expires_in,
            Params={
                "Bucket": _bucket(),
                "Key": key,
                "ResponseContentType": content_type,
                "ResponseContentDisposition": disposition,
            },
        )
    )


# --- for the person's data export and account closing (chalicelib/accounts/privacy.py) -------------


def copy_to(key: str, target: Any) -> None:
    """Stream an object into a writable binary file (the export's ZIP); never whole in memory."""
    client("s3").download_fileobj(_bucket(), key, target)


def put_file(key: str, source: Any, content_type: str) -> None:
    client("s3").upload_fileobj(source, _bucket(), key, ExtraArgs={"ContentType": content_type})


def keys_under(prefix: str) -> list[str]:
    """Every key under a prefix (ListObjectsV2, page by page)."""
    keys: list[str] = []
    for page in client("s3").get_paginator("list_objects_v2").paginate(Bucket=_bucket(), Prefix=prefix):
        keys.extend(item["Key"] for item in page.get("Contents", []))
    return keys


def delete_many(keys: list[str]) -> None:
    for start in range(0, len(keys), 1000):  # DeleteObjects takes 1000 keys a call
        chunk = keys[start : start + 1000]
        if chunk:
            client("s3").delete_objects(
                Bucket=_bucket(), Delete={"Objects": [{"Key": k} for k in chunk], "Quiet": True}
            )
