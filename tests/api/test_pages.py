"""Information pages: public reading, staff editing by role, sanitising, agreement editions, and the
agreement edition recorded at registration."""

from __future__ import annotations

import pytest
from helpers import count_calls, person_payload, register_and_confirm, staff_user


@pytest.fixture(autouse=True)
def fresh_pages(aws):
    """Pages live in one partition: each test starts from the default texts."""
    from chalicelib.pages.repository import AGREEMENT_PK, PAGES_PK, PageItem

    for pk in (PAGES_PK, AGREEMENT_PK):
        for item in PageItem.query(pk):
            item.delete()


def elements(html: str) -> list[tuple[str, str | None]]:
    """(tag, href) of every element of a HTML fragment."""
    from html.parser import HTMLParser

    found: list[tuple[str, str | None]] = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, dict(attrs).get("href")))

    Collector().feed(html)
    return found


def save(api, token, slug, markdown, version, title="Заголовок"):
    return api.call(
        "PUT", f"/staff/pages/{slug}", {"title": title, "markdown": markdown, "version": version}, token=token
    )


def test_pages_are_public_with_defaults_for_every_section(api):
    status, listing = api.get("/pages")
    assert status == 200
    slugs = {p["slug"]: p for p in listing["items"]}
    assert {
        "agreement",
        "contacts",
        "help-accounts",
        "help-readings",
        "help-aiis",
        "help-appeals",
        "help-connection",
        "help-outages",
    } <= set(slugs)
    assert slugs["agreement"]["version"] == 1 and slugs["agreement"]["updated_at"] is None

    with count_calls("dynamodb") as calls:
        status, page = api.get("/pages/help-readings")
    assert calls == ["GetItem"]
    assert status == 200 and page["kind"] == "help" and "<li>" in page["html"] and "markdown" not in page
    status, answer = api.get("/pages/no-such-page")
    assert status == 404 and answer["error"]["message"] == "Такой страницы нет"


def test_an_operator_edits_help_and_the_site_shows_it_sanitised(api):
    operator = staff_user(api, "operator")["token"]
    markdown = (
        "## Как передать показания\n\nОткройте [прибор](#/accounts).\n\n<script>alert(1)</script>\n\n"
        '[ловушка](javascript:alert(1)) и <a href="javascript:alert(2)">ещё</a> [сайт](https://example.ru)'
    )
    status, saved = save(api, operator, "help-readings", markdown, 1, "Помощь: показания")
    assert status == 200 and saved["version"] == 2 and saved["markdown"] == markdown

    status, page = api.get("/pages/help-readings")
    assert status == 200 and page["title"] == "Помощь: показания" and page["version"] == 2
    html = page["html"]
    assert "<h2>Как передать показания</h2>" in html and '<a href="#/accounts"' in html
    assert '<a href="https://example.ru"' in html
    tags = elements(html)
    assert "script" not in {tag for tag, _ in tags}
    assert [href for tag, href in tags if tag == "a"] == ["#/accounts", "https://example.ru"]
    # What was refused stays visible as plain text, so the editor sees it did not become a link.
    assert "&lt;script&gt;" in html

    from chalicelib.core import audit

    [entry] = audit.for_target("page", "help-readings")
    assert entry.action == "pages.save" and entry.details["version"] == 2


def test_the_agreement_and_contacts_are_the_administrators(api):
    operator = staff_user(api, "operator")["token"]
    status, answer = save(api, operator, "agreement", "Новые условия", 1)
    assert status == 403 and answer["error"]["message"] == "Соглашение и контакты изменяет администратор"
    assert save(api, operator, "contacts", "Телефон", 1)[0] == 403
    consumer = register_and_confirm(api)
    from helpers import login

    token = login(api, consumer["login"])["access_token"]
    assert save(api, token, "help-readings", "Текст", 1)[0] == 403
    assert api.get("/staff/pages/help-readings", token=token)[0] == 403
    assert save(api, None, "help-readings", "Текст", 1)[0] == 401


def test_each_save_of_the_agreement_is_a_new_edition_and_old_ones_stay_readable(api):
    admin = staff_user(api, "admin")["token"]
    status, first = api.get("/pages/agreement")
    assert first["version"] == 1
    assert save(api, admin, "agreement", "Редакция вторая", 1, "Пользовательское соглашение")[0] == 200
    assert save(api, admin, "agreement", "Редакция третья", 2, "Пользовательское соглашение")[0] == 200

    status, current = api.get("/pages/agreement")
    assert current["version"] == 3 and "Редакция третья" in current["html"]
    assert api.get("/pages/agreement/versions/2")[1]["html"] == "<p>Редакция вторая</p>\n"
    status, original = api.get("/pages/agreement/versions/1")
    assert status == 200 and original["html"] == first["html"]
    assert api.get("/pages/agreement/versions/4")[0] == 404
    assert api.get("/pages/agreement/versions/x")[0] == 404

    # Someone saving over an edition they did not see is stopped, not silently overwritten.
    status, answer = save(api, admin, "agreement", "Поверх", 2)
    assert status == 409 and api.get("/pages/agreement")[1]["version"] == 3


def test_an_empty_page_is_refused_in_russian(api):
    admin = staff_user(api, "admin")["token"]
    status, answer = save(api, admin, "contacts", "   ", 1)
    assert status == 422 and answer["error"]["fields"][0]["path"] == "markdown"


def test_registration_records_the_agreement_edition_and_refuses_another(api):
    admin = staff_user(api, "admin")["token"]
    assert save(api, admin, "agreement", "Редакция вторая", 1)[0] == 200

    status, answer = api.post(
        "/auth/register", person_payload(api, consent={"accepted": True, "version": "2024-01", "agreement_version": 1})
    )
    assert status == 422
    assert answer["error"]["fields"] == [
        {
            "path": "consent.agreement_version",
            "message": "Пользовательское соглашение обновилось. Ознакомьтесь с новой редакцией",
        }
    ]
    status, answer = api.post("/auth/register", person_payload(api, consent={"accepted": True, "version": "2024-01"}))
    assert status == 422 and answer["error"]["fields"][0]["path"] == "consent.agreement_version"

    body = register_and_confirm(api, consent={"accepted": True, "version": "2024-01", "agreement_version": 2})
    from chalicelib.accounts.repository import UserRepository

    user = UserRepository().find_by_identifier("login", body["login"].lower())
    assert user.consent["agreement_version"] == 2 and user.consent["version"] == "2024-01"
