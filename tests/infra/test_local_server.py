"""The local HTTP origin (infra/local/run.py) answers malformed and oversized requests at once, in the
API's error shape and in Russian, as API Gateway does in AWS (infra/resources.yaml, gateway responses)."""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator

import pytest

from infra.local.run import LocalStack


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    stack = LocalStack(port=0)
    stack.serve()
    yield stack.port
    stack.stop_api()


def exchange(port: int, request: bytes) -> bytes:
    """Everything the server sends until it closes; a server that waits for more raises a timeout."""
    data = b""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        while chunk := sock.recv(65536):
            data += chunk
    return data


def parse(data: bytes) -> tuple[int, dict[str, str], dict[str, object]]:
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
    return int(status_line.split()[1]), headers, json.loads(body)


def assert_error(body: dict[str, object], code: str) -> None:
    assert set(body) == {"error"}
    error = body["error"]
    assert isinstance(error, dict) and error["code"] == code and error["fields"] == []
    assert re.search("[А-Яа-яЁё]", str(error["message"]))


@pytest.mark.parametrize(
    ("length", "status", "code"),
    [
        ("abc", 400, "bad_request"),  # was: no answer at all (ValueError in the handler)
        ("-5", 400, "bad_request"),  # was: no answer (ValueError from the read)
        ("1000000000000", 413, "payload_too_large"),  # was: no answer (MemoryError)
        ("99999999999999999999", 413, "payload_too_large"),  # was: no answer (OverflowError)
    ],
)
def test_a_bad_or_huge_content_length_is_answered_without_reading_the_body(
    port: int, length: str, status: int, code: str
) -> None:
    request = (
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {length}\r\n\r\n{{}}"
    )
    answered_status, headers, body = parse(exchange(port, request.encode()))
    assert answered_status == status
    assert headers["content-type"] == "application/json; charset=utf-8"
    assert headers["x-frame-options"] == "DENY"  # the edge's headers, as on every answer
    assert_error(body, code)


def test_a_missing_file_of_the_site_is_an_error_in_the_api_shape(port: int) -> None:
    request = b"GET /assets/no-such-bundle.js HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    status, headers, body = parse(exchange(port, request))
    assert status == 404
    assert headers["content-type"] == "application/json; charset=utf-8"
    assert_error(body, "not_found")


def test_an_unsupported_http_version_is_the_clients_error_not_ours(port: int) -> None:
    # http.server answers it HTTP/0.9-style: the body alone, no status line.
    data = exchange(port, b"GET /api/v1/me HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n")
    assert_error(json.loads(data), "bad_request")
