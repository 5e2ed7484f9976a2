"""Every rule of accounts.User and accounts.Advising, at both layers.

Model validation (`full_clean()`) gives the person a clear message; the database
constraint keeps the rule when a write goes past validation (bulk_create, update).
"""

import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from accounts.models import Advising, Role, User
from tests import factories
from tests.assertions import assert_db_rejects, assert_invalid

pytestmark = pytest.mark.django_db


def unsaved_user(**fields):
    values = {"full_name": "New Person", "role": Role.TEACHER, "password": "!"}
    return User(**(values | fields))


class TestUserEmail:
    def test_it_stores_the_email_in_lower_case(self):
        user = factories.TeacherFactory(email="Mixed.Case@Example.ORG")
        user.refresh_from_db()
        assert user.email == "mixed.case@example.org"

    def test_create_user_trims_and_lower_cases_the_email(self, password):
        user = User.objects.create_user(
            "  Nora.New@Example.ORG ", password, full_name="Nora New"
        )
        user.refresh_from_db()
        assert user.email == "nora.new@example.org"

    def test_validation_lower_cases_the_email(self):
        user = unsaved_user(email="Nora.New@Example.ORG")
        user.full_clean()
        assert user.email == "nora.new@example.org"

    def test_it_rejects_an_email_that_differs_only_in_case(self, teacher):
        assert_invalid(
            unsaved_user(email="TOMAS@Example.org"),
            "email",
            "A user with this email address already exists.",
        )

    def test_create_user_rejects_an_email_that_differs_only_in_case(
        self, teacher, password
    ):
        before = User.objects.count()
        with pytest.raises(ValidationError) as excinfo:
            User.objects.create_user("Tomas@EXAMPLE.org", password, full_name="Twin")
        assert excinfo.value.message_dict["email"] == [
            "A user with this email address already exists."
        ]
        assert User.objects.count() == before

    def test_the_database_rejects_an_email_that_differs_only_in_case(self, teacher):
        # bulk_create skips save(), so the email reaches the database as typed.
        twin = unsaved_user(email="TOMAS@Example.org")
        assert_db_rejects(
            User,
            lambda: User.objects.bulk_create([twin]),
            "accounts_user_email_ci_unique",
        )

    def test_a_user_logs_in_with_any_case_of_the_email(self, teacher, password):
        for typed in ("TOMAS@Example.org", "tomas@example.org", "Tomas@EXAMPLE.ORG"):
            assert authenticate(username=typed, password=password) == teacher

    def test_a_wrong_password_does_not_log_in_whatever_the_case(self, teacher):
        assert authenticate(username="TOMAS@Example.org", password="wrong") is None

    def test_an_inactive_user_cannot_log_in(self, teacher, password):
        assert authenticate(username=teacher.email, password=password) == teacher
        teacher.is_active = False
        teacher.save()
        assert authenticate(username=teacher.email, password=password) is None
        assert authenticate(username="TOMAS@Example.org", password=password) is None


class TestUserRole:
    def test_the_admin_role_makes_a_user_staff(self, admin):
        admin.refresh_from_db()
        assert admin.role == Role.ADMIN
        assert admin.is_staff is True
        assert admin.is_superuser is False

    @pytest.mark.parametrize("persona", ["teacher", "student"])
    def test_teachers_and_students_are_not_staff(self, request, persona):
        user = request.getfixturevalue(persona)
        user.refresh_from_db()
        assert user.is_staff is False

    def test_staff_status_follows_a_change_of_role(self, teacher):
        teacher.role = Role.ADMIN
        teacher.save()
        teacher.refresh_from_db()
        assert teacher.is_staff is True

        teacher.role = Role.TEACHER
        teacher.save()
        teacher.refresh_from_db()
        assert teacher.is_staff is False

    def test_staff_status_cannot_be_set_apart_from_the_role(self, student):
        student.is_staff = True
        student.save()
        student.refresh_from_db()
        assert student.is_staff is False

    def test_create_superuser_gives_the_admin_role_and_staff(self, password):
        user = User.objects.create_superuser(
            "Root@Example.org", password, full_name="Rita Root"
        )
        user.refresh_from_db()
        assert user.role == Role.ADMIN
        assert user.is_staff is True
        assert user.is_superuser is True
        assert user.email == "root@example.org"
        assert authenticate(username="ROOT@example.org", password=password) == user

    def test_it_rejects_an_invalid_role(self):
        assert_invalid(
            unsaved_user(email="wizard@example.org", role="wizard"),
            "role",
            "Value 'wizard' is not a valid choice.",
        )

    def test_the_database_rejects_an_invalid_role(self):
        wizard = unsaved_user(email="wizard@example.org", role="wizard")
        assert_db_rejects(
            User, lambda: User.objects.bulk_create([wizard]), "accounts_user_role_valid"
        )

    def test_the_database_rejects_changing_a_role_to_an_invalid_one(self, teacher):
        assert_db_rejects(
            User,
            lambda: User.objects.filter(pk=teacher.pk).update(role="wizard"),
            "accounts_user_role_valid",
        )
        teacher.refresh_from_db()
        assert teacher.role == Role.TEACHER


class TestAdvising:
    def test_it_accepts_a_teacher_advising_a_student(self, advisor, other_student):
        link = Advising(teacher=advisor, student=other_student)
        link.full_clean()
        link.save()
        assert Advising.objects.filter(teacher=advisor, student=other_student).exists()

    @pytest.mark.parametrize("persona", ["other_student", "admin"])
    def test_it_rejects_an_advisor_without_the_teacher_role(
        self, request, persona, student
    ):
        not_a_teacher = request.getfixturevalue(persona)
        assert_invalid(
            Advising(teacher=not_a_teacher, student=student),
            "teacher",
            "An advisor must have the teacher role.",
        )

    @pytest.mark.parametrize("persona", ["other_teacher", "admin"])
    def test_it_rejects_advising_a_user_without_the_student_role(
        self, request, persona, advisor
    ):
        not_a_student = request.getfixturevalue(persona)
        assert_invalid(
            Advising(teacher=advisor, student=not_a_student),
            "student",
            "Only a user with the student role can be advised.",
        )

    def test_it_rejects_a_second_link_between_the_same_pair(self, advisor, student):
        # The `student` persona is already advised by `advisor`.
        assert_invalid(
            Advising(teacher=advisor, student=student),
            NON_FIELD_ERRORS,
            "This teacher already advises this student.",
        )

    def test_the_database_rejects_a_second_link_between_the_same_pair(
        self, advisor, student
    ):
        again = Advising(teacher=advisor, student=student)
        assert_db_rejects(
            Advising,
            lambda: Advising.objects.bulk_create([again]),
            "accounts_advising_unique_pair",
        )

    def test_one_student_may_have_several_advisors(self, student, other_teacher):
        link = Advising(teacher=other_teacher, student=student)
        link.full_clean()
        link.save()
        assert student.advisor_links.count() == 2
