"""The consumer's account journey in a real browser: register (ФЛ) → confirm by the e-mailed link →
sign in → edit the profile and see it kept after a reload; password recovery by the e-mailed code;
the confirmation letter sent again (after registration and from sign-in); registration of a legal
entity; the staff console refusing consumers."""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

PASSWORD = "Svet1ik2024"
NEW_PASSWORD = "Novyi2parol"


@pytest.fixture
def person():
    suffix = secrets.token_hex(4)
    return {
        "login": f"ivanov{suffix}",
        "email": f"ivanov.{suffix}@example.com",
        # Unique per run: a taken phone would get a warning letter instead of the confirmation link.
        "phone": "+79" + "".join(str(secrets.randbelow(10)) for _ in range(9)),
    }


def outbox_messages(page: Page, site_url: str, to: str, channel: str = "email") -> list[dict]:
    response = page.request.get(f"{site_url}/dev/outbox.json")
    assert response.ok, response.status
    return [m for m in response.json()["messages"] if m["channel"] == channel and m["to"] == to]


def wait_for_sms_code(page: Page, site_url: str, phone: str) -> str:
    for _ in range(50):
        for message in outbox_messages(page, site_url, phone, "sms"):
            match = re.search(r"\b(\d{6})\b", message["body"])
            if match:
                return match.group(1)
        page.wait_for_timeout(200)
    raise AssertionError(f"no SMS code to {phone}")


def wait_for_mail(page: Page, site_url: str, to: str, pattern: str, after: int = 0) -> re.Match:
    """The newest e-mail to `to` whose body matches `pattern`, among those beyond the first `after`."""
    for _ in range(50):
        messages = outbox_messages(page, site_url, to)
        fresh = messages[: max(0, len(messages) - after)]
        for message in fresh:
            match = re.search(pattern, message["body"])
            if match:
                return match
        page.wait_for_timeout(200)
    raise AssertionError(f"no e-mail to {to} matching {pattern!r}")


def field(page: Page, name: str):
    return page.locator(f'[name="{name}"]')


def field_error(page: Page, name: str):
    return page.locator(f'[data-field="{name}"] .field-error')


def register(page: Page, site_url: str, person: dict) -> None:
    page.goto(f"{site_url}/#/register")
    expect(page.get_by_role("heading", name="Регистрация")).to_be_visible()
    expect(page.get_by_label("Физическое лицо")).to_be_checked()
    field(page, "last_name").fill("Иванов")
    field(page, "first_name").fill("Иван")
    field(page, "middle_name").fill("Иванович")
    field(page, "snils").fill("112-233-445 96")  # wrong checksum first: the server must say so
    field(page, "login").fill(person["login"])
    field(page, "password").fill(PASSWORD)
    field(page, "password_confirm").fill(PASSWORD)
    field(page, "email").fill(person["email"])
    field(page, "phone").fill(person["phone"])
    field(page, "address.postcode").fill("394000")
    field(page, "address.locality").fill("Воронеж")
    field(page, "address.street").fill("ул. Ленина")
    field(page, "address.house").fill("1")
    field(page, "address.flat").fill("5")

    submit = page.get_by_role("button", name="Зарегистрироваться")
    expect(submit).to_be_disabled()
    expect(page.locator(".consent__text")).not_to_contain_text("Загрузка")
    page.get_by_label("Я даю согласие").check()
    expect(submit).to_be_enabled()

    submit.click()
    expect(field_error(page, "snils")).not_to_be_empty(timeout=30_000)
    expect(page.locator(".form-alert")).to_be_visible()
    # Nothing the user typed is lost when the server rejects the form.
    expect(field(page, "last_name")).to_have_value("Иванов")
    expect(field(page, "address.street")).to_have_value("ул. Ленина")
    expect(field(page, "password")).to_have_value(PASSWORD)

    field(page, "snils").fill("112-233-445 95")
    submit.click()
    expect(page.get_by_text("Проверка, что вы не робот")).to_be_visible()
    expect(page.get_by_role("heading", name="Проверьте почту")).to_be_visible(timeout=30_000)


