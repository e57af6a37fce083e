"""What a file may be: allowed kinds (extension + declared type + magic bytes), safe names, and the
Content-Disposition it is downloaded with. Pure functions, no AWS."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from urllib.parse import quote

MAX_NAME_LENGTH = 120
# Enough bytes to tell every allowed kind apart (the PNG signature is the longest).
MAGIC_BYTES = 8


@dataclass(frozen=True)
class FileKind:
    name: str
    extensions: tuple[str, ...]
    # What browsers actually send for the extension; the first one is what downloads are served as.
    content_types: tuple[str, ...]
    signatures: tuple[bytes, ...]

    @property
    def content_type(self) -> str:
        return self.content_types[0]

    def matches(self, head: bytes) -> bool:
        return any(head.startswith(signature) for signature in self.signatures)


KINDS: tuple[FileKind, ...] = (
    FileKind("pdf", ("pdf",), ("application/pdf",), (b"%PDF-",)),
    FileKind("jpeg", ("jpg", "jpeg"), ("image/jpeg", "image/pjpeg"), (b"\xff\xd8\xff",)),
    FileKind("png", ("png",), ("image/png",), (b"\x89PNG\r\n\x1a\n",)),
    # An empty archive (PK\x05\x06) carries no document, so only a local file header is accepted.
    FileKind("zip", ("zip",), ("application/zip", "application/x-zip-compressed"), (b"PK\x03\x04",)),
    # RAR 4 and RAR 5 share this prefix.
    FileKind(
        "rar",
        ("rar",),
        ("application/vnd.rar", "application/x-rar-compressed", "application/x-rar"),
        (b"Rar!\x1a\x07",),
    ),
)
_BY_EXTENSION = {ext: kind for kind in KINDS for ext in kind.extensions}
ALLOWED_EXTENSIONS = tuple(_BY_EXTENSION)
ALLOWED_CONTENT_TYPES = tuple(t for kind in KINDS for t in kind.content_types)
PREVIEWABLE = frozenset({"pdf", "jpeg", "png"})

# Characters Windows refuses in names, and separators: a name never becomes a path anywhere.
_FORBIDDEN = set('<>:"/\\|?*')


class BadFileName(ValueError):
    """The message is Russian and safe to show: it never contains the name."""


def sanitize_file_name(raw: str) -> str:
    """The name a file is stored and downloaded under.

    Path-like names (`../../x.pdf`, `C:\\Users\\…\\x.pdf` from old browsers) are reduced to their last
    part rather than refused: the name is only ever a label (the object key never contains it), and
    reducing keeps what the user meant. Control and format characters (including bidi overrides that
    disguise an extension) are dropped, Windows-forbidden characters become `_`, and a long name is
    shortened in its stem so the extension survives.
    """
    name = unicodedata.normalize("NFC", raw or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        " " if unicodedata.category(ch)[0] == "Z" else ch for ch in name if unicodedata.category(ch)[0] != "C"
    )
    name = "".join("_" if ch in _FORBIDDEN else ch for ch in name)
    name = " ".join(name.split()).strip(". ")
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem.strip(". "):
        raise BadFileName("Имя файла должно содержать название и расширение")
    if len(extension) > 10:
        raise BadFileName("Недопустимое расширение файла")
    room = MAX_NAME_LENGTH - len(extension) - 1
    return f"{stem[:room].rstrip('. ')}.{extension}"


def kind_of(file_name: str, content_type: str) -> FileKind | None:
    """The kind when the extension and the declared type agree on an allowed one, else None."""
    extension = file_name.rpartition(".")[2].lower()
    kind = _BY_EXTENSION.get(extension)
    declared = content_type.split(";", 1)[0].strip().lower()
    if kind is None or declared not in kind.content_types:
        return None
    return kind


def kind_named(name: str) -> FileKind:
    return next(kind for kind in KINDS if kind.name == name)


def content_disposition(file_name: str, inline: bool = False) -> str:
    """RFC 6266 with an RFC 5987 `filename*` for the real (Cyrillic) name and an ASCII fallback."""
    fallback = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\' else "_" for ch in file_name)
    disposition = "inline" if inline else "attachment"
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(file_name, safe='')}"
