"""Agent request signatures and compressed bodies (edge-agent/docs/upload-protocol.md §2)."""

from __future__ import annotations

import gzip
import hashlib
import zlib

import pytest

from chalicelib.aiis.ingestion import signing

# The protocol document's worked example.
SECRET = bytes.fromhex("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff")
PATH = "/api/v1/agents/tp-17/heartbeat"
TIMESTAMP = "1714521600"
EXPECTED = "ffbb2920df1bd8745ad94b31730036c73e85019f58eea42ceac6f9b52e5d4120"


def test_worked_example_of_the_protocol():
    key = signing.signing_key(SECRET)
    assert key == hashlib.sha256(SECRET).digest()
    assert signing.signature(key, "POST", PATH, TIMESTAMP, b"{}") == EXPECTED
    assert signing.string_to_sign("post", PATH, TIMESTAMP, hashlib.sha256(b"{}").hexdigest()) == (
        f"POST\n{PATH}\n{TIMESTAMP}\n{hashlib.sha256(b'{}').hexdigest()}".encode()
    )


def test_the_agents_own_signing_agrees():
    from kabinet_agent.signing import signature, signing_key

    key = signing_key(SECRET)
    body = gzip.compress(b'{"records":[]}', mtime=0)
    assert signature(key, "POST", PATH, TIMESTAMP, body) == signing.signature(key, "POST", PATH, TIMESTAMP, body)


@pytest.mark.parametrize("change", ["path", "timestamp", "body", "key", "signature"])
def test_any_change_breaks_the_signature(change):
    key = signing.signing_key(SECRET)
    digest = hashlib.sha256(b"{}").hexdigest()
    args = {"key": key, "paths": [PATH], "timestamp": TIMESTAMP, "digests": [digest], "given": EXPECTED}
    args.update(
        {
            "path": {"paths": ["/api/v1/agents/tp-18/heartbeat"]},
            "timestamp": {"timestamp": "1714521601"},
            "body": {"digests": [hashlib.sha256(b"{ }").hexdigest()]},
            "key": {"key": signing.signing_key(SECRET[::-1])},
            "signature": {"given": EXPECTED[:-1] + "1"},
        }[change]
    )
    assert not signing.verify(args["key"], "POST", args["paths"], args["timestamp"], args["digests"], args["given"])
    assert signing.verify(key, "POST", [PATH], TIMESTAMP, [digest], EXPECTED)


def test_any_candidate_path_may_match_and_case_and_spaces_do_not_matter():
    key = signing.signing_key(SECRET)
    digest = hashlib.sha256(b"{}").hexdigest()
    assert signing.verify(
        key, "POST", ["/api/api/v1/agents/tp-17/heartbeat", PATH], TIMESTAMP, [digest], f" {EXPECTED.upper()} "
    )
    assert not signing.verify(key, "POST", [PATH], TIMESTAMP, [digest], "не hex")


@pytest.mark.parametrize("os_code", [3, 255])
def test_a_body_decompressed_upstream_is_recompressed_to_what_the_agent_signed(os_code):
    plain = b'{"batch_id":"b1","records":[]}'
    sent = bytearray(gzip.compress(plain, mtime=0))
    sent[9] = os_code  # the OS byte: 3 from zlib (Python >= 3.11), 255 from gzip's writer (3.9, 3.10)
    assert hashlib.sha256(bytes(sent)).hexdigest() in signing.canonical_gzip_digests(plain)


def test_decompression_is_bounded_and_strict():
    plain = b'{"records": []}'
    assert signing.decompress(gzip.compress(plain), 100) == plain
    bomb = gzip.compress(b"0" * 10_000_000)
    assert len(bomb) < 20_000
    with pytest.raises(signing.BodyTooLarge):
        signing.decompress(bomb, 1_000_000)
    with pytest.raises(signing.BadBody):
        signing.decompress(gzip.compress(plain)[:-6], 100)  # truncated
    with pytest.raises(signing.BadBody):
        signing.decompress(gzip.compress(plain) + b"junk", 100)  # trailing data
    with pytest.raises(signing.BadBody):
        signing.decompress(zlib.compress(plain), 100)  # zlib, not gzip
    assert signing.is_gzip(gzip.compress(plain)) and not signing.is_gzip(plain)
