"""Schemathesis hooks for the Kabinet API (schemathesis.toml beside this file loads them).

What a JSON schema cannot say, so that schema-valid requests are really valid:
- generators for the identifier formats whose checksum no pattern carries (chalicelib/core/types.py);
- a new password that meets the policy and cannot contain the generated login;
- a solved proof-of-work in positive requests that carry `pow` (a browser solves a fresh challenge);
- the current edition of the user agreement in a positive registration (the form shows that one);
- a throwaway session for POST /auth/logout, so signing out does not end the run's own session.

FUZZ_BASE_URL names the stack, FUZZ_USER_TOKEN the run's consumer session, FUZZ_LOGOUT_LOGIN and
FUZZ_LOGOUT_PASSWORD the account whose fresh sessions /auth/logout ends instead, FUZZ_CLIENT_IP_HEADER the
header that carries a client's address to the stack.
"""

from __future__ import annotations

import os
from typing import Any

import requests
import schemathesis
from hypothesis import strategies as st
from stdnum.ru import inn as stdnum_inn, ogrn as stdnum_ogrn

from chalicelib.accounts.identifiers import snils_check_digits
from chalicelib.accounts.pow import solve

_DIGITS = "0123456789"


def _digits(length: int, first: str = "123456789") -> st.SearchStrategy[str]:
    return st.builds(
        lambda head, tail: head + tail,
        st.sampled_from(first),
        st.text(_DIGITS, min_size=length - 1, max_size=length - 1),
    )


def _snils(first9: str) -> str:
    return f"{first9[:3]}-{first9[3:6]}-{first9[6:9]} {snils_check_digits(first9)}"


def _ogrn(body: str) -> str:
    return body + stdnum_ogrn.calc_check_digit(body + "0")


schemathesis.openapi.format("snils", _digits(9).map(_snils))
schemathesis.openapi.format("inn-10", _digits(9).map(lambda d: d + stdnum_inn.calc_company_check_digit(d)))
schemathesis.openapi.format("inn-12", _digits(10).map(lambda d: d + stdnum_inn.calc_personal_check_digits(d)))
schemathesis.openapi.format("ogrn-13", _digits(12, first="15").map(_ogrn))
# An ОГРНИП whose remainder mod 13 is 10–12 has no one-digit check digit: such bodies are skipped.
schemathesis.openapi.format("ogrn-15", _digits(14, first="3").map(_ogrn).filter(lambda number: len(number) == 15))
# Runs of at most four letters or digits: no login (five or more) fits inside; not a common password.
schemathesis.openapi.format("password", st.from_regex(r"[a-z]{2,4}-[0-9]{2,4}-[A-Z]{2,4}", fullmatch=True))


def _base_url() -> str:
    return os.environ["FUZZ_BASE_URL"].rstrip("/") + "/api/v1"


def _solved_pow() -> dict[str, str]:
    challenge = requests.get(f"{_base_url()}/auth/challenge", timeout=10).json()
    return {"challenge": challenge["challenge"], "nonce": solve(challenge["challenge"], challenge["difficulty"])}


def _fresh_session() -> str:
    # From an address of its own: the fuzzer's failed sign-ins must not lock out the session it needs.
    answer = requests.post(
        f"{_base_url()}/auth/login",
        timeout=30,
        headers={os.environ["FUZZ_CLIENT_IP_HEADER"]: "192.0.2.11"},
        json={"identifier": os.environ["FUZZ_LOGOUT_LOGIN"], "password": os.environ["FUZZ_LOGOUT_PASSWORD"]},
    )
    answer.raise_for_status()
    return answer.json()["access_token"]


def _agreement_edition() -> int:
    return requests.get(f"{_base_url()}/pages/agreement", timeout=10).json()["version"]


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    positive = case.meta is not None and case.meta.generation.mode.is_positive
    if positive and isinstance(case.body, dict) and isinstance(case.body.get("pow"), dict):
        case.body["pow"] = _solved_pow()
    if positive and isinstance(case.body, dict) and isinstance(case.body.get("consent"), dict):
        case.body["consent"]["agreement_version"] = _agreement_edition()
    if case.method.upper() == "POST" and case.path.endswith("/auth/logout"):
        ours = f"Bearer {os.environ['FUZZ_USER_TOKEN']}"
        for headers in (case.headers or {}, kwargs.get("headers") or {}):
            for name, value in headers.items():
                if name.lower() == "authorization" and value == ours:
                    headers[name] = f"Bearer {_fresh_session()}"
