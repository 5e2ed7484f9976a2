"""The "School admin" group: what the admin role may do in the Django admin.

Users with the admin role are members (accounts.signals keeps it so when the role
changes). Nothing that holds academic records is deletable, people are
deactivated rather than deleted, and the grade change log is read-only. The list
is frozen here on purpose: a later model gets its permissions in its own migration.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "School admin"

READ_WRITE = {
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
READ_ONLY = {"grades": ["gradechange"]}
# Neither holds an academic record: an advising link or a letter of the scale.
DELETABLE = {"accounts": ["advising"], "grades": ["gradeband"]}


def codenames():
    for app_label, models in READ_WRITE.items():
        for model in models:
            for action in ("view", "add", "change"):
                yield app_label, f"{action}_{model}"
    for app_label, models in READ_ONLY.items():
        for model in models:
            yield app_label, f"view_{model}"
    for app_label, models in DELETABLE.items():
        for model in models:
            yield app_label, f"delete_{model}"


def create_group(apps, schema_editor):
    # Permissions are normally created after every migration has run; the group
    # needs them now, on a fresh database too.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    User = apps.get_model("accounts", "User")

    group, _ = Group.objects.get_or_create(name=GROUP_NAME)
    wanted = set(codenames())
    permissions = [
        permission
        for permission in Permission.objects.select_related("content_type")
        if (permission.content_type.app_label, permission.codename) in wanted
    ]
    if len(permissions) != len(wanted):
        raise RuntimeError("A permission of the School admin group does not exist.")
    group.permissions.set(permissions)

    admins = User.objects.filter(role="admin")
    admins.update(is_staff=True)
    group.user_set.add(*admins)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("classrooms", "0001_initial"),
        ("grades", "0002_default_grade_bands"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
