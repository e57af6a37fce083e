"""Registration, confirmation and the no-enumeration promise, through the HTTP API."""

from __future__ import annotations

from helpers import confirm_link_token, deliver_notifications, login, person_payload, register_and_confirm, sent_emails


def test_person_registers_confirms_by_link_and_signs_in(api):
    body = person_payload(api)
    status, answer = api.post("/auth/register", body)
    assert status == 202 and "письмо" in answer["message"]

    # Before confirmation the correct password is recognised but entry is refused.
    status, answer = api.post("/auth/login", {"identifier": body["login"], "password": body["password"]})
    assert status == 401 and answer["error"]["code"] == "not_confirmed"

    token = confirm_link_token(body["email"])
    assert api.post("/auth/confirm", {"token": token})[0] == 200
    # The link is single-use.
    status, answer = api.post("/auth/confirm", {"token": token})
    assert status == 400 and answer["error"]["code"] == "link_invalid"

    session = login(api, body["login"])
    assert session["user"]["kind"] == "person" and session["user"]["snils"] == "112-233-445 95"
    assert session["user"]["email_confirmed"] is True


def test_entrepreneur_and_company_register_with_their_own_fields(api):
    org = {
        "short_name": "ИП Петров",
        "full_name": "Индивидуальный предприниматель Петров П. П.",
        "head_name": "Петров Пётр Петрович",
    }
    for kind, inn, ogrn, kpp in (
        ("entrepreneur", "500100732259", "304500116000157", None),
        ("company", "7707083893", "1027700132195", "7707 01 001"),
    ):
        body = person_payload(api, kind=kind, inn=inn, ogrn=ogrn, **org, **({"kpp": kpp} if kpp else {}))
        for field in ("last_name", "first_name", "middle_name", "snils"):
            body.pop(field)
        status, answer = api.post("/auth/register", body)
        assert status == 202, answer
        api.post("/auth/confirm", {"token": confirm_link_token(body["email"])})
        user = login(api, body["email"])["user"]
        assert (user["kind"], user["inn"], user["ogrn"], user["snils"]) == (kind, inn, ogrn, None)
        assert user["kpp"] == ("770701001" if kind == "company" else None)


def company_payload(api, **overrides):
    company = {
        "kind": "company",
        "inn": "7707083893",
        "ogrn": "1027700132195",
        "short_name": "ООО «Ромашка»",
        "full_name": "Общество с ограниченной ответственностью «Ромашка»",
        "head_name": "Петров Пётр Петрович",
        "kpp": "770701001",
    }
    body = person_payload(api, **{**company, **overrides})
    for field in ("last_name", "first_name", "middle_name", "snils"):
        body.pop(field)
    return body


def test_a_company_must_give_a_valid_kpp_and_only_a_company_has_one(api):
    body = company_payload(api)
    body.pop("kpp")
    status, answer = api.post("/auth/register", body)
    assert status == 422 and answer["error"]["fields"] == [{"path": "kpp", "message": "Обязательное поле"}]
    for wrong in ("77070100", "7707-01-0011", "7707аб001", "77AB01001"):
        status, answer = api.post("/auth/register", company_payload(api, kpp=wrong))
        assert status == 422, wrong
        assert [f["path"] for f in answer["error"]["fields"]] == ["kpp"], wrong
        assert wrong not in str(answer)
    status, _ = api.post("/auth/register", company_payload(api, kpp="7707ab001"))  # reason code in Latin letters
    assert status == 202
    person = person_payload(api, kpp="770701001")
    status, answer = api.post("/auth/register", person)
    assert status == 422 and answer["error"]["fields"] == [
        {"path": "body", "message": "В запросе есть поля, которые не предусмотрены"}
    ]


def test_a_weak_password_is_reported_on_its_field(api):
    """Registration, reset by code and change in the profile: the error names the password field."""
    for password, message in (
        ("short1", "Пароль должен содержать не менее 8 символов"),
        ("onlyletters", "Пароль должен содержать буквы и цифры"),
    ):
        status, answer = api.post("/auth/register", person_payload(api, password=password))
        assert status == 422 and answer["error"]["fields"] == [{"path": "password", "message": message}]
    body = person_payload(api)
    body["password"] = body["login"] + "123"
    status, answer = api.post("/auth/register", body)
    assert status == 422 and answer["error"]["fields"] == [
        {"path": "password", "message": "Пароль не должен содержать логин"}
    ]
    company = company_payload(api, password="short1")
    status, answer = api.post("/auth/register", company)
    assert status == 422 and [f["path"] for f in answer["error"]["fields"]] == ["password"]

    user = register_and_confirm(api)
    status, answer = api.post("/auth/password/reset", {"email": user["email"], "code": "123456", "password": "short1"})
    assert status == 422 and answer["error"]["fields"] == [
        {"path": "password", "message": "Пароль должен содержать не менее 8 символов"}
    ]
    token = login(api, user["login"])["access_token"]
    status, answer = api.post("/me/password", {"old_password": user["password"], "new_password": "short1"}, token=token)
    assert status == 422 and answer["error"]["fields"] == [
        {"path": "new_password", "message": "Пароль должен содержать не менее 8 символов"}
    ]


