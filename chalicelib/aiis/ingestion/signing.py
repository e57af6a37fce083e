"""Request signatures and compressed bodies of the agent protocol (edge-agent/docs/upload-protocol.md).

Pure code. `string_to_sign = METHOD \\n PATH \\n TIMESTAMP \\n hex(SHA-256(body as sent))`, signed with
HMAC-SHA256 under K = SHA-256(secret); the cloud keeps only K.

API Gateway decompresses request bodies sent with `Content-Encoding: gzip` before they reach the
function (AWS: "Call an API method with a compressed payload"), so the bytes the agent signed are
not always the bytes we get. The agent compresses canonically (`gzip.compress(body, mtime=0)`, level
9), so compressing the decompressed body the same way gives the signed bytes back; the gzip header's
OS byte is the only part that differs between Python versions (255 from `gzip`'s own writer up to
3.10, the platform's code from zlib since 3.11), so both are tried.
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import zlib
from collections.abc import Iterable

GZIP_MAGIC = b"\x1f\x8b"
_HEADER_OS_BYTE = 9
_OS_CODES = (3, 255)  # Unix (zlib on Linux), unknown (Python's gzip writer)


class BodyTooLarge(ValueError):
    """The body or its decompressed form exceeds the limit."""


class BadBody(ValueError):
    """Not a single well-formed gzip member."""


def signing_key(secret: bytes) -> bytes:
    return hashlib.sha256(secret).digest()


def string_to_sign(method: str, path: str, timestamp: str, body_digest: str) -> bytes:
    return "\n".join((method.upper(), path, timestamp, body_digest)).encode("utf-8")


def signature(key: bytes, method: str, path: str, timestamp: str, body: bytes) -> str:
    return hmac.new(
        key, string_to_sign(method, path, timestamp, hashlib.sha256(body).hexdigest()), hashlib.sha256
    ).hexdigest()


def verify(
    key: bytes, method: str, paths: Iterable[str], timestamp: str, body_digests: Iterable[str], given: str
) -> bool:
    """True if `given` signs any (path, body) candidate. Every candidate is computed and compared in
    constant time, so timing says nothing about which part was wrong."""
    given_bytes = given.strip().lower().encode("ascii", "replace")
    matched = False
    digests = list(body_digests)
    for path in paths:
        for digest in digests:
            expected = hmac.new(key, string_to_sign(method, path, timestamp, digest), hashlib.sha256).hexdigest()
            matched |= hmac.compare_digest(expected.encode("ascii"), given_bytes)
    return matched


def is_gzip(body: bytes) -> bool:
    return body[:2] == GZIP_MAGIC


def canonical_gzip_digests(plain: bytes) -> list[str]:
    """SHA-256 digests of the bodies the agent may have sent for this decompressed content."""
    compressed = bytearray(gzip.compress(plain, compresslevel=9, mtime=0))
    digests = []
    for os_code in _OS_CODES:
        compressed[_HEADER_OS_BYTE] = os_code
        digests.append(hashlib.sha256(bytes(compressed)).hexdigest())
    return digests


def decompress(body: bytes, limit: int) -> bytes:
    """The content of a single gzip member, refusing more than `limit` bytes of output without
    producing them (a small bomb cannot make us allocate its full size)."""
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        plain = inflater.decompress(body, limit + 1)
    except zlib.error:
        raise BadBody("not gzip") from None
    if len(plain) > limit:
        raise BodyTooLarge("decompressed body too large")
    if not inflater.eof or inflater.unused_data:
        raise BadBody("truncated gzip or trailing data")
    return plain
