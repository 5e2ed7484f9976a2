"""Browser tests: Playwright drives Debian's Chromium against a live server.

Playwright cannot download its own browsers here, so the system Chromium is launched
by path (CHROMIUM_PATH, default /usr/bin/chromium), headless, with the background
networking that a closed network would refuse turned off.

Every page a test loads is audited before the test moves on: the HTML the server
sent must be valid (`html_check`) and axe-core must find no WCAG 2.1 A/AA violation
(on `/admin/` pages, none beyond the stock admin's baseline). Pages are opened with
`open_page` and loaded with `visit` or `follow`, which audit; a page load that was
never audited fails the test at teardown. A failed test leaves a full-page
screenshot of every open page in `test-artifacts/e2e/`.
"""

import os
import re
import shutil
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.e2e.html_check import html_problems

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests
# make to set up and check data are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

ASSETS = Path(__file__).with_name("assets")
AXE_SCRIPT = ASSETS / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
ADMIN_BASELINE = frozenset(
    line.strip()
    for line in (ASSETS / "admin_axe_baseline.txt").read_text().splitlines()
    if line.strip() and not line.startswith("#")
)

_open_contexts = []


@dataclass
class _Loads:
    """The documents a page has loaded, and which of them were audited."""

    responses: list = field(default_factory=list)
    audited: set = field(default_factory=set)

    def unaudited(self):
        return [
            response.url
            for index, response in enumerate(self.responses)
            if index not in self.audited
        ]


# Dropped with their pages.
_loads = weakref.WeakKeyDictionary()


def _track(page):
    loads = _loads[page] = _Loads()

    def on_response(response):
        if (
            response.request.resource_type == "document"
            and response.frame == page.main_frame
            and not 300 <= response.status < 400
        ):
            loads.responses.append(response)

    page.on("response", on_response)


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.skip(f"needs Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS
        )
        yield browser
        browser.close()


@pytest.fixture
def open_page(browser, request):
    """Opens a page in a browser context of its own (one person, one browser).

    The context bypasses the portal's Content-Security-Policy only so that axe-core
    can be injected; the portal's own pages run no inline script either way.
    """
    contexts = []

    def open_page(**options):
        options.setdefault("viewport", {"width": 1280, "height": 900})
        context = browser.new_context(bypass_csp=True, **options)
        contexts.append(context)
        _open_contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(30_000)
        _track(page)
        return page

    yield open_page
    report = getattr(request.node, "e2e_report", None)
    passed = report is not None and report.passed
    unaudited = [
        url
        for context in contexts
        for page in context.pages
        for url in _loads.get(page, _Loads()).unaudited()
    ]
    for context in contexts:
        _open_contexts.remove(context)
        context.close()
    if passed and unaudited:
        pytest.fail(f"pages loaded but never audited: {unaudited}", pytrace=False)


@pytest.fixture
def page(open_page):
    return open_page()


@pytest.fixture
def phone(open_page):
    return open_page(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )


def audit(page):
    """Check the page as it is now: its HTML (once per load) and axe-core's rules."""
    page.wait_for_load_state("load")
    loads = _loads[page]
    if loads.responses:
        index = len(loads.responses) - 1
        if index not in loads.audited:
            response = loads.responses[index]
            problems = html_problems(response.body().decode())
            assert not problems, f"invalid HTML at {response.url}: {problems}"
            loads.audited.add(index)
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE_SCRIPT))
    results = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        AXE_TAGS,
    )
    allowed = ADMIN_BASELINE if urlsplit(page.url).path.startswith("/admin/") else ()
    violations = [v for v in results["violations"] if v["id"] not in allowed]
    assert not violations, f"accessibility violations at {page.url}:\n" + "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}: "
        + "; ".join(
            f"{node['target']} {node.get('failureSummary', '')}"
            for node in v["nodes"][:5]
        )
        for v in violations
    )


def visit(page, url):
    """Go to `url` and audit the page; returns the response."""
    response = page.goto(url)
    audit(page)
    return response


def follow(page, action):
    """Run `action` (a click, a key press) that loads a new page, then audit it."""
    with page.expect_navigation():
        action()
    audit(page)


def log_in(page, live_server, user, password):
    visit(page, f"{live_server.url}/accounts/login/")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(password)
    follow(page, lambda: page.keyboard.press("Enter"))


def save_screenshots(name, directory):
    """A full-page PNG of every open page, as `<name>.png`, `<name>-2.png`, ..."""
    from playwright.sync_api import Error as PlaywrightError

    stem = re.sub(r"[^\w.-]+", "_", name)
    pages = [page for context in _open_contexts for page in context.pages]
    if pages:
        directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for number, page in enumerate(pages, start=1):
        path = directory / (f"{stem}.png" if number == 1 else f"{stem}-{number}.png")
        try:
            page.screenshot(path=str(path), full_page=True)
        except PlaywrightError:
            continue  # a crashed page must not hide the test's own failure
        paths.append(path)
    return paths


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.e2e_report = report
        if report.failed:
            directory = item.config.rootpath / "test-artifacts" / "e2e"
            for path in save_screenshots(item.name, directory):
                report.sections.append(("e2e screenshot", str(path)))
    return report
