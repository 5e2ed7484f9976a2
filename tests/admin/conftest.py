"""Helpers of the admin tests: URLs, logged-in staff, query counting."""

from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grades.models import GradeBand, GradeChange
from tests import factories


def admin_url(model, action, *args):
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{action}", args=args)


def count_queries(client, url, data=None):
    # A first, unmeasured request fills the process-wide caches (content types)
    # that would otherwise make whichever measurement comes first look dearer.
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
    return factories.AdminFactory(
        full_name="Sam Super", email="sam.super@example.org", is_superuser=True
    )


@pytest.fixture
def admin_client_(client, admin):
    client.force_login(admin)
    return client


@pytest.fixture
def staff_client(request, client):
    """A client logged in as the persona fixture named by the indirect parameter."""
    client.force_login(request.getfixturevalue(request.param))
    return client


@pytest.fixture
def school(student, other_student, classroom_subject, admin):
    """One record of every registered model, so that lists and forms have rows."""
    score = factories.ScoreFactory(
        student=student,
        assessment=factories.AssessmentFactory(classroom_subject=classroom_subject),
    )
    term_grade = factories.TermGradeFactory(
        student=student, classroom_subject=classroom_subject, term=score.assessment.term
    )
    GradeChange.objects.create(score=score, changed_by=admin, after={"points": "15"})
    GradeChange.objects.create(
        term_grade=term_grade, changed_by=admin, after={"override": None}
    )
    GradeBand.objects.get_or_create(letter="A", defaults={"min_percent": Decimal("90")})
    Group.objects.create(name="Unused group")
    return {"score": score, "term_grade": term_grade}