def sign_in(page: Page, site_url: str, identifier: str, password: str) -> None:
    page.goto(f"{site_url}/#/login")
    field(page, "identifier").fill(identifier)
    field(page, "password").fill(password)
    page.get_by_role("button", name="Войти").click()
    expect(page.get_by_role("heading", name=re.compile("^Здравствуйте"))).to_be_visible()


def register_and_confirm(page: Page, site_url: str, person: dict) -> None:
    """Registration, then the link from the letter opened: the account is confirmed (not signed in)."""
    register(page, site_url, person)
    token = wait_for_mail(page, site_url, person["email"], r"#/confirm\?token=([A-Za-z0-9_\-]+)").group(1)
    page.goto(f"{site_url}/#/confirm?token={token}")
    expect(page.get_by_text("Регистрация завершена")).to_be_visible()


def test_register_confirm_sign_in_and_edit_profile(page: Page, site_url: str, person: dict):
    register_and_confirm(page, site_url, person)
    expect(page.get_by_role("heading", name="Вход в личный кабинет")).to_be_visible()

    sign_in(page, site_url, person["login"], PASSWORD)
    expect(page.get_by_role("heading", name="Здравствуйте, Иван Иванович!")).to_be_visible()
    expect(page.locator(".tile", has_text="Уведомления")).to_be_visible()
    readings = page.locator(".tile--link").filter(has=page.get_by_role("heading", name="Показания", exact=True))
    expect(readings).to_contain_text("Приборов учёта пока нет")
    appeals = page.locator(".tile--link").filter(has=page.get_by_role("heading", name="Обращения", exact=True))
    expect(appeals).to_contain_text("Подача, ход рассмотрения и ответы")
    aiis = page.locator(".tile--link").filter(has=page.get_by_role("heading", name="АИИС КУЭ", exact=True))
    expect(aiis).to_have_attribute("href", "#/aiis")
    expect(page.locator(".usermenu__name")).to_have_text("Иванов И. И.")

    nav = page.get_by_role("navigation", name="Разделы кабинета")
    nav.get_by_role("link", name="Профиль").click()
    expect(page.get_by_role("heading", name="Профиль")).to_be_visible()
    expect(page.locator(".facts")).to_contain_text(person["login"])
    field(page, "passport.series").fill("2011")
    field(page, "passport.number").fill("40545")  # one digit short: the server must say so
    field(page, "passport.issued_by").fill("Отделом УФМС России по Воронежской области")
    field(page, "passport.issued_on").fill("2015-05-20")
    page.get_by_role("button", name="Сохранить", exact=True).click()
    expect(field_error(page, "passport.number")).not_to_be_empty()
    expect(field(page, "passport.issued_by")).to_have_value("Отделом УФМС России по Воронежской области")

    field(page, "passport.number").fill("405454")
    page.get_by_role("button", name="Сохранить", exact=True).click()
    expect(page.get_by_text("Изменения сохранены.")).to_be_visible()

    # A new phone: the code goes by SMS to the new number; until it is typed the old number stays.
    new_phone = "+7912" + person["phone"][5:]
    phone_form = page.get_by_role("form", name="Смена телефона")
    phone_form.locator('[name="phone"]').fill("8 (912) " + person["phone"][5:])
    phone_form.get_by_role("button", name="Получить код").click()
    expect(phone_form.get_by_text("На новый номер отправлен СМС-код")).to_be_visible()
    code = wait_for_sms_code(page, site_url, new_phone)
    phone_form.locator('[name="code"]').fill(f"{(int(code) + 1) % 10**6:06d}")
    phone_form.get_by_role("button", name="Подтвердить номер").click()
    expect(field_error(page, "code")).to_contain_text("Код неверен")
    old = person["phone"]
    expect(phone_form).to_contain_text(f"Текущий номер: +7 {old[2:5]} {old[5:8]}-{old[8:10]}-{old[10:]}")
    phone_form.locator('[name="code"]').fill(code)
    phone_form.get_by_role("button", name="Подтвердить номер").click()
    expect(phone_form.get_by_text("Номер телефона изменён.")).to_be_visible()

    page.reload()
    expect(page.get_by_role("form", name="Смена телефона")).to_contain_text(
        f"Текущий номер: +7 912 {person['phone'][5:8]}-{person['phone'][8:10]}-{person['phone'][10:]}"
    )
    expect(field(page, "passport.series")).to_have_value("2011")
    expect(field(page, "passport.number")).to_have_value("405454")
    expect(field(page, "passport.issued_by")).to_have_value("Отделом УФМС России по Воронежской области")
    expect(field(page, "passport.issued_on")).to_have_value("2015-05-20")

    nav.get_by_role("link", name=re.compile("^Уведомления")).click()
    expect(page.get_by_role("heading", name="Уведомления")).to_be_visible()

    page.get_by_role("button", name="Выйти").click()
    expect(page.get_by_text("Вы вышли из личного кабинета.")).to_be_visible()