def test_consent_version_and_time_are_recorded(api, aws):
    body = register_and_confirm(api)
    from chalicelib.accounts.repository import UserRepository

    user = UserRepository().find_by_identifier("login", body["login"].lower())
    assert user.consent["version"] == "2024-01" and user.consent["accepted_at"].endswith("Z")


def test_taken_login_is_reported_on_the_field(api):
    first = register_and_confirm(api)
    status, answer = api.post("/auth/register", person_payload(api, login=first["login"].upper()))
    assert status == 409
    assert answer["error"]["fields"] == [{"path": "login", "message": "Этот логин уже занят, выберите другой"}]


def test_taken_email_answers_like_success_and_warns_the_owner(api):
    first = register_and_confirm(api)
    deliver_notifications()
    before = len(sent_emails(first["email"]))
    status, answer = api.post(
        "/auth/register", person_payload(api, email=first["email"].upper().replace("@EXAMPLE.RU", "@example.ru"))
    )
    assert status == 202 and "письмо" in answer["message"]
    deliver_notifications()
    warnings = sent_emails(first["email"])[before:]
    assert [m.subject for m in warnings] == ["Попытка регистрации с Вашими данными"]


def test_bot_protection_is_required_and_single_use(api):
    body = person_payload(api)
    body["pow"] = {"challenge": body["pow"]["challenge"], "nonce": "0"}
    status, answer = api.post("/auth/register", body)
    # nonce 0 may by chance solve an easy challenge; a forged challenge never does
    body["pow"] = {"challenge": "1.2.3.forged", "nonce": "1"}
    status, answer = api.post("/auth/register", body)
    assert status == 400 and answer["error"]["code"] == "captcha_failed"

    body = person_payload(api)
    assert api.post("/auth/register", body)[0] == 202
    replay = person_payload(api, pow=body["pow"])
    status, answer = api.post("/auth/register", replay)
    assert status == 400 and answer["error"]["code"] == "captcha_failed"


def test_invalid_fields_get_russian_messages_and_nothing_is_stored(api):
    body = person_payload(api, snils="112-233-445 96", phone="12")
    status, answer = api.post("/auth/register", body)
    assert status == 422
    paths = {f["path"]: f["message"] for f in answer["error"]["fields"]}
    assert paths == {"snils": "Неверная контрольная сумма СНИЛС", "phone": "Телефон в формате +7 900 123-45-67"}
    assert "112-233-445 96" not in str(answer)
    status, _ = api.post("/auth/login", {"identifier": body["login"], "password": body["password"]})
    assert status == 401


def test_malformed_bodies_never_cause_a_server_error(api):
    for raw in (b"{", b"[]", b"null", b"\xff\xfe", b'"text"', b'{"kind": null}'):
        status, answer = api.call("POST", "/auth/register", raw=raw)
        assert status in (400, 422), raw
        assert answer["error"]["message"]
    status, answer = api.post("/auth/login", {"identifier": "x" * 10_000, "password": "p"})
    assert status == 422


def test_consent_text_is_served_with_its_version(api):
    status, answer = api.get("/auth/consent")
    assert status == 200 and answer["version"] == "2024-01" and "152-ФЗ" in answer["text"]


def test_outdated_consent_version_is_refused(api):
    status, answer = api.post(
        "/auth/register", person_payload(api, consent={"accepted": True, "version": "2019-01", "agreement_version": 1})
    )
    assert status == 422 and answer["error"]["fields"][0]["path"] == "consent.version"


def test_registration_is_rate_limited_per_client_address(api, settings_override):
    settings_override(auth_requests_per_ip=1, auth_window_seconds=3600)
    statuses = [api.post("/auth/register", person_payload(api))[0] for _ in range(2)]
    # The window may already hold earlier tests' requests from the same test-client address.
    assert statuses[-1] == 429
    status, answer = api.post("/auth/register", person_payload(api))
    assert status == 429 and answer["error"]["code"] == "rate_limited"
    assert "Повторите позже" in answer["error"]["message"]


def test_client_address_comes_from_the_configured_header_behind_cloudfront(api, settings_override):
    settings_override(auth_requests_per_ip=1, auth_window_seconds=3600, client_ip_header="X-Kabinet-Viewer-Ip")
    first = api.post("/auth/register", person_payload(api), headers={"X-Kabinet-Viewer-Ip": "203.0.113.7"})
    other = api.post("/auth/register", person_payload(api), headers={"X-Kabinet-Viewer-Ip": "203.0.113.8"})
    again = api.post("/auth/register", person_payload(api), headers={"X-Kabinet-Viewer-Ip": "203.0.113.7"})
    assert (first[0], other[0], again[0]) == (202, 202, 429)
