"""Every main page, seen by each role, passes axe-core's WCAG 2.1 A and AA rules.

`visit` runs the audit (and the HTML check); the pages and the status each must
answer are the same list the HTML validity test renders without a browser.
"""

import pytest

from tests.e2e.conftest import log_in, visit
from tests.e2e.pages import PAGES
from tests.e2e.pages import school as school_fixture

school = school_fixture  # the pages' data, as a fixture of this module

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.parametrize("role", list(PAGES), ids=lambda role: role or "anonymous")
def test_each_page_of_each_role_passes_the_accessibility_audit(
    page, live_server, request, password, school, role
):
    if role:
        log_in(page, live_server, request.getfixturevalue(role), password)
    for url, status in PAGES[role]:
        response = visit(page, live_server.url + url.format(**school))
        assert response.status == status, (url, page.inner_text("main")[:300])
