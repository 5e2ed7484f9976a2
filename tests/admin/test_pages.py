"""Every page of the admin loads for the people who run the school, and a longer
list costs no more queries."""

import itertools
from decimal import Decimal

import pytest
from django.contrib.admin import site as admin_site
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils.html import escape

from accounts.models import User
from classrooms.models import Classroom, Enrollment
from grades.models import GradeBand, GradeChange
from tests import factories
from tests.admin.conftest import admin_url, count_queries
from tests.school_calendar import SCHOOL

pytestmark = pytest.mark.django_db

SCHOOL_ADMIN_APPS = ("accounts", "classrooms", "grades")

# The school's own models (and auth's Group); a third-party app's admin, such as
# the task queue's results, is tested on its own below.
REGISTERED_MODELS = sorted(
    (
        model
        for model in admin_site._registry
        if model._meta.app_label in {*SCHOOL_ADMIN_APPS, "auth"}
    ),
    key=lambda model: model._meta.label,
)
READ_ONLY_MODELS = {GradeChange}


# ---------------------------------------------------------------------------
# Every page of the admin loads for the people who run the school


def expected_status(persona, model, action):
    if persona == "admin" and model._meta.app_label not in SCHOOL_ADMIN_APPS:
        # The School admin group covers the school's apps only: auth.Group
        # stays a superuser's tool (the role decides the group).
        return 403
    if action == "add" and model in READ_ONLY_MODELS:
        return 403
    return 200


@pytest.mark.parametrize("staff_client", ["admin", "superuser"], indirect=True)
@pytest.mark.parametrize(
    "model", REGISTERED_MODELS, ids=[m._meta.label for m in REGISTERED_MODELS]
)
@pytest.mark.parametrize("action", ["changelist", "add"])
def test_every_admin_list_and_add_page_loads_for_staff(
    request, staff_client, model, action, school
):
    persona = request.node.callspec.params["staff_client"]
    response = staff_client.get(admin_url(model, action))
    assert response.status_code == expected_status(persona, model, action)
    if action == "changelist" and response.status_code == 200:
        assert response.context["cl"].result_count >= 1


@pytest.mark.parametrize("staff_client", ["admin", "superuser"], indirect=True)
@pytest.mark.parametrize(
    "model", REGISTERED_MODELS, ids=[m._meta.label for m in REGISTERED_MODELS]
)
def test_every_admin_change_page_loads_for_staff(request, staff_client, model, school):
    persona = request.node.callspec.params["staff_client"]
    obj = model._default_manager.first()
    assert obj is not None, f"the school fixture has no {model._meta.label}"
    response = staff_client.get(admin_url(model, "change", obj.pk))
    assert response.status_code == expected_status(persona, model, "change")


def test_the_index_lists_the_school_apps_for_the_admin_role(admin_client_):
    response = admin_client_.get(reverse("admin:index"))
    assert response.status_code == 200
    app_labels = {app["app_label"] for app in response.context["app_list"]}
    assert app_labels == set(SCHOOL_ADMIN_APPS)


@pytest.mark.parametrize("persona", ["teacher", "student"])
def test_teachers_and_students_are_sent_to_the_admin_login(request, client, persona):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


# ---------------------------------------------------------------------------
# Query counts: a longer list costs no more queries


def make_users(n):
    for _ in range(n):
        factories.StudentFactory()


def make_classrooms(n, school_year):
    for _ in range(n):
        classroom = factories.ClassroomFactory(school_year=school_year)
        factories.EnrollmentFactory(classroom=classroom)
        factories.EnrollmentFactory(classroom=classroom, withdrawn_on=SCHOOL.on(1))


def make_enrollments(n, school_year):
    # Students spread over three classrooms (made on the first call only).
    classrooms = list(Classroom.objects.filter(name__startswith="E-"))
    if not classrooms:
        classrooms = [
            factories.ClassroomFactory(name=f"E-{i}", school_year=school_year)
            for i in range(3)
        ]
    for i in range(n):
        factories.EnrollmentFactory(classroom=classrooms[i % 3])


# Queries of one changelist page for a school admin (admin role):
#   1. the logged-in user (the session itself comes from the cache)
#   2. the user's own permissions, 3. the permissions of the user's groups (the
#      School admin group)
#   4. COUNT(*) for the paginator, 5. COUNT(*) without filters, for "N total"
#   6. the page of rows, its relations joined in
#   then one per list filter whose choices come from the database:
#   - User: 7. the classrooms of the classroom filter (school year joined)
#   - Classroom: 7. the school years of the year filter, 8. the distinct grade levels
#   - Enrollment: 7. the school years of the year filter
#   Nothing per row: no query for a teacher, a school year, a student or a count of
#   current students (an annotation).
CHANGELIST_QUERIES = {User: 7, Classroom: 8, Enrollment: 7}


