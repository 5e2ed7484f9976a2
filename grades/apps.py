from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GradesConfig(AppConfig):
    name = "grades"
    verbose_name = _("Grades")

    def ready(self):
        from grades import report_cache  # noqa: F401  (connects the version bumps)
