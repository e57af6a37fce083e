"""File names, kinds and signatures of attachments."""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from chalicelib.attachments.rules import (
    KINDS,
    MAX_NAME_LENGTH,
    BadFileName,
    content_disposition,
    kind_named,
    kind_of,
    sanitize_file_name,
)


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("Договор.pdf", "Договор.pdf"),
        ("../../x.pdf", "x.pdf"),
        ("..\\..\\windows\\x.pdf", "x.pdf"),
        ("C:\\Users\\Иван\\Desktop\\скан паспорта.jpg", "скан паспорта.jpg"),
        ("/etc/passwd.png", "passwd.png"),
        ("  .hidden.pdf  ", "hidden.pdf"),
        ("name.pdf.", "name.pdf"),
        ("a\tb\r\nc.pdf", "abc.pdf"),
        ("invoice\u202efdp.zip", "invoicefdp.zip"),  # a bidi override that disguises the extension
        ("zero\u200bwidth.pdf", "zerowidth.pdf"),
        ("a\u00a0b.pdf", "a b.pdf"),  # no-break space is a space
        ("many     spaces.pdf", "many spaces.pdf"),
        ('bad<>:"|?*chars.pdf', "bad_______chars.pdf"),
    ],
)
def test_names_are_reduced_to_a_safe_label(raw, expected):
    assert sanitize_file_name(raw) == expected


def test_names_are_composed_so_decomposed_letters_look_the_same():
    # macOS sends "й" as "и" + combining breve.
    assert sanitize_file_name("Ии\u0306.pdf") == "Ий.pdf"


@pytest.mark.parametrize("raw", ["", "   ", ".pdf", "../../.pdf", "noextension", "dir/", "x.averyveryverylongext"])
def test_names_without_a_name_or_extension_are_refused(raw):
    with pytest.raises(BadFileName) as caught:
        sanitize_file_name(raw)
    assert raw.strip() == "" or raw not in str(caught.value)


def test_long_names_keep_their_extension():
    name = sanitize_file_name("я" * 500 + ".pdf")
    assert len(name) == MAX_NAME_LENGTH and name.endswith("я.pdf")


@pytest.mark.parametrize(
    "name,content_type,kind",
    [
        ("a.pdf", "application/pdf", "pdf"),
        ("a.PDF", "Application/PDF", "pdf"),
        ("a.jpg", "image/jpeg", "jpeg"),
        ("a.jpeg", "image/pjpeg", "jpeg"),
        ("a.png", "image/png", "png"),
        ("a.zip", "application/zip", "zip"),
        ("a.zip", "application/x-zip-compressed", "zip"),
        ("a.rar", "application/vnd.rar", "rar"),
        ("a.rar", "application/x-rar-compressed", "rar"),
        ("a.pdf", "application/pdf; charset=binary", "pdf"),
        ("a.pdf", "image/png", None),
        ("a.png", "image/jpeg", None),
        ("a.exe", "application/pdf", None),
        ("a.rar", "application/octet-stream", None),
        ("a.svg", "image/svg+xml", None),
    ],
)
def test_extension_and_declared_type_must_agree(name, content_type, kind):
    found = kind_of(name, content_type)
    assert (found.name if found else None) == kind


@pytest.mark.parametrize(
    "kind,head,ok",
    [
        ("pdf", b"%PDF-1.7\n", True),
        ("pdf", b"%PDF", False),
        ("pdf", b"\x00%PDF-1.7", False),
        ("jpeg", b"\xff\xd8\xff\xe0\x00\x10JF", True),
        ("jpeg", b"\xff\xd8\x00", False),
        ("png", b"\x89PNG\r\n\x1a\n", True),
        ("png", b"\x89PNG\r\n\x1a", False),
        ("zip", b"PK\x03\x04\x14\x00", True),
        ("zip", b"PK\x05\x06\x00\x00", False),
        ("rar", b"Rar!\x1a\x07\x00", True),
        ("rar", b"Rar!\x1a\x07\x01\x00", True),
        ("rar", b"Rar!\x1a\x06", False),
        ("pdf", b"PK\x03\x04", False),
        ("png", b"%PDF-1.4", False),
    ],
)
def test_magic_bytes(kind, head, ok):
    assert kind_named(kind).matches(head) is ok


def test_every_kind_has_a_signature_within_the_bytes_read():
    from chalicelib.attachments.rules import MAGIC_BYTES

    assert all(len(sig) <= MAGIC_BYTES for kind in KINDS for sig in kind.signatures)


def test_content_disposition_carries_the_real_name_and_an_ascii_fallback():
    value = content_disposition('Ответ "№1095".pdf')
    assert value.startswith('attachment; filename="')
    fallback = value.split('filename="', 1)[1].split('"', 1)[0]
    assert fallback.isascii() and fallback.endswith(".pdf") and '"' not in fallback
    encoded = value.split("filename*=UTF-8''", 1)[1]
    assert unquote(encoded) == 'Ответ "№1095".pdf' and " " not in encoded and '"' not in encoded
    assert content_disposition("скан.png", inline=True).startswith("inline;")
