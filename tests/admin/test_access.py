"""Only staff reach the admin: anyone else gets its login page, never data."""

import pytest
from django.urls import reverse

from accounts.models import User
from classrooms.models import Classroom, Enrollment, Term
from grades.models import GradeBand, GradeChange
from tests.admin.conftest import admin_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_urls(student, term):
    return [
        reverse("admin:index"),
        admin_url(User, "changelist"),
        admin_url(User, "change", student.pk),
        admin_url(User, "import"),
        admin_url(User, "export"),
        reverse("admin:accounts_user_grade_history", args=[student.pk]),
        admin_url(Classroom, "changelist"),
        admin_url(Classroom, "change", Classroom.objects.get(name="7A").pk),
        admin_url(Enrollment, "changelist"),
        admin_url(Term, "changelist"),
        admin_url(GradeBand, "changelist"),
        admin_url(GradeChange, "changelist"),
        reverse("admin:autocomplete") + "?app_label=classrooms&model_name=enrollment"
        "&field_name=student",
    ]


@pytest.mark.parametrize("persona", ["teacher", "student", "advisor"])
def test_teachers_and_students_get_the_admin_login_on_every_admin_page(
    client, request, persona, admin_urls
):
    client.force_login(request.getfixturevalue(persona))
    for url in admin_urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("admin:login")), url


def test_anonymous_visitors_are_sent_to_log_in(client, admin_urls):
    # The portal's LoginRequiredMiddleware answers before the admin does.
    logins = (reverse("admin:login"), reverse("login"))
    for url in admin_urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(logins), url


def test_a_teacher_cannot_run_an_admin_action(client, teacher, other_student):
    client.force_login(teacher)
    response = client.post(
        admin_url(User, "changelist"),
        {
            "action": "deactivate_users",
            "_selected_action": [str(other_student.pk)],
            "confirm": "yes",
        },
    )
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    other_student.refresh_from_db()
    assert other_student.is_active


@pytest.mark.parametrize("persona", ["admin", "superuser"])
def test_staff_reach_every_admin_page(client, request, persona, admin_urls):
    client.force_login(request.getfixturevalue(persona))
    for url in admin_urls:
        assert client.get(url).status_code == 200, url
