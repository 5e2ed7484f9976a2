from django.apps import apps
from django.contrib.auth.backends import ModelBackend

from accounts.models import Role

# What the school admin role may do in the admin. Nothing academic is deletable and
# people are deactivated, not deleted; the grade change log is read-only.
SCHOOL_ADMIN_APPS = ("accounts", "classrooms", "grades")
READ_ONLY_MODELS = {"grades.gradechange"}
DELETABLE_MODELS = {"accounts.advising", "grades.gradeband"}


def school_admin_permissions() -> frozenset[str]:
    perms = set()
    for label in SCHOOL_ADMIN_APPS:
        for model in apps.get_app_config(label).get_models():
            name = model._meta.model_name
            dotted = f"{label}.{name}"
            actions = ["view"]
            if dotted not in READ_ONLY_MODELS:
                actions += ["add", "change"]
            if dotted in DELETABLE_MODELS:
                actions.append("delete")
            perms.update(f"{label}.{action}_{name}" for action in actions)
    return frozenset(perms)


class RoleAwareBackend(ModelBackend):
    """Django's model backend, plus the permissions that come with the admin role.

    The role is the single source of truth: a school admin gets the permissions
    without a group membership that could drift from the role.
    """

    def get_group_permissions(self, user_obj, obj=None):
        perms = set(super().get_group_permissions(user_obj, obj))
        if user_obj.is_active and not user_obj.is_anonymous and obj is None:
            if user_obj.role == Role.ADMIN:
                perms |= school_admin_permissions()
        return perms
