"""Helpers of the admin tests: URLs, logged-in staff, query counting."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse


def admin_url(model, action, *args):
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{action}", args=args)


def count_queries(client, url, data=None):
    # A first, unmeasured request fills the process-wide caches (content types).
    client.get(url, data)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, data)
    assert response.status_code == 200
    return len(queries), response


def run_action(client, model, action, objects, confirm=None, url_query=""):
    """Post an admin action; with `confirm` (a dict), confirm it on its page."""
    data = {"action": action, ACTION_CHECKBOX_NAME: [str(o.pk) for o in objects]}
    if confirm is not None:
        data.update({"confirm": "yes", **confirm})
    return client.post(admin_url(model, "changelist") + url_query, data)


@pytest.fixture
def superuser(db):
    from tests import factories

    return factories.AdminFactory(
        full_name="Sam Super", email="sam.super@example.org", is_superuser=True
    )


@pytest.fixture
def admin_client_(client, admin):
    client.force_login(admin)
    return client
