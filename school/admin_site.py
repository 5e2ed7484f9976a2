from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from accounts.ratelimits import enforce_login_limits
from school.admin_history import AuditedAdminMixin, recent_events_of
from school.admin_input import StrictInputAdminMixin


class SchoolAdminSite(admin.AdminSite):
    site_header = _("School portal administration")
    site_title = _("School portal admin")
    index_title = _("Run the school")

    def register(self, model_or_iterable, admin_class=None, **options):
        """Every ModelAdmin reads ids and numbers strictly (school.admin_input)
        and keeps its history in the audit trail (school.admin_history), whoever
        registers it: the project's apps or other packages."""
        admin_class = admin_class or admin.ModelAdmin
        mixins = tuple(
            mixin
            for mixin in (StrictInputAdminMixin, AuditedAdminMixin)
            if not issubclass(admin_class, mixin)
        )
        if mixins:
            admin_class = type(
                admin_class.__name__,
                (*mixins, admin_class),
                {"__module__": admin_class.__module__},
            )
        super().register(model_or_iterable, admin_class, **options)

    def each_context(self, request):
        context = super().each_context(request)
        context["site_header"] = settings.SCHOOL_NAME
        return context

    def index(self, request, extra_context=None):
        extra_context = {
            "recent_events": recent_events_of(request.user, self),
            **(extra_context or {}),
        }
        return super().index(request, extra_context)

    @method_decorator(never_cache)
    @login_not_required
    def login(self, request, extra_context=None):
        # The admin's login form is a second way in: it gets the portal login's limits.
        if request.method == "POST":
            enforce_login_limits(request)
        return super().login(request, extra_context)
