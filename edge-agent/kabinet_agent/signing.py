"""Request signing shared by batch uploads and heartbeats (see docs/upload-protocol.md).

The key file holds a per-agent secret in hex. Requests are signed with SHA-256(secret) rather than
the secret itself, so the cloud only ever stores the digest: a leak of the cloud's table does not let
anyone recompute the secret that sits on the concentrator.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

MIN_SECRET_BYTES = 16


class KeyFileError(ValueError):
    """The key file is missing, unreadable or not a hex secret; the message is Russian."""


def read_secret(path: Path) -> bytes:
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        raise KeyFileError(f"файл ключа {path} не найден") from None
    except UnicodeDecodeError:
        raise KeyFileError(f"файл ключа {path} должен содержать секрет в шестнадцатеричном виде (hex)") from None
    except OSError as exc:
        raise KeyFileError(f"файл ключа {path} не удаётся прочитать: {exc.strerror or exc}") from None
    try:
        secret = bytes.fromhex(text)
    except ValueError:
        raise KeyFileError(f"файл ключа {path} должен содержать секрет в шестнадцатеричном виде (hex)") from None
    if len(secret) < MIN_SECRET_BYTES:
        raise KeyFileError(
            f"секрет в файле ключа {path} слишком короткий: {len(secret)} байт, нужно не меньше {MIN_SECRET_BYTES}"
        )
    return secret


def signing_key(secret: bytes) -> bytes:
    return hashlib.sha256(secret).digest()


def signature(key: bytes, method: str, path: str, timestamp: str, body: bytes) -> str:
    """hex(HMAC-SHA256(key, METHOD \\n PATH \\n TIMESTAMP \\n hex(SHA256(body))))."""
    message = "\n".join((method.upper(), path, timestamp, hashlib.sha256(body).hexdigest()))
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()
