"""Every main page, for every role, is valid HTML: unique ids, balanced tags.

The browser tests run the same check on the pages they visit; this one needs no
browser and covers each role's pages, error pages and a grid refused with errors.
"""

import pytest

from tests.e2e.html_check import html_problems
from tests.e2e.pages import PAGES
from tests.e2e.pages import school as school_fixture

school = school_fixture  # the pages' data, as a fixture of this module

CASES = [
    pytest.param(role, url, status, id=f"{role or 'anonymous'}:{url}")
    for role, pages in PAGES.items()
    for url, status in pages
]


@pytest.mark.parametrize(("role", "url", "status"), CASES)
def test_each_page_is_valid_html(client, request, school, role, url, status):
    if role:
        client.force_login(request.getfixturevalue(role))
    response = client.get(url.format(**school))
    assert response.status_code == status
    assert html_problems(response.content.decode()) == []


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_refused_grid_with_cell_errors_is_valid_html(
    client, teacher, school, student, language
):
    teacher.language = language
    teacher.save(update_fields=["language"])
    client.force_login(teacher)
    key = f"{student.pk}-{school['quiz']}"
    response = client.post(
        "/classrooms/{c}/gradebook/?subject={cs}&term={term}".format(**school),
        {f"c-{key}": "25", f"o-{key}": "15", f"v-{key}": "1"},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert f'id="e-{key}"' in html
    assert html_problems(html) == []


def test_the_check_finds_duplicate_ids_and_stray_end_tags():
    html = '<main id="x"><p id="x">text</span></p><div><em></div></main>'
    assert html_problems(html) == [
        'line 1: duplicate id "x" (first on line 1)',
        "line 1: stray end tag </span>",
        "line 1: </div> closes <em> opened on line 1",
    ]


def test_the_check_accepts_optional_end_tags_and_svg():
    html = (
        "<ul><li>one<li>two</ul><table><tr><td>1<td>2</table>"
        '<svg viewBox="0 0 1 1"><rect width="1" height="1"/></svg><br><img alt="">'
    )
    assert html_problems(html) == []