def test_password_recovery_by_emailed_code(page: Page, site_url: str, person: dict):
    register_and_confirm(page, site_url, person)

    seen = len(outbox_messages(page, site_url, person["email"]))
    page.get_by_role("link", name="Забыли пароль?").click()
    field(page, "email").fill(person["email"])
    page.get_by_role("button", name="Получить код").click()
    expect(page.get_by_role("heading", name="Новый пароль")).to_be_visible(timeout=30_000)
    expect(field(page, "email")).to_have_value(person["email"])

    code = wait_for_mail(page, site_url, person["email"], r"Код для восстановления пароля: (\d{6})", after=seen)[1]
    wrong = "000000" if code != "000000" else "111111"
    field(page, "code").fill(wrong)
    field(page, "password").fill(NEW_PASSWORD)
    field(page, "password_confirm").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Сменить пароль").click()
    expect(page.locator(".form-alert")).to_contain_text("Код неверен или устарел")
    expect(field(page, "password")).to_have_value(NEW_PASSWORD)

    field(page, "code").fill(code)
    page.get_by_role("button", name="Сменить пароль").click()
    expect(page.get_by_text("Пароль изменён")).to_be_visible()

    field(page, "identifier").fill(person["email"])
    field(page, "password").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    expect(page.locator(".form-alert")).to_contain_text("Неверный логин или пароль")

    field(page, "password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Войти").click()
    expect(page.get_by_role("heading", name="Здравствуйте, Иван Иванович!")).to_be_visible()


def test_login_recovery_sends_the_login_by_mail(page: Page, site_url: str, person: dict):
    register_and_confirm(page, site_url, person)

    seen = len(outbox_messages(page, site_url, person["email"]))
    page.get_by_role("link", name="Забыли логин?").click()
    expect(page.get_by_role("heading", name="Восстановление логина")).to_be_visible()
    page.get_by_role("button", name="Отправить").click()
    expect(field_error(page, "email")).not_to_be_empty()
    field(page, "email").fill(person["email"])
    page.get_by_role("button", name="Отправить").click()
    expect(page.locator(".notice--success")).to_contain_text("письмо с Вашим логином", timeout=30_000)
    assert (
        wait_for_mail(page, site_url, person["email"], r"Ваш логин для входа в личный кабинет: (\S+)", after=seen)[1]
        == person["login"]
    )
    page.get_by_role("link", name="Вернуться ко входу").click()
    expect(page.get_by_role("heading", name="Вход в личный кабинет")).to_be_visible()


def test_confirmation_letter_sent_again_replaces_the_link(page: Page, site_url: str, person: dict):
    confirm_link = r"#/confirm\?token=([A-Za-z0-9_\-]+)"
    register(page, site_url, person)
    first = wait_for_mail(page, site_url, person["email"], confirm_link).group(1)

    # On the page shown after registration: the letter again, then the button rests.
    seen = len(outbox_messages(page, site_url, person["email"]))
    again = page.get_by_role("button", name="Отправить письмо ещё раз")
    again.click()
    expect(page.get_by_text("Ссылки из прежних писем больше не действуют")).to_be_visible(timeout=30_000)
    expect(again).to_be_disabled()
    expect(page.get_by_text(re.compile(r"Отправить письмо ещё раз можно через \d+ с"))).to_be_visible()
    second = wait_for_mail(page, site_url, person["email"], confirm_link, after=seen).group(1)
    assert second != first

    # Sign-in: a wrong password reveals nothing; the right one says the e-mail is unconfirmed and offers the letter.
    page.goto(f"{site_url}/#/login")
    field(page, "identifier").fill(person["email"])
    field(page, "password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Войти").click()
    expect(page.locator(".form-alert")).to_contain_text("Неверный логин или пароль")
    expect(page.get_by_role("button", name="Отправить письмо ещё раз")).to_have_count(0)
    field(page, "password").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    expect(page.locator(".form-alert").first).to_contain_text("Регистрация не завершена")
    seen = len(outbox_messages(page, site_url, person["email"]))
    page.get_by_role("button", name="Отправить письмо ещё раз").click()
    expect(page.get_by_text("Ссылки из прежних писем больше не действуют")).to_be_visible(timeout=30_000)
    latest = wait_for_mail(page, site_url, person["email"], confirm_link, after=seen).group(1)
    assert latest not in (first, second)

    # Only the latest link works; the page of a dead link offers the letter again.
    page.goto(f"{site_url}/#/confirm?token={second}")
    expect(page.get_by_role("alert").filter(has_text="Ссылка недействительна или устарела")).to_be_visible()
    expect(page.get_by_label("Логин, e-mail или телефон")).to_be_visible()
    page.goto(f"{site_url}/#/confirm?token={latest}")
    expect(page.get_by_text("Регистрация завершена")).to_be_visible()
    sign_in(page, site_url, person["login"], PASSWORD)


