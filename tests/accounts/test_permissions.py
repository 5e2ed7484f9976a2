"""The admin role's permissions, granted by RoleAwareBackend from the role alone."""

import pytest
from django.contrib.auth.models import Permission

from accounts.backends import school_admin_permissions
from accounts.models import Role, User
from tests import factories

pytestmark = pytest.mark.django_db


def fresh(user):
    """The user re-read from the database, without a cached permission set."""
    return User.objects.get(pk=user.pk)


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
        ],
    )
    def test_a_school_admin_runs_the_school_in_the_admin(self, admin, perm):
        assert admin.has_perm(perm)

    def test_a_school_admin_can_read_the_grade_change_log(self, admin):
        assert admin.has_perm("grades.view_gradechange")

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
            "classrooms.delete_classroom",
            "classrooms.delete_enrollment",
            "classrooms.delete_schoolyear",
            "grades.delete_score",
            "grades.delete_termgrade",
        ],
    )
    def test_a_school_admin_cannot_delete_academic_records(self, admin, perm):
        assert not admin.has_perm(perm)

    def test_a_school_admin_cannot_delete_users(self, admin):
        assert not admin.has_perm("accounts.delete_user")

    def test_a_school_admin_can_delete_advising_links(self, admin):
        assert admin.has_perm("accounts.delete_advising")

    def test_a_school_admin_gets_nothing_outside_the_school_apps(self, admin):
        assert not admin.has_perm("auth.change_group")
        assert not admin.has_module_perms("auth")

    @pytest.mark.parametrize("app_label", ["classrooms", "grades", "accounts"])
    def test_a_school_admin_sees_the_school_apps_in_the_admin(self, admin, app_label):
        assert admin.has_module_perms(app_label)

    def test_the_permissions_come_from_the_role_without_any_group(self, teacher):
        assert not teacher.has_perm("classrooms.add_classroom")
        teacher.role = Role.ADMIN
        teacher.save()
        promoted = fresh(teacher)
        assert not promoted.groups.exists()
        assert promoted.has_perm("classrooms.add_classroom")

    def test_every_granted_permission_exists(self):
        existing = {
            f"{app_label}.{codename}"
            for app_label, codename in Permission.objects.values_list(
                "content_type__app_label", "codename"
            )
        }
        granted = school_admin_permissions()
        assert "classrooms.add_classroom" in granted
        assert granted <= existing


class TestOtherRoles:
    @pytest.mark.parametrize("persona", ["teacher", "student"])
    def test_teachers_and_students_have_no_admin_permissions(self, request, persona):
        user = request.getfixturevalue(persona)
        assert user.get_all_permissions() == set()
        assert not any(user.has_perm(perm) for perm in school_admin_permissions())
        assert not user.has_module_perms("classrooms")

    def test_an_inactive_school_admin_has_no_permissions(self, admin):
        admin.is_active = False
        admin.save()
        inactive = fresh(admin)
        assert inactive.role == Role.ADMIN
        assert inactive.get_all_permissions() == set()
        assert not inactive.has_perm("classrooms.add_classroom")
        assert not inactive.has_perm("grades.view_gradechange")
        assert not inactive.has_module_perms("classrooms")

    def test_a_superuser_of_another_role_keeps_every_permission(self):
        # Django's own rule, kept by the backend: superusers are never filtered.
        root = factories.TeacherFactory(is_superuser=True)
        assert root.has_perm("classrooms.delete_classroom")
