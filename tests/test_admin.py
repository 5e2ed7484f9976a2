"""The Django admin, as the school secretary (admin role) and a superuser use it."""

import itertools
from decimal import Decimal

import pytest
from django.contrib.admin import site as admin_site
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from accounts.events import DEACTIVATED
from accounts.models import Role, User
from classrooms.models import Classroom, ClassroomSubject, Enrollment, SchoolYear
from grades.models import GradeBand, GradeChange, Score, ScoreState
from school import audit
from school.audit import AuditEvent, Channel
from tests import factories
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
STRONG_PASSWORD = "a-long-and-unusual-passphrase-42"


def admin_url(model, action, *args):
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{action}", args=args)


def management_form(prefix, total, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def count_queries(client, url):
    # A first, unmeasured request fills the process-wide caches (content types)
    # that would otherwise make whichever measurement comes first look dearer.
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


@pytest.fixture
def superuser(db):
    return factories.AdminFactory(
        full_name="Sam Super", email="sam.super@example.org", is_superuser=True
    )


@pytest.fixture
def staff_client(request, client):
    """A client logged in as the persona fixture named by the indirect parameter."""
    client.force_login(request.getfixturevalue(request.param))
    return client


@pytest.fixture
def admin_role_client(client, admin):
    client.force_login(admin)
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


def test_the_index_lists_the_school_apps_for_the_admin_role(admin_role_client):
    response = admin_role_client.get(reverse("admin:index"))
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
# Classrooms, with their subjects and students inline


def classroom_post(school_year, teacher, subject, student):
    return {
        "school_year": str(school_year.pk),
        "name": "9Z",
        "grade_level": "9",
        "teacher": str(teacher.pk),
        **management_form("subjects", 1),
        "subjects-0-subject": str(subject.pk),
        "subjects-0-teacher": "",
        **management_form("enrollments", 1),
        "enrollments-0-student": str(student.pk),
        "enrollments-0-enrolled_on": str(SCHOOL.year_start),
        "enrollments-0-withdrawn_on": "",
        "_save": "Save",
    }


def test_the_admin_creates_a_classroom_with_a_subject_and_an_enrollment(
    admin_role_client, school_year, teacher, other_student
):
    subject = factories.SubjectFactory(name="History")
    response = admin_role_client.post(
        admin_url(Classroom, "add"),
        classroom_post(school_year, teacher, subject, other_student),
    )
    assert response.status_code == 302
    classroom = Classroom.objects.get(name="9Z", school_year=school_year)
    assert classroom.teacher == teacher
    enrollment = Enrollment.objects.get(classroom=classroom)
    assert enrollment.student == other_student
    assert enrollment.enrolled_on == SCHOOL.year_start
    taught = ClassroomSubject.objects.get(classroom=classroom)
    # An empty subject teacher defaults to the homeroom teacher.
    assert (taught.subject, taught.teacher) == (subject, teacher)


def test_it_rejects_enrolling_a_teacher_in_the_classroom_admin(
    admin_role_client, school_year, teacher, other_teacher
):
    subject = factories.SubjectFactory(name="History")
    response = admin_role_client.post(
        admin_url(Classroom, "add"),
        classroom_post(school_year, teacher, subject, other_teacher),
    )
    assert response.status_code == 200
    enrollment_formset = next(
        f.formset
        for f in response.context["inline_admin_formsets"]
        if f.formset.model is Enrollment
    )
    assert enrollment_formset.errors[0]["student"] == [
        "Choose a user with the student role."
    ]
    assert "Choose a user with the student role." in response.content.decode()
    assert not Classroom.objects.filter(name="9Z").exists()
    assert not ClassroomSubject.objects.filter(subject=subject).exists()


def test_it_rejects_a_homeroom_teacher_without_the_teacher_role(
    admin_role_client, school_year, other_student
):
    subject = factories.SubjectFactory(name="History")
    data = classroom_post(school_year, other_student, subject, other_student)
    response = admin_role_client.post(admin_url(Classroom, "add"), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["teacher"] == [
        "Choose a user with the teacher role."
    ]
    assert not Classroom.objects.filter(name="9Z").exists()


def test_it_rejects_a_duplicate_enrollment_in_the_enrollment_admin(
    admin_role_client, student, classroom
):
    response = admin_role_client.post(
        admin_url(Enrollment, "add"),
        {
            "student": str(student.pk),
            "classroom": str(classroom.pk),
            "enrolled_on": str(SCHOOL.on(0, 2)),
            "withdrawn_on": "",
        },
    )
    assert response.status_code == 200
    assert "This student is already enrolled in this classroom." in str(
        response.context["adminform"].form.errors
    )
    assert Enrollment.objects.filter(student=student).count() == 1


def test_the_classroom_list_counts_current_students_only(admin_role_client, student):
    classroom = Classroom.objects.get(name="7A")
    factories.EnrollmentFactory(classroom=classroom, withdrawn_on=SCHOOL.on(1))
    factories.EnrollmentFactory(classroom=classroom)
    empty = factories.ClassroomFactory(name="7B", school_year=classroom.school_year)
    # Column 5, descending: the fuller classroom first.
    response = admin_role_client.get(admin_url(Classroom, "changelist"), {"o": "-5"})
    rows = list(response.context["cl"].result_list)
    assert [(r.pk, r.current_students) for r in rows] == [
        (classroom.pk, 2),
        (empty.pk, 0),
    ]
    assert "current students" in response.content.decode().lower()


# ---------------------------------------------------------------------------
# School years and terms


def test_it_rejects_a_term_outside_its_new_school_year(admin_role_client):
    response = admin_role_client.post(
        admin_url(SchoolYear, "add"),
        {
            "name": SCHOOL.shifted(4).name,
            "starts_on": str(SCHOOL.shifted(4).year_start),
            "ends_on": str(SCHOOL.shifted(4).year_end),
            **management_form("terms", 1),
            "terms-0-name": "Autumn",
            "terms-0-starts_on": str(SCHOOL.shifted(4).year_start),
            "terms-0-ends_on": str(SCHOOL.shifted(4).last_day(11)),
        },
    )
    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert "must lie inside its school year" in str(formset.errors[0]["ends_on"])
    assert not SchoolYear.objects.filter(name=SCHOOL.shifted(4).name).exists()


def test_it_rejects_a_term_outside_an_existing_school_year(
    admin_role_client, school_year
):
    response = admin_role_client.post(
        admin_url(SchoolYear, "change", school_year.pk),
        {
            "name": school_year.name,
            "starts_on": str(SCHOOL.year_start),
            "ends_on": str(SCHOOL.year_end),
            **management_form("terms", 1),
            "terms-0-name": "Autumn",
            "terms-0-starts_on": str(SCHOOL.on(-1)),
            "terms-0-ends_on": str(SCHOOL.on(3, 20)),
        },
    )
    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert "must lie inside its school year" in str(formset.errors[0]["starts_on"])
    assert not school_year.terms.exists()


# ---------------------------------------------------------------------------
# Users


def user_post(**overrides):
    return {
        "email": "new.person@example.org",
        "given_name": "New",
        "family_name": "Person",
        "role": Role.TEACHER,
        "language": "es",
        "usable_password": "true",
        "password1": STRONG_PASSWORD,
        "password2": STRONG_PASSWORD,
        "_save": "Save",
        **overrides,
    }


def test_the_admin_creates_a_user_through_the_add_form(admin_role_client):
    response = admin_role_client.post(
        admin_url(User, "add"), user_post(email="New.Person@Example.org")
    )
    assert response.status_code == 302
    user = User.objects.get(email="new.person@example.org")
    assert (user.full_name, user.role, user.language) == (
        "New Person",
        Role.TEACHER,
        "es",
    )
    assert user.check_password(STRONG_PASSWORD)
    assert not user.is_staff


def test_a_user_can_be_created_without_a_usable_password(admin_role_client):
    response = admin_role_client.post(
        admin_url(User, "add"),
        user_post(usable_password="false", password1="", password2=""),
    )
    assert response.status_code == 302
    assert not User.objects.get(email="new.person@example.org").has_usable_password()


def test_it_rejects_a_duplicate_email_in_another_case_when_adding_a_user(
    admin_role_client, teacher
):
    response = admin_role_client.post(
        admin_url(User, "add"), user_post(email="TOMAS@Example.ORG")
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["email"] == [
        "A user with this email address already exists."
    ]
    assert User.objects.filter(email__iexact="tomas@example.org").count() == 1


def test_it_rejects_a_duplicate_email_in_another_case_when_changing_a_user(
    admin_role_client, teacher, other_teacher
):
    response = admin_role_client.post(
        admin_url(User, "change", other_teacher.pk),
        {
            "email": "Tomas@example.org",
            "given_name": other_teacher.given_name,
            "family_name": other_teacher.family_name,
            "role": Role.TEACHER,
            "language": "en",
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["email"] == [
        "A user with this email address already exists."
    ]
    other_teacher.refresh_from_db()
    assert other_teacher.email == "olga@example.org"


def test_the_admin_role_changes_a_user_and_staff_follows_the_role(
    admin_role_client, teacher
):
    response = admin_role_client.post(
        admin_url(User, "change", teacher.pk),
        {
            "email": teacher.email,
            "given_name": "Tomás T.",
            "family_name": "Teacher",
            "role": Role.ADMIN,
            "language": "en",
            "is_active": "on",
            # Ignored: these fields are not in a school admin's form.
            "is_staff": "",
            "is_superuser": "on",
        },
    )
    assert response.status_code == 302
    teacher.refresh_from_db()
    assert teacher.full_name == "Tomás T. Teacher"
    assert teacher.is_staff
    assert not teacher.is_superuser


def test_permission_fields_are_for_superusers_only(client, admin, superuser, teacher):
    client.force_login(admin)
    form = client.get(admin_url(User, "change", teacher.pk)).context["adminform"].form
    assert "email" in form.fields
    assert not {"is_superuser", "groups", "user_permissions", "is_staff"} & set(
        form.fields
    )
    client.force_login(superuser)
    form = client.get(admin_url(User, "change", teacher.pk)).context["adminform"].form
    assert {"is_superuser", "groups", "user_permissions"} <= set(form.fields)
    assert "is_staff" not in form.fields


def test_the_admin_role_cannot_change_a_superuser(admin_role_client, superuser):
    response = admin_role_client.post(
        admin_url(User, "change", superuser.pk),
        {
            "email": "ada.admin+takeover@example.org",
            "given_name": superuser.given_name,
            "family_name": superuser.family_name,
            "role": Role.ADMIN,
            "language": "en",
            "is_active": "on",
        },
    )
    assert response.status_code == 403
    assert (
        admin_role_client.get(
            reverse("admin:auth_user_password_change", args=[superuser.pk])
        ).status_code
        == 403
    )
    superuser.refresh_from_db()
    assert superuser.email == "sam.super@example.org"


def test_the_deactivate_action_deactivates_and_keeps_records(
    admin_role_client, admin, student, teacher
):
    response = admin_role_client.post(
        admin_url(User, "changelist"),
        {
            "action": "deactivate_users",
            ACTION_CHECKBOX_NAME: [str(student.pk), str(teacher.pk), str(admin.pk)],
            "confirm": "yes",
        },
    )
    assert response.status_code == 302
    student.refresh_from_db()
    teacher.refresh_from_db()
    admin.refresh_from_db()
    assert not student.is_active
    assert not teacher.is_active
    # Nobody locks themselves out by ticking their own row.
    assert admin.is_active
    assert Enrollment.objects.filter(student=student).exists()
    assert Classroom.objects.filter(teacher=teacher).exists()
    history = AuditEvent.objects.filter(actor_user=admin, code=DEACTIVATED)
    assert {int(row.target_id) for row in history} == {student.pk, teacher.pk}
    assert {row.channel for row in history} == {Channel.ADMIN}
    assert audit.describe(history[0]) == "Deactivated: can no longer sign in."


@pytest.mark.parametrize("staff_client", ["admin", "superuser"], indirect=True)
def test_the_user_admin_offers_no_bulk_delete(staff_client):
    response = staff_client.get(admin_url(User, "changelist"))
    choices = dict(response.context["action_form"].fields["action"].choices)
    assert "deactivate_users" in choices
    assert "delete_selected" not in choices


def test_the_user_list_filters_by_classroom(admin_role_client, student, other_student):
    classroom = Classroom.objects.get(name="7A")
    response = admin_role_client.get(
        admin_url(User, "changelist"), {"classroom": str(classroom.pk)}
    )
    assert list(response.context["cl"].result_list) == [student]


# ---------------------------------------------------------------------------
# Autocomplete offers only users of the right role


def autocomplete(client, app_label, model_name, field_name, term=""):
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": app_label,
            "model_name": model_name,
            "field_name": field_name,
            "term": term,
        },
    )
    assert response.status_code == 200
    return {int(result["id"]) for result in response.json()["results"]}


@pytest.mark.usefixtures("advisor", "teacher", "other_teacher")
@pytest.mark.parametrize("term", ["", "o", "example.org"])
def test_the_enrollment_student_autocomplete_offers_only_students(
    admin_role_client, student, other_student, term
):
    found = autocomplete(admin_role_client, "classrooms", "enrollment", "student", term)
    assert found == {student.pk, other_student.pk}


@pytest.mark.parametrize(
    ("app_label", "model_name", "field_name", "role"),
    [
        ("classrooms", "classroom", "teacher", Role.TEACHER),
        ("classrooms", "classroomsubject", "teacher", Role.TEACHER),
        ("accounts", "advising", "teacher", Role.TEACHER),
        ("accounts", "advising", "student", Role.STUDENT),
        # These two foreign keys declare no role; the admin adds it.
        ("grades", "score", "student", Role.STUDENT),
        ("grades", "termgrade", "student", Role.STUDENT),
    ],
)
def test_every_user_autocomplete_offers_only_the_right_role(
    admin_role_client, school, app_label, model_name, field_name, role
):
    found = autocomplete(admin_role_client, app_label, model_name, field_name)
    expected = set(User.objects.filter(role=role).values_list("pk", flat=True))
    assert found == expected
    assert expected


def test_it_rejects_a_teacher_as_a_score_student(admin_role_client, school, teacher):
    assessment = school["score"].assessment
    response = admin_role_client.post(
        admin_url(Score, "add"),
        {
            "assessment": str(assessment.pk),
            "student": str(teacher.pk),
            "points": "10",
            "state": ScoreState.GRADED,
            "comment": "",
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["student"] == [
        "Choose a user with the student role."
    ]
    assert not Score.objects.filter(student=teacher).exists()


# ---------------------------------------------------------------------------
# Grades changed in the admin leave the usual trail


def score_post(score, **overrides):
    return {
        "points": str(score.points),
        "state": score.state,
        "comment": score.comment,
        **overrides,
    }


def test_a_score_changed_in_the_admin_is_versioned_and_audited(
    admin_role_client, admin, school
):
    score = school["score"]
    response = admin_role_client.post(
        admin_url(Score, "change", score.pk), score_post(score, points="18")
    )
    assert response.status_code == 302
    score.refresh_from_db()
    assert score.points == Decimal("18")
    assert score.version == 2
    assert score.updated_by == admin
    change = GradeChange.objects.filter(score=score).order_by("-pk").first()
    assert change.changed_by == admin
    assert change.channel == "admin"
    # The gradebook's snapshot: points as stored, with two decimals.
    assert change.before["points"] == "15.00"
    assert change.after["points"] == "18.00"
    assert change.request_id == response["X-Request-ID"]


def test_it_rejects_points_above_the_maximum_in_the_admin(admin_role_client, school):
    score = school["score"]
    response = admin_role_client.post(
        admin_url(Score, "change", score.pk), score_post(score, points="21")
    )
    assert response.status_code == 200
    # The gradebook's own check and message.
    assert "21 is more than the maximum of 20." in str(
        response.context["adminform"].form.errors["points"]
    )
    score.refresh_from_db()
    assert score.points == Decimal("15")


def test_it_refuses_grade_changes_in_a_locked_term(admin_role_client, school):
    score = school["score"]
    term = score.assessment.term
    term.locked = True
    term.save()
    response = admin_role_client.post(
        admin_url(Score, "change", score.pk), score_post(score, points="18")
    )
    assert response.status_code == 200
    assert "is locked" in str(response.context["adminform"].form.non_field_errors())
    score.refresh_from_db()
    assert (score.points, score.version) == (Decimal("15"), 1)


@pytest.mark.parametrize("staff_client", ["admin", "superuser"], indirect=True)
def test_the_grade_change_log_is_read_only_for_everyone(staff_client, school):
    change = GradeChange.objects.first()
    response = staff_client.get(admin_url(GradeChange, "change", change.pk))
    assert response.status_code == 200
    assert response.context["adminform"].form.fields == {}
    assert not response.context["has_change_permission"]
    posted = staff_client.post(
        admin_url(GradeChange, "change", change.pk), {"reason": "tampered"}
    )
    assert posted.status_code == 403
    deleted = staff_client.post(
        admin_url(GradeChange, "delete", change.pk), {"post": "yes"}
    )
    assert deleted.status_code == 403
    change.refresh_from_db()
    assert change.reason == ""


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
    admin_role_client, school_year, django_assert_num_queries, model, make
):
    url = admin_url(model, "changelist")
    make(3, school_year)
    small, response = count_queries(admin_role_client, url)
    small_rows = response.context["cl"].result_count
    make(27, school_year)
    large, response = count_queries(admin_role_client, url)
    assert response.context["cl"].result_count >= small_rows + 27
    assert small == large
    with django_assert_num_queries(CHANGELIST_QUERIES[model]):
        admin_role_client.get(url)


def test_the_classroom_page_costs_the_same_queries_for_3_or_30_students(
    admin_role_client, classroom_subject
):
    classroom = classroom_subject.classroom
    url = admin_url(Classroom, "change", classroom.pk)
    for _ in range(3):
        factories.EnrollmentFactory(classroom=classroom)
    small, response = count_queries(admin_role_client, url)
    assert "Mathematics" in response.content.decode()
    for _ in range(27):
        factories.EnrollmentFactory(classroom=classroom)
    large, response = count_queries(admin_role_client, url)
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