@pytest.mark.parametrize(
    ("model", "make"),
    [
        (User, lambda n, year: make_users(n)),
        (Classroom, make_classrooms),
        (Enrollment, make_enrollments),
    ],
    ids=["user", "classroom", "enrollment"],
)
def test_changelists_cost_the_same_queries_for_3_or_30_rows(
    admin_client_, school_year, django_assert_num_queries, model, make
):
    url = admin_url(model, "changelist")
    make(3, school_year)
    small, response = count_queries(admin_client_, url)
    small_rows = response.context["cl"].result_count
    make(27, school_year)
    large, response = count_queries(admin_client_, url)
    assert response.context["cl"].result_count >= small_rows + 27
    assert small == large
    with django_assert_num_queries(CHANGELIST_QUERIES[model]):
        admin_client_.get(url)


def test_the_classroom_page_costs_the_same_queries_for_3_or_30_students(
    admin_client_, classroom_subject
):
    classroom = classroom_subject.classroom
    url = admin_url(Classroom, "change", classroom.pk)
    for _ in range(3):
        factories.EnrollmentFactory(classroom=classroom)
    small, response = count_queries(admin_client_, url)
    assert "Mathematics" in response.content.decode()
    for _ in range(27):
        factories.EnrollmentFactory(classroom=classroom)
    large, response = count_queries(admin_client_, url)
    enrollments = next(
        f.formset
        for f in response.context["inline_admin_formsets"]
        if f.formset.model is Enrollment
    )
    assert len(enrollments.forms) == 30
    # Each row's autocomplete still shows its student as the selected option,
    # printed from the row's own object instead of a query of its own.
    page = response.content.decode()
    for enrollment in Enrollment.objects.filter(classroom=classroom):
        student = enrollment.student
        option = f'<option value="{student.pk}" selected>{escape(student.full_name)}'
        assert option in page
    assert small == large


_unit_numbers = itertools.count(1)


def grow_school(n):
    """n more of everything the admin lists, each unit with its own relations."""
    for _ in range(n):
        k = next(_unit_numbers)
        year = factories.SchoolYearFactory(name=f"Year {k}")
        classroom_subject = factories.ClassroomSubjectFactory(
            classroom=factories.ClassroomFactory(school_year=year)
        )
        student = factories.StudentFactory()
        factories.EnrollmentFactory(
            student=student, classroom=classroom_subject.classroom
        )
        factories.AdvisingFactory(teacher=classroom_subject.teacher, student=student)
        score = factories.ScoreFactory(
            student=student,
            assessment=factories.AssessmentFactory(
                classroom_subject=classroom_subject,
                archived_at=SCHOOL.at(3, 1, hour=0),
            ),
            updated_by=classroom_subject.teacher,
        )
        term_grade = factories.TermGradeFactory(
            student=student,
            classroom_subject=classroom_subject,
            term=score.assessment.term,
        )
        teacher = classroom_subject.teacher
        GradeChange.objects.create(score=score, changed_by=teacher, reason="typo")
        GradeChange.objects.create(term_grade=term_grade, changed_by=teacher)
        GradeBand.objects.create(letter=f"Z{k}", min_percent=Decimal(f"{k % 80}.5"))
        Group.objects.create(name=f"Group {k}")


@pytest.mark.parametrize(
    "model", REGISTERED_MODELS, ids=[m._meta.label for m in REGISTERED_MODELS]
)
def test_every_changelist_costs_the_same_queries_for_more_rows(
    client, superuser, model
):
    # Whatever a list shows, a longer list runs the same queries (see
    # CHANGELIST_QUERIES for what they are): relations are joined, not fetched
    # row by row. A newly registered model is covered here automatically.
    client.force_login(superuser)
    url = admin_url(model, "changelist")
    grow_school(2)
    small, response = count_queries(client, url)
    small_rows = response.context["cl"].result_count
    grow_school(6)
    large, response = count_queries(client, url)
    assert response.context["cl"].result_count > small_rows
    assert small == large


def test_the_task_queue_results_are_for_superusers_only(client, admin):
    from django_tasks_db.models import DBTaskResult

    url = admin_url(DBTaskResult, "changelist")
    client.force_login(factories.AdminFactory(is_superuser=True))
    assert client.get(url).status_code == 200
    client.force_login(admin)
    assert client.get(url).status_code == 403