def test_company_registration_switches_fields(page: Page, site_url: str, person: dict):
    page.goto(f"{site_url}/#/register")
    field(page, "last_name").fill("Иванов")  # typed as ФЛ first: switching the kind must not lose it
    page.get_by_text("Юридическое лицо", exact=True).click()
    expect(field(page, "last_name")).to_be_hidden()
    expect(page.get_by_role("textbox", name="ОГРН", exact=True)).to_be_visible()
    expect(page.get_by_role("textbox", name="КПП", exact=True)).to_be_visible()
    page.get_by_text("Индивидуальный предприниматель", exact=True).click()
    expect(page.get_by_role("textbox", name="ОГРНИП", exact=True)).to_be_visible()
    expect(field(page, "kpp")).to_be_hidden()  # ЮЛ only
    page.get_by_text("Физическое лицо", exact=True).click()
    expect(field(page, "last_name")).to_have_value("Иванов")
    page.get_by_text("Юридическое лицо", exact=True).click()

    field(page, "short_name").fill("ООО «Ромашка»")
    field(page, "full_name").fill("Общество с ограниченной ответственностью «Ромашка»")
    field(page, "inn").fill("7707083893")
    field(page, "kpp").fill("770701001")
    field(page, "ogrn").fill("1027700132195")
    field(page, "head_name").fill("Петров Пётр Петрович")
    field(page, "login").fill(person["login"])
    field(page, "password").fill(PASSWORD)
    field(page, "password_confirm").fill(PASSWORD)
    field(page, "email").fill(person["email"])
    field(page, "phone").fill(person["phone"])
    field(page, "address.postcode").fill("394036")
    field(page, "address.locality").fill("Воронеж")
    field(page, "address.street").fill("ул. Плехановская")
    field(page, "address.house").fill("10")
    page.get_by_label("Я даю согласие").check()
    page.get_by_role("button", name="Зарегистрироваться").click()
    expect(page.get_by_role("heading", name="Проверьте почту")).to_be_visible(timeout=30_000)
    wait_for_mail(page, site_url, person["email"], r"#/confirm\?token=")


