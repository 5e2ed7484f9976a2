from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchoolConfig(AppConfig):
    name = "school"
    verbose_name = _("School portal")

    def ready(self):
        from django.db.backends.signals import connection_created
        from django.urls import register_converter
        from django.utils.module_loading import autodiscover_modules

        from school.collation import register_sqlite_collation
        from school.ids import IdConverter

        # `<id:name>` in every app's URLs; registered before any URLconf loads.
        register_converter(IdConverter, "id")

        # Each app's audit event codes and their messages.
        autodiscover_modules("events")
        # Lists of people sort by name with the "names" collation on SQLite too.
        connection_created.connect(
            register_sqlite_collation, dispatch_uid="school_names_collation"
        )
