"""The browser tests' own checks catch what they claim to catch."""

import pytest

from tests.e2e.conftest import _track, save_screenshots, visit

BROKEN = """<!DOCTYPE html><html lang="en"><head><title>Broken</title></head><body>
<main><h1>Broken</h1><form><input type="text" name="q"></form></main></body></html>"""

INVALID = """<!DOCTYPE html><html lang="en"><head><title>Invalid</title></head><body>
<main id="x"><h1 id="x">Invalid</h1></span></main></body></html>"""


@pytest.fixture
def bare_page(browser):
    """A tracked page outside `open_page`: its failed audits are the point."""
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    _track(page)
    yield page
    context.close()


def serve(page, html):
    page.route(
        "http://portal.test/**",
        lambda route: route.fulfill(body=html, content_type="text/html"),
    )


def test_the_audit_fails_on_an_input_without_a_label(bare_page):
    page = bare_page
    serve(page, BROKEN)
    with pytest.raises(AssertionError, match=r"accessibility violations[\s\S]*label"):
        visit(page, "http://portal.test/")
    serve(page, BROKEN.replace('name="q"', 'name="q" aria-label="Search"'))
    visit(page, "http://portal.test/fixed")


def test_the_audit_fails_on_invalid_html(bare_page):
    page = bare_page
    serve(page, INVALID)
    with pytest.raises(AssertionError, match="duplicate id") as excinfo:
        visit(page, "http://portal.test/")
    assert "stray end tag </span>" in str(excinfo.value)
    serve(page, INVALID.replace('<h1 id="x">', "<h1>").replace("</span>", ""))
    visit(page, "http://portal.test/fixed")


def test_a_failure_leaves_a_full_page_screenshot_of_every_open_page(
    open_page, tmp_path
):
    for text in ("first", "second"):
        page = open_page()
        page.set_content(f"<main><h1>{text}</h1></main>")
    paths = save_screenshots("test_it[with params]", tmp_path)
    assert [path.name for path in paths] == [
        "test_it_with_params_.png",
        "test_it_with_params_-2.png",
    ]
    for path in paths:
        assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