def test_staff_console_refuses_consumers(page: Page, site_url: str, demo_accounts: dict, staff_sign_in):
    consumer, staff = demo_accounts["demo"], demo_accounts["staff"]
    page.goto(f"{site_url}/staff.html")
    field(page, "identifier").fill(consumer.login)
    field(page, "password").fill(consumer.password)
    page.get_by_role("button", name="Войти").click()
    # Consumers are not looked up among employees at all: the console knows no such login.
    expect(page.locator(".form-alert")).to_contain_text("Неверный логин или пароль")

    staff_sign_in(page, staff)
    expect(page.get_by_role("navigation", name="Разделы консоли")).to_be_visible()
    expect(page.locator(".usermenu__name")).to_contain_text("Администратор")
    page.get_by_role("link", name="Отключения").click()
    expect(page.get_by_role("heading", name="Отключения", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Новое отключение")).to_be_visible()
    page.get_by_role("link", name="Журнал действий").click()
    expect(page.get_by_role("heading", name="Журнал действий")).to_be_visible()

    # The consumer site keeps its own session: signing in to the console does not sign in there.
    page.goto(f"{site_url}/#/profile")
    expect(page.get_by_role("heading", name="Вход в личный кабинет")).to_be_visible()


def test_moments_are_shown_on_the_company_clock_wherever_the_browser_is(browser, site_url, demo_accounts):
    """A user in Vladivostok reads Moscow times: the company's time zone, from the API's settings. Checked
    on an appeal's status history (the built site: its modules are bundled, not importable one by one)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    context = browser.new_context(locale="ru-RU", timezone_id="Asia/Vladivostok")
    try:
        page = context.new_page()
        company_tz = ZoneInfo(page.request.get(f"{site_url}/api/v1/settings/public").json()["time_zone"])
        demo = demo_accounts["demo"]
        sign_in(page, site_url, demo.login, demo.password)
        page.goto(f"{site_url}/#/appeals")
        page.locator('main a[href*="appeals/appeal?id="]').first.click()
        moments = page.locator("main time[datetime]")
        expect(moments.first).to_be_visible()
        for moment in moments.all():
            at = datetime.fromisoformat(moment.get_attribute("datetime").replace("Z", "+00:00"))
            assert moment.text_content() == f"{at.astimezone(company_tz):%d.%m.%Y, %H:%M}"
        # The browser's own clock says otherwise (Vladivostok is 7 hours ahead of Moscow).
        assert page.evaluate('new Date("2026-01-01T00:00:00Z").getHours()') == 10
    finally:
        context.close()


def test_after_repeated_failures_the_browser_solves_the_challenge_and_signs_in(
    page: Page, site_url: str, demo_accounts: dict, monkeypatch
):
    from chalicelib.core.config import get_settings

    # Two failures of this identifier from anywhere, and every further try needs a proof of work.
    monkeypatch.setenv("KABINET_LOGIN_FAILURES_BEFORE_CHALLENGE", "2")
    get_settings.cache_clear()
    try:
        company = demo_accounts["romashka"]
        answers = []
        page.on("response", lambda r: answers.append(r.status) if r.url.endswith("/auth/login") else None)
        page.goto(f"{site_url}/#/login")
        for _ in range(2):
            field(page, "identifier").fill(company.email)
            field(page, "password").fill("Wrong12345")
            page.get_by_role("button", name="Войти").click()
            expect(page.locator(".form-alert")).to_contain_text("Неверный логин или пароль")
        field(page, "password").fill(company.password)
        page.get_by_role("button", name="Войти").click()
        expect(page.get_by_role("button", name="Выйти")).to_be_visible(timeout=20_000)
        # The server asked for the challenge once; the page answered it without asking the person.
        assert answers[-2:] == [401, 200]
    finally:
        monkeypatch.delenv("KABINET_LOGIN_FAILURES_BEFORE_CHALLENGE")
        get_settings.cache_clear()


def test_behind_an_address_a_stranger_spent_the_owner_still_signs_in(
    page: Page, site_url: str, demo_accounts: dict, monkeypatch
):
    from chalicelib.core.config import get_settings

    # A shared address (CGNAT, an office proxy): after two failures from it, of any logins, every try
    # from it needs a proof of work — not a refusal for everyone behind it.
    monkeypatch.setenv("KABINET_LOGIN_FAILURES_PER_IP", "2")
    get_settings.cache_clear()
    try:
        for n in range(2):
            answer = page.request.post(
                f"{site_url}/api/v1/auth/login", data={"identifier": f"stranger{n}x", "password": "Wrong12345"}
            )
            assert answer.status == 401
        demo = demo_accounts["demo"]
        answers = []
        page.on("response", lambda r: answers.append(r.status) if r.url.endswith("/auth/login") else None)
        page.goto(f"{site_url}/#/login")
        field(page, "identifier").fill(demo.login)
        field(page, "password").fill(demo.password)
        page.get_by_role("button", name="Войти").click()
        expect(page.get_by_role("button", name="Выйти")).to_be_visible(timeout=20_000)
        assert answers == [401, 200]  # asked for the challenge once; the page answered it by itself
    finally:
        monkeypatch.delenv("KABINET_LOGIN_FAILURES_PER_IP")
        get_settings.cache_clear()
