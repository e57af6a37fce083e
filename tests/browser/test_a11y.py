"""Accessibility (issue 14): every main page of the site and of the console passes axe-core's WCAG 2.1
A and AA rules at 375 px (a phone) and 1280 px; the sections menu shows where it scrolls and is used
from the keyboard; a modal keeps focus inside, closes on Esc and gives focus back."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

# axe-core from the site's npm packages (static-site/package.json), installed by `make site`. Added as an
# init script: it runs in every document without being subject to the page's Content-Security-Policy.
AXE = Path(__file__).resolve().parents[2] / "static-site" / "node_modules" / "axe-core" / "axe.min.js"
WCAG21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
WIDTHS = (375, 1280)

PUBLIC_PAGES = ["#/login", "#/register", "#/forgot", "#/outages", "#/connection/check", "#/connection/calculator"]
CONSUMER_PAGES = [
    "#/",
    "#/accounts",
    "#/accounts/declare",
    "#/readings",
    "#/aiis",
    "#/appeals",
    "#/appeals/new",
    "#/appeals/service",
    "#/connection",
    "#/connection/new",
    "#/notifications",
    "#/profile",
    "#/profile/privacy",
    "#/outages",
]
CONSOLE_SECTIONS = [
    "appeals",
    "service-requests",
    "access",
    "connections",
    "outages",
    "exchange",
    "agents",
    "aiis",
    "reference",
    "pages",
    "users",
    "settings",
    "audit",
    "security",
]


def axe_violations(page: Page) -> list[str]:
    """What axe finds on the page as shown now, one line per rule and element."""
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG21_AA)
    return [f"{v['id']}: {v['help']} — {node['target']}" for v in result["violations"] for node in v["nodes"]]


def cut_cells(page: Page) -> list[str]:
    """Table cells whose text does not fit and is cut (a stacked table on a phone must wrap it)."""
    return page.evaluate("""() => [...document.querySelectorAll("main td, main th")]
        .filter((cell) => cell.clientWidth > 1)  // not the visually hidden headers of a stacked table
        .filter((cell) => cell.scrollWidth > cell.clientWidth + 1)
        .map((cell) => `обрезано: ${cell.textContent.trim()}`)""")


def open_page(page: Page, url: str) -> None:
    page.goto(url)
    # Wait for the view: the boot message gone, the page's heading shown, nothing loading.
    expect(page.locator(".boot")).to_have_count(0)
    expect(page.locator("h1").first).to_be_visible()
    expect(page.locator('[aria-busy="true"]')).to_have_count(0)


def sign_in(page: Page, site_url: str, login: str, password: str) -> None:
    page.goto(f"{site_url}/#/login")
    page.locator('[name="identifier"]').fill(login)
    page.locator('[name="password"]').fill(password)
    page.get_by_role("button", name="Войти").click()
    expect(page.get_by_role("heading", name=re.compile("^Здравствуйте"))).to_be_visible()


@pytest.fixture
def axe_page(page: Page) -> Page:
    page.add_init_script(path=str(AXE))
    return page


@pytest.mark.parametrize("width", WIDTHS)
def test_public_and_consumer_pages_pass_wcag21_aa(axe_page: Page, site_url, demo_accounts, width):
    page = axe_page
    page.set_viewport_size({"width": width, "height": 900})
    found = {}
    for path in PUBLIC_PAGES:
        open_page(page, f"{site_url}/{path}")
        found[path] = axe_violations(page)
    demo = demo_accounts["demo"]
    sign_in(page, site_url, demo.login, demo.password)
    for path in CONSUMER_PAGES:
        open_page(page, f"{site_url}/{path}")
        found[f"{path} (вход выполнен)"] = axe_violations(page) + cut_cells(page)
    assert {path: lines for path, lines in found.items() if lines} == {}


@pytest.mark.parametrize("width", WIDTHS)
def test_console_pages_pass_wcag21_aa(axe_page: Page, site_url, demo_accounts, staff_sign_in, width):
    page = axe_page
    page.set_viewport_size({"width": width, "height": 900})
    open_page(page, f"{site_url}/staff.html")
    found = {"вход": axe_violations(page)}
    staff_sign_in(page, demo_accounts["staff"])
    for section in CONSOLE_SECTIONS:
        open_page(page, f"{site_url}/staff.html#/{section}")
        found[section] = axe_violations(page)
    assert {section: lines for section, lines in found.items() if lines} == {}


@pytest.mark.parametrize("width", WIDTHS)
def test_every_section_of_the_menu_is_in_sight_or_marked_as_scrolled_away(page: Page, site_url, demo_accounts, width):
    page.set_viewport_size({"width": width, "height": 900})
    demo = demo_accounts["demo"]
    sign_in(page, site_url, demo.login, demo.password)
    nav = page.get_by_role("navigation", name="Разделы кабинета")
    profile = nav.get_by_role("link", name="Профиль")
    if width >= 1280:
        # On a computer every section fits: «Профиль» is not cut off.
        expect(profile).to_be_in_viewport(ratio=1)
        expect(nav).to_have_attribute("data-more", "")
    else:
        # On a phone the strip scrolls: an arrow marks the side where sections are out of sight.
        expect(nav).to_have_attribute("data-more", "right")
        assert nav.evaluate("n => getComputedStyle(n, '::after').display") == "flex"
        # From the keyboard: Tab walks the sections, each one scrolled into sight as it gets focus.
        nav.get_by_role("link", name="Главная").focus()
        for _ in range(8):
            page.keyboard.press("Tab")
        expect(profile).to_be_focused()
        expect(profile).to_be_in_viewport(ratio=1)
        expect(nav).to_have_attribute("data-more", "left")
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", name="Профиль", level=1)).to_be_visible()


def test_the_console_sections_on_a_phone_show_where_they_scroll(page: Page, site_url, demo_accounts, staff_sign_in):
    page.set_viewport_size({"width": 375, "height": 900})
    staff_sign_in(page, demo_accounts["staff"], "#/appeals")
    sections = page.get_by_role("navigation", name="Разделы консоли").get_by_role("list")
    expect(sections).to_have_attribute("data-more", "right")
    assert sections.evaluate("n => getComputedStyle(n, '::after').display") == "flex"
    sections.evaluate("n => { n.scrollLeft = n.scrollWidth; n.dispatchEvent(new Event('scroll')); }")
    expect(sections).to_have_attribute("data-more", "left")


def test_a_modal_keeps_focus_inside_closes_on_escape_and_gives_focus_back(page: Page, site_url, demo_accounts):
    demo = demo_accounts["demo"]
    sign_in(page, site_url, demo.login, demo.password)
    page.goto(f"{site_url}/#/outages")
    opener = page.locator(".subscriptions").get_by_role("button", name="Отписаться").first
    opener.click()
    dialog = page.get_by_role("dialog", name="Отписаться от SMS?")
    expect(dialog).to_be_visible()
    expect(dialog).to_have_attribute("aria-modal", "true")
    confirm = dialog.get_by_role("button", name="Отписаться")
    cancel = dialog.get_by_role("button", name="Отмена")
    expect(confirm).to_be_focused()
    # Tab and Shift+Tab go round the dialog's buttons, never to the page behind it.
    page.keyboard.press("Tab")
    expect(cancel).to_be_focused()
    page.keyboard.press("Tab")
    expect(confirm).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(cancel).to_be_focused()
    # The page behind is hidden from assistive technology while the question is open.
    assert page.evaluate("document.querySelector('main').closest('[aria-hidden=true]') !== null")
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(opener).to_be_focused()
    assert page.evaluate("document.querySelector('main').closest('[aria-hidden=true]') === null")
    # Esc answered «no»: the subscription is still there.
    expect(opener).to_be_visible()
