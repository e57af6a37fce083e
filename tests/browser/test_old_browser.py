"""The browsers of seed 004 (Chrome 62+, Firefox 54+, Safari 11+, Yandex Browser 19.3+, Opera 53+), issue 14:
every script the pages load parses as an ES2017 classic script (the browser check as ES5), and a browser
too old for the site is told which browsers work instead of being left on «Загрузка…»."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

SITE_PACKAGE = Path(__file__).resolve().parents[2] / "static-site"
# Loaded later by the pages themselves: Chart.js on the АИИС pages, the proof-of-work worker at sign-in.
LOADED_ON_DEMAND = ["vendor/chartjs/chart.umd.min.js", "assets/js/pow-worker.js"]
BROWSERS = ("Google Chrome 62", "Mozilla Firefox 54", "Safari 11", "Яндекс Браузер 19.3", "Opera 53")

# acorn (the parser ESLint uses), from the site's npm packages: which of the given files do not parse?
_PARSE = """
const acorn = require("acorn");
const failed = {};
for (const [name, version] of Object.entries(JSON.parse(process.argv[1]))) {
  const text = require("fs").readFileSync(name, "utf8");
  try { acorn.parse(text, { ecmaVersion: version, sourceType: "script" }); }
  catch (error) { failed[name] = String(error.message); }
}
console.log(JSON.stringify(failed));
"""


def parse_failures(files: dict[Path, int]) -> dict[str, str]:
    out = subprocess.run(
        ["node", "-e", _PARSE, json.dumps({str(k): v for k, v in files.items()})],
        cwd=SITE_PACKAGE,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def test_every_script_the_pages_load_parses_as_es2017(page: Page, site_url, tmp_path):
    scripts = set(LOADED_ON_DEMAND)
    for html in ("index.html", "staff.html", "docs.html"):
        body = page.request.get(f"{site_url}/{html}").text()
        assert 'type="module"' not in body, html
        scripts.update(re.findall(r'<script[^>]*\ssrc="([^"]+)"', body))
    assert {"assets/js/app.js", "assets/js/staff.js", "assets/js/supported.js"} <= scripts
    files = {}
    for index, src in enumerate(sorted(scripts)):
        response = page.request.get(f"{site_url}/{src}")
        assert response.ok, src
        target = tmp_path / f"{index}-{Path(src).name}"
        target.write_bytes(response.body())
        # The check must run where nothing newer does.
        files[target] = 5 if src.endswith("supported.js") else 2017
    assert parse_failures(files) == {}


def test_the_parse_check_does_catch_newer_syntax(tmp_path):
    newer = tmp_path / "newer.js"
    newer.write_text("const a = window.x?.y ?? 1n;")
    assert list(parse_failures({newer: 2017})) == [str(newer)]


@pytest.mark.parametrize("html", ["", "staff.html"])
def test_a_browser_too_old_is_told_which_browsers_work(page: Page, site_url, html):
    # What such a browser lacks (Object.entries and padStart came with ES2017, Safari 10.1 / Chrome 54).
    page.add_init_script("delete Object.entries; delete String.prototype.padStart;")
    page.goto(f"{site_url}/{html}")
    message = page.get_by_role("alert")
    expect(message).to_contain_text("Ваш браузер устарел")
    for browser in BROWSERS:
        expect(message).to_contain_text(browser)
    expect(page.get_by_text("Загрузка…")).to_have_count(0)
    # The application did not start over the message.
    page.wait_for_timeout(500)
    expect(page.locator("main")).to_have_count(0)


def test_a_supported_browser_gets_the_site_without_the_message(page: Page, site_url):
    page.goto(f"{site_url}/#/login")
    expect(page.get_by_role("heading", name="Вход", level=1)).to_be_visible()
    expect(page.get_by_text("Ваш браузер устарел")).to_have_count(0)
