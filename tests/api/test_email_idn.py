"""E-mail addresses on internationalised domains (issue 14): ivanov@почта.рф and its punycode form
a@xn--80a1acny.xn--p1ai are accepted, kept as typed, mailed at their ASCII form, and are one address."""

from __future__ import annotations

from helpers import (
    confirm_link_token,
    deliver_notifications,
    login,
    person_payload,
    register_and_confirm,
    sent_emails,
    unique_suffix,
)

PUNYCODE = "xn--80a1acny.xn--p1ai"  # почта.рф


def test_a_cyrillic_domain_registers_is_kept_as_typed_and_mailed_at_its_ascii_form(api):
    local = f"ivanov{unique_suffix()}"
    body = person_payload(api, email=f"{local}@почта.рф")
    status, answer = api.post("/auth/register", body)
    assert status == 202, answer

    # SES is given the ASCII form; nothing is sent to the Unicode spelling.
    token = confirm_link_token(f"{local}@{PUNYCODE}")
    assert sent_emails(f"{local}@почта.рф") == []
    assert api.post("/auth/confirm", {"token": token})[0] == 200

    # Either spelling signs in; the profile shows the address as it was typed.
    session = login(api, f"{local}@почта.рф")
    assert session["user"]["email"] == f"{local}@почта.рф"
    assert login(api, f"{local}@{PUNYCODE}")["user"]["login"] == body["login"]
    status, me = api.get("/me", token=session["access_token"])
    assert status == 200 and me["email"] == f"{local}@почта.рф"


def test_the_punycode_spelling_is_accepted_and_is_the_same_address(api):
    first = register_and_confirm(api, email=f"a{unique_suffix()}@{PUNYCODE}")
    assert login(api, first["email"])["user"]["email"] == first["email"]

    # The same mailbox in its Cyrillic spelling is taken: the owner is warned, no second account.
    deliver_notifications()
    before = len(sent_emails(first["email"]))
    status, _ = api.post("/auth/register", person_payload(api, email=first["email"].replace(PUNYCODE, "ПОЧТА.РФ")))
    assert status == 202
    deliver_notifications()
    assert [m.subject for m in sent_emails(first["email"])[before:]] == ["Попытка регистрации с Вашими данными"]


def test_an_address_changed_to_a_cyrillic_domain_is_confirmed_there(api):
    user = register_and_confirm(api)
    token = login(api, user["login"])["access_token"]
    local = f"new{unique_suffix()}"
    status, me = api.patch("/me", {"email": f"{local}@почта.рф"}, token=token)
    assert status == 200 and me["pending_email"] == f"{local}@почта.рф"
    deliver_notifications()
    assert sent_emails(f"{local}@{PUNYCODE}"), "the confirmation goes to the ASCII form"


def test_addresses_mail_cannot_reach_are_refused_in_russian_without_echoing_them(api):
    for bad in ("иван@почта.рф", "a@-почта.рф", "a@почта", "a@xn--zz.xn--p1ai", "a@host.test"):
        status, answer = api.post("/auth/register", person_payload(api, email=bad))
        assert status == 422, bad
        assert answer["error"]["fields"] == [{"path": "email", "message": "Неверный адрес электронной почты"}], bad
        assert bad not in str(answer)


def test_stored_ascii_accounts_keep_their_keys_and_sign_in(api):
    # Keys of ASCII addresses are what they always were (the lowercased address): no migration.
    from chalicelib.accounts.identifiers import email_key
    from chalicelib.accounts.repository import UserRepository

    user = register_and_confirm(api, email=f"Old.Style{unique_suffix()}@example.ru")
    stored = UserRepository().find_by_identifier("login", user["login"].lower())
    assert stored.email_key == stored.email.lower() == email_key(stored.email)
    assert login(api, user["email"].upper())["user"]["login"] == user["login"]
