"""The exchange bucket: what billing drops for us, what we export for billing, what we have read.

Layout (docs/billing-exchange.md):
  inbox/<name>                    drops waiting to be imported (from billing's SFTP bridge or staff upload)
  processed/<run_id>/<name>       drops an exchange run has imported, kept for a year
  outbox/readings-<run_id>.csv    readings exported by a run (and the same as .json), kept 90 days
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from chalicelib.core.aws import client
from chalicelib.core.config import get_settings

INBOX = "inbox/"
PROCESSED = "processed/"
OUTBOX = "outbox/"


@dataclass(frozen=True)
class Drop:
    key: str
    etag: str
    size: int
    modified: datetime

    @property
    def name(self) -> str:
        return self.key.removeprefix(INBOX)


def bucket() -> str:
    name = get_settings().exchange_bucket
    if not name:
        raise RuntimeError("KABINET_EXCHANGE_BUCKET is not set (the template's Globals pass it)")
    return name


def waiting_drops() -> list[Drop]:
    """Drops in the inbox, oldest first: a later drop may correct an earlier one, so order matters."""
    return sorted(_list(INBOX), key=lambda d: (d.modified, d.key))


def _list(prefix: str) -> Iterator[Drop]:
    for page in client("s3").get_paginator("list_objects_v2").paginate(Bucket=bucket(), Prefix=prefix):
        for obj in page.get("Contents", []):
            if obj["Key"].endswith("/"):  # "folders" made by S3 consoles and SFTP bridges
                continue
            yield Drop(key=obj["Key"], etag=obj["ETag"].strip('"'), size=obj["Size"], modified=obj["LastModified"])


def read(drop: Drop) -> tuple[bytes, str | None]:
    """The drop's bytes and version. IfMatch: what is imported is what was listed (and recorded in
    the run log) even if billing overwrote the object meanwhile."""
    response = client("s3").get_object(Bucket=bucket(), Key=drop.key, IfMatch=drop.etag)
    return response["Body"].read(), response.get("VersionId")


def archive(drop: Drop, version_id: str | None, run_id: str) -> str:
    """Move an imported drop out of the inbox; returns its new key. Deleting the version that was
    read, not the key: a newer drop billing wrote under the same name stays for the next run."""
    target = f"{PROCESSED}{run_id}/{drop.name}"
    s3 = client("s3")
    s3.copy_object(
        Bucket=bucket(), Key=target, CopySource={"Bucket": bucket(), "Key": drop.key}, CopySourceIfMatch=drop.etag
    )
    if version_id is not None:
        s3.delete_object(Bucket=bucket(), Key=drop.key, VersionId=version_id)
    else:
        s3.delete_object(Bucket=bucket(), Key=drop.key)
    return target


def put(key: str, body: bytes, content_type: str) -> None:
    client("s3").put_object(Bucket=bucket(), Key=key, Body=body, ContentType=content_type)


def delete(key: str) -> None:
    client("s3").delete_object(Bucket=bucket(), Key=key)
