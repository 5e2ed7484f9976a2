import pytest
from django.urls import reverse

from tests import factories
from tests.school_calendar import SCHOOL

pytestmark = pytest.mark.django_db


def detail_url(classroom):
    return reverse("classroom_detail", args=[classroom.pk])


class TestMyClassesAccess:
    def test_anonymous_users_go_to_login(self, client):
        response = client.get(reverse("my_classes"))
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))

    @pytest.mark.parametrize("persona", ["teacher", "student", "admin"])
    def test_every_role_gets_its_page(self, request, client, persona):
        client.force_login(request.getfixturevalue(persona))
        assert client.get(reverse("my_classes")).status_code == 200

    def test_it_refuses_post(self, client, teacher):
        client.force_login(teacher)
        assert client.post(reverse("my_classes")).status_code == 405


class TestMyClassesContent:
    # Class names are checked in the context: a short name like "6Z" can also
    # turn up inside the page's random CSRF token.
    def test_a_teacher_sees_homerooms_and_taught_subjects(
        self, client, teacher, classroom, classroom_subject, other_classroom
    ):
        science_class = factories.ClassroomFactory(name="9C")
        science = factories.ClassroomSubjectFactory(
            classroom=science_class,
            subject=factories.SubjectFactory(name="Science"),
            teacher=teacher,
        )
        client.force_login(teacher)
        response = client.get(reverse("my_classes"))
        classes = response.context["teacher_classes"]
        assert classes.homerooms == [classroom]
        assert set(classes.taught_subjects) == {classroom_subject, science}
        page = response.content.decode()
        assert "Mathematics" in page
        assert "Science" in page

    def test_a_student_sees_only_current_classes(
        self, client, student, classroom, classroom_subject, other_classroom
    ):
        left = factories.ClassroomFactory(name="6Z")
        factories.EnrollmentFactory(
            student=student, classroom=left, withdrawn_on=SCHOOL.on(1)
        )
        client.force_login(student)
        response = client.get(reverse("my_classes"))
        assert response.context["student_classrooms"] == [classroom]
        page = response.content.decode()
        assert "Mathematics" in page
        assert "Tomás Teacher" in page

    def test_staff_see_every_class(self, client, admin, classroom, other_classroom):
        client.force_login(admin)
        response = client.get(reverse("my_classes"))
        assert set(response.context["all_classrooms"]) == {classroom, other_classroom}


class TestClassroomDetailAccess:
    def test_anonymous_users_go_to_login(self, client, classroom):
        response = client.get(detail_url(classroom))
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))

    @pytest.mark.parametrize("persona", ["other_teacher", "other_student", "advisor"])
    def test_outsiders_get_404(self, request, client, classroom, student, persona):
        client.force_login(request.getfixturevalue(persona))
        assert client.get(detail_url(classroom)).status_code == 404

    def test_a_missing_classroom_is_404(self, client, admin):
        client.force_login(admin)
        assert client.get(reverse("classroom_detail", args=[999999])).status_code == 404

    def test_a_withdrawn_student_no_longer_sees_the_class(self, client, classroom):
        student = factories.StudentFactory()
        factories.EnrollmentFactory(
            student=student,
            classroom=classroom,
            withdrawn_on=SCHOOL.on(1),
        )
        client.force_login(student)
        assert client.get(detail_url(classroom)).status_code == 404

    def test_it_refuses_post(self, client, teacher, classroom):
        client.force_login(teacher)
        assert client.post(detail_url(classroom)).status_code == 405


class TestClassroomDetailContent:
    def test_the_homeroom_teacher_sees_the_roster(
        self, client, teacher, classroom, student, other_student
    ):
        client.force_login(teacher)
        response = client.get(detail_url(classroom))
        assert response.status_code == 200
        page = response.content.decode()
        # The roster is a class list: family name first.
        assert "Student, Sofía" in page
        assert student.email in page
        assert "Omar Other" not in page

    def test_a_subject_teacher_sees_the_roster(self, client, classroom, student):
        subject_teacher = factories.TeacherFactory()
        factories.ClassroomSubjectFactory(classroom=classroom, teacher=subject_teacher)
        client.force_login(subject_teacher)
        response = client.get(detail_url(classroom))
        assert response.status_code == 200
        assert "Student, Sofía" in response.content.decode()

    def test_staff_see_the_roster(self, client, admin, classroom, student):
        client.force_login(admin)
        assert "Student, Sofía" in client.get(detail_url(classroom)).content.decode()

    def test_a_student_sees_subjects_and_teachers_but_never_the_roster(
        self, client, classroom, classroom_subject, student
    ):
        classmate = factories.StudentFactory(full_name="Carla Classmate")
        factories.EnrollmentFactory(student=classmate, classroom=classroom)
        client.force_login(student)
        response = client.get(detail_url(classroom))
        assert response.status_code == 200
        page = response.content.decode()
        assert "Mathematics" in page
        assert "Tomás Teacher" in page
        assert "Carla Classmate" not in page
        assert "Classmate, Carla" not in page
        assert classmate.email not in page
        assert "roster" not in response.context or response.context["roster"] is None

    def test_withdrawn_students_are_listed_apart(
        self, client, teacher, classroom, student
    ):
        leaver = factories.StudentFactory(full_name="Lucas Leaver")
        factories.EnrollmentFactory(
            student=leaver, classroom=classroom, withdrawn_on=SCHOOL.on(1)
        )
        client.force_login(teacher)
        roster = client.get(detail_url(classroom)).context["roster"]
        assert [e.student for e in roster.current] == [student]
        assert [e.student for e in roster.withdrawn] == [leaver]


