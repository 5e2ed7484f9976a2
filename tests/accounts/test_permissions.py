"""The admin role's permissions: the School admin group, which follows the role."""

import pytest
from django.contrib.auth.models import Group

from accounts.models import Role, User
from accounts.services import SCHOOL_ADMIN_GROUP, user_update
from school.audit import Actor
from tests import factories

pytestmark = pytest.mark.django_db


def fresh(user):
    """The user re-read from the database, without a cached permission set."""
    return User.objects.get(pk=user.pk)


def group_permissions():
    return {
        f"{app_label}.{codename}"
        for app_label, codename in Group.objects.get(
            name=SCHOOL_ADMIN_GROUP
        ).permissions.values_list("content_type__app_label", "codename")
    }


class TestSchoolAdminGroup:
    def test_the_migration_gives_the_group_exactly_the_school_permissions(self):
        models = {
            "accounts": ["user", "advising"],
            "classrooms": [
                "schoolyear",
                "term",
                "subject",
                "classroom",
                "classroomsubject",
                "enrollment",
            ],
            "grades": ["gradeband", "category", "assessment", "score", "termgrade"],
        }
        expected = {
            f"{app}.{action}_{model}"
            for app, names in models.items()
            for model in names
            for action in ("view", "add", "change")
        }
        expected |= {
            "grades.view_gradechange",
            "accounts.delete_advising",
            "grades.delete_gradeband",
        }
        assert group_permissions() == expected

    def test_a_school_admin_is_staff_and_in_the_group(self, admin):
        user = fresh(admin)
        assert user.is_staff
        assert list(user.groups.values_list("name", flat=True)) == [SCHOOL_ADMIN_GROUP]

    def test_promoting_a_teacher_makes_them_staff_with_the_group(self, teacher, admin):
        assert not teacher.has_perm("classrooms.add_classroom")
        user_update(actor=Actor(user=admin), user=teacher, changes={"role": Role.ADMIN})
        promoted = fresh(teacher)
        assert promoted.is_staff
        assert promoted.groups.filter(name=SCHOOL_ADMIN_GROUP).exists()
        assert promoted.has_perm("classrooms.add_classroom")

    def test_demoting_a_school_admin_takes_staff_and_the_group_away(self, admin):
        other = factories.AdminFactory()
        user_update(actor=Actor(user=admin), user=other, changes={"role": "teacher"})
        demoted = fresh(other)
        assert not demoted.is_staff
        assert not demoted.groups.exists()
        assert demoted.get_all_permissions() == set()

    def test_a_service_write_without_a_role_change_leaves_the_group_alone(
        self, admin, django_assert_max_num_queries
    ):
        other = fresh(factories.AdminFactory())
        # The test's savepoint and its release, the row read under lock, its
        # UPDATE, the audit event, the content type (cached once read): no group.
        with django_assert_max_num_queries(6):
            user_update(
                actor=Actor(user=admin), user=other, changes={"full_name": "Ada B."}
            )
        assert fresh(other).groups.filter(name=SCHOOL_ADMIN_GROUP).exists()

    def test_no_signal_moves_the_group_when_a_role_is_saved_directly(self, admin):
        # Only the services keep the group in step: a bare save() does not.
        user = fresh(admin)
        user.role = Role.STUDENT
        user.save(update_fields=["role", "is_staff"])
        assert fresh(admin).groups.filter(name=SCHOOL_ADMIN_GROUP).exists()

    def test_a_superuser_needs_no_group(self):
        root = factories.TeacherFactory(is_superuser=True)
        assert not root.groups.exists()
        assert root.is_staff
        assert root.has_perm("classrooms.delete_classroom")


class TestSchoolAdminRole:
    @pytest.mark.parametrize(
        "perm",
        [
            "classrooms.add_classroom",
            "classrooms.change_classroom",
            "classrooms.change_enrollment",
            "classrooms.add_enrollment",
            "accounts.add_user",
            "accounts.change_user",
            "grades.change_gradeband",
            "grades.view_gradechange",
        ],
    )
    def test_a_school_admin_runs_the_school_in_the_admin(self, admin, perm):
        assert admin.has_perm(perm)

    @pytest.mark.parametrize(
        "perm",
        [
            "grades.change_gradechange",
            "grades.add_gradechange",
            "grades.delete_gradechange",
        ],
    )
    def test_a_school_admin_cannot_write_the_grade_change_log(self, admin, perm):
        assert not admin.has_perm(perm)

    @pytest.mark.parametrize(
        "perm",
        [
            "accounts.delete_user",
            "classrooms.delete_classroom",
            "classrooms.delete_enrollment",
            "classrooms.delete_schoolyear",
            "classrooms.delete_term",
            "grades.delete_assessment",
            "grades.delete_score",
            "grades.delete_termgrade",
        ],
    )
    def test_a_school_admin_cannot_delete_people_or_academic_records(self, admin, perm):
        assert not admin.has_perm(perm)

    def test_a_school_admin_can_delete_advising_links(self, admin):
        assert admin.has_perm("accounts.delete_advising")

    def test_a_school_admin_gets_nothing_outside_the_school_apps(self, admin):
        assert not admin.has_perm("auth.change_group")
        assert not admin.has_module_perms("auth")

    @pytest.mark.parametrize("app_label", ["classrooms", "grades", "accounts"])
    def test_a_school_admin_sees_the_school_apps_in_the_admin(self, admin, app_label):
        assert admin.has_module_perms(app_label)


class TestOtherRoles:
    @pytest.mark.parametrize("persona", ["teacher", "student"])
    def test_teachers_and_students_have_no_admin_permissions(self, request, persona):
        user = request.getfixturevalue(persona)
        assert not user.is_staff
        assert not user.groups.exists()
        assert user.get_all_permissions() == set()
        assert not user.has_module_perms("classrooms")

    def test_an_inactive_school_admin_has_no_permissions(self, admin):
        admin.is_active = False
        admin.save()
        inactive = fresh(admin)
        assert inactive.role == Role.ADMIN
        assert inactive.get_all_permissions() == set()
        assert not inactive.has_perm("classrooms.add_classroom")
        assert not inactive.has_module_perms("classrooms")