class TestSchoolOverview:
    def test_anonymous_users_go_to_login(self, client):
        response = client.get(reverse("school_overview"))
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))

    @pytest.mark.parametrize("persona", ["teacher", "student"])
    def test_other_roles_get_403(self, request, client, persona):
        client.force_login(request.getfixturevalue(persona))
        assert client.get(reverse("school_overview")).status_code == 403

    def test_staff_see_the_counts_and_admin_links(
        self, client, admin, classroom, student, other_student
    ):
        factories.TermFactory(school_year=classroom.school_year, name="Autumn")
        client.force_login(admin)
        response = client.get(reverse("school_overview"))
        assert response.status_code == 200
        overview = response.context["overview"]
        assert overview.classroom_count == 2
        assert overview.student_count == 2
        assert overview.enrollment_count == 2
        page = response.content.decode()
        assert "Autumn" in page
        assert reverse("admin:classrooms_classroom_changelist") in page


def populate(classroom, teacher, *, students, subjects):
    for _ in range(students):
        factories.EnrollmentFactory(classroom=classroom)
    factories.EnrollmentFactory(classroom=classroom, withdrawn_on=SCHOOL.on(1))
    for _ in range(subjects):
        factories.ClassroomSubjectFactory(classroom=classroom, teacher=teacher)


class TestQueryBudgets:
    """Each list page runs a fixed number of queries whatever its size."""

    @pytest.mark.parametrize("size", [1, 8])
    def test_my_classes_for_a_teacher(
        self, client, teacher, django_assert_num_queries, size
    ):
        for _ in range(size):
            classroom = factories.ClassroomFactory(teacher=teacher)
            populate(classroom, teacher, students=size, subjects=2)
            factories.ClassroomSubjectFactory(teacher=teacher)
        client.force_login(teacher)
        # user, homerooms, their subjects (prefetch), taught subjects; the session
        # comes from the cache (cached_db)
        with django_assert_num_queries(4):
            assert client.get(reverse("my_classes")).status_code == 200

    @pytest.mark.parametrize("size", [1, 8])
    def test_my_classes_for_a_student(self, client, django_assert_num_queries, size):
        student = factories.StudentFactory()
        for _ in range(size):
            classroom = factories.ClassroomFactory()
            factories.EnrollmentFactory(student=student, classroom=classroom)
            populate(classroom, classroom.teacher, students=1, subjects=size)
        client.force_login(student)
        # user, classrooms with teacher, their subjects and teachers (prefetch)
        with django_assert_num_queries(3):
            assert client.get(reverse("my_classes")).status_code == 200

    @pytest.mark.parametrize("size", [1, 8])
    def test_my_classes_for_staff(self, client, admin, django_assert_num_queries, size):
        for _ in range(size):
            classroom = factories.ClassroomFactory()
            populate(classroom, classroom.teacher, students=1, subjects=size)
        client.force_login(admin)
        # user, classrooms with year and teacher, subjects (prefetch)
        with django_assert_num_queries(3):
            assert client.get(reverse("my_classes")).status_code == 200

    @pytest.mark.parametrize("size", [2, 30])
    def test_classroom_roster(
        self, client, teacher, classroom, django_assert_num_queries, size
    ):
        populate(classroom, teacher, students=size, subjects=size // 2)
        client.force_login(teacher)
        # user, classroom with year and teacher, subjects (prefetch), terms of the
        # year (for the report cards' form), enrollments
        with django_assert_num_queries(5):
            assert client.get(detail_url(classroom)).status_code == 200

    @pytest.mark.parametrize("size", [1, 10])
    def test_school_overview(
        self, client, admin, school_year, django_assert_num_queries, size
    ):
        for index in range(size):
            factories.TermFactory(school_year=school_year, name=f"T{index}")
            classroom = factories.ClassroomFactory(school_year=school_year)
            populate(classroom, classroom.teacher, students=size, subjects=1)
        client.force_login(admin)
        # user, current year, terms, four counts, grade levels (report cards form)
        with django_assert_num_queries(8):
            assert client.get(reverse("school_overview")).status_code == 200
